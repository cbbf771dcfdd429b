// Client scenarios shared by the smoke test (real broker) and the embedded-cluster test
// (librdkafka's mock): each runs one Kafka feature end to end and reports what it observed,
// so the same code states what works where.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace leifeng::kafka_test {

struct Record {
  std::string key;
  std::string value;
  int32_t partition = 0;
  int64_t offset = 0;
};

// The broker address the ctest fixture wrote (env LEIFENG_TEST_BOOTSTRAP_FILE); throws when
// it is unset or the file is missing.
std::string fixture_bootstrap_servers();

// A name unique to this process and call, e.g. "leifeng-smoke-4711-1718000000123-lz4".
std::string unique_name(const std::string& what);

// Produces `count` records with keys "k<i mod 17>" and values "<tag>-<i>" (followed by
// `padding` bytes of 'x') through an idempotent producer (acks=all) with the given
// compression.type; returns how many were delivered without error. Throws on a client error.
int produce_idempotent(const std::string& bootstrap, const std::string& topic,
                       const std::string& compression, int count, const std::string& tag,
                       std::size_t padding = 0);

// Low and high watermark of one partition.
std::pair<int64_t, int64_t> watermarks(const std::string& bootstrap, const std::string& topic,
                                       int32_t partition);

// Reads every partition of `topic` from the beginning until `expected` records arrived or
// `timeout` passed. isolation.level is "read_committed" or "read_uncommitted".
std::vector<Record> read_all(const std::string& bootstrap, const std::string& topic,
                             int32_t partitions, const std::string& isolation, std::size_t expected,
                             std::chrono::milliseconds timeout = std::chrono::seconds(30));

// One transaction of `committed` records "committed-<i>" committed, one of `aborted`
// records "aborted-<i>" aborted, then a committed "end" record (so the reader knows it has
// seen everything). Throws with librdkafka's message when a transaction call fails.
void produce_transactions(const std::string& bootstrap, const std::string& topic, int committed,
                          int aborted);

// Consumer group `group` subscribed to `topic`: consumes `count` records, commits their
// offsets synchronously, closes. Returns what it consumed.
// `extra`: further consumer properties (e.g. session.timeout.ms).
std::vector<Record> consume_and_commit(
    const std::string& bootstrap, const std::string& topic, const std::string& group,
    std::size_t count, const std::map<std::string, std::string>& extra = {},
    std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Committed offsets of `group` for partitions 0..partitions-1 of `topic` (-1001 = none).
std::map<int32_t, int64_t> committed_offsets(const std::string& bootstrap, const std::string& topic,
                                             int32_t partitions, const std::string& group);

}  // namespace leifeng::kafka_test
