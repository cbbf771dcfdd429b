// The CSV report (RFC 4180): one header line, one row per area. Columns are documented in
// app/report/README.md; absent figures are empty fields, numbers carry no sign or % so that
// spreadsheets read them as numbers.
#include <sstream>

#include "leifeng/report/figures.hpp"
#include "leifeng/report/render_report.hpp"

namespace leifeng::report {
namespace {

std::string field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string number_field(std::optional<std::string> text) {
  if (!text) return "";
  if (text->starts_with("+")) text->erase(0, 1);
  if (text->ends_with("%")) text->pop_back();
  return *text;
}

}  // namespace

std::string render_csv(const MonthlySummary& summary) {
  std::ostringstream csv;
  csv << "month,area_code,area_name,level,verified_hours,verified_hours_change,"
         "verified_hours_change_pct,active_volunteers,activities_published,activities_completed,"
         "participants,needs_posted,needs_fulfilled,mean_fulfil_hours,registered_volunteers,"
         "stars_1,stars_2,stars_3,stars_4,stars_5";
  for (const Programme& programme : kProgrammes) csv << ",hours_" << programme.category;
  csv << ",active_stations,idle_stations,commendation_candidates\n";
  const std::string month = summary.month.str();
  for (const AreaSummary& area : summary.areas) {
    csv << month << ',' << area.area_code << ',' << field(area.area_name) << ','
        << (area.is_city ? "city" : "county") << ',' << hours_text(area.minutes_verified) << ','
        << number_field(hours_change_text(area.minutes_verified, area.previous_minutes_verified))
        << ','
        << number_field(percent_change_text(area.minutes_verified, area.previous_minutes_verified))
        << ',' << area.volunteers_active << ',' << area.activities_published << ','
        << area.activities_completed << ',' << area.participants << ',' << area.needs_posted << ','
        << area.needs_fulfilled << ','
        << number_field(mean_fulfil_hours_text(area.fulfil_minutes, area.needs_fulfilled)) << ','
        << area.volunteers_registered;
    for (int64_t starred : area.volunteers_starred) csv << ',' << starred;
    for (int64_t minutes : area.minutes_verified_by_programme) csv << ',' << hours_text(minutes);
    // The lists (SPEC §9) as ids separated by spaces; empty for a city.
    csv << ',' << area.stations_active << ',';
    std::string ids;
    for (const std::string& id : area.idle_stations) ids += (ids.empty() ? "" : " ") + id;
    csv << field(ids) << ',';
    ids.clear();
    for (const CommendationCandidate& c : area.commendation_candidates)
      ids += (ids.empty() ? "" : " ") + c.volunteer_id;
    csv << field(ids) << "\n";
  }
  return csv.str();
}

}  // namespace leifeng::report
