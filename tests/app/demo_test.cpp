// `leifeng demo` end to end through the binary: on the embedded cluster (no broker needed) and
// on the fixture broker. Every row of the county table it prints is checked against the
// tables a file replay of the very events it generated computes, so the printed table cannot
// drift from the tables.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "leifeng/schemas/records.hpp"
#include "leifeng/test_support/files.hpp"
#include "leifeng/test_support/leifeng_command.hpp"
#include "leifeng/test_support/leifeng_on_broker.hpp"

namespace {

namespace fs = std::filesystem;

using leifeng::test_support::CommandResult;
using leifeng::test_support::LeifengCommand;
using leifeng::test_support::read_lines;
using leifeng::test_support::ScratchDir;

// One row of the printed county table.
struct TableRow {
  std::string area_code;
  std::string verified_hours;  // as printed, e.g. "1586.8"
  int64_t active = 0;
  int64_t activities = 0;
  int64_t needs_fulfilled = 0;
  std::vector<int64_t> starred;  // one to five stars
};

bool is_area_code(const std::string& word) {
  if (word.size() != 6) return false;
  for (char c : word) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The table's rows from the demo's stdout: lines of a six-digit area code, a name and nine
// figures (log lines and the header have another shape).
std::vector<TableRow> parse_county_table(const std::string& out) {
  std::vector<TableRow> rows;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::vector<std::string> word;
    for (std::string w; words >> w;) word.push_back(w);
    if (word.size() != 11 || !is_area_code(word[0])) continue;
    TableRow row;
    row.area_code = word[0];
    row.verified_hours = word[2];
    row.active = std::stoll(word[3]);
    row.activities = std::stoll(word[4]);
    row.needs_fulfilled = std::stoll(word[5]);
    for (int star = 0; star < 5; ++star) row.starred.push_back(std::stoll(word[6 + star]));
    rows.push_back(row);
  }
  return rows;
}

// Verified minutes as hours with one decimal, halves rounded up: minutes/6 tenths.
std::string hours_with_one_decimal(int64_t minutes) {
  const int64_t tenths = (minutes + 3) / 6;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
}

// county-stats.jsonl of a replay, by key ("410402/2027-03").
std::map<std::string, std::map<std::string, int64_t>> county_stats(const fs::path& file) {
  std::map<std::string, std::map<std::string, int64_t>> stats;
  for (const auto& line : read_lines(file)) {
    auto record = leifeng::schemas::county_stats_from_json(line);
    EXPECT_TRUE(record.has_value()) << "unreadable county-stats line: " << line;
    if (record) stats[record->key()] = record->metrics;
  }
  return stats;
}

int64_t metric(const std::map<std::string, std::map<std::string, int64_t>>& stats,
               const std::string& key, const std::string& name) {
  auto record = stats.find(key);
  if (record == stats.end()) return 0;  // no record: every metric is zero
  auto value = record->second.find(name);
  return value == record->second.end() ? 0 : value->second;
}

// Replays the demo's events file and checks every printed row against the replay's tables
// for `month` (figures of the month; stars from `total`).
void expect_table_matches_replay(const LeifengCommand& leifeng, const std::string& demo_out,
                                 const fs::path& workdir, const std::string& month) {
  const fs::path replay_dir = workdir.parent_path() / "replay";
  const CommandResult replay = leifeng.run(std::vector<std::string>{
      "replay", "--input", (workdir / "events.jsonl").string(), "--out", replay_dir.string()});
  ASSERT_EQ(replay.code, 0) << replay.err;
  const auto stats = county_stats(replay_dir / "county-stats.jsonl");
  ASSERT_FALSE(stats.empty());

  const std::vector<TableRow> rows = parse_county_table(demo_out);
  // The ten county-level units of the default area list and their city.
  const std::set<std::string> expected_areas{"410402", "410403", "410404", "410411",
                                             "410421", "410422", "410423", "410425",
                                             "410481", "410482", "410400"};
  std::set<std::string> printed_areas;
  for (const auto& row : rows) printed_areas.insert(row.area_code);
  ASSERT_EQ(rows.size(), expected_areas.size()) << demo_out;
  EXPECT_EQ(printed_areas, expected_areas);

  int64_t city_minutes = 0;
  for (const auto& row : rows) {
    SCOPED_TRACE("area " + row.area_code);
    const std::string month_key = row.area_code + "/" + month;
    const std::string total_key = row.area_code + "/total";
    const int64_t minutes = metric(stats, month_key, "hours.minutes_verified");
    if (row.area_code == "410400") city_minutes = minutes;
    EXPECT_EQ(row.verified_hours, hours_with_one_decimal(minutes));
    EXPECT_EQ(row.active, metric(stats, month_key, "volunteers.active"));
    EXPECT_EQ(row.activities, metric(stats, month_key, "activities.published"));
    EXPECT_EQ(row.needs_fulfilled, metric(stats, month_key, "needs.fulfilled"));
    for (int star = 1; star <= 5; ++star) {
      EXPECT_EQ(row.starred[star - 1],
                metric(stats, total_key, "volunteers.starred." + std::to_string(star)))
          << star << " star(s)";
    }
  }
  // A month of a city's service: the comparison above is not between two empty tables.
  EXPECT_GT(city_minutes, 0);
}

// Built twice (tests/CMakeLists.txt): the embedded run needs no broker, the other the fixture's.
#if !LEIFENG_DEMO_ON_BROKER
TEST(Demo, EmbeddedPrintsTheCountyTableOfTheTables) {
  ScratchDir dir("leifeng-demo-embedded");
  const LeifengCommand leifeng(dir.path());
  const fs::path workdir = dir.path() / "demo";
  const CommandResult demo = leifeng.run(std::vector<std::string>{
      "demo", "--embedded", "--events", "15000", "--workdir", workdir.string()});
  ASSERT_EQ(demo.code, 0) << demo.err;
  EXPECT_NE(demo.out.find("verified_h"), std::string::npos) << demo.out;
  // The embedded cluster's clients get consumer-only properties only where they belong.
  EXPECT_EQ(demo.err.find("is a consumer property"), std::string::npos) << demo.err;
  EXPECT_NE(demo.err.find("at-least-once"), std::string::npos) << demo.err;
  // One stream thread whatever the cores, so the group never rebalances: the mock refuses offset
  // commits while it does, and records processed again would count county deltas twice.
  EXPECT_NE(demo.err.find(" threads=1 "), std::string::npos) << demo.err;
  // Its narration is human output on stdout, with the legend under the table; the progress
  // bar draws only on a terminal, so neither file holds a '\r'.
  EXPECT_NE(demo.out.find("[2/6] Generating a month of events"), std::string::npos) << demo.out;
  EXPECT_NE(demo.out.find("counts once in\nthe city's row"), std::string::npos) << demo.out;
  EXPECT_EQ(demo.err.find('\r'), std::string::npos) << demo.err;
  EXPECT_EQ(demo.out.find('\r'), std::string::npos) << demo.out;
  EXPECT_TRUE(fs::exists(workdir / "report-2027-03.html"));
  expect_table_matches_replay(leifeng, demo.out, workdir, "2027-03");
}

// The embedded cluster keeps about 5 MiB per partition. With every topic on one partition,
// 150k events overflow the hours topic before the processors read it: the demo must fail and
// say so instead of printing a table of half the events.
TEST(Demo, EmbeddedFailsWhenTheClusterDroppedInputRecords) {
  ScratchDir dir("leifeng-demo-embedded-dropped");
  const LeifengCommand leifeng(dir.path());
  const fs::path config = dir.path() / "one-partition.toml";
  std::ofstream(config) << "[topics]\npartitions = 1\n";
  const fs::path workdir = dir.path() / "demo";
  const CommandResult demo =
      leifeng.run(std::vector<std::string>{"-c", config.string(), "demo", "--embedded", "--events",
                                           "150000", "--workdir", workdir.string()});
  EXPECT_EQ(demo.code, 2) << demo.err;
  EXPECT_NE(demo.err.find("dropped the oldest records"), std::string::npos) << demo.err;
  EXPECT_NE(demo.err.find("leifeng.hours.v1[0]"), std::string::npos) << demo.err;
  EXPECT_EQ(demo.out.find("verified_h"), std::string::npos) << "a table was printed:\n" << demo.out;
  EXPECT_FALSE(fs::exists(workdir / "report-2027-03.html"));
}
#else
TEST(Demo, OnTheBrokerPrintsTheCountyTableOfTheTables) {
  // Its own topic prefix, application id and directory on the fixture broker.
  const leifeng::test_support::LeifengOnBroker on_broker("demo");
  const fs::path workdir = on_broker.dir() / "demo";
  const CommandResult demo = on_broker.run("demo --events 20000 --workdir " + workdir.string());
  ASSERT_EQ(demo.code, 0) << demo.err;
  // The log line that names the cluster (stdout or stderr, wherever logging goes).
  EXPECT_NE((demo.out + demo.err).find("bootstrap_servers=" + on_broker.bootstrap()),
            std::string::npos)
      << "the demo did not use the fixture broker:\n"
      << demo.out << demo.err;
  EXPECT_EQ(demo.err.find("embedded"), std::string::npos) << demo.err;
  expect_table_matches_replay(LeifengCommand(on_broker.dir()), demo.out, workdir, "2027-03");
}
#endif

}  // namespace
