// SPEC §4 state machines of needs and activities and their county metrics (SPEC §5).
#include <gtest/gtest.h>

#include "harness.hpp"

namespace leifeng::processors::testing {
namespace {

using runtime::Outcome;
using schemas::Reason;

constexpr const char* kNeeds = "needs";
constexpr const char* kActivities = "activities";
constexpr const char* kPosted = "2027-03-31T23:50:00+08:00";

class NeedsTest : public ::testing::Test {
 protected:
  Outcome send(const std::string& json, const std::string& key = "n1") {
    return pipeline.send(kNeeds, key, json);
  }
  void expect_dead(const std::string& json, Reason reason, const std::string& key = "n1") {
    EXPECT_EQ(send(json, key), Outcome::dead_lettered) << json;
    auto letter = pipeline.last_dead_letter();
    ASSERT_TRUE(letter);
    EXPECT_EQ(letter->reason, reason) << json;
  }
  NeedStatus status(const std::string& need = "n1") {
    const NeedState* state = pipeline.needs().find(need);
    EXPECT_NE(state, nullptr);
    return state ? state->status : NeedStatus::open;
  }
  std::optional<schemas::NeedStatusRecord> last_status() {
    auto records = pipeline.on(outputs::kNeedsStatus);
    if (records.empty()) return std::nullopt;
    return schemas::need_status_from_json(records.back().value);
  }
  Pipeline pipeline;
};

TEST_F(NeedsTest, AllowedTransitions) {
  const std::string later = "2027-04-02T10:00:00+08:00";
  ASSERT_EQ(send(need_posted("p1", "n1", "410402", kPosted)), Outcome::applied);
  EXPECT_EQ(status(), NeedStatus::open);
  ASSERT_EQ(send(need_claimed("c1", "n1", later)), Outcome::applied);
  EXPECT_EQ(status(), NeedStatus::claimed);
  ASSERT_EQ(send(need_fulfilled("f1", "n1", later)), Outcome::applied);
  EXPECT_EQ(status(), NeedStatus::fulfilled);

  // From OPEN and from CLAIMED to each final state.
  const std::vector<
      std::pair<std::function<std::string(std::string, std::string, std::string)>, NeedStatus>>
      finals = {{need_fulfilled, NeedStatus::fulfilled},
                {need_cancelled, NeedStatus::cancelled},
                {need_expired, NeedStatus::expired}};
  int n = 0;
  for (const auto& [make, final_status] : finals) {
    for (bool claim_first : {false, true}) {
      const std::string need = "m" + std::to_string(++n);
      ASSERT_EQ(send(need_posted("p-" + need, need, "410402", kPosted), need), Outcome::applied);
      if (claim_first) {
        ASSERT_EQ(send(need_claimed("c-" + need, need, later), need), Outcome::applied);
      }
      ASSERT_EQ(send(make("x-" + need, need, later), need), Outcome::applied);
      EXPECT_EQ(status(need), final_status);
    }
  }
  EXPECT_TRUE(pipeline.on(outputs::kDeadLetter).empty());
}

TEST_F(NeedsTest, RefusedTransitionsAndUnknownReferences) {
  const std::string later = "2027-04-02T10:00:00+08:00";
  expect_dead(need_claimed("c0", "n1", later), Reason::unknown_reference);
  expect_dead(need_fulfilled("f0", "n1", later), Reason::unknown_reference);
  expect_dead(need_cancelled("x0", "n1", later), Reason::unknown_reference);
  expect_dead(need_expired("e0", "n1", later), Reason::unknown_reference);
  send(need_posted("p1", "n1", "410402", kPosted));
  expect_dead(need_posted("p2", "n1", "410402", kPosted), Reason::invalid_transition);
  send(need_claimed("c1", "n1", later));
  expect_dead(need_claimed("c2", "n1", later), Reason::invalid_transition);
  send(need_cancelled("x1", "n1", later));
  for (const auto& json : {need_claimed("y1", "n1", later), need_fulfilled("y2", "n1", later),
                           need_cancelled("y3", "n1", later), need_expired("y4", "n1", later)}) {
    expect_dead(json, Reason::invalid_transition);
  }
  EXPECT_EQ(status(), NeedStatus::cancelled);
  EXPECT_EQ(send(need_cancelled("x1", "n1", later)), Outcome::duplicate);
}

TEST_F(NeedsTest, StatusRecordFollowsTheNeed) {
  send(need_posted("p1", "n1", "410402", kPosted));
  auto record = last_status();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->status, "open");
  EXPECT_EQ(record->posted_at, kPosted);
  EXPECT_EQ(record->kind, "micro_wish");
  EXPECT_FALSE(record->claimed_at);
  EXPECT_FALSE(record->closed_at);
  send(need_claimed("c1", "n1", "2027-04-01T08:00:00+08:00"));
  send(need_fulfilled("f1", "n1", "2027-04-01T09:00:00+08:00"));
  record = last_status();
  EXPECT_EQ(record->status, "fulfilled");
  EXPECT_EQ(record->claimed_at, "2027-04-01T08:00:00+08:00");
  EXPECT_EQ(record->claimant_id, "v-9");
  EXPECT_EQ(record->fulfilled_by, "v-9");
  EXPECT_EQ(record->fulfilled_at, "2027-04-01T09:00:00+08:00");
  EXPECT_EQ(record->closed_at, "2027-04-01T09:00:00+08:00");
}

// Live, a need's status record is rendered once per commit interval with its latest values;
// a re-sent or refused event does not make one due.
TEST_F(NeedsTest, StatusRecordOncePerNeedPerCommitWithItsLatestValues) {
  pipeline.sum_deltas = true;  // no before_commit per event: flush() ends the interval
  send(need_posted("p2", "n2", "410402", kPosted), "n2");
  send(need_posted("p1", "n1", "410402", kPosted));
  send(need_claimed("c1", "n1", "2027-04-01T08:00:00+08:00"));
  send(need_fulfilled("f1", "n1", "2027-04-01T09:00:00+08:00"));
  EXPECT_TRUE(pipeline.on(outputs::kNeedsStatus).empty()) << "rendered before the commit";
  pipeline.flush();
  ASSERT_EQ(pipeline.keys_on(outputs::kNeedsStatus), (std::vector<std::string>{"n2", "n1"}));
  EXPECT_EQ(last_status()->status, "fulfilled");
  EXPECT_EQ(last_status()->claimed_at, "2027-04-01T08:00:00+08:00");

  pipeline.emitted.clear();
  EXPECT_EQ(send(need_claimed("c1", "n1", "2027-04-01T08:00:00+08:00")), Outcome::duplicate);
  EXPECT_EQ(send(need_claimed("c2", "n1", "2027-04-02T08:00:00+08:00")), Outcome::dead_lettered);
  pipeline.flush();
  EXPECT_TRUE(pipeline.on(outputs::kNeedsStatus).empty());
}

TEST_F(NeedsTest, FulfilMinutesAcrossAMonthBoundary) {
  send(need_posted("p1", "n1", "410421", kPosted));
  // 20 min 59.9 s after posting, in April local time (UTC offset differs from the zone).
  send(need_fulfilled("f1", "n1", "2027-03-31T16:10:59.9Z"));
  EXPECT_EQ(pipeline.metric(410421, month("2027-04-01"), Metric::needs_fulfil_minutes), 20);
  EXPECT_EQ(pipeline.metric(410421, day("2027-04-01"), Metric::needs_fulfil_minutes), 20);
  EXPECT_EQ(pipeline.metric(410421, month("2027-03-01"), Metric::needs_fulfil_minutes), 0);
  EXPECT_EQ(pipeline.metric(410421, month("2027-03-01"), Metric::needs_posted), 1);
  EXPECT_EQ(pipeline.metric(410421, month("2027-04-01"), Metric::needs_fulfilled), 1);
  EXPECT_EQ(pipeline.metric(410400, Period::total(), Metric::needs_fulfil_minutes), 20);
  EXPECT_EQ(fulfil_minutes(100, 50), 0);  // fulfilled "before" posting counts zero
}

TEST_F(NeedsTest, OpenNeedsAreCountedInTotalOnly) {
  send(need_posted("p1", "n1", "410402", kPosted));
  send(need_posted("p2", "n2", "410402", kPosted), "n2");
  send(need_claimed("c2", "n2", kPosted), "n2");
  EXPECT_EQ(pipeline.metric(410402, Period::total(), Metric::needs_open), 2);
  EXPECT_EQ(pipeline.metric(410402, month("2027-03-01"), Metric::needs_open), 0);
  send(need_expired("e2", "n2", "2027-04-30T00:00:00+08:00"), "n2");
  EXPECT_EQ(pipeline.metric(410402, Period::total(), Metric::needs_open), 1);
  EXPECT_EQ(pipeline.metric(410400, Period::total(), Metric::needs_open), 1);
  EXPECT_EQ(pipeline.metric(410402, month("2027-04-01"), Metric::needs_expired), 1);
  EXPECT_EQ(pipeline.metric(410402, day("2027-03-31"), Metric::needs_claimed), 1);
}

class ActivitiesTest : public ::testing::Test {
 protected:
  Outcome send(const std::string& json, const std::string& key = "a1") {
    return pipeline.send(kActivities, key, json);
  }
  Pipeline pipeline;
};

TEST_F(ActivitiesTest, TransitionsAndMetricsByLocalStartDate) {
  // 20:00 at -02:00 is 06:00 next day at +08:00: attributed to 2027-04-01.
  const std::string published = activity_published(
      "p1", "a1", "410481", "2027-03-31T20:00:00-02:00", "2027-03-31T23:00:00-02:00");
  ASSERT_EQ(send(published), Outcome::applied);
  EXPECT_EQ(pipeline.metric(410481, day("2027-04-01"), Metric::activities_published), 1);
  EXPECT_EQ(pipeline.metric(410481, month("2027-04-01"),
                            metric_for_category(Metric::activities_published_by_category,
                                                schemas::Category::window_service)),
            1);
  EXPECT_EQ(send(published), Outcome::duplicate);
  EXPECT_EQ(send(activity_published("p2", "a1", "410481", "2027-04-01T08:00:00+08:00",
                                    "2027-04-01T09:00:00+08:00")),
            Outcome::dead_lettered);
  EXPECT_EQ(pipeline.last_dead_letter()->reason, Reason::invalid_transition);
  ASSERT_EQ(send(activity_completed("c1", "a1", 12, 40)), Outcome::applied);
  EXPECT_EQ(pipeline.activities().find("a1")->status, ActivityStatus::completed);
  EXPECT_EQ(pipeline.metric(410481, month("2027-04-01"), Metric::activities_completed), 1);
  EXPECT_EQ(pipeline.metric(410481, month("2027-04-01"), Metric::activities_participants), 12);
  EXPECT_EQ(pipeline.metric(410400, Period::total(), Metric::activities_beneficiaries), 40);
  for (const auto& json : {activity_completed("c2", "a1", 1, 1), activity_cancelled("x1", "a1")}) {
    EXPECT_EQ(send(json), Outcome::dead_lettered);
    EXPECT_EQ(pipeline.last_dead_letter()->reason, Reason::invalid_transition);
  }

  EXPECT_EQ(send(activity_cancelled("x2", "a2"), "a2"), Outcome::dead_lettered);
  EXPECT_EQ(pipeline.last_dead_letter()->reason, Reason::unknown_reference);
  send(activity_published("p3", "a2", "410482", "2027-04-03T08:00:00+08:00",
                          "2027-04-03T10:00:00+08:00"),
       "a2");
  ASSERT_EQ(send(activity_cancelled("x2", "a2"), "a2"), Outcome::applied);
  EXPECT_EQ(pipeline.activities().find("a2")->status, ActivityStatus::cancelled);
  EXPECT_EQ(pipeline.metric(410482, day("2027-04-03"), Metric::activities_cancelled), 1);
  EXPECT_EQ(send(activity_completed("c3", "a2", 1, 1), "a2"), Outcome::dead_lettered);
  EXPECT_EQ(pipeline.metric(410400, month("2027-04-01"), Metric::activities_published), 2);
}

TEST_F(ActivitiesTest, MessageKeyMustBeTheAggregateId) {
  EXPECT_EQ(send(activity_cancelled("x1", "a1"), "other"), Outcome::dead_lettered);
  EXPECT_EQ(pipeline.last_dead_letter()->reason, Reason::invalid_field);
  // A type of another topic is unknown_type on this topic.
  EXPECT_EQ(send(need_expired("e1", "a1", kPosted)), Outcome::dead_lettered);
  EXPECT_EQ(pipeline.last_dead_letter()->reason, Reason::unknown_type);
}

}  // namespace
}  // namespace leifeng::processors::testing
