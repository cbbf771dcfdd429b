#include "drivers/work_on_threads.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <numeric>
#include <system_error>
#include <thread>

namespace leifeng::app {

void work_on_threads(const std::vector<size_t>& items, int threads,
                     const std::function<void(size_t item)>& work) {
  std::atomic<size_t> next{0};
  std::mutex error_mutex;
  std::exception_ptr error;
  const auto take_until_done = [&] {
    for (size_t at = next++; at < items.size(); at = next++) {
      try {
        work(items[at]);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    }
  };
  const size_t helpers =
      std::min(items.size(), static_cast<size_t>(std::max(threads, 1))) - (items.empty() ? 0 : 1);
  std::vector<std::thread> helping;
  helping.reserve(helpers);
  for (size_t i = 0; i < helpers; ++i) {
    try {
      helping.emplace_back(take_until_done);
    } catch (const std::system_error&) {
      break;  // no thread to be had: the ones started and the caller do the rest
    }
  }
  take_until_done();
  for (std::thread& thread : helping) thread.join();
  if (error) std::rethrow_exception(error);
}

std::vector<size_t> largest_first(const std::vector<size_t>& sizes) {
  std::vector<size_t> order(sizes.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&sizes](size_t a, size_t b) { return sizes[a] > sizes[b]; });
  return order;
}

}  // namespace leifeng::app
