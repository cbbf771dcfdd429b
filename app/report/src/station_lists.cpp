#include "leifeng/report/station_lists.hpp"

#include <algorithm>

namespace leifeng::report {

bool is_idle(const schemas::StationRecord& station, ReportMonth month) {
  const std::string period = month.str();  // YYYY-MM: text order is time order
  bool before = false;
  for (const std::string& used : station.months) {
    if (used == period) return false;
    if (used < period) before = true;
  }
  return before;
}

std::map<std::string, std::vector<std::string>> idle_stations_by_county(
    const std::vector<schemas::StationRecord>& stations, ReportMonth month) {
  std::map<std::string, const schemas::StationRecord*> latest;
  for (const schemas::StationRecord& station : stations) {
    if (station.area_code.ends_with("00")) continue;
    latest[station.key()] = &station;
  }
  std::map<std::string, std::vector<std::string>> idle;
  for (const auto& [key, station] : latest) {
    if (is_idle(*station, month)) idle[station->area_code].push_back(station->station_id);
  }
  for (auto& [area, ids] : idle) std::sort(ids.begin(), ids.end());
  return idle;
}

std::map<std::string, std::vector<CommendationCandidate>> commendation_candidates_by_area(
    const std::vector<schemas::StarRecord>& stars) {
  std::map<std::string, const schemas::StarRecord*> latest;
  for (const schemas::StarRecord& star : stars) latest[star.volunteer_id] = &star;
  std::map<std::string, std::vector<CommendationCandidate>> candidates;
  for (const auto& [id, star] : latest) {
    if (!star->party_member || star->star_level < kCommendationMinStars || star->home_area.empty())
      continue;
    candidates[star->home_area].push_back({star->volunteer_id, star->star_level});
  }
  for (auto& [area, list] : candidates) {
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
      return a.star_level != b.star_level ? a.star_level > b.star_level
                                          : a.volunteer_id < b.volunteer_id;
    });
  }
  return candidates;
}

}  // namespace leifeng::report
