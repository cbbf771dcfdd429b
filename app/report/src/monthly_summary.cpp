#include "leifeng/report/monthly_summary.hpp"

#include <map>
#include <set>

namespace leifeng::report {
namespace {

using schemas::CountyStatsRecord;

bool is_city_code(const std::string& code) {
  return code.size() == 6 && code.ends_with("00");
}
std::string city_of(const std::string& code) {
  return code.substr(0, 4) + "00";
}

int64_t metric(const CountyStatsRecord* record, const std::string& name) {
  if (record == nullptr) return 0;
  const auto it = record->metrics.find(name);
  return it == record->metrics.end() ? 0 : it->second;
}

// The latest record per area for one period.
class PeriodRecords {
 public:
  void offer(const CountyStatsRecord& record) {
    const CountyStatsRecord*& slot = by_area_[record.area_code];
    if (slot == nullptr || record.revision >= slot->revision) slot = &record;
  }
  const CountyStatsRecord* find(const std::string& area) const {
    const auto it = by_area_.find(area);
    return it == by_area_.end() ? nullptr : it->second;
  }
  bool empty() const { return by_area_.empty(); }
  template <typename F>
  void for_each_area(F f) const {
    for (const auto& entry : by_area_) f(entry.first);
  }

 private:
  std::map<std::string, const CountyStatsRecord*> by_area_;
};

AreaSummary summarize_area(const std::string& code, const AreaNames& names,
                           const CountyStatsRecord* current, const CountyStatsRecord* previous,
                           const CountyStatsRecord* total) {
  AreaSummary row;
  row.area_code = code;
  row.area_name = area_name(names, code);
  row.is_city = is_city_code(code);
  row.minutes_verified = metric(current, "hours.minutes_verified");
  for (std::size_t i = 0; i < kProgrammes.size(); ++i) {
    row.minutes_verified_by_programme[i] =
        metric(current, "hours.minutes_verified." + std::string(kProgrammes[i].category));
  }
  row.volunteers_active = metric(current, "volunteers.active");
  row.activities_published = metric(current, "activities.published");
  row.activities_completed = metric(current, "activities.completed");
  row.participants = metric(current, "activities.participants");
  row.needs_posted = metric(current, "needs.posted");
  row.needs_fulfilled = metric(current, "needs.fulfilled");
  row.fulfil_minutes = metric(current, "needs.fulfil_minutes");
  row.stations_active = metric(current, "stations.active");
  if (previous != nullptr)
    row.previous_minutes_verified = metric(previous, "hours.minutes_verified");
  row.volunteers_registered = metric(total, "volunteers.registered");
  for (std::size_t level = 1; level <= row.volunteers_starred.size(); ++level) {
    row.volunteers_starred[level - 1] =
        metric(total, "volunteers.starred." + std::to_string(level));
  }
  return row;
}

}  // namespace

MonthlySummary summarize_month(const std::vector<CountyStatsRecord>& records, ReportMonth month,
                               const AreaNames& names) {
  return summarize_month(ReportTables{records, {}, {}}, month, names);
}

MonthlySummary summarize_month(const ReportTables& tables, ReportMonth month,
                               const AreaNames& names) {
  const std::vector<CountyStatsRecord>& records = tables.county_stats;
  const std::string period = month.str();
  const std::optional<ReportMonth> before = month.previous();
  const std::string previous_period = before ? before->str() : "";
  PeriodRecords current, previous, total;
  for (const CountyStatsRecord& record : records) {
    if (record.period == period) {
      current.offer(record);
    } else if (before && record.period == previous_period) {
      previous.offer(record);
    } else if (record.period == "total") {
      total.offer(record);
    }
  }
  if (current.empty()) {
    throw NoReportData("no county statistics for " + period + " (no record with period " + period +
                       ")");
  }

  // Counties of the area list and of the records, grouped under their city.
  std::map<std::string, std::set<std::string>> counties_by_city;
  const auto add_area = [&](const std::string& code) {
    if (is_city_code(code)) {
      counties_by_city[code];
    } else {
      counties_by_city[city_of(code)].insert(code);
    }
  };
  for (const auto& entry : names) {
    if (!is_city_code(entry.first)) add_area(entry.first);
  }
  current.for_each_area(add_area);
  previous.for_each_area(add_area);
  total.for_each_area(add_area);
  auto idle = idle_stations_by_county(tables.stations, month);
  auto candidates = commendation_candidates_by_area(tables.stars);
  for (const auto& entry : idle) add_area(entry.first);
  for (const auto& entry : candidates) {
    if (!is_city_code(entry.first)) add_area(entry.first);
  }

  MonthlySummary summary{month, {}};
  for (const auto& [city, counties] : counties_by_city) {
    for (const std::string& code : counties) {
      AreaSummary& row = summary.areas.emplace_back(
          summarize_area(code, names, current.find(code), previous.find(code), total.find(code)));
      if (auto it = idle.find(code); it != idle.end()) row.idle_stations = std::move(it->second);
      if (auto it = candidates.find(code); it != candidates.end())
        row.commendation_candidates = std::move(it->second);
    }
    summary.areas.push_back(
        summarize_area(city, names, current.find(city), previous.find(city), total.find(city)));
  }
  return summary;
}

}  // namespace leifeng::report
