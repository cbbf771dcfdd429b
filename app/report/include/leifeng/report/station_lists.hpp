// The lists of SPEC §9 in the monthly report, per county-level unit: idle stations (an activity
// before the month, none in it: 不建形式站、无用站) from the stations table, and commendation
// candidates (party-member volunteers at three stars or more by home area: 表彰优秀党员志愿者)
// from the stars table. Ids only: no personal data travels (SPEC §1).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "leifeng/report/report_month.hpp"
#include "leifeng/schemas/records.hpp"

namespace leifeng::report {

inline constexpr int32_t kCommendationMinStars = 3;

struct CommendationCandidate {
  std::string volunteer_id;
  int32_t star_level = 0;
  friend bool operator==(const CommendationCandidate&, const CommendationCandidate&) = default;
};

// Whether the station had an activity before `month` and none in it.
bool is_idle(const schemas::StationRecord& station, ReportMonth month);

// County code -> its idle stations in `month`, ascending. Prefecture cities (code ending in 00)
// are left out: the lists are per county. A key met twice counts with its later record.
std::map<std::string, std::vector<std::string>> idle_stations_by_county(
    const std::vector<schemas::StationRecord>& stations, ReportMonth month);

// Home area -> the party members at kCommendationMinStars or more, higher stars first, then by
// id. A volunteer met twice counts with the later record.
std::map<std::string, std::vector<CommendationCandidate>> commendation_candidates_by_area(
    const std::vector<schemas::StarRecord>& stars);

}  // namespace leifeng::report
