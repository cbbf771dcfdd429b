// run_until_caught_up with several stream threads (stream_runtime.hpp): the run is caught up
// once every thread, at one moment, has found the group caught up and processed nothing since.
// A thread that processes a record after its check (a sibling's repartition record, say) has
// to check again: its check may predate what that record leads it to write.
#pragma once

#include <atomic>
#include <memory>

namespace leifeng::runtime {

class CaughtUpBarrier {
 public:
  explicit CaughtUpBarrier(int threads)
      : threads_(threads), arrived_(std::make_unique<std::atomic<bool>[]>(threads)) {}

  // Thread `thread` found the group caught up.
  void arrive(int thread) {
    if (!arrived_[thread].exchange(true, std::memory_order_acq_rel))
      count_.fetch_add(1, std::memory_order_acq_rel);
  }
  // Thread `thread` processed a record since it arrived (cheap when it had not arrived).
  void leave(int thread) {
    if (arrived_[thread].load(std::memory_order_relaxed) &&
        arrived_[thread].exchange(false, std::memory_order_acq_rel))
      count_.fetch_sub(1, std::memory_order_acq_rel);
  }
  bool arrived(int thread) const { return arrived_[thread].load(std::memory_order_acquire); }
  // How many threads have arrived; a change tells the others to check again.
  int arrivals() const { return count_.load(std::memory_order_acquire); }
  bool all() const { return count_.load(std::memory_order_acquire) == threads_; }

 private:
  const int threads_;
  std::unique_ptr<std::atomic<bool>[]> arrived_;
  std::atomic<int> count_{0};
};

}  // namespace leifeng::runtime
