// [runtime] threads: the other stream threads join the group after the first one has its
// assignment, or once they have waited long enough (src/join_order.hpp).
#include "join_order.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace leifeng::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

milliseconds since(steady_clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);
}

TEST(JoinOrder, AWaitingThreadGoesWhenTheFirstThreadOpens) {
  JoinOrder order(milliseconds(10000));
  const std::atomic<bool> stop{false};
  const auto start = steady_clock::now();
  std::thread first([&order] {
    std::this_thread::sleep_for(milliseconds(100));
    order.open();
  });
  EXPECT_TRUE(order.wait(stop));
  first.join();
  EXPECT_GE(since(start), milliseconds(100));
  EXPECT_LT(since(start), milliseconds(5000));
  // Once open, it stays open.
  EXPECT_TRUE(order.wait(stop));
}

TEST(JoinOrder, AWaitingThreadGoesAfterTheBoundWithoutTheFirstThread) {
  JoinOrder order(milliseconds(150));
  const std::atomic<bool> stop{false};
  const auto start = steady_clock::now();
  EXPECT_FALSE(order.wait(stop));
  EXPECT_GE(since(start), milliseconds(150));
}

TEST(JoinOrder, AWaitingThreadGoesWhenTheRunStops) {
  JoinOrder order(milliseconds(10000));
  std::atomic<bool> stop{false};
  const auto start = steady_clock::now();
  std::thread stopper([&stop] {
    std::this_thread::sleep_for(milliseconds(50));
    stop.store(true);
  });
  EXPECT_FALSE(order.wait(stop));
  stopper.join();
  EXPECT_LT(since(start), milliseconds(5000));
}

}  // namespace
}  // namespace leifeng::runtime
