// SPEC §9 in the monthly report: idle stations and commendation candidates per county, and how
// each format shows them (with active stations from county-stats).
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "leifeng/report/render_report.hpp"
#include "leifeng/report/station_lists.hpp"
#include "report_fixture.hpp"

namespace leifeng::report {
namespace {

using schemas::StarRecord;
using schemas::StationRecord;

const ReportMonth kMarch{2027, 3};

StarRecord star(std::string id, std::string home, bool party, int32_t level) {
  StarRecord r;
  r.volunteer_id = std::move(id);
  r.home_area = std::move(home);
  r.registered = true;
  r.party_member = party;
  r.star_level = level;
  r.as_of = "2027-03-31T20:00:00+08:00";
  return r;
}

TEST(IdleStations, ActiveBeforeAndNoneInTheMonth) {
  EXPECT_TRUE(is_idle({"410402", "s1", {"2027-01", "2027-02"}}, kMarch));
  EXPECT_TRUE(is_idle({"410402", "s1", {"2026-12"}}, kMarch));
  // Used before and in the month: not idle.
  EXPECT_FALSE(is_idle({"410402", "s1", {"2027-02", "2027-03"}}, kMarch));
  // First seen in the month: not idle (nothing before).
  EXPECT_FALSE(is_idle({"410402", "s1", {"2027-03"}}, kMarch));
  // Only used after the month: not idle in it.
  EXPECT_FALSE(is_idle({"410402", "s1", {"2027-04"}}, kMarch));
  // Used before and after, not in it: idle.
  EXPECT_TRUE(is_idle({"410402", "s1", {"2027-02", "2027-04"}}, kMarch));
  EXPECT_FALSE(is_idle({"410402", "s1", {}}, kMarch));
}

TEST(IdleStations, PerCountySortedCitiesLeftOutLaterRecordWins) {
  const std::vector<StationRecord> stations = {
      {"410402", "s2", {"2027-01"}},
      {"410402", "s1", {"2027-02"}},
      {"410402", "s3", {"2027-02", "2027-03"}},
      {"410403", "s1", {"2027-03"}},
      {"410400", "s1", {"2027-02"}},  // the city's record: lists are per county
      {"410421", "s9", {"2027-02"}},
      {"410421", "s9", {"2027-02", "2027-03"}},  // a later value of the same key
  };
  const auto idle = idle_stations_by_county(stations, kMarch);
  ASSERT_EQ(idle.size(), 1u);
  EXPECT_EQ(idle.at("410402"), (std::vector<std::string>{"s1", "s2"}));
}

TEST(CommendationCandidates, PartyMembersAtThreeStarsOrMoreByHomeArea) {
  const std::vector<StarRecord> stars = {
      star("v-a", "410402", true, 3),   // yes
      star("v-b", "410402", true, 5),   // yes, first (more stars)
      star("v-c", "410402", false, 5),  // not a party member
      star("v-d", "410402", true, 2),   // two stars
      star("v-e", "410403", true, 4),   // yes, in its home area
      star("v-f", "410402", true, 3),   // yes, after v-a (same stars, by id)
      star("v-g", "", true, 4),         // no home area
      star("v-h", "410403", true, 3),
      star("v-h", "410403", true, 2),  // a later value: down to two stars
  };
  const auto candidates = commendation_candidates_by_area(stars);
  ASSERT_EQ(candidates.size(), 2u);
  EXPECT_EQ(candidates.at("410402"),
            (std::vector<CommendationCandidate>{{"v-b", 5}, {"v-a", 3}, {"v-f", 3}}));
  EXPECT_EQ(candidates.at("410403"), (std::vector<CommendationCandidate>{{"v-e", 4}}));
}

ReportTables march_tables() {
  ReportTables tables;
  tables.county_stats = testing::two_months();
  tables.county_stats.push_back(testing::stats(
      "410402", "2027-03", {{"stations.active", 2}, {"hours.minutes_verified", 750}}, 8));
  tables.county_stats.push_back(testing::stats("410400", "2027-03", {{"stations.active", 3}}, 9));
  tables.stations = {{"410402", "station-410402-11", {"2027-01", "2027-02"}},
                     {"410402", "station-410402-01", {"2027-02", "2027-03"}},
                     {"410482", "station-410482-12", {"2027-02"}},
                     {"410400", "station-410402-11", {"2027-01", "2027-02"}}};
  tables.stars = {star("v-1", "410402", true, 4), star("v-2", "410402", false, 5),
                  star("v-3", "410402", true, 3)};
  return tables;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool has_line(const std::string& text, const std::string& line) {
  for (const std::string& l : lines_of(text)) {
    if (l == line) return true;
  }
  return false;
}

TEST(StationsInTheReport, MarkdownTableAndListsPerCounty) {
  const std::string md =
      render_report(march_tables(), kMarch, builtin_area_names(), ReportFormat::markdown);
  EXPECT_TRUE(has_line(md, "## Stations and commendation candidates")) << md;
  EXPECT_TRUE(has_line(md, "| 新华区 | 410402 | 2 | 1 | 2 |")) << md;
  EXPECT_TRUE(has_line(md, "| 舞钢市 | 410481 | 0 | 0 | 0 |")) << md;
  EXPECT_TRUE(has_line(md, "| 汝州市 | 410482 | 0 | 1 | 0 |")) << md;
  EXPECT_TRUE(has_line(md, "| **平顶山市** | 410400 | 3 | — | — |")) << md;
  EXPECT_TRUE(has_line(md, "- 新华区 (410402): `station-410402-11`")) << md;
  EXPECT_TRUE(has_line(md, "- 汝州市 (410482): `station-410482-12`")) << md;
  EXPECT_TRUE(has_line(md, "- 卫东区 (410403): none")) << md;
  EXPECT_TRUE(has_line(md, "- 新华区 (410402): `v-1` ★4, `v-3` ★3")) << md;
  EXPECT_EQ(md.find("v-2"), std::string::npos);                // not a party member
  EXPECT_EQ(md.find("station-410402-01"), std::string::npos);  // used in March
}

TEST(StationsInTheReport, CsvColumnsIdsSeparatedBySpaces) {
  const std::string csv =
      render_report(march_tables(), kMarch, builtin_area_names(), ReportFormat::csv);
  const std::vector<std::string> lines = lines_of(csv);
  ASSERT_EQ(lines.size(), 12u);
  EXPECT_TRUE(lines[0].ends_with(",active_stations,idle_stations,commendation_candidates"));
  EXPECT_TRUE(lines[1].starts_with("2027-03,410402,")) << lines[1];
  EXPECT_TRUE(lines[1].ends_with(",2,station-410402-11,v-1 v-3")) << lines[1];
  EXPECT_TRUE(lines[10].ends_with(",0,station-410482-12,")) << lines[10];
  EXPECT_TRUE(lines[11].ends_with(",3,,")) << lines[11];  // the city: no lists
}

TEST(StationsInTheReport, HtmlSection) {
  const std::string html =
      render_report(march_tables(), kMarch, builtin_area_names(), ReportFormat::html);
  const auto section = html.find("<h2>Stations and commendation candidates</h2>");
  ASSERT_NE(section, std::string::npos);
  EXPECT_NE(html.find("<td>新华区</td><td>410402</td><td class=\"num\">2</td>"
                      "<td>station-410402-11</td><td>v-1 ★4, v-3 ★3</td></tr>",
                      section),
            std::string::npos)
      << html.substr(section);
  EXPECT_EQ(html.find("v-2"), std::string::npos);
}

TEST(StationsInTheReport, CountyWithOnlyListsIsReported) {
  // A county outside the area list, known only from the stations table.
  ReportTables tables = march_tables();
  tables.stations.push_back({"410501", "s-x", {"2027-01"}});
  const std::string md =
      render_report(tables, kMarch, builtin_area_names(), ReportFormat::markdown);
  EXPECT_TRUE(has_line(md, "- 410501 (410501): `s-x`")) << md;
}

}  // namespace
}  // namespace leifeng::report
