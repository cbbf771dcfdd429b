#include "standby_placement.hpp"

#include <utility>

namespace leifeng::runtime {

StandbyPlacement::~StandbyPlacement() {
  stop();
}

void StandbyPlacement::claim(int thread, const std::vector<std::string>& names) {
  std::lock_guard lock(mutex_);
  owned_[thread].insert(names.begin(), names.end());
  // Under the lock: a sibling's settlement must not warm these again before they are closed.
  if (replicas_) replicas_->release(names);
}

void StandbyPlacement::settle(int thread, std::set<std::string> owned,
                              const std::vector<StandbyTask>& candidates,
                              const MakeReplicas& make) {
  std::lock_guard lock(mutex_);
  owned_[thread] = std::move(owned);
  std::vector<StandbyTask> warm;
  for (const StandbyTask& task : candidates) {
    bool taken = false;
    for (const auto& [other, names] : owned_) taken = taken || names.contains(task.name);
    if (!taken) warm.push_back(task);
  }
  if (!replicas_) replicas_ = make();
  replicas_->warm(std::move(warm));
}

void StandbyPlacement::forget(int thread) {
  std::lock_guard lock(mutex_);
  owned_.erase(thread);
}

int64_t StandbyPlacement::take_applied() {
  std::lock_guard lock(mutex_);
  if (!replicas_) return 0;
  const int64_t applied = replicas_->applied_records();
  const int64_t added = applied - reported_;
  reported_ = applied;
  return added;
}

void StandbyPlacement::stop() {
  std::unique_ptr<StandbyReplicas> replicas;
  {
    std::lock_guard lock(mutex_);
    replicas = std::move(replicas_);
    reported_ = 0;
  }
  // Outside the lock: closing waits for the standby's thread.
  if (replicas) replicas->stop();
}

}  // namespace leifeng::runtime
