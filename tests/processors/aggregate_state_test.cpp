// The duplicate check every event processor inherits (spec §4), and the small state types
// behind which the processors keep their performance machinery (processors/.../internal).
#include <gtest/gtest.h>

#include "harness.hpp"

namespace leifeng::processors::testing {
namespace {

using runtime::Outcome;

// Spec §4: a dead-lettered event is not recorded as applied, so a re-send of it is checked
// again; once applied, the same id on the same aggregate is a duplicate. The same for every
// kind of aggregate.
TEST(DuplicateCheck, OnlyAppliedEventsCountForEveryAggregate) {
  Pipeline pipeline;
  const std::string complete = activity_completed("c1", "a1", 3, 5);
  EXPECT_EQ(pipeline.send("activities", "a1", complete), Outcome::dead_lettered);
  ASSERT_EQ(pipeline.send("activities", "a1",
                          activity_published("p1", "a1", "410402", "2027-03-02T08:00:00+08:00",
                                             "2027-03-02T10:00:00+08:00")),
            Outcome::applied);
  EXPECT_EQ(pipeline.send("activities", "a1", complete), Outcome::applied);
  EXPECT_EQ(pipeline.send("activities", "a1", complete), Outcome::duplicate);

  const std::string claim = need_claimed("c1", "n1", "2027-03-02T09:00:00+08:00");
  EXPECT_EQ(pipeline.send("needs", "n1", claim), Outcome::dead_lettered);
  ASSERT_EQ(
      pipeline.send("needs", "n1", need_posted("p1", "n1", "410402", "2027-03-01T09:00:00+08:00")),
      Outcome::applied);
  EXPECT_EQ(pipeline.send("needs", "n1", claim), Outcome::applied);
  EXPECT_EQ(pipeline.send("needs", "n1", claim), Outcome::duplicate);

  const std::string verify = verified("f1", "v1", "L1", 4);
  EXPECT_EQ(pipeline.send("hours", "v1", verify), Outcome::dead_lettered);
  ASSERT_EQ(pipeline.send("hours", "v1", submitted("s1", "v1", "L1", "410402", "2027-03-01", 60)),
            Outcome::applied);
  EXPECT_EQ(pipeline.send("hours", "v1", verify), Outcome::applied);
  EXPECT_EQ(pipeline.send("hours", "v1", verify), Outcome::duplicate);
  EXPECT_EQ(pipeline.ledger().find("v1")->applied.ids(), (std::vector<std::string>{"s1", "f1"}));
}

TEST(HourLogs, FindsShortAndLongIdsAndNoOther) {
  HourLogs logs;
  const std::string long_id(40, 'L');  // kept out of line
  HourLog log;
  log.minutes = 30;
  logs.add(log, "L-1");
  log.minutes = 45;
  logs.add(log, long_id);
  ASSERT_EQ(logs.size(), 2u);
  ASSERT_NE(logs.find("L-1"), nullptr);
  EXPECT_EQ(logs.find("L-1")->minutes, 30);
  ASSERT_NE(logs.find(long_id), nullptr);
  EXPECT_EQ(logs.find(long_id)->minutes, 45);
  EXPECT_EQ(logs.id(logs[1]), long_id);
  EXPECT_EQ(logs.hashes()[1], stable_hash(long_id));
  EXPECT_EQ(logs.find("L-2"), nullptr);
  EXPECT_EQ(logs.find(std::string(39, 'L')), nullptr);
}

TEST(MinutesByDate, AddsPerDateAndKeepsDatesSorted) {
  MinutesByDate daily;
  EXPECT_EQ(daily.on(20880), 0);
  daily.add(20880, 60);
  daily.add(20878, 30);
  daily.add(20880, 15);
  daily.add(20878, -30);
  EXPECT_EQ(daily.on(20880), 75);
  EXPECT_EQ(daily.on(20878), 0);
  EXPECT_EQ(daily.on(20879), 0);
  ASSERT_EQ(daily.days().size(), 2u);  // a date that went back to 0 stays, as it always did
  EXPECT_EQ(daily.days()[0].service_date, 20878);
  EXPECT_EQ(daily.days()[1].service_date, 20880);
  // Stored as the plain vector it replaced.
  EXPECT_EQ(runtime::TypedStore<MinutesByDate>::encode(daily),
            runtime::TypedStore<std::vector<DailyMinutes>>::encode(daily.days()));
}

TEST(VerifiedCounts, ReportsMovesBetweenZeroAndPositive) {
  VerifiedCounts counts;
  const Period march = month("2027-03-01");
  EXPECT_EQ(counts.add(410402, march, 1), 1);
  EXPECT_EQ(counts.add(410402, march, 1), 0);
  EXPECT_EQ(counts.add(410400, march, 1), 1);
  EXPECT_EQ(counts.add(410402, Period::total(), 1), 1);
  EXPECT_EQ(counts.add(410402, march, -1), 0);
  EXPECT_EQ(counts.add(410402, march, -1), -1);
  ASSERT_EQ(counts.counts().size(), 2u);  // a count at 0 is dropped
  EXPECT_EQ(counts.counts()[0].area, 410400u);
  EXPECT_EQ(counts.counts()[1].period_kind, static_cast<uint8_t>(Period::Kind::total));
}

}  // namespace
}  // namespace leifeng::processors::testing
