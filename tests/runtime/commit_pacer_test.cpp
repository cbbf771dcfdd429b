// [runtime] max_commit_interval_ms: under load each transaction lasts twice the previous one up
// to the maximum; once the input drains, commit_interval_ms again.
#include "commit_pacer.hpp"

#include <gtest/gtest.h>

namespace {

using leifeng::runtime::CommitPacer;
using std::chrono::milliseconds;

TEST(CommitPacer, GrowsUnderLoadUpToTheMaximumAndStartsOverOnceDrained) {
  CommitPacer pacer(milliseconds(100), milliseconds(500));
  EXPECT_EQ(pacer.interval(), milliseconds(100));
  pacer.committing(true);
  EXPECT_EQ(pacer.interval(), milliseconds(200));
  pacer.committing(true);
  EXPECT_EQ(pacer.interval(), milliseconds(400));
  pacer.committing(true);
  EXPECT_EQ(pacer.interval(), milliseconds(500));
  pacer.committing(true);
  EXPECT_EQ(pacer.interval(), milliseconds(500));
  pacer.committing(false);
  EXPECT_EQ(pacer.interval(), milliseconds(100));
}

TEST(CommitPacer, AMaximumAtOrBelowTheIntervalKeepsTheInterval) {
  for (const milliseconds max : {milliseconds(100), milliseconds(20)}) {
    CommitPacer pacer(milliseconds(100), max);
    pacer.committing(true);
    EXPECT_EQ(pacer.interval(), milliseconds(100)) << max.count();
    pacer.committing(false);
    EXPECT_EQ(pacer.interval(), milliseconds(100)) << max.count();
  }
}

}  // namespace
