// The figures of the monthly county report, taken from county-stats records (SPEC §5) before
// any formatting: one row per county-level unit and one per prefecture city.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "leifeng/report/area_names.hpp"
#include "leifeng/report/programmes.hpp"
#include "leifeng/report/report_month.hpp"
#include "leifeng/report/station_lists.hpp"
#include "leifeng/schemas/records.hpp"

namespace leifeng::report {

// There is not a single county-stats record for the month asked for.
class NoReportData : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct AreaSummary {
  std::string area_code;
  std::string area_name;
  bool is_city = false;  // a prefecture city (code ends in 00): its own records, not a sum
  // Of the month.
  int64_t minutes_verified = 0;
  std::array<int64_t, kProgrammes.size()> minutes_verified_by_programme{};
  int64_t volunteers_active = 0;
  int64_t activities_published = 0;
  int64_t activities_completed = 0;
  int64_t participants = 0;
  int64_t needs_posted = 0;
  int64_t needs_fulfilled = 0;
  int64_t fulfil_minutes = 0;
  int64_t stations_active = 0;
  // SPEC §9, county-level units only (empty for a city): stations idle this month, and the
  // party-member volunteers at three stars or more by home area, as of the tables read.
  std::vector<std::string> idle_stations;
  std::vector<CommendationCandidate> commendation_candidates;
  // Of the previous month; nullopt when the area has no record for it.
  std::optional<int64_t> previous_minutes_verified;
  // Of the period `total`.
  int64_t volunteers_registered = 0;
  std::array<int64_t, 5> volunteers_starred{};  // index 0 = one star
};

struct MonthlySummary {
  ReportMonth month;
  // County-level units by code, each prefecture city right after its counties. Every county
  // of the area list is there, with zeros when it reported nothing.
  std::vector<AreaSummary> areas;
};

// What the report reads: the county-stats table, and for the lists of SPEC §9 the stations and
// stars tables.
struct ReportTables {
  std::vector<schemas::CountyStatsRecord> county_stats;
  std::vector<schemas::StationRecord> stations;
  std::vector<schemas::StarRecord> stars;
};

// Picks the records of `month`, the month before and `total`. When a key occurs more than
// once (a topic read without compaction) the highest revision counts, the later on a tie.
// Throws NoReportData when no record has period `month`.
// Counties with idle stations or commendation candidates are listed even without statistics.
MonthlySummary summarize_month(const ReportTables& tables, ReportMonth month,
                               const AreaNames& names);
// County statistics alone: no idle stations, no candidates.
MonthlySummary summarize_month(const std::vector<schemas::CountyStatsRecord>& records,
                               ReportMonth month, const AreaNames& names);

}  // namespace leifeng::report
