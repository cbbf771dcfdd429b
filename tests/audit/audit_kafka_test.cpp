// Audits against the test broker, through the real leifeng binary (SPEC §7): a live run, then
// `replay --from-topics` and `audit diff` (equal; then a hand-written stars record is found),
// `export --inputs` + `replay --input` against `replay --from-topics`, `audit volunteer` from
// the hours topic, and `--from`/`--to` selecting by Kafka timestamp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../runtime/kafka_test_support.hpp"
#include "leifeng/schemas/records.hpp"
#include "leifeng/test_support/leifeng_on_broker.hpp"

namespace {

namespace fs = std::filesystem;
namespace support = leifeng::runtime::testing;
using ::testing::HasSubstr;

using leifeng::test_support::CommandResult;
using leifeng::test_support::read_file;
using leifeng::test_support::read_lines;
using leifeng::test_support::source_dir;

// The leifeng binary with its own topic prefix, application id and state directory.
using Leifeng = leifeng::test_support::LeifengOnBroker;

struct TimedRecord {
  std::string key;
  std::string value;
  int64_t timestamp_ms = 0;
};

// Produces records with explicit Kafka timestamps (CreateTime) and waits for delivery.
void produce_with_timestamps(const std::string& bootstrap, const std::string& topic,
                             const std::vector<TimedRecord>& records) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof error);
  rd_kafka_conf_set(conf, "enable.idempotence", "true", error, sizeof error);
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  ASSERT_NE(producer, nullptr) << error;
  for (const TimedRecord& record : records) {
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        producer, RD_KAFKA_V_TOPIC(topic.c_str()),
        RD_KAFKA_V_KEY(record.key.data(), record.key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(record.value.data()), record.value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_TIMESTAMP(record.timestamp_ms),
        RD_KAFKA_V_END);
    ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
  }
  EXPECT_EQ(rd_kafka_flush(producer, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(rd_kafka_outq_len(producer), 0);
  rd_kafka_destroy(producer);
}

// The dead letters without `source` (file replay names lines, replay from topics offsets).
std::vector<leifeng::schemas::DeadLetterRecord> letters_without_source(const fs::path& file) {
  std::vector<leifeng::schemas::DeadLetterRecord> letters;
  for (const std::string& line : read_lines(file)) {
    auto letter = leifeng::schemas::dead_letter_from_json(line);
    EXPECT_TRUE(letter) << line;
    if (!letter) continue;
    letter->source = leifeng::schemas::KafkaSource{};
    letters.push_back(*letter);
  }
  return letters;
}

// One live run shared by the tests of the suite: publish the golden scenarios (good and bad
// input, needs and activities) and run the processors until caught up.
class AuditAgainstLive : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    live_ = new Leifeng("audit-live");
    std::ofstream events(live_->dir() / "events.jsonl");
    for (const char* scenario : {"needs_activities", "bad_input"}) {
      events << read_file(source_dir() / "tests" / "golden" / scenario / "events.jsonl");
    }
    events.close();
    setup_failure_ = run_or_describe("topics create");
    if (setup_failure_.empty()) setup_failure_ = run_or_describe("publish -q events.jsonl");
    if (setup_failure_.empty()) setup_failure_ = run_or_describe("run --until-caught-up");
  }
  static void TearDownTestSuite() {
    delete live_;
    live_ = nullptr;
  }
  static std::string run_or_describe(const std::string& args) {
    const CommandResult result = live_->run(args);
    if (result.code == 0) return {};
    return "leifeng " + args + " exited " + std::to_string(result.code) + ": " + result.err;
  }
  void SetUp() override { ASSERT_EQ(setup_failure_, "") << "live run failed"; }

  static Leifeng* live_;
  static std::string setup_failure_;
};
Leifeng* AuditAgainstLive::live_ = nullptr;
std::string AuditAgainstLive::setup_failure_;

TEST_F(AuditAgainstLive, ReplayFromTopicsEqualsLiveUntilAStarRecordIsForged) {
  CommandResult replay = live_->run("replay --from-topics --out from-topics");
  ASSERT_EQ(replay.code, 0) << replay.err;
  EXPECT_THAT(replay.out, HasSubstr("events/s"));  // the summary, on stdout
  EXPECT_EQ(read_lines(live_->dir() / "from-topics" / "summary.json"),
            std::vector<std::string>{
                R"({"events_read":22,"applied":14,"duplicates":1,"dead_lettered":7,)"
                R"("by_reason":{"unsupported_version":1,"missing_field":2,"invalid_field":1,)"
                R"("unknown_reference":1,"invalid_transition":1,"daily_limit_exceeded":1}})"});
  // Dead letters name the topic, partition and offset, as live.
  EXPECT_THAT(read_file(live_->dir() / "from-topics" / "dead-letter.jsonl"),
              HasSubstr(R"("source":{"topic":")" + live_->topic("hours") + R"(","partition":)"));

  CommandResult diff = live_->run("audit diff from-topics");
  EXPECT_EQ(diff.code, 0) << diff.out << diff.err;
  EXPECT_THAT(diff.out, HasSubstr("equal"));

  // A newer value for an existing key, written by hand: volunteer v1 given five stars.
  const std::vector<std::string> stars = read_lines(live_->dir() / "from-topics" / "stars.jsonl");
  ASSERT_EQ(stars.size(), 1u);
  auto forged = leifeng::schemas::star_record_from_json(stars[0]);
  ASSERT_TRUE(forged);
  ASSERT_EQ(forged->volunteer_id, "v1");
  ASSERT_NE(forged->star_level, 5);
  forged->star_level = 5;
  support::produce_all(live_->bootstrap(), live_->topic("stars"),
                       {{std::string("v1"), leifeng::schemas::to_json(*forged)}});

  diff = live_->run("audit diff from-topics");
  EXPECT_EQ(diff.code, 1) << diff.out << diff.err;
  EXPECT_THAT(diff.out, HasSubstr("1 differences"));
  EXPECT_THAT(diff.out, HasSubstr("stars  v1   star_level  5     0"));
}

TEST_F(AuditAgainstLive, ExportedInputsReplayToTheSameTablesAsTheTopics) {
  ASSERT_EQ(live_->run("replay --from-topics --out topics-replay").code, 0);
  CommandResult exported = live_->run("export --inputs inputs.jsonl");
  ASSERT_EQ(exported.code, 0) << exported.err;
  EXPECT_THAT(exported.out, HasSubstr("22 input messages, 22 lines written"));
  ASSERT_EQ(live_->run("replay --input inputs.jsonl --out file-replay").code, 0);

  const fs::path a = live_->dir() / "topics-replay";
  const fs::path b = live_->dir() / "file-replay";
  for (const char* file : {"stars.jsonl", "star-changes.jsonl", "needs-status.jsonl",
                           "county-stats.jsonl", "summary.json"}) {
    EXPECT_EQ(read_lines(a / file), read_lines(b / file)) << file;
  }
  EXPECT_FALSE(read_lines(a / "needs-status.jsonl").empty());
  const auto letters = letters_without_source(a / "dead-letter.jsonl");
  EXPECT_EQ(letters.size(), 7u);
  EXPECT_EQ(letters, letters_without_source(b / "dead-letter.jsonl"));
  // -o names the file as well.
  exported = live_->run("export --inputs -o inputs-o.jsonl");
  ASSERT_EQ(exported.code, 0) << exported.err;
  EXPECT_EQ(read_lines(live_->dir() / "inputs-o.jsonl"), read_lines(live_->dir() / "inputs.jsonl"));
}

TEST_F(AuditAgainstLive, AuditVolunteerReadsOnlyThatKeyFromTheHoursTopic) {
  const CommandResult audit = live_->run("audit volunteer v1");
  ASSERT_EQ(audit.code, 0) << audit.err;
  EXPECT_THAT(audit.out,
              HasSubstr("volunteer v1: 10 events (2 applied, 1 duplicates, 7 dead-lettered)\n"));
  EXPECT_THAT(audit.out, HasSubstr("  log L1: SUBMITTED, 1000 minutes, served 2027-03-01 in "
                                   "410402, neighborhood_watch\n"));
  EXPECT_THAT(audit.out, HasSubstr("s2  hours.submitted  partition "));
  EXPECT_THAT(audit.out, HasSubstr(": dead-lettered daily_limit_exceeded"));
  EXPECT_THAT(audit.out, HasSubstr("  level: 0\n"));
  EXPECT_EQ(live_->run("audit volunteer nobody").code, 1);
}

// SPEC §8: live = replay for need-matches. The live run gets the golden matching scenario with
// every need event published before any volunteer event (the file has them the other way), so
// its intermediate candidates differ; once caught up the table equals the file replay's on every
// field but as_of.
TEST(MatchingLiveEqualsReplay, NeedMatchesAfterAnotherInterleavingEqualTheFileReplay) {
  Leifeng live("matching-live");
  {
    std::ofstream config(live.dir() / "leifeng.toml");
    config << "[rules]\nstar_thresholds_hours = [1, 2, 3, 4, 5]\n[matching]\nmax_candidates = 2\n";
  }
  const fs::path scenario = source_dir() / "tests" / "golden" / "matching";
  fs::copy_file(scenario / "events.jsonl", live.dir() / "events.jsonl");
  std::vector<std::string> needs_first;
  std::vector<std::string> hours;
  for (const std::string& line : read_lines(scenario / "events.jsonl")) {
    (line.find(R"("type":"need.)") != std::string::npos ? needs_first : hours).push_back(line);
  }
  ASSERT_FALSE(needs_first.empty());
  ASSERT_FALSE(hours.empty());
  {
    std::ofstream interleaved(live.dir() / "interleaved.jsonl");
    for (const auto& line : needs_first) interleaved << line << "\n";
    for (const auto& line : hours) interleaved << line << "\n";
  }
  ASSERT_EQ(live.run("topics create").code, 0);
  CommandResult result = live.run("publish -q interleaved.jsonl");
  ASSERT_EQ(result.code, 0) << result.err;
  result = live.run("run --until-caught-up");
  ASSERT_EQ(result.code, 0) << result.err;

  result = live.run("export need-matches");
  ASSERT_EQ(result.code, 0) << result.err;
  std::vector<std::string> expected;
  for (const std::string& line : read_lines(scenario / "expected" / "need-matches.jsonl")) {
    auto record = leifeng::schemas::need_match_from_json(line);
    ASSERT_TRUE(record) << line;
    record->as_of.clear();
    expected.push_back(leifeng::schemas::to_json(*record));
  }
  std::vector<std::string> exported;
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) {
    auto record = leifeng::schemas::need_match_from_json(line);
    ASSERT_TRUE(record) << line;
    record->as_of.clear();
    exported.push_back(leifeng::schemas::to_json(*record));
  }
  std::sort(exported.begin(), exported.end());
  EXPECT_EQ(exported, expected);

  result = live.run("replay --input events.jsonl --out file-replay", false);
  ASSERT_EQ(result.code, 0) << result.err;
  result = live.run("audit diff file-replay");
  EXPECT_EQ(result.code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("equal"));
}

TEST(AuditTimeRange, FromAndToSelectByKafkaTimestamp) {
  Leifeng leifeng("audit-range");
  ASSERT_EQ(leifeng.run("topics create").code, 0);
  constexpr int64_t kDay1 = 1735689600000;  // 2025-01-01T00:00:00Z
  constexpr int64_t kHour = 3600 * 1000;
  auto registered = [](const std::string& id, const std::string& volunteer) {
    return R"({"event_id":")" + id +
           R"(","type":"volunteer.registered","schema_version":1,)"
           R"("occurred_at":"2027-03-01T08:00:00+08:00","volunteer_id":")" +
           volunteer + R"(","area_code":"410402","party_member":false})";
  };
  auto updated = [](const std::string& id, const std::string& volunteer) {
    return R"({"event_id":")" + id +
           R"(","type":"volunteer.updated","schema_version":1,)"
           R"("occurred_at":"2027-03-02T08:00:00+08:00","volunteer_id":")" +
           volunteer + R"(","party_member":true})";
  };
  // Several keys, so more than one partition; timestamps in order per key.
  produce_with_timestamps(leifeng.bootstrap(), leifeng.topic("hours"),
                          {{"v1", registered("r1", "v1"), kDay1},
                           {"v2", registered("r2", "v2"), kDay1 + 1 * kHour},
                           {"v3", registered("r3", "v3"), kDay1 + 2 * kHour},
                           {"v1", updated("u1", "v1"), kDay1 + 3 * kHour},
                           {"v2", updated("u2", "v2"), kDay1 + 4 * kHour}});
  auto events_read = [&](const std::string& range) {
    const CommandResult result = leifeng.run("replay --from-topics --out out " + range);
    EXPECT_EQ(result.code, 0) << result.err;
    return read_lines(leifeng.dir() / "out" / "summary.json").at(0);
  };
  EXPECT_THAT(events_read(""), HasSubstr(R"("events_read":5,"applied":5,)"));
  // [01:00, 03:00): r2 and r3.
  EXPECT_THAT(events_read("--from 2025-01-01T01:00:00Z --to 2025-01-01T03:00:00Z"),
              HasSubstr(R"("events_read":2,"applied":2,)"));
  EXPECT_EQ(read_lines(leifeng.dir() / "out" / "stars.jsonl").size(), 2u);
  // The same instant with an offset; `to` is exclusive: u1 at 03:00 is out.
  EXPECT_THAT(events_read("--from 2025-01-01T09:00:00+08:00 --to 2025-01-01T11:00:00+08:00"),
              HasSubstr(R"("events_read":2,)"));
  // From 03:00 on: u1 and u2, whose registrations are not in range.
  EXPECT_THAT(events_read("--from 2025-01-01T03:00:00Z"),
              HasSubstr(R"("events_read":2,"applied":0,"duplicates":0,"dead_lettered":2,)"
                        R"("by_reason":{"unknown_reference":2}})"));
  EXPECT_THAT(events_read("--to 2025-01-01T00:00:00.001Z"), HasSubstr(R"("events_read":1,)"));
  EXPECT_THAT(events_read("--from 2030-01-01T00:00:00Z"), HasSubstr(R"("events_read":0,)"));

  const CommandResult bad = leifeng.run("replay --from-topics --out out --from yesterday");
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--from yesterday: not an RFC 3339 time"));
  EXPECT_NE(leifeng.run("replay --input x.jsonl --out out --from 2025-01-01T00:00:00Z").code, 0);
  if (!::testing::Test::HasFailure()) fs::remove_all(leifeng.dir());
}

}  // namespace
