// SPEC §4 rules of the ledger: hour log transitions, reason codes, duplicates, the daily
// limit, star levels, home area and distinct active volunteers.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "harness.hpp"
#include "leifeng/runtime/stored_chunks.hpp"

namespace leifeng::processors::testing {
namespace {

using runtime::Outcome;
using schemas::Reason;

constexpr const char* kHours = "hours";

class LedgerTest : public ::testing::Test {
 protected:
  Outcome send(const std::string& json, const std::string& key = "v1") {
    return pipeline.send(kHours, key, json);
  }
  Reason last_reason() {
    auto letter = pipeline.last_dead_letter();
    EXPECT_TRUE(letter.has_value());
    return letter ? letter->reason : Reason::malformed;
  }
  void expect_dead(const std::string& json, Reason reason) {
    const size_t before = pipeline.on(outputs::kDeadLetter).size();
    EXPECT_EQ(send(json), Outcome::dead_lettered) << json;
    ASSERT_EQ(pipeline.on(outputs::kDeadLetter).size(), before + 1);
    EXPECT_EQ(last_reason(), reason) << json;
  }
  const VolunteerState& state() {
    const VolunteerState* s = pipeline.ledger().find("v1");
    EXPECT_NE(s, nullptr);
    return *s;
  }
  const HourLog& log(const std::string& id) {
    for (const auto& l : state().logs) {
      if (state().log_id(l) == id) return l;
    }
    ADD_FAILURE() << "no log " << id;
    return state().logs.front();
  }
  Pipeline pipeline;
};

// A message without a key (null or empty) on an input topic is dead-lettered like one with a
// wrong key: applied, it would make a volunteer the keyed events never reach.
TEST_F(LedgerTest, MessageWithoutAKeyIsInvalidOnItsAggregateId) {
  for (const std::optional<std::string_view> key :
       {std::optional<std::string_view>{}, std::optional<std::string_view>{""}}) {
    const std::string line = registered(key ? "r-empty" : "r-null", "v1", "410402", false);
    EXPECT_EQ(pipeline.send(kHours, key, line), Outcome::dead_lettered);
    const auto letter = pipeline.last_dead_letter();
    ASSERT_TRUE(letter.has_value());
    EXPECT_EQ(letter->reason, Reason::invalid_field);
    EXPECT_EQ(letter->field, "volunteer_id");
    EXPECT_NE(letter->detail.find("no key"), std::string::npos) << letter->detail;
  }
  EXPECT_TRUE(pipeline.on(outputs::kStars).empty());
  // The volunteer does not exist until a keyed registration arrives.
  expect_dead(updated("u1", "v1", R"("party_member":true)"), Reason::unknown_reference);
  EXPECT_EQ(send(registered("r1", "v1", "410402", false)), Outcome::applied);
  EXPECT_EQ(send(updated("u2", "v1", R"("party_member":true)")), Outcome::applied);
}

TEST_F(LedgerTest, DeadLetterOfAHugeMessageFitsInAKafkaMessage) {
  // A 999,952-byte event the broker accepts, and 300 KB of control characters (each escaped
  // to six bytes): the dead letter keeps a prefix and says so, under the producer's
  // 1,000,000-byte message.max.bytes, so the pipeline moves on (issue 14).
  std::string big = R"({"event_id":"e-big","type":"hours.submitted","note":")";
  big.append(999'952 - big.size() - 2, 'x').append("\"}");
  std::string controls = R"({"event_id":"e-ctl","type":"hours.submitted","note":")";
  controls.append(300'000, '\x07').append("\"}");
  for (const std::string& event : {big, controls}) {
    EXPECT_EQ(send(event), Outcome::dead_lettered);
    const auto letters = pipeline.on(outputs::kDeadLetter);
    ASSERT_FALSE(letters.empty());
    EXPECT_LT(letters.back().key.size() + letters.back().value.size(), 1'000'000u);
    const auto letter = schemas::dead_letter_from_json(letters.back().value);
    ASSERT_TRUE(letter.has_value());
    ASSERT_TRUE(letter->cut.has_value());
    EXPECT_EQ(letter->cut->original_bytes, static_cast<int64_t>(event.size()));
    EXPECT_EQ(event.compare(0, letter->payload.size(), letter->payload), 0);
  }
  // A small one is copied whole, without the marker fields.
  expect_dead(R"({"event_id":"e-1","type":"hours.submitted"})", Reason::missing_field);
  EXPECT_EQ(pipeline.on(outputs::kDeadLetter).back().value.find("payload_truncated"),
            std::string::npos);
}

// [rules] dead_letter_payload_bytes sets where the payload is cut (SPEC §6, "configurable").
TEST(DeadLetterPayload, IsCutAtTheConfiguredSize) {
  DomainConfig config;
  config.dead_letter_payload_bytes = 2048;
  Pipeline pipeline(config);
  std::string event = R"({"event_id":"e-big","type":"hours.submitted","note":")";
  event.append(10'000, 'x').append("\"}");
  EXPECT_EQ(pipeline.send(kHours, "v1", event), Outcome::dead_lettered);
  const auto letter = pipeline.last_dead_letter();
  ASSERT_TRUE(letter.has_value());
  ASSERT_TRUE(letter->cut.has_value());
  // Its JSON form (each quote escaped to two bytes) takes the 2048 bytes.
  EXPECT_GT(letter->payload.size(), 2000u);
  EXPECT_LT(letter->payload.size(), 2048u);
  EXPECT_EQ(event.compare(0, letter->payload.size(), letter->payload), 0);
  EXPECT_EQ(letter->cut->original_bytes, static_cast<int64_t>(event.size()));
  // Within the configured size the payload stays whole.
  config.dead_letter_payload_bytes = 20'000;
  Pipeline roomy(config);
  EXPECT_EQ(roomy.send(kHours, "v1", event), Outcome::dead_lettered);
  ASSERT_TRUE(roomy.last_dead_letter().has_value());
  EXPECT_FALSE(roomy.last_dead_letter()->cut.has_value());
  EXPECT_EQ(roomy.last_dead_letter()->payload, event);
}

TEST_F(LedgerTest, DeadLetterCutsAnEventIdOfAnySize) {
  const std::string id(600'000, 'e');
  const std::string event = R"({"event_id":")" + id + R"(","type":"hours.submitted"})";
  EXPECT_EQ(send(event), Outcome::dead_lettered);
  const auto letter = pipeline.last_dead_letter();
  ASSERT_TRUE(letter.has_value());
  EXPECT_EQ(letter->event_id, id.substr(0, schemas::kDeadLetterTextLimit) + "…");
  EXPECT_LT(pipeline.on(outputs::kDeadLetter).back().value.size(), 1'000'000u);
}

TEST_F(LedgerTest, EveryAllowedTransitionOfAnHourLog) {
  EXPECT_EQ(send(submitted("s1", "v1", "L1", "410402", "2027-03-01", 60)), Outcome::applied);
  EXPECT_EQ(send(verified("f1", "v1", "L1", 4)), Outcome::applied);
  EXPECT_EQ(log("L1").state, LogState::verified);
  EXPECT_EQ(send(amended("a1", "v1", "L1", 50)), Outcome::applied);  // VERIFIED → VERIFIED
  EXPECT_EQ(log("L1").state, LogState::verified);
  EXPECT_EQ(log("L1").minutes, 50);
  EXPECT_EQ(send(revoked("r1", "v1", "L1")), Outcome::applied);  // VERIFIED → REVOKED
  EXPECT_EQ(log("L1").state, LogState::revoked);

  EXPECT_EQ(send(submitted("s2", "v1", "L2", "410402", "2027-03-02", 60)), Outcome::applied);
  EXPECT_EQ(send(amended("a2", "v1", "L2", 70)), Outcome::applied);  // SUBMITTED → SUBMITTED
  EXPECT_EQ(log("L2").state, LogState::submitted);
  EXPECT_EQ(send(rejected("j2", "v1", "L2")), Outcome::applied);  // SUBMITTED → REJECTED
  EXPECT_EQ(log("L2").state, LogState::rejected);

  EXPECT_EQ(send(submitted("s3", "v1", "L3", "410402", "2027-03-03", 60)), Outcome::applied);
  EXPECT_EQ(send(revoked("r3", "v1", "L3")), Outcome::applied);  // SUBMITTED → REVOKED
  EXPECT_EQ(log("L3").state, LogState::revoked);
  EXPECT_TRUE(pipeline.on(outputs::kDeadLetter).empty());
}

// Ids of 15 bytes sit inside the log, longer ones out of line; ids that share a 15-byte
// prefix stay apart.
TEST_F(LedgerTest, LongAndShortLogIdsAreFoundAndKeptApart) {
  const std::string at_limit(15, 'a');
  const std::string longer = at_limit + "-1";
  const std::string longer_too = at_limit + "-2";
  for (const std::string& id : {at_limit, longer, longer_too}) {
    EXPECT_EQ(send(submitted("s" + id, "v1", id, "410402", "2027-03-01", 60)), Outcome::applied);
  }
  EXPECT_EQ(send(verified("f1", "v1", longer_too, 4)), Outcome::applied);
  EXPECT_EQ(send(rejected("j1", "v1", longer)), Outcome::applied);
  EXPECT_EQ(log(at_limit).state, LogState::submitted);
  EXPECT_EQ(log(longer).state, LogState::rejected);
  EXPECT_EQ(log(longer_too).state, LogState::verified);
  expect_dead(submitted("s2", "v1", longer, "410402", "2027-03-01", 60),
              Reason::invalid_transition);
  expect_dead(verified("f2", "v1", at_limit + "-3", 4), Reason::unknown_reference);
}

TEST_F(LedgerTest, EveryRefusedTransitionIsInvalidTransition) {
  send(submitted("s1", "v1", "L1", "410402", "2027-03-01", 60));
  expect_dead(submitted("s1b", "v1", "L1", "410402", "2027-03-01", 60),
              Reason::invalid_transition);  // second submit of a log
  send(verified("f1", "v1", "L1", 4));
  expect_dead(verified("f1b", "v1", "L1", 4), Reason::invalid_transition);
  expect_dead(rejected("j1", "v1", "L1"), Reason::invalid_transition);  // VERIFIED → rejected

  send(submitted("s2", "v1", "L2", "410402", "2027-03-02", 60));
  send(rejected("j2", "v1", "L2"));
  for (const auto& json : {verified("x1", "v1", "L2", 3), rejected("x2", "v1", "L2"),
                           amended("x3", "v1", "L2", 10), revoked("x4", "v1", "L2")}) {
    expect_dead(json, Reason::invalid_transition);  // REJECTED is final
  }
  send(revoked("r1", "v1", "L1"));
  for (const auto& json : {verified("y1", "v1", "L1", 3), rejected("y2", "v1", "L1"),
                           amended("y3", "v1", "L1", 10), revoked("y4", "v1", "L1")}) {
    expect_dead(json, Reason::invalid_transition);  // REVOKED is final
  }
  EXPECT_EQ(log("L1").state, LogState::revoked);
  EXPECT_EQ(log("L2").state, LogState::rejected);

  send(registered("g1", "v1", "410402", false));
  expect_dead(registered("g2", "v1", "410403", true), Reason::invalid_transition);
  EXPECT_EQ(state().registered_area, 410402u);
}

TEST_F(LedgerTest, UnknownReferences) {
  expect_dead(updated("u1", "v1", "\"party_member\":true"), Reason::unknown_reference);
  EXPECT_EQ(pipeline.ledger().find("v1"), nullptr);  // a dead-lettered event changes nothing
  expect_dead(verified("f1", "v1", "L9", 3), Reason::unknown_reference);
  send(submitted("s1", "v1", "L1", "410402", "2027-03-01", 60));
  expect_dead(updated("u2", "v1", "\"party_member\":true"), Reason::unknown_reference);
  for (const auto& json : {verified("x1", "v1", "L9", 3), rejected("x2", "v1", "L9"),
                           amended("x3", "v1", "L9", 10), revoked("x4", "v1", "L9")}) {
    expect_dead(json, Reason::unknown_reference);
  }
  auto letter = pipeline.last_dead_letter();
  ASSERT_TRUE(letter);
  EXPECT_EQ(letter->field, "log_id");
  EXPECT_EQ(letter->event_id, "x4");
  EXPECT_EQ(letter->type, "hours.revoked");
  EXPECT_EQ(letter->at, "2027-05-03T09:00:00+08:00");
  EXPECT_EQ(std::get<schemas::KafkaSource>(letter->source).topic, "leifeng.hours.v1");
}

TEST_F(LedgerTest, DuplicateIsDroppedWithoutOutputAndOnlyAfterApply) {
  EXPECT_EQ(send(registered("g1", "v1", "410402", false)), Outcome::applied);
  const size_t outputs_before = pipeline.emitted.size();
  EXPECT_EQ(send(registered("g1", "v1", "410402", false)), Outcome::duplicate);
  // The duplicate check comes before invalid_transition, and emits nothing.
  EXPECT_EQ(send(updated("g1", "v1", "\"party_member\":true")), Outcome::duplicate);
  EXPECT_EQ(pipeline.emitted.size(), outputs_before);

  // A dead-lettered event_id was never applied: sent again when valid, it applies.
  expect_dead(verified("f1", "v1", "L1", 4), Reason::unknown_reference);
  send(submitted("s1", "v1", "L1", "410402", "2027-03-01", 60));
  EXPECT_EQ(send(verified("f1", "v1", "L1", 4)), Outcome::applied);

  // Event ids are per aggregate: the same id on another volunteer is not a duplicate.
  EXPECT_EQ(send(registered("g1", "v2", "410402", false), "v2"), Outcome::applied);
  // Invalid input is checked before the duplicate check.
  std::string bad = verified("f1", "v1", "L1", 9);
  EXPECT_EQ(send(bad), Outcome::dead_lettered);
  EXPECT_EQ(last_reason(), Reason::invalid_field);
}

// Live, a volunteer's stars record is rendered once per commit interval with its latest
// values, however many of its events the interval applies, in the order the volunteers first
// changed; a duplicate or a rejection does not make one due.
TEST_F(LedgerTest, StarsRecordOncePerVolunteerPerCommitWithItsLatestValues) {
  pipeline.sum_deltas = true;  // no before_commit per event: flush() ends the interval
  send(registered("a1", "v2", "410402", false), "v2");
  send(registered("a2", "v1", "410402", true));
  send(submitted("a3", "v1", "L1", "410402", "2027-03-01", 60));
  send(submitted("a4", "v2", "L9", "410402", "2027-03-01", 30), "v2");
  send(verified("a5", "v1", "L1", 4, "2027-05-01T09:30:00+08:00"));
  EXPECT_TRUE(pipeline.on(outputs::kStars).empty()) << "rendered before the commit";
  pipeline.flush();
  ASSERT_EQ(pipeline.keys_on(outputs::kStars), (std::vector<std::string>{"v2", "v1"}));
  const auto v1 = pipeline.last_star("v1");
  ASSERT_TRUE(v1.has_value());
  EXPECT_EQ(v1->minutes_verified, 60);
  EXPECT_EQ(v1->logs_verified, 1);
  EXPECT_TRUE(v1->party_member);
  EXPECT_EQ(v1->as_of, "2027-05-01T09:30:00+08:00");

  // The next interval: only what it changed, and a re-sent or rejected event changes nothing.
  pipeline.emitted.clear();
  EXPECT_EQ(send(verified("a5", "v1", "L1", 4)), Outcome::duplicate);
  EXPECT_EQ(send(verified("a6", "v2", "L404", 4), "v2"), Outcome::dead_lettered);
  pipeline.flush();
  EXPECT_TRUE(pipeline.on(outputs::kStars).empty());
  send(amended("a7", "v1", "L1", 90));
  pipeline.flush();
  ASSERT_EQ(pipeline.keys_on(outputs::kStars), std::vector<std::string>{"v1"});
  EXPECT_EQ(pipeline.last_star("v1")->minutes_verified, 90);
}

TEST_F(LedgerTest, DailyLimitOnSubmit) {
  send(submitted("s1", "v1", "L1", "410402", "2027-03-01", 1000));
  expect_dead(submitted("s2", "v1", "L2", "410403", "2027-03-01", 441),
              Reason::daily_limit_exceeded);
  EXPECT_EQ(send(submitted("s3", "v1", "L3", "410403", "2027-03-01", 440)), Outcome::applied);
  // Another day has its own limit.
  EXPECT_EQ(send(submitted("s4", "v1", "L4", "410402", "2027-03-02", 1440)), Outcome::applied);
  // A rejected or revoked log frees its minutes.
  send(rejected("j1", "v1", "L1"));
  EXPECT_EQ(send(submitted("s5", "v1", "L5", "410402", "2027-03-01", 1000)), Outcome::applied);
  send(verified("f3", "v1", "L3", 3));
  send(revoked("r3", "v1", "L3"));
  EXPECT_EQ(send(submitted("s6", "v1", "L6", "410402", "2027-03-01", 440)), Outcome::applied);
  expect_dead(submitted("s7", "v1", "L7", "410402", "2027-03-01", 1), Reason::daily_limit_exceeded);
  // The same log id a second time is invalid_transition even when also over the limit.
  expect_dead(submitted("s8", "v1", "L6", "410402", "2027-03-01", 1000),
              Reason::invalid_transition);
}

TEST_F(LedgerTest, DailyLimitOnAmend) {
  send(submitted("s1", "v1", "L1", "410402", "2027-03-01", 1000));
  send(submitted("s2", "v1", "L2", "410402", "2027-03-01", 400));
  send(verified("f2", "v1", "L2", 5));
  expect_dead(amended("a1", "v1", "L1", 1041), Reason::daily_limit_exceeded);
  EXPECT_EQ(log("L1").minutes, 1000);
  EXPECT_EQ(send(amended("a2", "v1", "L1", 1040)), Outcome::applied);  // exactly 1440
  expect_dead(amended("a3", "v1", "L2", 401), Reason::daily_limit_exceeded);
  EXPECT_EQ(send(amended("a4", "v1", "L2", 100)), Outcome::applied);
  EXPECT_EQ(send(amended("a5", "v1", "L1", 1340)), Outcome::applied);
}

// Verified logs of `minutes` in total, `per_day` at most per service date, all of `quality`.
void verify_minutes(Pipeline& p, const std::string& vol, int minutes, int quality,
                    const std::string& prefix, int first_day = 1) {
  int day = first_day;
  int n = 0;
  while (minutes > 0) {
    const int chunk = std::min(minutes, 1440);
    char date[32];
    std::snprintf(date, sizeof date, "2027-03-%02d", day++);
    const std::string log = prefix + std::to_string(++n);
    ASSERT_EQ(p.send(kHours, vol, submitted("s-" + log, vol, log, "410402", date, chunk)),
              Outcome::applied);
    ASSERT_EQ(p.send(kHours, vol, verified("v-" + log, vol, log, quality)), Outcome::applied);
    minutes -= chunk;
  }
}

TEST(StarLevel, ThresholdsAtTheExactMinute) {
  const DomainConfig config;
  EXPECT_EQ(star_level(config, 5999, 300), 0);
  EXPECT_EQ(star_level(config, 6000, 300), 1);
  EXPECT_EQ(star_level(config, 300 * 60 - 1, 500), 1);
  EXPECT_EQ(star_level(config, 300 * 60, 500), 2);
  EXPECT_EQ(star_level(config, 1500 * 60, 500), 5);
  EXPECT_EQ(star_level(config, 1500 * 60, 299), 4);  // quality floor: one lower
  EXPECT_EQ(star_level(config, 5999, 100), 0);       // never below zero
}

TEST_F(LedgerTest, StarAt6000MinutesNotAt5999) {
  verify_minutes(pipeline, "v1", 5999, 3, "L");
  EXPECT_EQ(pipeline.last_star("v1")->star_level, 0);
  EXPECT_TRUE(pipeline.on(outputs::kStarChanges).empty());
  send(submitted("s-last", "v1", "Llast", "410402", "2027-03-20", 1));
  send(verified("v-last", "v1", "Llast", 3, "2027-05-09T10:00:00+08:00"));
  auto star = pipeline.last_star("v1");
  EXPECT_EQ(star->star_level, 1);
  EXPECT_EQ(star->minutes_verified, 6000);
  EXPECT_EQ(star->mean_quality_x100, 300);
  EXPECT_EQ(star->as_of, "2027-05-09T10:00:00+08:00");
  auto changes = pipeline.on(outputs::kStarChanges);
  ASSERT_EQ(changes.size(), 1u);
  auto change = schemas::star_change_from_json(changes[0].value);
  EXPECT_EQ(change->from_level, 0);
  EXPECT_EQ(change->to_level, 1);
  EXPECT_EQ(change->cause_event_id, "v-last");
  EXPECT_EQ(change->occurred_at, "2027-05-09T10:00:00+08:00");
}

TEST_F(LedgerTest, QualityFloorIsComparedExactly) {
  // 6001 minutes at quality 3 and 1 minute at quality 2: the mean is 18005/6002 < 3.
  verify_minutes(pipeline, "v1", 6001, 3, "L");
  EXPECT_EQ(pipeline.last_star("v1")->star_level, 1);
  send(submitted("s-low", "v1", "Llow", "410402", "2027-03-20", 1));
  send(verified("v-low", "v1", "Llow", 2));
  auto star = pipeline.last_star("v1");
  EXPECT_EQ(star->minutes_verified, 6002);
  EXPECT_EQ(star->mean_quality_x100, 299);
  EXPECT_EQ(star->star_level, 0);
  // Amending the low log away from the mean restores the level (Σ = 3·6001 + 2·1 → 3·6001).
  send(revoked("r-low", "v1", "Llow"));
  EXPECT_EQ(pipeline.last_star("v1")->star_level, 1);
  EXPECT_EQ(pipeline.on(outputs::kStarChanges).size(), 3u);  // 0→1, 1→0, 0→1
}

TEST_F(LedgerTest, DowngradeAfterRevocationEmitsStarChange) {
  verify_minutes(pipeline, "v1", 6000, 4, "L");
  ASSERT_EQ(pipeline.last_star("v1")->star_level, 1);
  EXPECT_EQ(pipeline.metric(410402, Period::total(), starred_metric(1)), 1);
  send(revoked("r1", "v1", "L1"));
  auto star = pipeline.last_star("v1");
  EXPECT_EQ(star->star_level, 0);
  EXPECT_EQ(star->minutes_verified, 6000 - 1440);
  auto changes = pipeline.on(outputs::kStarChanges);
  ASSERT_EQ(changes.size(), 2u);
  auto change = schemas::star_change_from_json(changes[1].value);
  EXPECT_EQ(change->from_level, 1);
  EXPECT_EQ(change->to_level, 0);
  EXPECT_EQ(change->cause_event_id, "r1");
  EXPECT_EQ(pipeline.metric(410402, Period::total(), starred_metric(1)), 0);
  EXPECT_EQ(pipeline.metric(410400, Period::total(), starred_metric(1)), 0);
}

TEST_F(LedgerTest, AmendmentOfAVerifiedLogChangesTheLevel) {
  verify_minutes(pipeline, "v1", 6000, 5, "L");  // 4×1440 + 240
  send(amended("a5", "v1", "L5", 239));
  EXPECT_EQ(pipeline.last_star("v1")->star_level, 0);
  EXPECT_EQ(pipeline.last_star("v1")->minutes_verified, 5999);
  EXPECT_EQ(pipeline.metric(410402, day("2027-03-05"), Metric::minutes_verified), 239);
}

TEST_F(LedgerTest, HomeAreaBeforeAndAfterRegistration) {
  send(submitted("s1", "v1", "L1", "410411", "2027-03-01", 60));
  send(submitted("s2", "v1", "L2", "410421", "2027-03-02", 60));
  auto star = pipeline.last_star("v1");
  EXPECT_EQ(star->home_area, "410411");  // the first accepted submission
  EXPECT_FALSE(star->registered);
  EXPECT_FALSE(star->party_member);
  EXPECT_EQ(pipeline.metric(410411, Period::total(), Metric::volunteers_registered), 0);

  send(registered("g1", "v1", "410403", true));
  star = pipeline.last_star("v1");
  EXPECT_EQ(star->home_area, "410403");
  EXPECT_TRUE(star->registered);
  EXPECT_TRUE(star->party_member);
  EXPECT_EQ(pipeline.metric(410403, Period::total(), Metric::volunteers_registered), 1);
  EXPECT_EQ(pipeline.metric(410403, Period::total(), Metric::volunteers_party_members), 1);
  EXPECT_EQ(pipeline.metric(410400, Period::total(), Metric::volunteers_registered), 1);

  send(updated("u1", "v1", "\"area_code\":\"410404\",\"party_member\":false"));
  EXPECT_EQ(pipeline.last_star("v1")->home_area, "410404");
  EXPECT_EQ(pipeline.metric(410403, Period::total(), Metric::volunteers_registered), 0);
  EXPECT_EQ(pipeline.metric(410404, Period::total(), Metric::volunteers_registered), 1);
  EXPECT_EQ(pipeline.metric(410404, Period::total(), Metric::volunteers_party_members), 0);
  EXPECT_EQ(pipeline.metric(410400, Period::total(), Metric::volunteers_registered), 1);
  EXPECT_EQ(pipeline.metric(410400, Period::total(), Metric::volunteers_party_members), 0);
}

TEST_F(LedgerTest, DistinctActiveVolunteersThroughVerifyAndRevoke) {
  send(submitted("s1", "v1", "L1", "410402", "2027-03-01", 60));
  send(submitted("s2", "v1", "L2", "410402", "2027-03-02", 60));
  EXPECT_EQ(pipeline.metric(410402, month("2027-03-01"), Metric::volunteers_active), 0);
  send(verified("f1", "v1", "L1", 4));
  send(verified("f2", "v1", "L2", 4));
  EXPECT_EQ(pipeline.metric(410402, month("2027-03-01"), Metric::volunteers_active), 1);
  EXPECT_EQ(pipeline.metric(410402, day("2027-03-01"), Metric::volunteers_active), 1);
  EXPECT_EQ(pipeline.metric(410402, day("2027-03-02"), Metric::volunteers_active), 1);
  EXPECT_EQ(pipeline.metric(410402, Period::total(), Metric::volunteers_active), 1);
  send(revoked("r1", "v1", "L1"));
  EXPECT_EQ(pipeline.metric(410402, month("2027-03-01"), Metric::volunteers_active), 1);
  EXPECT_EQ(pipeline.metric(410402, day("2027-03-01"), Metric::volunteers_active), 0);
  send(amended("a2", "v1", "L2", 30));  // still verified: still active
  EXPECT_EQ(pipeline.metric(410402, month("2027-03-01"), Metric::volunteers_active), 1);
  send(revoked("r2", "v1", "L2"));
  EXPECT_EQ(pipeline.metric(410402, month("2027-03-01"), Metric::volunteers_active), 0);
  EXPECT_EQ(pipeline.metric(410402, Period::total(), Metric::volunteers_active), 0);
  EXPECT_EQ(pipeline.metric(410400, Period::total(), Metric::volunteers_active), 0);
  EXPECT_EQ(pipeline.metric(410402, Period::total(), Metric::logs_revoked), 2);
  EXPECT_EQ(pipeline.metric(410402, Period::total(), Metric::logs_submitted), 2);
  EXPECT_EQ(pipeline.metric(410402, Period::total(), Metric::logs_verified), 0);
}

TEST_F(LedgerTest, CityCountsAVolunteerOnceAcrossItsCounties) {
  send(submitted("s1", "v1", "L1", "410402", "2027-03-01", 60));
  send(submitted("s2", "v1", "L2", "410482", "2027-03-01", 90, "caring_dedication"));
  send(verified("f1", "v1", "L1", 4));
  send(verified("f2", "v1", "L2", 2));
  pipeline.send(kHours, "v2", submitted("t1", "v2", "M1", "410482", "2027-03-05", 30));
  pipeline.send(kHours, "v2", verified("t2", "v2", "M1", 5));
  const Period march = month("2027-03-01");
  EXPECT_EQ(pipeline.metric(410402, march, Metric::volunteers_active), 1);
  EXPECT_EQ(pipeline.metric(410482, march, Metric::volunteers_active), 2);
  EXPECT_EQ(pipeline.metric(410400, march, Metric::volunteers_active), 2);
  EXPECT_EQ(pipeline.metric(410400, day("2027-03-01"), Metric::volunteers_active), 1);
  // Prefecture rollup of the sums.
  EXPECT_EQ(pipeline.metric(410400, march, Metric::minutes_verified), 180);
  EXPECT_EQ(pipeline.metric(410400, Period::total(), Metric::minutes_verified), 180);
  EXPECT_EQ(pipeline.metric(410400, march,
                            metric_for_category(Metric::minutes_verified_by_category,
                                                schemas::Category::caring_dedication)),
            90);
  EXPECT_EQ(pipeline.metric(410400, march, Metric::logs_submitted), 3);
  EXPECT_EQ(pipeline.metric(410482, march, Metric::logs_verified), 2);
  send(revoked("r1", "v1", "L1"));
  EXPECT_EQ(pipeline.metric(410400, march, Metric::volunteers_active), 2);  // v1 still via 410482
  send(revoked("r2", "v1", "L2"));
  EXPECT_EQ(pipeline.metric(410400, march, Metric::volunteers_active), 1);
}

TEST_F(LedgerTest, ReadEqualsAppliedPlusDuplicatesPlusDeadLettered) {
  const std::vector<std::string> inputs = {
      registered("g1", "v1", "410402", false),
      registered("g1", "v1", "410402", false),
      "not json",
      "{\"event_id\":\"x\"}",
      submitted("s1", "v1", "L1", "410402", "2027-03-01", 60),
      verified("f1", "v1", "L9", 3),
      verified("f1", "v1", "L1", 3),
      rejected("j1", "v1", "L1"),
      submitted("s2", "v1", "L2", "410402", "2027-03-01", 1400)};
  for (const auto& json : inputs) send(json);
  const int64_t applied = pipeline.outcomes[Outcome::applied];
  const int64_t duplicates = pipeline.outcomes[Outcome::duplicate];
  const int64_t dead = pipeline.outcomes[Outcome::dead_lettered];
  EXPECT_EQ(applied, 3);
  EXPECT_EQ(duplicates, 1);
  EXPECT_EQ(dead, 5);
  EXPECT_EQ(applied + duplicates + dead, static_cast<int64_t>(inputs.size()));
  EXPECT_EQ(static_cast<int64_t>(pipeline.on(outputs::kDeadLetter).size()), dead);
}

TEST_F(LedgerTest, StateSurvivesFlushAndReload) {
  Pipeline stored(DomainConfig{}, true);
  stored.send(kHours, "v1", registered("g1", "v1", "410402", true));
  verify_minutes(stored, "v1", 3000, 4, "L");
  stored.restart();  // flush, then fresh processors reading the stores
  verify_minutes(stored, "v1", 3000, 4, "M", 10);
  EXPECT_EQ(stored.send(kHours, "v1", registered("g1", "v1", "410402", true)), Outcome::duplicate);
  auto star = stored.last_star("v1");
  EXPECT_EQ(star->star_level, 1);
  EXPECT_EQ(star->minutes_verified, 6000);
  EXPECT_TRUE(star->party_member);
  EXPECT_EQ(stored.metric(410402, month("2027-03-01"), Metric::volunteers_active), 1);
  EXPECT_EQ(stored.metric(410402, Period::total(), Metric::minutes_verified), 6000);
  EXPECT_EQ(stored.metric(410402, Period::total(), starred_metric(1)), 1);
}

// The stored bytes of the ledger state as they were when AppliedEvents kept a std::string per
// id and VolunteerState had no log hash column: a state written by an older build must load.
struct OldAppliedEvents {
  std::vector<uint64_t> hashes;
  std::vector<std::string> ids;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(hashes, ids);
  }
};

TEST(LedgerStateFormat, AppliedEventsKeepTheirStoredBytes) {
  AppliedEvents applied;
  const std::string long_id(300, 'x');  // longer than a one-byte length
  for (const std::string& id : {std::string("e1"), long_id, std::string("hrs-0000001")}) {
    applied.add(id);
  }
  OldAppliedEvents old{{stable_hash("e1"), stable_hash(long_id), stable_hash("hrs-0000001")},
                       {"e1", long_id, "hrs-0000001"}};
  const std::string bytes = runtime::TypedStore<AppliedEvents>::encode(applied);
  EXPECT_EQ(bytes, runtime::TypedStore<OldAppliedEvents>::encode(old));
  const AppliedEvents loaded = runtime::TypedStore<AppliedEvents>::decode(bytes);
  EXPECT_EQ(loaded.ids(), old.ids);
  EXPECT_TRUE(loaded.contains(long_id));
  EXPECT_TRUE(loaded.contains("hrs-0000001"));
  EXPECT_FALSE(loaded.contains("hrs-0000002"));
  EXPECT_FALSE(loaded.contains(""));
}

// A matching hash is not enough: the id itself must match. Stored bytes whose hash column
// names "b" for the id "a" stand in for a collision.
TEST(AppliedEvents, AHashMatchIsConfirmedByTheId) {
  const OldAppliedEvents crafted{{stable_hash("b")}, {"a"}};
  const AppliedEvents applied = runtime::TypedStore<AppliedEvents>::decode(
      runtime::TypedStore<OldAppliedEvents>::encode(crafted));
  EXPECT_FALSE(applied.contains("b"));
  EXPECT_EQ(applied.ids(), std::vector<std::string>{"a"});
}

TEST(AppliedEvents, FindsEveryIdAddedAndNoOther) {
  AppliedEvents applied;
  constexpr int kIds = 5000;
  const std::string long_id(300, 'x');  // longer than a one-byte length
  applied.add(long_id);
  for (int i = 0; i < kIds; ++i) {
    const std::string id = "hrs-" + std::to_string(i);
    ASSERT_FALSE(applied.contains(id)) << id;
    applied.add(id);
  }
  EXPECT_EQ(applied.size(), static_cast<size_t>(kIds + 1));
  EXPECT_TRUE(applied.contains(long_id));
  for (int i = 0; i < kIds; ++i) {
    ASSERT_TRUE(applied.contains("hrs-" + std::to_string(i))) << i;
    ASSERT_FALSE(applied.contains("act-" + std::to_string(i))) << i;
  }
  const std::vector<std::string> ids = applied.ids();
  ASSERT_EQ(ids.size(), static_cast<size_t>(kIds + 1));
  EXPECT_EQ(ids.front(), long_id);
  EXPECT_EQ(ids.back(), "hrs-4999");
}

// The volunteer state as it was stored before the log ids moved out of HourLog: a state written
// by an older build must load, and a state written now must be what an older build reads.
struct OldHourLog {
  std::string log_id;
  uint64_t log_hash = 0;
  LogState state = LogState::submitted;
  int32_t minutes = 0;
  int32_t quality = 0;
  uint32_t area = 0;
  uint8_t category = 0;
  int32_t service_date = 0;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(log_id, log_hash, state, minutes, quality, area, category, service_date);
  }
};
struct OldVolunteerState {
  bool registered = false;
  bool party_member = false;
  std::vector<uint8_t> skills;
  uint32_t registered_area = 0;
  uint32_t first_log_area = 0;
  std::vector<OldHourLog> logs;
  OldAppliedEvents applied;
  std::vector<DailyMinutes> daily;
  std::vector<VerifiedCount> verified_counts;
  int64_t minutes_verified = 0;
  int64_t logs_verified = 0;
  int64_t quality_minutes = 0;
  int32_t star_level = 0;
  std::string as_of;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(registered, party_member, skills, registered_area, first_log_area, logs, applied, daily,
       verified_counts, minutes_verified, logs_verified, quality_minutes, star_level, as_of);
  }
};

TEST(LedgerStateFormat, VolunteerStateKeepsItsStoredBytes) {
  OldVolunteerState old;
  old.registered = true;
  old.skills = {1, 4};
  old.registered_area = 410402;
  old.first_log_area = 410403;
  const std::string long_id(300, 'L');
  old.logs = {{"L1", stable_hash("L1"), LogState::verified, 90, 4, 410403, 2, 20878},
              {long_id, stable_hash(long_id), LogState::revoked, 30, 0, 410402, 5, 20880},
              {"L3", stable_hash("L3"), LogState::submitted, 1440, 0, 410411, 0, 20881}};
  old.applied = {{stable_hash("e1"), stable_hash("e2")}, {"e1", "e2"}};
  old.daily = {{20878, 90}, {20881, 1440}};
  old.verified_counts = {{410400, 2, 0, 1}, {410403, 0, 20878, 1}};
  old.minutes_verified = 90;
  old.logs_verified = 1;
  old.quality_minutes = 360;
  old.as_of = "2027-03-05T10:00:00+08:00";
  const std::string bytes = runtime::TypedStore<OldVolunteerState>::encode(old);

  const VolunteerState loaded = runtime::TypedStore<VolunteerState>::decode(bytes);
  ASSERT_EQ(loaded.logs.size(), 3u);
  EXPECT_EQ(loaded.log_id(loaded.logs[0]), "L1");
  EXPECT_EQ(loaded.log_id(loaded.logs[1]), long_id);
  EXPECT_EQ(loaded.logs[1].state, LogState::revoked);
  EXPECT_EQ(loaded.logs[0].quality, 4);
  EXPECT_EQ(loaded.logs[2].minutes, 1440);
  EXPECT_EQ(loaded.logs[2].area, 410411u);
  EXPECT_EQ(loaded.logs[1].category, 5);
  EXPECT_EQ(loaded.logs[2].service_date, 20881);
  EXPECT_EQ(loaded.logs.hashes()[1], stable_hash(long_id));
  EXPECT_TRUE(loaded.applied.contains("e2"));
  // Written back in the compact format (volunteer_state_format_test.cpp), to the same state:
  // saved again in the first release's format, it gives the same bytes.
  const std::string compact = runtime::TypedStore<VolunteerState>::encode(loaded);
  EXPECT_EQ(static_cast<uint8_t>(compact.front()), VolunteerState::kCompactFormat);
  const VolunteerState again = runtime::TypedStore<VolunteerState>::decode(compact);
  EXPECT_EQ(runtime::portable_binary_encode(again), bytes);
}

TEST(LedgerStateFormat, LoadedStateFindsItsLogs) {
  Pipeline stored({}, /*with_stores=*/true);
  ASSERT_EQ(stored.send(kHours, "v1", submitted("s1", "v1", "L1", "410402", "2027-03-01", 60)),
            Outcome::applied);
  ASSERT_EQ(stored.send(kHours, "v1", submitted("s2", "v1", "L2", "410402", "2027-03-02", 30)),
            Outcome::applied);
  stored.restart();  // flush, then state only from the stored bytes
  const VolunteerState* state = stored.ledger().find("v1");
  ASSERT_NE(state, nullptr);
  ASSERT_EQ(state->logs.hashes().size(), 2u);
  EXPECT_EQ(state->logs.hashes()[1], stable_hash("L2"));
  // Both logs are found again after the reload: verify one, refuse a second submit of the other.
  EXPECT_EQ(stored.send(kHours, "v1", verified("f2", "v1", "L2", 5)), Outcome::applied);
  EXPECT_EQ(stored.send(kHours, "v1", submitted("s3", "v1", "L1", "410402", "2027-03-01", 60)),
            Outcome::dead_lettered);
  EXPECT_EQ(stored.send(kHours, "v1", submitted("s1", "v1", "L1", "410402", "2027-03-01", 60)),
            Outcome::duplicate);
}

// A volunteer's state is one value: with 25,000 hour logs it is over a megabyte, more than a
// Kafka record may hold (max.message.bytes, 1 MB by default), so it is stored in pieces of at
// most 64 KiB (runtime/stored_chunks.hpp) and read back whole.
TEST(LedgerStateFormat, AVolunteerWithTwentyFiveThousandLogsIsStoredInRecordsOfAtMost64KiB) {
  constexpr int kLogs = 25'000;
  Pipeline stored({}, /*with_stores=*/true);
  const std::chrono::sys_days last_day = std::chrono::year{2027} / 4 / 29;
  for (int i = 0; i < kLogs; ++i) {
    // 40 logs of 30 minutes a day: within the daily limit.
    const std::chrono::year_month_day day{last_day - std::chrono::days(i / 40)};
    char date[16];
    std::snprintf(date, sizeof date, "%04d-%02u-%02u", static_cast<int>(day.year()),
                  static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
    const std::string n = std::to_string(1000000 + i);  // ids as long as the generator's
    ASSERT_EQ(
        stored.send(kHours, "v1", submitted("hrs-s-" + n, "v1", "log-" + n, "410402", date, 30)),
        Outcome::applied)
        << date;
    ASSERT_EQ(stored.send(kHours, "v1", verified("hrs-v-" + n, "v1", "log-" + n, 4)),
              Outcome::applied);
    if (i == kLogs / 2) stored.restart();  // flush, then on from the stored pieces
  }
  stored.restart();
  size_t bytes = 0;
  size_t records = 0;
  for (const auto& [key, value] : stored.store(LedgerProcessor::kStoreName).data()) {
    EXPECT_LE(value.size(), runtime::stored_chunks::kMaxPieceBytes) << key.size();
    bytes += value.size();
    ++records;
  }
  EXPECT_GT(bytes, 1'000'000u) << "the state is over a Kafka record's default limit";
  EXPECT_GT(records, 16u);
  const VolunteerState* state = stored.ledger().find("v1");
  ASSERT_NE(state, nullptr);
  EXPECT_EQ(state->logs.size(), static_cast<size_t>(kLogs));
  EXPECT_EQ(state->logs_verified, kLogs);
  EXPECT_EQ(stored.send(kHours, "v1", verified("hrs-v-1000000", "v1", "log-1000000", 4)),
            Outcome::duplicate);
  EXPECT_EQ(stored.send(kHours, "v1", revoked("hrs-r-1000000", "v1", "log-1000000")),
            Outcome::applied);
  EXPECT_EQ(stored.ledger().find("v1")->logs_verified, kLogs - 1);
}

// The live runtime's lookahead (Processor::prefetch_key) asks the ledger about records it has
// polled but not processed yet: keys it knows, keys it does not, before any state exists.
// A hint only: the ledger emits exactly what one that was never asked emits.
TEST(LiveLookahead, PrefetchingKeysChangesNothing) {
  std::vector<std::pair<std::string, std::string>> events;
  for (int v = 0; v < 40; ++v) {
    const std::string vol = "v" + std::to_string(v);
    events.emplace_back(vol, registered("r-" + vol, vol, "410402", v % 2 == 0));
    for (int l = 1; l <= 3; ++l) {
      const std::string log = vol + "-L" + std::to_string(l);
      events.emplace_back(
          vol, submitted("s-" + log, vol, log, "410402", "2027-03-0" + std::to_string(l), 60 * l));
      events.emplace_back(vol, verified("q-" + log, vol, log, 1 + (v + l) % 5));
    }
  }
  Pipeline asked;
  Pipeline plain;
  size_t key_hash = 0;
  for (const auto& [key, value] : events) {
    for (const std::string& ahead : {key, std::string("nobody"), std::string()}) {
      for (int step = 0; step < 3; ++step) asked.ledger().prefetch_key(ahead, step, key_hash);
    }
    EXPECT_EQ(asked.send(kHours, key, value), plain.send(kHours, key, value)) << value;
  }
  ASSERT_EQ(asked.emitted.size(), plain.emitted.size());
  ASSERT_FALSE(plain.on(outputs::kStars).empty());
  for (size_t i = 0; i < plain.emitted.size(); ++i) {
    EXPECT_EQ(asked.emitted[i].topic, plain.emitted[i].topic);
    EXPECT_EQ(asked.emitted[i].key, plain.emitted[i].key);
    EXPECT_EQ(asked.emitted[i].value, plain.emitted[i].value);
  }
}

}  // namespace
}  // namespace leifeng::processors::testing
