// The order in which an instance's stream threads first join the group (stream_runtime.hpp).
// When they all subscribe at once, the broker (group.initial.rebalance.delay.ms 0) often
// completes a generation with the first member alone; the next member's join then fails the
// first one's SyncGroup, and librdkafka 2.0.2 rejoins after such a failure only a second after
// its last join (rkcg_join_intvl), so no thread processes anything for about a second. Joining
// after the first thread has its assignment takes the ordinary path instead: the first thread
// holds that assignment, no task open, until its heartbeat learns of the rebalance, revokes,
// and rejoins at once (docs/performance-history.md, "Stream threads' first join" and "The
// first assignment held, and the start's other waits").
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace leifeng::runtime {

class JoinOrder {
 public:
  // `bound`: the longest the other threads wait for the first one. It stays under a broker's
  // default group.initial.rebalance.delay.ms (3 s), within which joins share a generation.
  explicit JoinOrder(std::chrono::milliseconds bound) : bound_(bound) {}

  // The first thread has its first assignment, or will not get one (it stopped, failed, or
  // found nothing to do).
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    opened_.notify_all();
  }

  // Another thread, before it subscribes: until open(), `stop`, or the bound. True when opened.
  bool wait(const std::atomic<bool>& stop) {
    const auto until = std::chrono::steady_clock::now() + bound_;
    std::unique_lock lock(mutex_);
    while (!open_ && !stop.load(std::memory_order_relaxed) &&
           std::chrono::steady_clock::now() < until) {
      opened_.wait_for(lock, kStopCheck);
    }
    return open_;
  }

 private:
  static constexpr std::chrono::milliseconds kStopCheck{20};
  const std::chrono::milliseconds bound_;
  std::mutex mutex_;
  std::condition_variable opened_;
  bool open_ = false;
};

}  // namespace leifeng::runtime
