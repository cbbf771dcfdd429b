// An in-process Kafka cluster (librdkafka's mock cluster, rdkafka_mock.h) for demos and for
// programs run without a configured cluster. Clients connect to bootstrap_servers() over
// localhost TCP like to any cluster. It lives as long as this object.
//
// What it cannot promise (librdkafka 2.0.2; each point is checked by
// tests/kafka/embedded_cluster_test.cpp):
//  - No Admin API: the mock never answers CreateTopics (the call times out), so create topics
//    with create_topics() below. Topic configs (cleanup.policy, retention.ms, ...) are
//    ignored: no compaction, and every partition keeps only about its last 5 MiB or 100,000
//    record batches of log (older records are dropped, the low watermark moves up). No place for
//    data that must be retained; fine for the demo's month of events, and trimmed_partitions()
//    tells when it was not.
//  - Topics that do not exist are created on first use with 4 partitions, unlike the
//    project's brokers (auto.create.topics.enable=false).
//  - Transactions are NOT isolated: init/begin/commit/abort all succeed, but the mock writes
//    no abort markers, so read_committed consumers also see records of aborted transactions.
//    Exactly-once holds only as long as no transaction aborts; use a real broker to rely on it.
//  - TxnOffsetCommit (send_offsets_to_transaction) succeeds but stores no offsets: the group's
//    committed offsets never move. Commit offsets with a plain consumer commit instead (the
//    runtime's ProcessingGuarantee::at_least_once).
//  - Consumer groups and plain offset commits work. A join takes about 3 s, and a closed
//    member is kept until its session times out, so the next member of the group waits
//    session.timeout.ms (set it low for a consumer that joins the same group again).
//  - Nothing is persisted: everything is gone when this object is destroyed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "leifeng/runtime/topic_admin.hpp"

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace leifeng::runtime {

class EmbeddedCluster {
 public:
  // Starts `brokers` mock brokers on ephemeral localhost ports. Throws std::runtime_error.
  explicit EmbeddedCluster(int brokers = 1);
  ~EmbeddedCluster();
  EmbeddedCluster(const EmbeddedCluster&) = delete;
  EmbeddedCluster& operator=(const EmbeddedCluster&) = delete;

  // Comma-separated host:port list for bootstrap.servers.
  const std::string& bootstrap_servers() const { return bootstrap_servers_; }

  // Creates the topics with their partition counts (replication is capped at the number of
  // brokers); configs are ignored. Creating an existing topic is not an error (idempotent).
  void create_topics(const std::vector<TopicSpec>& specs);

  // A partition whose oldest records were dropped: it now starts at first_offset, not 0.
  struct TrimmedPartition {
    std::string topic;
    int32_t partition = 0;
    int64_t first_offset = 0;
  };
  // The partitions of `specs` that lost records that way. Throws std::runtime_error when the
  // offsets cannot be read.
  std::vector<TrimmedPartition> trimmed_partitions(const std::vector<TopicSpec>& specs) const;

  // Fault injection for tests: the next ListOffsets requests (end offsets, offsets for times)
  // fail with `errors` (librdkafka error codes), one request each, as a real broker answers
  // while a partition's leadership moves.
  void fail_next_offset_requests(const std::vector<int>& errors);
  // The next OffsetCommit requests (plain consumer commits) fail with `errors`, one request
  // each, as a group coordinator answers while the group rebalances.
  void fail_next_offset_commits(const std::vector<int>& errors);

 private:
  void fail_next_requests(int16_t api_key, const std::vector<int>& errors);

  rd_kafka_s* handle_ = nullptr;
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
  int brokers_;
  std::string bootstrap_servers_;
};

}  // namespace leifeng::runtime
