// run_until_caught_up with several stream threads (src/caught_up_barrier.hpp): done only when
// every thread has found the group caught up and processed nothing since.
#include "caught_up_barrier.hpp"

#include <gtest/gtest.h>

namespace leifeng::runtime {
namespace {

TEST(CaughtUpBarrier, AllOnlyWhenEveryThreadArrivedAndNoneProcessedSince) {
  CaughtUpBarrier barrier(2);
  EXPECT_FALSE(barrier.all());
  barrier.arrive(0);
  barrier.arrive(0);  // checking again counts once
  EXPECT_TRUE(barrier.arrived(0));
  EXPECT_FALSE(barrier.all());
  // The first thread processes what the second sent it: it has to check again.
  barrier.leave(0);
  EXPECT_FALSE(barrier.arrived(0));
  barrier.arrive(1);
  EXPECT_FALSE(barrier.all());
  barrier.leave(0);  // leaving twice counts once
  EXPECT_FALSE(barrier.all());
  barrier.arrive(0);
  EXPECT_TRUE(barrier.all());
}

TEST(CaughtUpBarrier, ArrivalsCountTheThreadsWaitingNow) {
  // A thread that has not arrived checks again when this count changes.
  CaughtUpBarrier barrier(3);
  EXPECT_EQ(barrier.arrivals(), 0);
  barrier.arrive(2);
  barrier.arrive(2);
  EXPECT_EQ(barrier.arrivals(), 1);
  barrier.arrive(0);
  EXPECT_EQ(barrier.arrivals(), 2);
  barrier.leave(2);
  barrier.leave(1);  // a thread that had not arrived changes nothing
  EXPECT_EQ(barrier.arrivals(), 1);
}

TEST(CaughtUpBarrier, OneThreadIsDoneWhenItArrives) {
  CaughtUpBarrier barrier(1);
  barrier.leave(0);
  EXPECT_FALSE(barrier.all());
  barrier.arrive(0);
  EXPECT_TRUE(barrier.all());
}

}  // namespace
}  // namespace leifeng::runtime
