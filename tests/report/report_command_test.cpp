// `leifeng report` end to end: a replay directory written by hand, the binary run as a user
// would, exit codes and outputs checked.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "leifeng/report/county_stats_file.hpp"
#include "leifeng/test_support/files.hpp"
#include "leifeng/test_support/leifeng_command.hpp"

namespace leifeng::report {
namespace {

namespace fs = std::filesystem;

using test_support::CommandResult;
using test_support::read_file;

class ReportCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("leifeng-report-command-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "replay");
    // As `leifeng replay --out` writes it: one record per line, sorted by key.
    std::ofstream(dir_ / "replay" / "county-stats.jsonl")
        << R"({"area_code":"410400","period":"2027-02","metrics":{"hours.minutes_verified":600},"revision":3,"as_of":"2027-02-28T20:00:00+08:00"})"
           "\n"
        << R"({"area_code":"410400","period":"2027-03","metrics":{"hours.minutes_verified":875,"volunteers.active":5},"revision":9,"as_of":"2027-03-31T20:00:00+08:00"})"
           "\n"
        << R"({"area_code":"410402","period":"2027-02","metrics":{"hours.minutes_verified":600},"revision":3,"as_of":"2027-02-28T20:00:00+08:00"})"
           "\n\n"
        << R"({"area_code":"410402","period":"2027-03","metrics":{"hours.minutes_verified":750,"volunteers.active":4},"revision":8,"as_of":"2027-03-31T20:00:00+08:00"})"
           "\n"
        << R"({"area_code":"410421","period":"2027-03","metrics":{"hours.minutes_verified":125,"volunteers.active":1},"revision":2,"as_of":"2027-03-30T20:00:00+08:00"})"
           "\n";
    // The tables of the lists (SPEC §9): one idle station and one candidate in 新华区.
    std::ofstream(dir_ / "replay" / "stations.jsonl")
        << R"({"area_code":"410400","station_id":"st-9","months":["2027-02"]})"
           "\n"
        << R"({"area_code":"410402","station_id":"st-1","months":["2027-02","2027-03"]})"
           "\n"
        << R"({"area_code":"410402","station_id":"st-9","months":["2027-02"]})"
           "\n";
    std::ofstream(dir_ / "replay" / "stars.jsonl")
        << R"({"volunteer_id":"v-1","home_area":"410402","registered":true,"party_member":true,"star_level":3,"minutes_verified":18000,"logs_verified":60,"mean_quality_x100":400,"as_of":"2027-03-30T20:00:00+08:00"})"
           "\n"
        << R"({"volunteer_id":"v-2","home_area":"410402","registered":true,"party_member":false,"star_level":4,"minutes_verified":36000,"logs_verified":90,"mean_quality_x100":400,"as_of":"2027-03-30T20:00:00+08:00"})"
           "\n";
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }

  // Runs the leifeng binary with `args` (a shell-free argv) in dir_.
  CommandResult leifeng(const std::vector<std::string>& args) const {
    return test_support::LeifengCommand(dir_).run(args);
  }

  fs::path dir_;
};

TEST_F(ReportCommand, MarkdownToStdout) {
  const CommandResult run = leifeng({"report", "--month", "2027-03", "--from", "replay"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("| 新华区 | 410402 | 12.5 | +2.5 | +25.0% | 4 |"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("| **平顶山市** | 410400 | 14.6 | +4.6 | +45.8% | 5 |"),
            std::string::npos);
  // SPEC §9 from stations.jsonl and stars.jsonl.
  EXPECT_NE(run.out.find("\n- 新华区 (410402): `st-9`\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\n- 新华区 (410402): `v-1` ★3\n"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("v-2"), std::string::npos);
}

TEST_F(ReportCommand, ListTablesMissingOrMalformedExitTwo) {
  std::ofstream(dir_ / "replay" / "stars.jsonl", std::ios::app) << "{\"volunteer_id\":1}\n";
  CommandResult run = leifeng({"report", "--month", "2027-03", "--from", "replay"});
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.err.find("stars.jsonl:3: not a stars record"), std::string::npos) << run.err;
  fs::remove(dir_ / "replay" / "stations.jsonl");
  run = leifeng({"report", "--month", "2027-03", "--from", "replay"});
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.err.find("stations.jsonl (expected a directory written by `leifeng replay"),
            std::string::npos)
      << run.err;
}

TEST_F(ReportCommand, FormatFromTheOutputFileAndExplicitFormat) {
  CommandResult run =
      leifeng({"report", "--month", "2027-03", "--from", "replay", "-o", "march.html"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_TRUE(run.out.empty());
  const std::string html = read_file(dir_ / "march.html");
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "march.html.partial"));

  run = leifeng({"report", "--month", "2027-03", "--from", "replay", "--format", "csv"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_TRUE(run.out.starts_with("month,area_code,area_name,level,verified_hours,"));
  EXPECT_NE(run.out.find("\n2027-03,410421,宝丰县,county,2.1,,,1,"), std::string::npos);
}

// -o decides the format by its extension: a name the report cannot honour (r.pdf, no
// extension) is refused before anything is read or written, and --format must agree with it.
TEST_F(ReportCommand, OutputExtensionDecidesTheFormatOrIsRefused) {
  CommandResult run =
      leifeng({"report", "--month", "2027-03", "--from", "replay", "-o", "march.csv"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_TRUE(read_file(dir_ / "march.csv").starts_with("month,area_code,area_name,"));
  run = leifeng({"report", "--month", "2027-03", "--from", "replay", "-o", "march.md"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(read_file(dir_ / "march.md").find("| 新华区 | 410402 |"), std::string::npos);
  run = leifeng(
      {"report", "--month", "2027-03", "--from", "replay", "--format", "html", "-o", "m.htm"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_TRUE(read_file(dir_ / "m.htm").starts_with("<!DOCTYPE html>"));

  for (const std::string name : {"r.pdf", "report"}) {
    run = leifeng({"report", "--month", "2027-03", "--from", "replay", "-o", name});
    EXPECT_EQ(run.code, 2) << name << " " << run.err;
    EXPECT_NE(run.err.find("-o " + name + ": the report is written as Markdown, CSV or HTML"),
              std::string::npos)
        << run.err;
    EXPECT_NE(run.err.find(".md, .csv or .html"), std::string::npos) << run.err;
    if (name == "r.pdf") {
      EXPECT_NE(run.err.find(", not .pdf"), std::string::npos) << run.err;
    }
    EXPECT_FALSE(fs::exists(dir_ / name));
    EXPECT_FALSE(fs::exists(dir_ / (name + ".partial")));
  }

  run = leifeng(
      {"report", "--month", "2027-03", "--from", "replay", "--format", "csv", "-o", "r.html"});
  EXPECT_EQ(run.code, 2) << run.err;
  EXPECT_NE(run.err.find("--format csv does not match -o r.html"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(dir_ / "r.html"));
}

TEST_F(ReportCommand, AreaNamesFromTheConfigurationDirectory) {
  fs::create_directories(dir_ / "conf");
  std::ofstream(dir_ / "conf" / "leifeng.toml") << "[rules]\nareas_file = \"names.csv\"\n";
  std::ofstream(dir_ / "conf" / "names.csv") << "area_code,name\n410402,新华\n";
  CommandResult run = leifeng({"-c", "conf/leifeng.toml", "report", "--month", "2027-03", "--from",
                               "replay", "--format", "csv"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("\n2027-03,410402,新华,county,12.5,"), std::string::npos) << run.out;
  // Only areas of the list or of the records: 410403 is in neither.
  EXPECT_EQ(run.out.find("410403"), std::string::npos);
  EXPECT_NE(run.out.find("\n2027-03,410400,平顶山市,city,"), std::string::npos);

  std::ofstream(dir_ / "other.csv") << "410402,Xinhua\n";
  run = leifeng({"-c", "conf/leifeng.toml", "report", "--month", "2027-03", "--from", "replay",
                 "--format", "csv", "--areas", "other.csv"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("\n2027-03,410402,Xinhua,county,12.5,"), std::string::npos);
}

TEST_F(ReportCommand, NoStatisticsForTheMonthExitsOne) {
  const CommandResult run = leifeng({"report", "--month", "2027-04", "--from", "replay"});
  EXPECT_EQ(run.code, 1);
  EXPECT_TRUE(run.out.empty());
  EXPECT_NE(run.err.find("no county statistics for 2027-04"), std::string::npos) << run.err;
}

TEST_F(ReportCommand, BadInputExitsTwoWithAMessage) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases{
      {{"report", "--month", "2027-3", "--from", "replay"}, "--month must be YYYY-MM"},
      {{"report", "--month", "March", "--from", "replay"}, "--month must be YYYY-MM"},
      {{"report", "--month", "2027-03", "--from", "missing"}, "cannot read missing/"},
      {{"report", "--month", "2027-03", "--from", "replay", "--format", "pdf"},
       "--format must be md, csv or html"},
      // Without --from it reads the live topic: here the embedded cluster, which has none.
      {{"report", "--month", "2027-03", "--embedded"}, "county-stats.v1 does not exist"},
      // ... and without --embedded or a broker it says how to give one.
      {{"report", "--month", "2027-03"}, "no Kafka broker configured"},
      {{"report", "--month", "2027-03", "--from", "replay", "--areas", "none.csv"},
       "cannot open areas file none.csv"},
      {{"report", "--month", "2027-03", "--from", "replay", "-o", "no/such/dir/r.md"},
       "cannot write no/such/dir/r.md"},
  };
  for (const Case& c : cases) {
    const CommandResult run = leifeng(c.args);
    EXPECT_EQ(run.code, 2) << c.args[2] << " " << run.err;
    EXPECT_NE(run.err.find(c.message), std::string::npos) << run.err;
    EXPECT_TRUE(run.out.empty());
  }
}

TEST_F(ReportCommand, MalformedLineNamesTheLine) {
  std::ofstream(dir_ / "replay" / "county-stats.jsonl", std::ios::app) << "{\"area_code\":1}\n";
  const CommandResult run = leifeng({"report", "--month", "2027-03", "--from", "replay"});
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.err.find("county-stats.jsonl:7: not a county-stats record"), std::string::npos)
      << run.err;
}

TEST_F(ReportCommand, ReadsTheReplayTableAsWritten) {
  const auto records = read_county_stats_dir(dir_ / "replay");
  ASSERT_EQ(records.size(), 5u);  // the blank line is skipped
  EXPECT_EQ(records[1].key(), "410400/2027-03");
  EXPECT_EQ(records[1].metrics.at("volunteers.active"), 5);
  EXPECT_EQ(records[1].revision, 9);
}

}  // namespace
}  // namespace leifeng::report
