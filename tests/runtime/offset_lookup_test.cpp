// How often an offset lookup asks again while leaders settle (src/offset_lookup.hpp): every
// 10 ms at first, so that a topic created a moment ago is read as soon as it has a leader,
// then less and less often.
#include "offset_lookup.hpp"

#include <gtest/gtest.h>

namespace leifeng::runtime {
namespace {

using std::chrono::milliseconds;

TEST(OffsetLookupPause, TenMillisecondsWhileLeadersOfNewTopicsAreExpected) {
  EXPECT_EQ(next_lookup_pause(milliseconds(10), milliseconds(0)), milliseconds(10));
  EXPECT_EQ(next_lookup_pause(milliseconds(10), milliseconds(150)), milliseconds(10));
  EXPECT_EQ(next_lookup_pause(milliseconds(10), kQuickLookupRetries - milliseconds(1)),
            milliseconds(10));
}

TEST(OffsetLookupPause, ThenDoublesUpToHalfASecond) {
  milliseconds pause = next_lookup_pause(milliseconds(10), kQuickLookupRetries);
  EXPECT_EQ(pause, milliseconds(20));
  pause = next_lookup_pause(pause, milliseconds(400));
  EXPECT_EQ(pause, milliseconds(40));
  for (int i = 1; i <= 10; ++i) pause = next_lookup_pause(pause, milliseconds(1000 * i));
  EXPECT_EQ(pause, milliseconds(500));
}

}  // namespace
}  // namespace leifeng::runtime
