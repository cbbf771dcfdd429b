// The Markdown report: two tables, the city row in bold.
#include <sstream>

#include "leifeng/report/figures.hpp"
#include "leifeng/report/render_report.hpp"

namespace leifeng::report {
namespace {

constexpr const char* kAbsent = "—";

// Area names come from a CSV the operator edits: keep a stray | from breaking the table.
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string or_absent(const std::optional<std::string>& text) {
  return text ? *text : kAbsent;
}

std::string area_cell(const AreaSummary& area) {
  return area.is_city ? "**" + cell(area.area_name) + "**" : cell(area.area_name);
}

// SPEC §9: active and idle stations, commendation candidates; the lists per county.
void stations_and_commendations(std::ostringstream& md, const MonthlySummary& summary) {
  const std::string month = summary.month.str();
  md << "\n## Stations and commendation candidates\n\n"
     << "| Area | Code | Active stations | Idle stations | Commendation candidates |\n"
     << "|---|---|---:|---:|---:|\n";
  for (const AreaSummary& area : summary.areas) {
    md << "| " << area_cell(area) << " | " << area.area_code << " | " << area.stations_active;
    if (area.is_city) {
      md << " | " << kAbsent << " | " << kAbsent << " |\n";
    } else {
      md << " | " << area.idle_stations.size() << " | " << area.commendation_candidates.size()
         << " |\n";
    }
  }
  md << "\nActive stations: distinct stations named by activities starting in " << month
     << ". Idle stations: had an activity before " << month
     << " and none in it. Commendation candidates: party-member volunteers at ★"
     << kCommendationMinStars
     << " or more, by home area, at their star level when the tables were read. Ids only.\n\n"
     << "### Idle stations\n\n";
  for (const AreaSummary& area : summary.areas) {
    if (area.is_city) continue;
    md << "- " << cell(area.area_name) << " (" << area.area_code << "): ";
    if (area.idle_stations.empty()) md << "none";
    for (std::size_t i = 0; i < area.idle_stations.size(); ++i)
      md << (i == 0 ? "" : ", ") << "`" << area.idle_stations[i] << "`";
    md << "\n";
  }
  md << "\n### Commendation candidates\n\n";
  for (const AreaSummary& area : summary.areas) {
    if (area.is_city) continue;
    md << "- " << cell(area.area_name) << " (" << area.area_code << "): ";
    if (area.commendation_candidates.empty()) md << "none";
    for (std::size_t i = 0; i < area.commendation_candidates.size(); ++i) {
      const CommendationCandidate& c = area.commendation_candidates[i];
      md << (i == 0 ? "" : ", ") << "`" << c.volunteer_id << "` ★" << c.star_level;
    }
    md << "\n";
  }
}

}  // namespace

std::string render_markdown(const MonthlySummary& summary) {
  const std::string month = summary.month.str();
  const std::optional<ReportMonth> before = summary.month.previous();
  std::ostringstream md;
  md << "# Volunteer service monthly report — " << month << "\n\n"
     << "County-level units and their prefecture city (in bold; the city's own statistics, "
        "so a volunteer active in two counties counts once).\n\n"
     << "## Overview\n\n"
     << "| Area | Code | Verified hours | Change (h) | Change (%) | Active volunteers "
        "| Activities published | Activities completed | Participants | Needs posted "
        "| Needs fulfilled | Mean time to fulfil (h) | Registered volunteers "
        "| ★1 | ★2 | ★3 | ★4 | ★5 |\n"
     << "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        "\n";
  for (const AreaSummary& area : summary.areas) {
    md << "| " << area_cell(area) << " | " << area.area_code << " | "
       << hours_text(area.minutes_verified) << " | "
       << or_absent(hours_change_text(area.minutes_verified, area.previous_minutes_verified))
       << " | "
       << or_absent(percent_change_text(area.minutes_verified, area.previous_minutes_verified))
       << " | " << area.volunteers_active << " | " << area.activities_published << " | "
       << area.activities_completed << " | " << area.participants << " | " << area.needs_posted
       << " | " << area.needs_fulfilled << " | "
       << or_absent(mean_fulfil_hours_text(area.fulfil_minutes, area.needs_fulfilled)) << " | "
       << area.volunteers_registered;
    for (int64_t starred : area.volunteers_starred) md << " | " << starred;
    md << " |\n";
  }
  md << "\nVerified hours: minutes of verified service / 60, one decimal. Change: against "
     << (before ? before->str() : "the previous month") << "; " << kAbsent
     << " when the area has no statistics for that month (for %, also when it had no verified "
        "hours). Mean time to fulfil: from posting to fulfilment, over the needs fulfilled this "
        "month. Registered volunteers and ★1–★5 (volunteers by star level): all time, by home "
        "area.\n\n"
     << "## Verified hours by programme\n\n"
     << "| Area | Code";
  for (const Programme& programme : kProgrammes) {
    md << " | " << programme.label << " (" << programme.category << ")";
  }
  md << " | Total |\n|---|---|";
  for (std::size_t i = 0; i < kProgrammes.size(); ++i) md << "---:|";
  md << "---:|\n";
  for (const AreaSummary& area : summary.areas) {
    md << "| " << area_cell(area) << " | " << area.area_code;
    for (int64_t minutes : area.minutes_verified_by_programme) md << " | " << hours_text(minutes);
    md << " | " << hours_text(area.minutes_verified) << " |\n";
  }
  stations_and_commendations(md, summary);
  return md.str();
}

}  // namespace leifeng::report
