// The Markdown and CSV reports: figures checked against values worked out by hand.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "leifeng/report/figures.hpp"
#include "leifeng/report/render_report.hpp"
#include "report_fixture.hpp"

namespace leifeng::report {
namespace {

using testing::two_months;

const ReportMonth kMarch{2027, 3};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The one line that contains `needle`; fails the test unless there is exactly one.
std::string line_with(const std::string& text, const std::string& needle) {
  std::vector<std::string> found;
  for (const std::string& line : lines_of(text)) {
    if (line.find(needle) != std::string::npos) found.push_back(line);
  }
  EXPECT_EQ(found.size(), 1u) << "lines containing " << needle;
  return found.empty() ? "" : found.front();
}

TEST(ReportFigures, HoursRoundHalfAwayFromZeroFromMinutes) {
  EXPECT_EQ(hours_text(0), "0.0");
  EXPECT_EQ(hours_text(2), "0.0");  // 0.033 h
  EXPECT_EQ(hours_text(3), "0.1");  // 0.05 h
  EXPECT_EQ(hours_text(90), "1.5");
  EXPECT_EQ(hours_text(125), "2.1");  // 2.083 h
  EXPECT_EQ(hours_text(-3), "-0.1");
  EXPECT_EQ(hours_text(600000), "10000.0");
}

TEST(ReportFigures, ChangeAndMeans) {
  EXPECT_EQ(hours_change_text(750, 600), "+2.5");
  EXPECT_EQ(hours_change_text(600, 600), "0.0");
  EXPECT_EQ(hours_change_text(0, 90), "-1.5");
  EXPECT_EQ(hours_change_text(750, std::nullopt), std::nullopt);
  EXPECT_EQ(percent_change_text(875, 600), "+45.8%");  // 45.833 %
  EXPECT_EQ(percent_change_text(0, 90), "-100.0%");
  EXPECT_EQ(percent_change_text(1, 3), "-66.7%");  // -66.667 %
  EXPECT_EQ(percent_change_text(750, 0), std::nullopt);
  EXPECT_EQ(percent_change_text(750, std::nullopt), std::nullopt);
  EXPECT_EQ(mean_fulfil_hours_text(300, 2), "2.5");
  EXPECT_EQ(mean_fulfil_hours_text(100, 3), "0.6");  // 33.3 min
  EXPECT_EQ(mean_fulfil_hours_text(0, 0), std::nullopt);
}

TEST(ReportMonth, ParsesStrictlyAndStepsBack) {
  EXPECT_EQ(parse_report_month("2027-03"), (ReportMonth{2027, 3}));
  for (const char* bad : {"2027-3", "2027-13", "2027-00", "27-03", "2027/03", "2027-03x", "abcd-ef",
                          "", "0000-01", "2027-03-01"}) {
    EXPECT_EQ(parse_report_month(bad), std::nullopt) << bad;
  }
  EXPECT_EQ((ReportMonth{2027, 1}).previous(), (ReportMonth{2026, 12}));
  EXPECT_EQ((ReportMonth{2027, 3}).previous(), (ReportMonth{2027, 2}));
  EXPECT_EQ((ReportMonth{1, 1}).previous(), std::nullopt);
  EXPECT_EQ((ReportMonth{987, 4}).str(), "0987-04");
}

TEST(ReportFormat, Names) {
  EXPECT_EQ(parse_report_format("md"), ReportFormat::markdown);
  EXPECT_EQ(parse_report_format("csv"), ReportFormat::csv);
  EXPECT_EQ(parse_report_format("html"), ReportFormat::html);
  EXPECT_EQ(parse_report_format("pdf"), std::nullopt);
}

TEST(MonthlySummary, CountiesOfTheAreaListThenTheCity) {
  const MonthlySummary summary = summarize_month(two_months(), kMarch, builtin_area_names());
  std::vector<std::string> codes;
  for (const AreaSummary& area : summary.areas) codes.push_back(area.area_code);
  EXPECT_EQ(codes,
            (std::vector<std::string>{"410402", "410403", "410404", "410411", "410421", "410422",
                                      "410423", "410425", "410481", "410482", "410400"}));
  EXPECT_TRUE(summary.areas.back().is_city);
  EXPECT_EQ(summary.areas.back().area_name, "平顶山市");
  // The highest revision of 410402/2027-03 counts, not the first one read.
  EXPECT_EQ(summary.areas[0].minutes_verified, 750);
}

TEST(MonthlySummary, AreasOnlyInTheRecordsAreReportedUnderTheirCity) {
  auto records = two_months();
  records.push_back(testing::stats("410102", "2027-03", {{"hours.minutes_verified", 60}}));
  const MonthlySummary summary = summarize_month(records, kMarch, AreaNames{});
  std::vector<std::string> codes;
  for (const AreaSummary& area : summary.areas) codes.push_back(area.area_code);
  // No area list: only areas with records; a city without records of its own gets zeros.
  EXPECT_EQ(codes,
            (std::vector<std::string>{"410102", "410100", "410402", "410403", "410421", "410400"}));
  EXPECT_EQ(summary.areas[0].area_name, "410102");  // no name known: the code
  EXPECT_EQ(summary.areas[1].minutes_verified, 0);
}

TEST(MonthlySummary, NoRecordForTheMonthIsAnError) {
  EXPECT_THROW(summarize_month(two_months(), ReportMonth{2027, 4}, builtin_area_names()),
               NoReportData);
  // February has records of its own, so it can be reported (no January hours to compare).
  const MonthlySummary february =
      summarize_month(two_months(), ReportMonth{2027, 2}, builtin_area_names());
  EXPECT_EQ(february.areas.back().minutes_verified, 600);
  EXPECT_EQ(february.areas.front().previous_minutes_verified, 999);
}

TEST(MarkdownReport, OverviewRowsComputedByHand) {
  const std::string md =
      render_report(two_months(), kMarch, builtin_area_names(), ReportFormat::markdown);
  EXPECT_EQ(lines_of(md).front(), "# Volunteer service monthly report — 2027-03");
  EXPECT_EQ(line_with(md, "| 新华区 | 410402 | 12.5"),
            "| 新华区 | 410402 | 12.5 | +2.5 | +25.0% | 4 | 3 | 2 | 25 | 5 | 2 | 2.5 | 10 | 3 | 1 "
            "| 0 | 0 | 0 |");
  EXPECT_EQ(
      line_with(md, "| 宝丰县 | 410421 | 2.1 |"),
      "| 宝丰县 | 410421 | 2.1 | — | — | 1 | 0 | 0 | 0 | 1 | 0 | — | 2 | 0 | 0 | 0 | 0 | 0 |");
  EXPECT_EQ(line_with(md, "| 卫东区 | 410403 | 0.0 | -"),
            "| 卫东区 | 410403 | 0.0 | -1.5 | -100.0% | 0 | 0 | 0 | 0 | 0 | 0 | — | 0 | 0 | 0 | 0 "
            "| 0 | 0 |");
  EXPECT_EQ(
      line_with(md, "| 石龙区 | 410404 | 0.0 | —"),
      "| 石龙区 | 410404 | 0.0 | — | — | 0 | 0 | 0 | 0 | 0 | 0 | — | 0 | 0 | 0 | 0 | 0 | 0 |");
  EXPECT_EQ(
      line_with(md, "| **平顶山市** | 410400 | 14.6"),
      "| **平顶山市** | 410400 | 14.6 | +4.6 | +45.8% | 5 | 3 | 2 | 25 | 6 | 2 | 2.5 | 12 | 3 "
      "| 1 | 0 | 0 | 0 |");
  EXPECT_NE(md.find("Change: against 2027-02"), std::string::npos);
}

TEST(MarkdownReport, HoursByProgrammeComputedByHand) {
  const std::string md =
      render_report(two_months(), kMarch, builtin_area_names(), ReportFormat::markdown);
  EXPECT_NE(
      md.find("| Area | Code | 邻里守望 (neighborhood_watch) | 奉献爱心 (caring_dedication) | "
              "结对帮扶 (paired_assistance) | 党员志愿者 (party_member_service) | 优质服务 "
              "(window_service) | 网上学雷锋 (online_campaign) | Total |"),
      std::string::npos);
  EXPECT_EQ(line_with(md, "| 新华区 | 410402 | 7.5"),
            "| 新华区 | 410402 | 7.5 | 0.0 | 0.0 | 0.0 | 0.0 | 5.0 | 12.5 |");
  EXPECT_EQ(line_with(md, "| 宝丰县 | 410421 | 0.0"),
            "| 宝丰县 | 410421 | 0.0 | 2.1 | 0.0 | 0.0 | 0.0 | 0.0 | 2.1 |");
  EXPECT_EQ(line_with(md, "| **平顶山市** | 410400 | 7.5"),
            "| **平顶山市** | 410400 | 7.5 | 2.1 | 0.0 | 0.0 | 0.0 | 5.0 | 14.6 |");
}

TEST(CsvReport, OneHeaderAndOneRowPerArea) {
  const std::string csv =
      render_report(two_months(), kMarch, builtin_area_names(), ReportFormat::csv);
  const std::vector<std::string> lines = lines_of(csv);
  ASSERT_EQ(lines.size(), 12u);  // header + ten counties + the city
  EXPECT_EQ(lines[0],
            "month,area_code,area_name,level,verified_hours,verified_hours_change,"
            "verified_hours_change_pct,active_volunteers,activities_published,"
            "activities_completed,participants,needs_posted,needs_fulfilled,mean_fulfil_hours,"
            "registered_volunteers,stars_1,stars_2,stars_3,stars_4,stars_5,"
            "hours_neighborhood_watch,hours_caring_dedication,hours_paired_assistance,"
            "hours_party_member_service,hours_window_service,hours_online_campaign,"
            "active_stations,idle_stations,commendation_candidates");
  EXPECT_EQ(lines[1],
            "2027-03,410402,新华区,county,12.5,2.5,25.0,4,3,2,25,5,2,2.5,10,3,1,0,0,0,"
            "7.5,0.0,0.0,0.0,0.0,5.0,0,,");
  EXPECT_EQ(lines[2],
            "2027-03,410403,卫东区,county,0.0,-1.5,-100.0,0,0,0,0,0,0,,0,0,0,0,0,0,"
            "0.0,0.0,0.0,0.0,0.0,0.0,0,,");
  EXPECT_EQ(lines[5],
            "2027-03,410421,宝丰县,county,2.1,,,1,0,0,0,1,0,,2,0,0,0,0,0,"
            "0.0,2.1,0.0,0.0,0.0,0.0,0,,");
  EXPECT_EQ(lines[11],
            "2027-03,410400,平顶山市,city,14.6,4.6,45.8,5,3,2,25,6,2,2.5,12,3,1,0,0,0,"
            "7.5,2.1,0.0,0.0,0.0,5.0,0,,");
}

TEST(CsvReport, QuotesNamesWithCommasAndQuotes) {
  const AreaNames names{{"410402", "新华区, \"老城\""}};
  const std::string csv = render_report(two_months(), kMarch, names, ReportFormat::csv);
  EXPECT_NE(csv.find("\n2027-03,410402,\"新华区, \"\"老城\"\"\",county,12.5,"), std::string::npos)
      << csv;
}

TEST(MarkdownReport, PipesInNamesDoNotBreakTheTable) {
  const AreaNames names{{"410402", "A|B"}};
  const std::string md = render_report(two_months(), kMarch, names, ReportFormat::markdown);
  EXPECT_NE(md.find("| A\\|B | 410402 | 12.5 |"), std::string::npos);
}

TEST(RenderReport, SameRecordsSameBytes) {
  for (ReportFormat format : {ReportFormat::markdown, ReportFormat::csv, ReportFormat::html}) {
    EXPECT_EQ(render_report(two_months(), kMarch, builtin_area_names(), format),
              render_report(two_months(), kMarch, builtin_area_names(), format));
  }
}

}  // namespace
}  // namespace leifeng::report
