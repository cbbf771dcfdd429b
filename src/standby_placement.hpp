// Where an instance's standby copies go when it runs several stream threads: one
// StandbyReplicas for the whole instance keeps warm every store partition that no thread here
// owns. A thread claims the tasks it is assigned before it opens them (their copies close
// first: one RocksDB per directory) and settles what it owns once they are restored; the copies
// are then every candidate no thread has claimed. Claims and settlements of different threads
// are serialized, so a copy is never warmed for a task a sibling has claimed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "standby_replicas.hpp"

namespace leifeng::runtime {

class StandbyPlacement {
 public:
  using MakeReplicas = std::function<std::unique_ptr<StandbyReplicas>()>;

  StandbyPlacement() = default;
  ~StandbyPlacement();
  StandbyPlacement(const StandbyPlacement&) = delete;
  StandbyPlacement& operator=(const StandbyPlacement&) = delete;

  // Thread `thread` is about to open the tasks `names`: from now on none is warmed, and any copy
  // of them is closed when this returns.
  void claim(int thread, const std::vector<std::string>& names);
  // Thread `thread` owns exactly `owned` now. Keeps warm each of `candidates` (every store task
  // of the topology) that no thread owns; `make` creates the replicas the first time.
  void settle(int thread, std::set<std::string> owned, const std::vector<StandbyTask>& candidates,
              const MakeReplicas& make);
  // Thread `thread` closed its tasks (revoked, or its clients rebuilt). Nothing is warmed for
  // them until the next settlement.
  void forget(int thread);
  // Changelog records the copies applied since the last call (for the metric).
  int64_t take_applied();
  // Closes every copy; the next settlement starts the replicas again.
  void stop();

 private:
  std::mutex mutex_;
  std::map<int, std::set<std::string>> owned_;
  std::unique_ptr<StandbyReplicas> replicas_;
  int64_t reported_ = 0;
};

}  // namespace leifeng::runtime
