// The tasks an instance's stream threads keep open from a revocation to the assignment that
// ends the rebalance (docs/architecture.md, "Eager rebalancing"), shared by the threads:
// - A task one thread kept and the group gives to a sibling is handed over open. Were it
//   closed at the keeper's own assignment instead, a sibling given it would wait for its lock,
//   inside its assignment callback, where it cannot rejoin; a generation that lacked the keeper
//   then stalled the group for the 10 s the keeper holds them (measured).
// - What no thread took closes once every thread that kept tasks has had its assignment, in
//   the background: closing flushes each task's memtables, and on the assignment's path that
//   took 100-300 ms of the rebalance under load (docs/performance-history.md, "Tasks kept
//   open across a rebalance").
#pragma once

#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "task.hpp"

namespace leifeng::runtime {

class KeptTasks {
 public:
  using Tasks = std::map<TaskId, std::unique_ptr<StreamTask>>;

  KeptTasks() = default;
  KeptTasks(const KeptTasks&) = delete;
  KeptTasks& operator=(const KeptTasks&) = delete;
  ~KeptTasks() { close_all(); }

  // Stream thread `thread`'s tasks, committed, at a revocation.
  void keep(int thread, Tasks tasks) {
    std::lock_guard lock(mutex_);
    for (auto& [id, task] : tasks) kept_[id] = std::move(task);
    waiting_.insert(thread);
  }

  // The task `id` if a thread of this instance kept it, to whichever thread the group gave it.
  std::unique_ptr<StreamTask> take(TaskId id) {
    std::lock_guard lock(mutex_);
    auto it = kept_.find(id);
    if (it == kept_.end()) return nullptr;
    std::unique_ptr<StreamTask> task = std::move(it->second);
    kept_.erase(it);
    return task;
  }

  // `thread` took what its assignment gives, or stopped waiting for one (kKeptTasksHold, its
  // end). Once no thread waits, the tasks nobody took start closing.
  void done(int thread) {
    std::lock_guard lock(mutex_);
    waiting_.erase(thread);
    std::erase_if(closing_, [](const std::future<void>& f) {
      return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    });
    if (!waiting_.empty() || kept_.empty()) return;
    closing_.push_back(std::async(std::launch::async,
                                  [left = std::exchange(kept_, {})]() mutable { left.clear(); }));
  }

  // Closes every task kept and waits for the closes under way: before the threads' topologies,
  // which the tasks refer to, are gone, and before a run returns with its state on disk.
  void close_all() {
    Tasks left;
    std::vector<std::future<void>> closing;
    {
      std::lock_guard lock(mutex_);
      left = std::exchange(kept_, {});
      closing = std::exchange(closing_, {});
      waiting_.clear();
    }
    left.clear();
    for (auto& f : closing) f.wait();
  }

 private:
  std::mutex mutex_;
  Tasks kept_;
  std::set<int> waiting_;  // threads that kept tasks and have not had their assignment since
  std::vector<std::future<void>> closing_;
};

}  // namespace leifeng::runtime
