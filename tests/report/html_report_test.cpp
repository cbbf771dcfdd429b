// The HTML report: a self-contained page whose inline SVG charts are well formed and whose
// bars are as tall as the figures they show, so a broken chart cannot pass.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "leifeng/report/render_report.hpp"
#include "leifeng/report/svg_charts.hpp"
#include "report_fixture.hpp"

namespace leifeng::report {
namespace {

using testing::two_months;

struct Bar {
  double value = 0;
  double height = 0;
  double y = 0;
  std::string fill;
};

std::string attribute(const std::string& tag, const std::string& name) {
  const std::regex pattern("\\s" + name + "=\"([^\"]*)\"");
  std::smatch match;
  return std::regex_search(tag, match, pattern) ? match[1].str() : "";
}

double number_attribute(const std::string& tag, const std::string& name) {
  const std::string text = attribute(tag, name);
  EXPECT_FALSE(text.empty()) << name << " missing in " << tag;
  std::size_t used = 0;
  const double value = text.empty() ? NAN : std::stod(text, &used);
  EXPECT_EQ(used, text.size()) << name << "=\"" << text << "\" is not a number";
  EXPECT_TRUE(std::isfinite(value)) << tag;
  return value;
}

// The <svg>...</svg> blocks of a page; fails on nesting or an unclosed one.
std::vector<std::string> svg_blocks(const std::string& html) {
  std::vector<std::string> blocks;
  std::size_t from = 0;
  while (true) {
    const std::size_t open = html.find("<svg", from);
    if (open == std::string::npos) break;
    const std::size_t close = html.find("</svg>", open);
    EXPECT_NE(close, std::string::npos) << "unclosed <svg>";
    if (close == std::string::npos) break;
    const std::string block = html.substr(open, close + 6 - open);
    EXPECT_EQ(block.find("<svg", 4), std::string::npos) << "nested <svg>";
    blocks.push_back(block);
    from = close + 6;
  }
  EXPECT_EQ(html.find("</svg>", from), std::string::npos) << "</svg> without <svg>";
  return blocks;
}

// Every element of an SVG block opens and closes in order (a small XML well-formedness check:
// tags, self-closing tags, text without a stray '<').
void expect_balanced_tags(const std::string& svg) {
  std::vector<std::string> open;
  const std::regex tag_pattern("<(/?)([A-Za-z][A-Za-z0-9-]*)([^<>]*?)(/?)>");
  std::size_t tags = 0;
  std::string text_between;
  auto begin = std::sregex_iterator(svg.begin(), svg.end(), tag_pattern);
  std::size_t last_end = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    const std::string between = svg.substr(last_end, m.position(0) - last_end);
    EXPECT_EQ(between.find_first_of("<>"), std::string::npos) << "stray angle bracket: " << between;
    last_end = m.position(0) + m.length(0);
    ++tags;
    const std::string name = m[2].str();
    if (m[1].length() > 0) {
      ASSERT_FALSE(open.empty()) << "</" << name << "> closes nothing";
      ASSERT_EQ(open.back(), name) << "</" << name << "> closes <" << open.back() << ">";
      open.pop_back();
    } else if (m[4].length() == 0) {
      open.push_back(name);
    }
  }
  EXPECT_GT(tags, 2u);
  EXPECT_TRUE(open.empty()) << "unclosed <" << (open.empty() ? "" : open.back()) << ">";
}

std::vector<Bar> bars_of(const std::string& svg) {
  std::vector<Bar> bars;
  const std::regex rect_pattern("<rect[^>]*>");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), rect_pattern);
       it != std::sregex_iterator(); ++it) {
    const std::string tag = it->str();
    if (attribute(tag, "data-value").empty()) continue;  // legend swatches
    bars.push_back({number_attribute(tag, "data-value"), number_attribute(tag, "height"),
                    number_attribute(tag, "y"), attribute(tag, "fill")});
  }
  return bars;
}

// All bars of one chart share one scale: height = value * scale.
double expect_proportional(const std::vector<Bar>& bars) {
  double scale = 0;
  for (const Bar& bar : bars) {
    EXPECT_GE(bar.value, 0);
    EXPECT_GE(bar.height, 0);
    if (bar.value > 0 && scale == 0) scale = bar.height / bar.value;
  }
  EXPECT_GT(scale, 0) << "a chart without a single non-empty bar";
  for (const Bar& bar : bars) {
    EXPECT_NEAR(bar.height, bar.value * scale, 0.02) << "value " << bar.value;
  }
  return scale;
}

class HtmlReport : public ::testing::Test {
 protected:
  const std::string html =
      render_report(two_months(), ReportMonth{2027, 3}, builtin_area_names(), ReportFormat::html);
};

TEST_F(HtmlReport, IsASelfContainedUtf8Page) {
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"));
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_TRUE(html.ends_with("</body>\n</html>\n"));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  // The only URL is the SVG namespace name, which is never fetched.
  const std::regex url("https?://[^\"]*");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), url); it != std::sregex_iterator();
       ++it) {
    EXPECT_EQ(it->str(), "http://www.w3.org/2000/svg");
  }
  for (const char* broken : {"nan", "NaN", "inf"}) {
    EXPECT_EQ(std::regex_search(html, std::regex(std::string("[\"> ]-?") + broken + "\\b")), false)
        << broken;
  }
  EXPECT_NE(html.find("<h1>平顶山市 学雷锋志愿服务月报 2027-03</h1>"), std::string::npos);
}

TEST_F(HtmlReport, TablesCarryTheFiguresComputedByHand) {
  EXPECT_NE(html.find("<tr><td>新华区</td><td>410402</td><td class=\"num\">12.5</td><td "
                      "class=\"num\">+2.5</td><td class=\"num\">+25.0%</td><td "
                      "class=\"num\">4</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<tr class=\"city\"><td>平顶山市</td><td>410400</td><td "
                      "class=\"num\">14.6</td><td class=\"num\">+4.6</td><td "
                      "class=\"num\">+45.8%</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<tr><td>宝丰县</td><td>410421</td><td class=\"num\">2.1</td><td "
                      "class=\"num\">—</td><td class=\"num\">—</td>"),
            std::string::npos);
}

TEST_F(HtmlReport, ChartsAreWellFormedAndToScale) {
  const std::vector<std::string> svgs = svg_blocks(html);
  ASSERT_EQ(svgs.size(), 3u);  // hours, hours by programme, star levels, for the one city
  for (const std::string& svg : svgs) expect_balanced_tags(svg);

  // 1. Verified hours: one bar per county, in area-list order; 新华区 is the tallest.
  const std::vector<Bar> hours = bars_of(svgs[0]);
  ASSERT_EQ(hours.size(), 10u);
  expect_proportional(hours);
  EXPECT_DOUBLE_EQ(hours[0].value, 12.5);         // 新华区 750 min
  EXPECT_NEAR(hours[4].value, 125.0 / 60, 1e-4);  // 宝丰县
  EXPECT_EQ(hours[1].height, 0);                  // 卫东区: nothing in March
  for (const Bar& bar : hours) EXPECT_LE(bar.height, hours[0].height);
  EXPECT_NE(svgs[0].find(">新华区</text>"), std::string::npos);
  EXPECT_NE(svgs[0].find("平顶山市 total 14.6 h"), std::string::npos);
  // Written as in the tables (2.083 h -> 2.1), not as the bar's raw value.
  EXPECT_NE(svgs[0].find("<title>宝丰县: 2.1 h</title>"), std::string::npos);
  EXPECT_NE(svgs[0].find("class=\"value\">2.1</text>"), std::string::npos);

  // 2. By programme: six stacked segments per county; each column as tall as chart 1's bar
  //    would be on the same scale, segments stacked without gaps.
  const std::vector<Bar> programmes = bars_of(svgs[1]);
  ASSERT_EQ(programmes.size(), 60u);
  const double scale = expect_proportional(programmes);
  EXPECT_DOUBLE_EQ(programmes[0].value, 7.5);           // 新华区 neighborhood_watch
  EXPECT_DOUBLE_EQ(programmes[5].value, 5.0);           // 新华区 online_campaign
  EXPECT_NEAR(programmes[25].value, 125.0 / 60, 1e-4);  // 宝丰县 caring_dedication
  for (std::size_t column = 0; column < 10; ++column) {
    double stacked = 0;
    for (std::size_t s = 0; s < 6; ++s) {
      const Bar& bar = programmes[column * 6 + s];
      if (s > 0) {
        EXPECT_NEAR(bar.y + bar.height, programmes[column * 6 + s - 1].y, 0.02);
      }
      stacked += bar.height;
    }
    EXPECT_NEAR(stacked, hours[column].value * scale, 0.1);
  }

  // 3. Star levels (all time): five segments per county, counts as values.
  const std::vector<Bar> stars = bars_of(svgs[2]);
  ASSERT_EQ(stars.size(), 50u);
  expect_proportional(stars);
  EXPECT_EQ(stars[0].value, 3);  // 新华区 ★1
  EXPECT_EQ(stars[1].value, 1);  // 新华区 ★2
  EXPECT_EQ(stars[2].value, 0);
}

TEST(HtmlCharts, WriteFiguresRoundedLikeTheTables) {
  // 319155 min = 5319.25 h exactly: printf-style rounding of the double gives 5319.2, the
  // tables' half-away-from-zero rounding 5319.3; the chart must agree with the tables.
  const std::vector<schemas::CountyStatsRecord> records{testing::stats(
      "410402", "2027-03",
      {{"hours.minutes_verified", 319155}, {"hours.minutes_verified.window_service", 319155}})};
  const std::string html =
      render_report(records, ReportMonth{2027, 3}, builtin_area_names(), ReportFormat::html);
  const std::vector<std::string> svgs = svg_blocks(html);
  ASSERT_EQ(svgs.size(), 3u);
  EXPECT_NE(svgs[0].find("class=\"value\">5319.3</text>"), std::string::npos);
  EXPECT_NE(svgs[0].find("<title>新华区: 5319.3 h</title>"), std::string::npos);
  EXPECT_NE(svgs[1].find("class=\"value\">5319.3</text>"), std::string::npos);
  EXPECT_NE(svgs[1].find("<title>新华区 · 优质服务 window_service: 5319.3 h</title>"),
            std::string::npos);
  EXPECT_EQ(html.find(">5319.2<"), std::string::npos);
  EXPECT_EQ(html.find("5319.2 h"), std::string::npos);
}

TEST(SvgChart, AllZeroChartHasEmptyBarsAndNoNaN) {
  StackedBarChart chart;
  chart.title = "empty";
  chart.labels = {"a", "b"};
  chart.series = {{"s", "#000"}};
  chart.values = {{0.0}, {0.0}};
  const std::string svg = render_svg(chart);
  expect_balanced_tags(svg);
  for (const Bar& bar : bars_of(svg)) EXPECT_EQ(bar.height, 0);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
}

TEST(SvgChart, EscapesLabels) {
  StackedBarChart chart;
  chart.title = "a<b & \"c\"";
  chart.labels = {"<x>"};
  chart.series = {{"s", "#000"}};
  chart.values = {{1.0}};
  const std::string svg = render_svg(chart);
  expect_balanced_tags(svg);
  EXPECT_NE(svg.find("a&lt;b &amp; &quot;c&quot;"), std::string::npos);
  EXPECT_NE(svg.find(">&lt;x&gt;</text>"), std::string::npos);
}

}  // namespace
}  // namespace leifeng::report
