// audit diff's comparison (app/audit_diff.hpp) and export --inputs' line rule
// (app/audit_input_export.hpp) on plain values, no broker.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "audit/diff.hpp"
#include "audit/input_export.hpp"

namespace leifeng::app {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kStarV1 =
    R"({"volunteer_id":"v1","home_area":"410402","registered":true,"party_member":false,)"
    R"("star_level":1,"minutes_verified":6000,"logs_verified":2,"mean_quality_x100":400,)"
    R"("as_of":"2027-03-05T10:00:00+08:00"})";
const std::string kStarV2 =
    R"({"volunteer_id":"v2","home_area":"410403","registered":false,"party_member":false,)"
    R"("star_level":0,"minutes_verified":60,"logs_verified":1,"mean_quality_x100":500,)"
    R"("as_of":"2027-03-04T10:00:00+08:00"})";

std::string replace(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

ReplayOutputs sample() {
  ReplayOutputs tables;
  tables.of("stars") = {kStarV1, kStarV2};
  tables.of("star-changes") = {
      R"({"volunteer_id":"v1","from_level":0,"to_level":1,"minutes_verified":6000,"mean_quality_x100":400,"cause_event_id":"e3","occurred_at":"2027-03-02T09:00:00+08:00"})",
  };
  tables.of("needs-status") = {
      R"({"need_id":"n1","area_code":"410421","kind":"micro_wish","service_type":"tutoring","target_group":"left_behind_children","status":"open","posted_at":"2027-03-31T23:50:00+08:00","claimed_at":null,"claimant_id":null,"fulfilled_at":null,"fulfilled_by":null,"closed_at":null})",
  };
  tables.of("county-stats") = {
      R"({"area_code":"410402","period":"total","metrics":{"hours.logs_submitted":2,"hours.logs_verified":2},"revision":7,"as_of":"2027-03-05T10:00:00+08:00"})",
  };
  tables.of("dead-letter") = {
      R"({"reason":"invalid_transition","field":"type","detail":"already registered","event_id":"g2","type":"volunteer.registered","source":{"topic":"leifeng.hours.v1","partition":1,"offset":4},"payload":"{\"event_id\":\"g2\"}","at":"2027-03-01T09:00:00+08:00"})",
  };
  return tables;
}

TEST(AuditDiff, EqualTablesHaveNoDifferences) {
  const AuditDiff diff = diff_tables(sample(), sample());
  EXPECT_TRUE(diff.equal());
  EXPECT_EQ(diff.records_compared, 6);
  EXPECT_THAT(format_audit_diff(diff, 10), HasSubstr("equal"));
}

TEST(AuditDiff, NamesTableKeyFieldAndBothValues) {
  ReplayOutputs live = sample();
  live.of("stars")[0] = replace(kStarV1, R"("star_level":1)", R"("star_level":5)");
  const AuditDiff diff = diff_tables(live, sample());
  ASSERT_EQ(diff.differences.size(), 1u);
  const TableDifference& d = diff.differences[0];
  EXPECT_EQ(d.table, "stars");
  EXPECT_EQ(d.key, "v1");
  EXPECT_EQ(d.field, "star_level");
  EXPECT_EQ(d.live, "5");
  EXPECT_EQ(d.replayed, "1");
  const std::string report = format_audit_diff(diff, 10);
  EXPECT_THAT(report, HasSubstr("1 differences"));
  EXPECT_THAT(report, HasSubstr("stars  v1   star_level  5     1"));
}

TEST(AuditDiff, MissingAndExtraRecordsAreDifferences) {
  ReplayOutputs live = sample();
  live.of("stars").pop_back();  // v2 only in the replay
  live.of("needs-status").clear();
  const AuditDiff diff = diff_tables(live, sample());
  ASSERT_EQ(diff.differences.size(), 2u);
  EXPECT_EQ(diff.differences[0].key, "v2");
  EXPECT_EQ(diff.differences[0].live, "(none)");
  EXPECT_EQ(diff.differences[1].table, "needs-status");
  EXPECT_EQ(diff.differences[1].replayed, "present");
}

TEST(AuditDiff, CountyStatsIgnoreRevisionAsOfAndZeroMetrics) {
  ReplayOutputs live = sample();
  live.of("county-stats")[0] =
      R"({"area_code":"410402","period":"total","metrics":{"hours.logs_submitted":2,"hours.logs_verified":2,"hours.logs_revoked":0},"revision":3,"as_of":"2027-03-09T10:00:00+08:00"})";
  EXPECT_TRUE(diff_tables(live, sample()).equal());

  live.of("county-stats")[0] = replace(live.of("county-stats")[0], R"("hours.logs_verified":2)",
                                       R"("hours.logs_verified":1)");
  const AuditDiff diff = diff_tables(live, sample());
  ASSERT_EQ(diff.differences.size(), 1u);
  EXPECT_EQ(diff.differences[0].key, "410402/total");
  EXPECT_EQ(diff.differences[0].field, "metrics.hours.logs_verified");
  EXPECT_EQ(diff.differences[0].live, "1");
  EXPECT_EQ(diff.differences[0].replayed, "2");
}

TEST(AuditDiff, StarChangesCompareEachVolunteersSequence) {
  ReplayOutputs live = sample();
  live.of("star-changes")
      .push_back(
          R"({"volunteer_id":"v1","from_level":1,"to_level":0,"minutes_verified":60,"mean_quality_x100":400,"cause_event_id":"e9","occurred_at":"2027-03-06T09:00:00+08:00"})");
  AuditDiff diff = diff_tables(live, sample());
  ASSERT_EQ(diff.differences.size(), 1u);
  EXPECT_EQ(diff.differences[0].field, "number of changes");
  EXPECT_EQ(diff.differences[0].live, "2");
  EXPECT_EQ(diff.differences[0].replayed, "1");

  live = sample();
  live.of("star-changes")[0] =
      replace(live.of("star-changes")[0], R"("to_level":1)", R"("to_level":2)");
  diff = diff_tables(live, sample());
  ASSERT_EQ(diff.differences.size(), 1u);
  EXPECT_EQ(diff.differences[0].field, "change 1 to_level");
}

TEST(AuditDiff, DeadLettersIgnoreSourceButNotReasonOrPayload) {
  ReplayOutputs replayed = sample();
  replayed.of("dead-letter")[0] = replace(
      replayed.of("dead-letter")[0], R"({"topic":"leifeng.hours.v1","partition":1,"offset":4})",
      R"({"file":"events.jsonl","line":9})");
  EXPECT_TRUE(diff_tables(sample(), replayed).equal());

  replayed.of("dead-letter")[0] =
      replace(replayed.of("dead-letter")[0], "invalid_transition", "unknown_reference");
  const AuditDiff diff = diff_tables(sample(), replayed);
  ASSERT_EQ(diff.differences.size(), 2u);
  EXPECT_EQ(diff.differences[0].key, "g2");
}

TEST(AuditDiff, DeadLettersOfPublishMayBeMissingFromATopicReplay) {
  ReplayOutputs live = sample();
  const std::string publish_letter =
      R"({"reason":"malformed","field":null,"detail":"not JSON","event_id":null,"type":null,"source":{"file":"events.jsonl","line":1},"payload":"not json","at":null})";
  live.of("dead-letter").push_back(publish_letter);
  AuditDiff diff = diff_tables(live, sample());  // a replay from topics never saw the line
  EXPECT_TRUE(diff.equal());
  EXPECT_EQ(diff.publish_dead_letters_skipped, 1);
  ReplayOutputs from_file = sample();
  from_file.of("dead-letter").push_back(publish_letter);
  diff = diff_tables(live, from_file);  // a replay of the published file has it
  EXPECT_TRUE(diff.equal());
  EXPECT_EQ(diff.publish_dead_letters_skipped, 0);
  from_file.of("dead-letter").push_back(publish_letter);  // but not twice
  EXPECT_FALSE(diff_tables(live, from_file).equal());
}

TEST(AuditDiff, ReportIsBoundedWithACountOfTheRest) {
  ReplayOutputs live = sample();
  live.of("stars").clear();
  live.of("needs-status").clear();
  live.of("county-stats").clear();
  const AuditDiff diff = diff_tables(live, sample());
  ASSERT_EQ(diff.differences.size(), 4u);
  const std::string report = format_audit_diff(diff, 2);
  EXPECT_THAT(report, HasSubstr("... and 2 more differences"));
  EXPECT_THAT(report, HasSubstr("v1"));
  EXPECT_THAT(report, Not(HasSubstr("410402/total")));
}

TEST(EventsFileLine, OneLineValuesAreVerbatim) {
  std::string why;
  EXPECT_EQ(events_file_line(R"({"a":1})", why), R"({"a":1})");
  EXPECT_EQ(events_file_line("not json", why), "not json");
}

TEST(EventsFileLine, LineBreaksBetweenJsonTokensBecomeSpaces) {
  std::string why;
  EXPECT_EQ(events_file_line("{\n  \"a\": \"x y\",\n  \"b\": 1\n}", why),
            "{   \"a\": \"x y\",   \"b\": 1 }");
}

TEST(EventsFileLine, ValuesThatCannotBeOneLineAreRefused) {
  std::string why;
  EXPECT_EQ(events_file_line("", why), std::nullopt);
  EXPECT_THAT(why, HasSubstr("empty"));
  EXPECT_EQ(events_file_line("not\njson", why), std::nullopt);
  EXPECT_THAT(why, HasSubstr("not JSON"));
  // A raw line break inside a string is not JSON: replacing it would change the event.
  EXPECT_EQ(events_file_line("{\"title\":\"a\nb\"}", why), std::nullopt);
}

}  // namespace
}  // namespace leifeng::app
