// Standby replicas ([runtime] standby_replicas): warm copies of store partitions this instance
// does not own, so that taking one over restores only the changelog tail. A consumer of its
// own (no group: manual assignment, read_committed, nothing committed) tails the changelogs of
// the copies into the same local RocksDB state a task of that partition would use
// (<state root>/<task name>), recording the applied changelog offset in the same write batch
// as the ChangelogRestorer does (TaskStateDb::apply_restored). When the partition is assigned
// here, release() closes the copy first and the restorer continues from its offset.
//
// The copies are read by queries only through QueryableState::standby(), which marks every
// answer as a standby's, with its lag behind the changelog.
//
// A copy whose local state is past its changelog's end (an owner here committed and the
// transaction's markers are not written yet) stays closed, and is tried again, until the end
// passes it; only a state still ahead after markers_wait (a recreated topic) is rebuilt.
//
// Which copies: the runtime asks for every store partition it does not own (see
// StreamRuntime's warm_standbys), so with k instances each partition has k-1 copies.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "changelog_consumer.hpp"
#include "changelog_restorer.hpp"
#include "state_db.hpp"

namespace leifeng::runtime {

class QueryableState;

// One task partition to keep warm.
struct StandbyTask {
  std::string name;  // the task's name, also its state directory under the state root
  int32_t partition = 0;
  std::map<std::string, std::string> changelogs;  // store -> changelog topic
  bool operator==(const StandbyTask&) const = default;
};

class StandbyReplicas {
 public:
  // `kafka_config`: librdkafka properties (bootstrap.servers and the [kafka] table).
  // `queries` may be null (queries are not served).
  // `markers_wait`: how long a copy whose local state is ahead of its changelog's end waits
  // for the markers of a committed transaction before it is rebuilt (ChangelogRestorer's).
  StandbyReplicas(std::map<std::string, std::string> kafka_config, std::string group_id,
                  std::filesystem::path state_root, QueryableState* queries,
                  std::chrono::milliseconds markers_wait = ChangelogRestorer::kMarkersWait);
  ~StandbyReplicas();
  StandbyReplicas(const StandbyReplicas&) = delete;
  StandbyReplicas& operator=(const StandbyReplicas&) = delete;

  // From now on keeps exactly `tasks` warm; returns at once (the copies open and close on the
  // standby's own thread, which this starts the first time).
  void warm(std::vector<StandbyTask> tasks);
  // Stops keeping the tasks named warm and returns once their state is closed (and withdrawn
  // from the queries), so that their owner can open it. Names not kept warm are ignored.
  void release(const std::vector<std::string>& names);
  // Closes every copy and stops the thread; idempotent.
  void stop();

  // Changelog records applied to the copies since the start.
  int64_t applied_records() const { return applied_.load(std::memory_order_relaxed); }
  // The tasks kept warm now (those whose copy is open), by name.
  std::vector<std::string> warm_tasks() const;
  // The changelog offset each store of `name`'s copy has applied; empty when it is not open.
  std::map<std::string, int64_t> applied_offsets(const std::string& name) const;

 private:
  struct Copy;
  void loop();
  // Opens, closes and reassigns so that the copies are `wanted`.
  void sync(const std::map<std::string, StandbyTask>& wanted);
  // Opens the copies of `tasks` (except those left closed for now); true if any was opened.
  bool open_copies(const std::vector<StandbyTask>& tasks);
  void close_copy(Copy& copy);
  void reassign();
  void apply_pending();
  void apply(Copy& copy, std::size_t store);

  std::filesystem::path state_root_;
  QueryableState* queries_;
  std::chrono::milliseconds markers_wait_;
  ChangelogConsumer consumer_;
  std::atomic<int64_t> applied_{0};

  // Owned by the standby thread (copies_ read under mutex_ by the accessors).
  std::map<std::string, std::unique_ptr<Copy>> copies_;
  // Copies left closed because their state was ahead of the changelog's end: since when. Their
  // opening is tried again every kRetryInterval until the markers arrive or markers_wait_ ends.
  std::map<std::string, std::chrono::steady_clock::time_point> ahead_since_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, StandbyTask> wanted_;
  uint64_t requested_ = 0;  // generation of wanted_
  uint64_t done_ = 0;       // generation the thread has synced to
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace leifeng::runtime
