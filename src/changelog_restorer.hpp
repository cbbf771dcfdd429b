// Rebuilds a task's stores from their changelog topics before the task processes anything.
// Each store is replayed from the offset its local state records (only the tail after the last
// applied commit) or, for a task new to this instance, from the beginning. Reads are
// read_committed, so records of aborted transactions never reach a store, and replay ends at
// the last stable offset (an open transaction of a crashed instance delays it until the broker
// aborts that transaction after transaction.timeout.ms).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "changelog_consumer.hpp"
#include "offset_lookup.hpp"
#include "state_db.hpp"

namespace leifeng::runtime {

struct RestoreProgress {
  std::string store;
  int32_t partition = 0;
  int64_t restored = 0;   // records applied so far for this store partition
  int64_t remaining = 0;  // estimate from the high watermark
};

// One store partition to bring up to date.
struct RestoreTarget {
  TaskStateDb* state = nullptr;
  std::string store;
  std::string topic;  // its changelog
  int32_t partition = 0;
};

// What a restore did.
struct RestoreResult {
  int64_t records = 0;       // changelog records applied to local state
  int64_t wiped_tasks = 0;   // tasks whose local state was ahead of its changelog, rebuilt
  bool interrupted = false;  // the stop flag was set before the end was reached
};

class ChangelogRestorer {
 public:
  using ProgressFn = std::function<void(const RestoreProgress&)>;
  // How long one consumer asks for the changelogs' end offsets before a new one does: in a CI
  // run of the failover test, after a broker was killed and restarted, one consumer got "Not
  // leader for partition" (librdkafka 2.0.2) for the full five-minute timeout; a new consumer
  // starts from the cluster's current metadata.
  static constexpr std::chrono::milliseconds kEndOffsetsAttempt{15000};
  // How long local state ahead of its changelog's end waits for that end to come (see
  // wait_for_markers) before it is taken for the state of a recreated topic and rebuilt.
  static constexpr std::chrono::milliseconds kMarkersWait{30000};

  // `kafka_config`: librdkafka properties (bootstrap.servers and the [kafka] table).
  // `end_offsets_attempt`, `markers_wait`: see kEndOffsetsAttempt, kMarkersWait (tests
  // shorten them).
  ChangelogRestorer(std::map<std::string, std::string> kafka_config, std::string group_id,
                    std::chrono::milliseconds end_offsets_attempt = kEndOffsetsAttempt,
                    std::chrono::milliseconds markers_wait = kMarkersWait);

  // Restores all targets together (one assignment, so the waits for the ends overlap).
  // Throws std::runtime_error when Kafka cannot be read within `timeout_ms`; returns
  // `interrupted` when `stop` is set first.
  RestoreResult restore(const std::vector<RestoreTarget>& targets, const std::atomic<bool>& stop,
                        const ProgressFn& progress, int timeout_ms = 300000);

 private:
  // The `bound` offsets of `partitions`, asked again through a new consumer after each attempt
  // that timed out on errors of moving leaders, until `deadline`; nullopt when `stop` is set
  // first. Throws std::runtime_error.
  std::optional<std::vector<int64_t>> offsets(const std::vector<TopicPartitionId>& partitions,
                                              OffsetBound bound, const std::atomic<bool>& stop,
                                              std::chrono::steady_clock::time_point deadline);

  // A committed transaction's markers are written to its partitions by the coordinator after
  // the commit returned, and the state is written when it returns: until the markers land
  // (seconds when a broker has just failed), the end a read_committed consumer sees, the last
  // stable offset, is before state that is already committed. So while a target's local
  // offset is past its end, asks the ends again, for up to `markers_wait_`; updates `ends`.
  // False when `stop` is set first.
  bool wait_for_markers(const std::vector<RestoreTarget>& targets,
                        const std::vector<TopicPartitionId>& partitions, std::vector<int64_t>& ends,
                        const std::atomic<bool>& stop,
                        std::chrono::steady_clock::time_point deadline);

  // librdkafka's lines and errors of the consumer go to the logger. Not told to the runtime's
  // connection state: they are served only on the next restore, long after.
  ChangelogConsumer consumer_;
  std::chrono::milliseconds end_offsets_attempt_;
  std::chrono::milliseconds markers_wait_;
};

}  // namespace leifeng::runtime
