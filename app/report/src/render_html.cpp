// The HTML report: one self-contained page (inline CSS, inline SVG charts, no script, no
// external resource) so it can be mailed as a file and opened offline.
#include <array>
#include <sstream>

#include "leifeng/report/figures.hpp"
#include "leifeng/report/render_report.hpp"
#include "leifeng/report/svg_charts.hpp"

namespace leifeng::report {
namespace {

constexpr const char* kAbsent = "—";
constexpr const char* kHoursColor = "#c23b22";
constexpr std::array<const char*, kProgrammes.size()> kProgrammeColors{
    "#c23b22", "#e8862a", "#d4a017", "#2e8b57", "#2b6cb0", "#7b4fa0"};
constexpr std::array<const char*, 5> kStarColors{"#f7c873", "#ef9a3a", "#dc5f22", "#b3261e",
                                                 "#6e1410"};

constexpr const char* kStyle = R"(
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
       "Helvetica Neue", Arial, sans-serif; color: #222; margin: 24px 32px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; color: #9e2a17; }
h2 { font-size: 19px; margin: 28px 0 10px; border-bottom: 2px solid #c23b22; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
p.note { color: #555; font-size: 13px; max-width: 1100px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { border: 1px solid #e3c9c2; border-radius: 6px; padding: 10px 16px; min-width: 150px;
        background: #fdf6f4; }
.card .figure { font-size: 24px; font-weight: bold; color: #9e2a17; }
.card .caption { font-size: 13px; color: #555; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; }
th { background: #f3e6e2; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td:first-child { white-space: nowrap; }
tr.city td { font-weight: bold; background: #fbf1ee; }
svg.chart { display: block; margin: 8px 0 20px; max-width: 100%; height: auto; }
svg .chart-title { font-size: 15px; font-weight: 600; fill: #222; }
svg .tick { font-size: 11px; fill: #666; text-anchor: end; }
svg .grid { stroke: #e5e5e5; stroke-width: 1; }
svg .axis { stroke: #888; stroke-width: 1; }
svg .value { font-size: 11px; fill: #333; text-anchor: middle; }
svg .label { font-size: 13px; fill: #222; text-anchor: middle; }
svg .legend { font-size: 12px; fill: #333; }
svg text { font-family: inherit; }
)";

std::string text(const std::string& s) {
  return escape_xml(s);
}
std::string or_absent(const std::optional<std::string>& s) {
  return s ? *s : kAbsent;
}

void number_cell(std::ostringstream& html, const std::string& value) {
  html << "<td class=\"num\">" << text(value) << "</td>";
}
void number_cell(std::ostringstream& html, int64_t value) {
  number_cell(html, std::to_string(value));
}

void area_cells(std::ostringstream& html, const AreaSummary& area) {
  html << "<tr" << (area.is_city ? " class=\"city\"" : "") << "><td>" << text(area.area_name)
       << "</td><td>" << area.area_code << "</td>";
}

void overview_table(std::ostringstream& html, const MonthlySummary& summary) {
  html << "<table>\n<thead><tr><th>Area</th><th>Code</th><th>Verified hours</th>"
          "<th>Change (h)</th><th>Change (%)</th><th>Active volunteers</th>"
          "<th>Activities published</th><th>Activities completed</th><th>Participants</th>"
          "<th>Needs posted</th><th>Needs fulfilled</th><th>Mean time to fulfil (h)</th>"
          "<th>Registered volunteers</th><th>★1</th><th>★2</th><th>★3</th><th>★4</th>"
          "<th>★5</th></tr></thead>\n<tbody>\n";
  for (const AreaSummary& area : summary.areas) {
    area_cells(html, area);
    number_cell(html, hours_text(area.minutes_verified));
    number_cell(
        html, or_absent(hours_change_text(area.minutes_verified, area.previous_minutes_verified)));
    number_cell(html, or_absent(percent_change_text(area.minutes_verified,
                                                    area.previous_minutes_verified)));
    number_cell(html, area.volunteers_active);
    number_cell(html, area.activities_published);
    number_cell(html, area.activities_completed);
    number_cell(html, area.participants);
    number_cell(html, area.needs_posted);
    number_cell(html, area.needs_fulfilled);
    number_cell(html, or_absent(mean_fulfil_hours_text(area.fulfil_minutes, area.needs_fulfilled)));
    number_cell(html, area.volunteers_registered);
    for (int64_t starred : area.volunteers_starred) number_cell(html, starred);
    html << "</tr>\n";
  }
  html << "</tbody>\n</table>\n";
}

void programme_table(std::ostringstream& html, const MonthlySummary& summary) {
  html << "<table>\n<thead><tr><th>Area</th><th>Code</th>";
  for (const Programme& programme : kProgrammes) {
    html << "<th>" << programme.label << "<br><small>" << programme.category << "</small></th>";
  }
  html << "<th>Total</th></tr></thead>\n<tbody>\n";
  for (const AreaSummary& area : summary.areas) {
    area_cells(html, area);
    for (int64_t minutes : area.minutes_verified_by_programme)
      number_cell(html, hours_text(minutes));
    number_cell(html, hours_text(area.minutes_verified));
    html << "</tr>\n";
  }
  html << "</tbody>\n</table>\n";
}

void city_cards(std::ostringstream& html, const AreaSummary& city) {
  const auto card = [&](const std::string& figure, const std::string& caption) {
    html << "<div class=\"card\"><div class=\"figure\">" << text(figure)
         << "</div><div class=\"caption\">" << text(caption) << "</div></div>";
  };
  html << "<div class=\"cards\">";
  card(hours_text(city.minutes_verified), "verified hours");
  card(or_absent(percent_change_text(city.minutes_verified, city.previous_minutes_verified)),
       "change against the previous month");
  card(std::to_string(city.volunteers_active), "active volunteers");
  card(std::to_string(city.activities_completed), "activities completed");
  card(std::to_string(city.needs_fulfilled) + " / " + std::to_string(city.needs_posted),
       "needs fulfilled / posted");
  card(std::to_string(city.volunteers_registered), "registered volunteers (all time)");
  html << "</div>\n";
}

// The charts of one city: its counties side by side (the city total would dwarf them).
void city_charts(std::ostringstream& html, const std::vector<const AreaSummary*>& counties,
                 const AreaSummary& city) {
  StackedBarChart hours;
  hours.title = "Verified hours by county-level unit (" + city.area_name + " total " +
                hours_text(city.minutes_verified) + " h)";
  hours.unit = "h";
  hours.series = {{"verified hours", kHoursColor}};
  StackedBarChart programmes;
  programmes.title = "Verified hours by programme";
  programmes.unit = "h";
  for (std::size_t i = 0; i < kProgrammes.size(); ++i) {
    programmes.series.push_back(
        {std::string(kProgrammes[i].label) + " " + std::string(kProgrammes[i].category),
         kProgrammeColors[i]});
  }
  StackedBarChart stars;
  stars.title = "Volunteers by star level (all time, by home area)";
  stars.unit = "volunteers";
  stars.decimals = 0;
  for (std::size_t level = 1; level <= kStarColors.size(); ++level) {
    stars.series.push_back({"★" + std::to_string(level), kStarColors[level - 1]});
  }
  for (const AreaSummary* county : counties) {
    hours.labels.push_back(county->area_name);
    hours.values.push_back({hours_value(county->minutes_verified)});
    hours.total_texts.push_back(hours_text(county->minutes_verified));
    hours.value_texts.push_back({hours_text(county->minutes_verified)});
    programmes.labels.push_back(county->area_name);
    std::vector<double> by_programme;
    std::vector<std::string> by_programme_texts;
    for (int64_t minutes : county->minutes_verified_by_programme) {
      by_programme.push_back(hours_value(minutes));
      by_programme_texts.push_back(hours_text(minutes));
    }
    programmes.values.push_back(by_programme);
    programmes.value_texts.push_back(by_programme_texts);
    programmes.total_texts.push_back(hours_text(county->minutes_verified));
    stars.labels.push_back(county->area_name);
    std::vector<double> by_level;
    for (int64_t starred : county->volunteers_starred)
      by_level.push_back(static_cast<double>(starred));
    stars.values.push_back(by_level);
  }
  html << render_svg(hours) << render_svg(programmes) << render_svg(stars);
}

// SPEC §9: active and idle stations, commendation candidates; the lists per county.
void stations_section(std::ostringstream& html, const MonthlySummary& summary) {
  const std::string month = summary.month.str();
  html << "<h2>Stations and commendation candidates</h2>\n<table>\n<thead><tr><th>Area</th>"
          "<th>Code</th><th>Active stations</th><th>Idle stations</th>"
          "<th>Commendation candidates (party members, ★"
       << kCommendationMinStars << "+)</th></tr></thead>\n<tbody>\n";
  for (const AreaSummary& area : summary.areas) {
    area_cells(html, area);
    number_cell(html, area.stations_active);
    if (area.is_city) {
      html << "<td>" << kAbsent << "</td><td>" << kAbsent << "</td></tr>\n";
      continue;
    }
    html << "<td>";
    for (std::size_t i = 0; i < area.idle_stations.size(); ++i)
      html << (i == 0 ? "" : ", ") << text(area.idle_stations[i]);
    html << "</td><td>";
    for (std::size_t i = 0; i < area.commendation_candidates.size(); ++i) {
      const CommendationCandidate& c = area.commendation_candidates[i];
      html << (i == 0 ? "" : ", ") << text(c.volunteer_id) << " ★" << c.star_level;
    }
    html << "</td></tr>\n";
  }
  html << "</tbody>\n</table>\n<p class=\"note\">Active stations: distinct stations named by "
          "activities starting in "
       << month << ". Idle stations: had an activity before " << month
       << " and none in it. Commendation candidates: party-member volunteers at ★"
       << kCommendationMinStars
       << " or more, by home area, at their star level when the tables were read. Ids "
          "only.</p>\n";
}

}  // namespace

std::string render_html(const MonthlySummary& summary) {
  const std::string month = summary.month.str();
  const std::optional<ReportMonth> before = summary.month.previous();
  std::string cities;
  for (const AreaSummary& area : summary.areas) {
    if (area.is_city) cities += (cities.empty() ? "" : "、") + area.area_name;
  }
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
       << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
       << "<title>" << text(cities) << " 志愿服务月报 " << month << "</title>\n"
       << "<style>" << kStyle << "</style>\n</head>\n<body>\n"
       << "<h1>" << text(cities) << " 学雷锋志愿服务月报 " << month << "</h1>\n"
       << "<p class=\"note\">Volunteer service monthly report of the county-level units, " << month
       << ". City rows are the city's own statistics, so a volunteer active in two counties "
          "counts once.</p>\n";

  // Each city: its key figures and charts, from its counties (listed before it).
  std::vector<const AreaSummary*> counties;
  for (const AreaSummary& area : summary.areas) {
    if (!area.is_city) {
      counties.push_back(&area);
      continue;
    }
    html << "<h2>" << text(area.area_name) << " (" << area.area_code << ")</h2>\n";
    city_cards(html, area);
    city_charts(html, counties, area);
    counties.clear();
  }

  html << "<h2>Overview</h2>\n";
  overview_table(html, summary);
  html << "<p class=\"note\">Verified hours: minutes of verified service / 60, one decimal. "
          "Change: against "
       << (before ? before->str() : "the previous month") << "; " << kAbsent
       << " when the area has no statistics for that month (for %, also when it had no "
          "verified hours). Mean time to fulfil: from posting to fulfilment, over the needs "
          "fulfilled this month. Registered volunteers and ★1–★5 (volunteers by star level): "
          "all time, by home area.</p>\n"
       << "<h2>Verified hours by programme</h2>\n";
  programme_table(html, summary);
  stations_section(html, summary);
  html << "</body>\n</html>\n";
  return html.str();
}

}  // namespace leifeng::report
