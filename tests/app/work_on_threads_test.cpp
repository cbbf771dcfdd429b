// work_on_threads (app/drivers/work_on_threads.hpp): every item runs once, on as many threads
// as asked, a failure is rethrown only after the other items ran, and largest_first orders by
// size.
#include "drivers/work_on_threads.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace leifeng::app {
namespace {

TEST(WorkOnThreads, RunsEveryItemOnceOnUpToTheThreadsAsked) {
  for (const int threads : {0, 1, 2, 3, 16}) {
    const std::vector<size_t> items{4, 0, 7, 2, 9, 1, 3};
    std::vector<std::atomic<int>> runs(10);
    std::mutex mutex;
    std::set<std::thread::id> ran_on;
    work_on_threads(items, threads, [&](size_t item) {
      ++runs[item];
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // others take the next
      std::lock_guard lock(mutex);
      ran_on.insert(std::this_thread::get_id());
    });
    for (size_t item = 0; item < runs.size(); ++item) {
      const bool listed = item != 5 && item != 6 && item != 8;
      EXPECT_EQ(runs[item].load(), listed ? 1 : 0) << "item " << item << ", " << threads;
    }
    EXPECT_GE(ran_on.size(), 1U);
    EXPECT_LE(ran_on.size(), static_cast<size_t>(std::max(threads, 1))) << threads;
    if (threads <= 1) {
      EXPECT_TRUE(ran_on.count(std::this_thread::get_id())) << threads;
    }
  }
}

TEST(WorkOnThreads, RethrowsTheFirstFailureAfterTheOtherItemsRan) {
  std::atomic<int> done{0};
  EXPECT_THROW(work_on_threads({0, 1, 2, 3, 4, 5}, 2,
                               [&](size_t item) {
                                 if (item == 1) throw std::runtime_error("cannot write item 1");
                                 ++done;
                               }),
               std::runtime_error);
  EXPECT_EQ(done.load(), 5);
}

TEST(WorkOnThreads, NoItemsIsNoWork) {
  work_on_threads({}, 4, [](size_t) { FAIL() << "no item to run"; });
}

TEST(LargestFirst, OrdersIndicesBySizeDescendingAndTiesByIndex) {
  EXPECT_EQ(largest_first({3, 10, 0, 10, 7}), (std::vector<size_t>{1, 3, 4, 0, 2}));
  EXPECT_TRUE(largest_first({}).empty());
}

}  // namespace
}  // namespace leifeng::app
