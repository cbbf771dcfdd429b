// `leifeng audit volunteer ID --input FILE` through the real binary on a small scenario: the
// logs, every event's outcome, the star history and the level derivation, line by line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "leifeng/test_support/files.hpp"
#include "leifeng/test_support/leifeng_command.hpp"

namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::HasSubstr;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

using leifeng::test_support::read_file;
using leifeng::test_support::source_dir;

std::string event(const std::string& id, const std::string& type, const std::string& at,
                  const std::string& fields) {
  return R"({"event_id":")" + id + R"(","type":")" + type +
         R"(","schema_version":1,"occurred_at":")" + at + R"(",)" + fields + "}";
}

class AuditVolunteer : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("leifeng-audit-volunteer-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // Thresholds of 1..5 hours: a few logs reach a level.
    std::ofstream(dir_ / "leifeng.toml")
        << "[rules]\nstar_thresholds_hours = [1, 2, 3, 4, 5]\nmin_quality = 3.00\n"
        << "areas_file = \"" << (source_dir() / "config" / "areas.csv").string() << "\"\n";
    const std::string v7 = R"("volunteer_id":"v7")";
    auto submitted = [&](const std::string& log, const std::string& date, int minutes) {
      return v7 + R"(,"log_id":")" + log +
             R"(","activity_id":"a1","area_code":"410402","category":"neighborhood_watch",)"
             R"("service_date":")" +
             date + R"(","minutes":)" + std::to_string(minutes);
    };
    auto verified = [&](const std::string& log, int quality) {
      return v7 + R"(,"log_id":")" + log + R"(","verifier_id":"org-1","quality":)" +
             std::to_string(quality);
    };
    std::ofstream(dir_ / "events.jsonl")
        << event("e1", "volunteer.registered", "2027-03-01T08:00:00+08:00",
                 v7 + R"(,"area_code":"410402","party_member":true)")
        << "\n"
        << event("e2", "hours.submitted", "2027-03-01T20:00:00+08:00",
                 submitted("L1", "2027-03-01", 90))
        << "\n"
        << event("e3", "hours.verified", "2027-03-02T09:00:00+08:00", verified("L1", 4)) << "\n"
        << event("x1", "volunteer.registered", "2027-03-02T09:30:00+08:00",
                 R"("volunteer_id":"v8","area_code":"410403","party_member":false)")
        << "\n"
        << event("e4", "hours.submitted", "2027-03-02T20:00:00+08:00",
                 submitted("L2", "2027-03-02", 60))
        << "\n"
        << event("e5", "hours.verified", "2027-03-03T09:00:00+08:00", verified("L2", 2)) << "\n"
        << event("e3", "hours.verified", "2027-03-02T09:00:00+08:00", verified("L1", 4)) << "\n"
        << event("e6", "hours.verified", "2027-03-03T10:00:00+08:00", verified("L2", 5)) << "\n"
        << event("e7", "hours.revoked", "2027-03-04T09:00:00+08:00",
                 v7 + R"(,"log_id":"L1","reason":"duplicate record")")
        << "\n"
        << event("e8", "hours.verified", "2027-03-04T10:00:00+08:00", verified("L9", 3)) << "\n";
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }

  // Runs leifeng in the scenario directory; returns the exit code, stdout in `out`.
  int leifeng(const std::string& args, std::string& out) {
    const auto result = leifeng::test_support::LeifengCommand(dir_).run("-c leifeng.toml " + args);
    out = result.out;
    return result.code;
  }

  fs::path dir_;
};

TEST_F(AuditVolunteer, ExplainsLogsEventsHistoryAndLevel) {
  std::string out;
  ASSERT_EQ(leifeng("audit volunteer v7 --input events.jsonl", out), 0) << out;
  const std::vector<std::string> lines = lines_of(out);
  for (const char* expected : {
           "volunteer v7: 9 events (6 applied, 1 duplicates, 2 dead-lettered)",
           "registered: yes, party member: yes, home area: 410402",
           "  log L1: REVOKED, 90 minutes, quality 4, served 2027-03-01 in 410402, "
           "neighborhood_watch",
           "    2027-03-01T20:00:00+08:00  e2  hours.submitted  line 2: applied -> SUBMITTED, 90 "
           "minutes",
           "    2027-03-02T09:00:00+08:00  e3  hours.verified  line 3: applied -> VERIFIED, 90 "
           "minutes, quality 4",
           "    2027-03-02T09:00:00+08:00  e3  hours.verified  line 7: duplicate of an applied "
           "event (dropped, not dead-lettered)",
           "    2027-03-04T09:00:00+08:00  e7  hours.revoked  line 9: applied -> REVOKED, 90 "
           "minutes, quality 4",
           "  log L2: VERIFIED, 60 minutes, quality 2, served 2027-03-02 in 410402, "
           "neighborhood_watch",
           "  log L9: not in the ledger (no accepted hours.submitted)",
           "    2027-03-01T08:00:00+08:00  e1  volunteer.registered  line 1: applied",
           "  2027-03-02T09:00:00+08:00  e3: 0 -> 1 (minutes_verified 90, mean_quality_x100 400)",
           "  2027-03-03T09:00:00+08:00  e5: 1 -> 2 (minutes_verified 150, mean_quality_x100 320)",
           "  2027-03-04T09:00:00+08:00  e7: 2 -> 0 (minutes_verified 60, mean_quality_x100 200)",
           "  verified: 60 minutes (1 h 0 min) in 1 logs",
           "  mean quality x100: 200 = floor(100 * 120 / 60)",
           "  thresholds: 1 h reached, 2 h not reached, 3 h not reached, 4 h not reached, 5 h not "
           "reached -> 1 of 5",
           "  quality floor 300: 200 < 300, applied (one level lower)",
           "  level: 0",
       }) {
    EXPECT_THAT(lines, Contains(std::string(expected)));
  }
  // Dead letters carry the reason; the other volunteer's event is not there.
  EXPECT_THAT(out, HasSubstr("e6  hours.verified  line 8: dead-lettered invalid_transition"));
  EXPECT_THAT(out, HasSubstr("e8  hours.verified  line 10: dead-lettered unknown_reference"));
  EXPECT_EQ(out.find("  x1  "), std::string::npos);

  // The same events through `replay --input` give the level the audit explains.
  std::string ignored;
  ASSERT_EQ(leifeng("replay --input events.jsonl --out replay", ignored), 0);
  EXPECT_THAT(read_file(dir_ / "replay" / "stars.jsonl"),
              HasSubstr(R"({"volunteer_id":"v7","home_area":"410402","registered":true,)"
                        R"("party_member":true,"star_level":0,"minutes_verified":60,)"));
}

TEST_F(AuditVolunteer, UnknownVolunteerExitsWith1AndMissingFileWith2) {
  std::string out;
  EXPECT_EQ(leifeng("audit volunteer nobody --input events.jsonl", out), 1);
  EXPECT_EQ(leifeng("audit volunteer v7 --input /no/such/file.jsonl", out), 2);
}

}  // namespace

namespace {

// Checked before any Kafka client is made: a wrong directory is an error (2), not a difference.
TEST(AuditDiffCommand, MissingReplayDirectoryExitsWith2) {
  const leifeng::test_support::ScratchDir dir("leifeng-audit-diff-missing");
  EXPECT_EQ(
      leifeng::test_support::LeifengCommand(dir.path()).run("audit diff /no/such/replay").code, 2);
}

}  // namespace
