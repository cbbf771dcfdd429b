#include "leifeng/processors/county_stats.hpp"

#include <algorithm>

#include "internal/county_cell_index.hpp"
#include "leifeng/processors/wiring.hpp"
#include "leifeng/schemas/copy_text.hpp"

namespace leifeng::processors {

CountyStatsProcessor::CountyStatsProcessor(const ProcessorOptions& options,
                                           runtime::KeyValueStore* store,
                                           runtime::KeyValueStore* stations_store)
    : options_(options),
      cells_(store),
      index_(std::make_unique<CountyCellIndex>()),
      stations_(stations_store) {}

CountyStatsProcessor::~CountyStatsProcessor() = default;

void CountyStatsProcessor::before_commit(runtime::Emitter& out) {
  for (const CountyCell* cell : changed_) {
    const schemas::CountyStatsRecord record = record_of(*cell);
    out.emit(outputs::kCountyStats, record.key(), schemas::to_json(record));
  }
  changed_.clear();
}

void CountyStatsProcessor::flush() {
  cells_.flush();
  index_->clear();
  changed_.clear();  // the pointers die with the store's cache
  stations_.flush();
}

// A compact fixed-width store key (area, period kind, period value), big-endian so that the
// store's byte order is the order of areas and periods.
void CountyStatsProcessor::cell_key(std::string& key, uint32_t area, Period period) {
  key.resize(9);
  const auto value = static_cast<uint32_t>(period.value) ^ 0x80000000u;  // order negatives first
  for (int i = 0; i < 4; ++i) key[i] = static_cast<char>(area >> (24 - 8 * i));
  key[4] = static_cast<char>(period.kind);
  for (int i = 0; i < 4; ++i) key[5 + i] = static_cast<char>(value >> (24 - 8 * i));
}

runtime::Outcome CountyStatsProcessor::process(const runtime::InputRecord& record,
                                               runtime::Emitter& out) {
  if (!message_.open(record.value)) {
    // Only leifeng writes this stream; a bad record means a foreign writer or a format change.
    // A list is checked whole before any of it is applied: all of it is dead-lettered or none.
    emit_dead_letter(
        record, {schemas::Reason::malformed, "", "not a county delta of format version 1, 2 or 3"},
        std::nullopt, std::nullopt, std::nullopt, options_, out);
    return runtime::Outcome::dead_lettered;
  }
  for (size_t i = 0; i < message_.size(); ++i) apply(message_[i], out);
  return runtime::Outcome::applied;
}

void CountyStatsProcessor::apply(const CountyDeltaReader& delta, runtime::Emitter& out) {
  std::array<Period, 3> stations_new{};
  const size_t station_count = delta.has_station() ? use_station(delta, stations_new, out) : 0;
  size_t next_station = 0;
  CountyCell* cell = nullptr;
  auto finish = [&] {
    if (cell == nullptr) return;
    cell->revision += 1;
    schemas::copy_text(cell->as_of, delta.as_of());
  };
  auto open = [&](Period period) {
    if (cell != nullptr && cell->period() == period) return;
    finish();
    cell = index_->find(delta.area().value, period);
    if (cell == nullptr) cell = &cell_from_store(delta.area().value, period);
  };
  // The +1 stations.active of the periods in which the station is new, merged into the changes
  // by period, so that each cell is counted and emitted once per message.
  auto count_stations_up_to = [&](const Period* period) {
    while (next_station < station_count &&
           (period == nullptr || stations_new[next_station] <= *period)) {
      open(stations_new[next_station]);
      cell->metrics[static_cast<size_t>(Metric::stations_active)] += 1;
      ++next_station;
    }
  };
  // Changes arrive grouped by period (CountyDeltaBatch sorts them): one cell per run.
  for (size_t i = 0; i < delta.size(); ++i) {
    const MetricDelta change = delta.change(i);
    count_stations_up_to(&change.period);
    open(change.period);
    cell->metrics[static_cast<size_t>(change.metric)] += change.delta;
  }
  count_stations_up_to(nullptr);
  finish();
}

size_t CountyStatsProcessor::use_station(const CountyDeltaReader& delta,
                                         std::array<Period, 3>& new_in, runtime::Emitter& out) {
  key_.resize(4);
  const uint32_t area = delta.area().value;
  for (int i = 0; i < 4; ++i) key_[i] = static_cast<char>(area >> (24 - 8 * i));
  key_.append(delta.station_id());
  const int32_t day = delta.station_date().days;
  StationDays* found = stations_.find(key_);
  if (found != nullptr && std::binary_search(found->days.begin(), found->days.end(), day)) {
    return 0;  // used that day already: nothing new, nothing to write back
  }
  if (found != nullptr) stations_.mark_dirty(key_);
  StationDays& station = found != nullptr ? *found : stations_.upsert(key_);
  const Period month = Period::month_of(delta.station_date());
  const auto at = std::lower_bound(station.days.begin(), station.days.end(), day);
  size_t n = 0;
  {
    // Its month is new unless a neighbouring day falls in the same month.
    const bool month_seen =
        (at != station.days.end() && Period::month_of(schemas::LocalDate{*at}) == month) ||
        (at != station.days.begin() &&
         Period::month_of(schemas::LocalDate{*std::prev(at)}) == month);
    const bool first = station.days.empty();
    station.days.insert(at, day);
    new_in[n++] = Period::day(delta.station_date());
    if (!month_seen) new_in[n++] = month;
    if (first) new_in[n++] = Period::total();
    if (!month_seen && options_.emit_table_updates) {
      const schemas::StationRecord record = station_record_of(key_, station);
      out.emit(outputs::kStations, record.key(), schemas::to_json(record));
    }
  }
  return n;
}

schemas::StationRecord CountyStatsProcessor::station_record_of(std::string_view key,
                                                               const StationDays& days) {
  schemas::StationRecord record;
  uint32_t area = 0;
  for (int i = 0; i < 4; ++i) area = area << 8 | static_cast<unsigned char>(key[i]);
  record.area_code = schemas::AreaCode{area}.str();
  record.station_id.assign(key.substr(4));
  Period last{Period::Kind::total, 0};
  for (const int32_t day : days.days) {
    const Period month = Period::month_of(schemas::LocalDate{day});
    if (month != last) record.months.push_back(month.str());
    last = month;
  }
  return record;
}

// A cell that apply() is about to change and did not find in index_. It is marked dirty on its
// first lookup in a flush interval (when it enters index_), which suffices since apply()
// changes every cell it looks up.
CountyCell& CountyStatsProcessor::cell_from_store(uint32_t area, Period period) {
  cell_key(key_, area, period);
  CountyCell* cell = cells_.find(key_);
  if (cell != nullptr) {
    cells_.mark_dirty(key_);
  } else {
    cell = &cells_.upsert(key_);
    cell->area = area;
    cell->period_kind = static_cast<uint8_t>(period.kind);
    cell->period_value = period.value;
  }
  index_->insert(area, period, cell);
  if (options_.emit_table_updates) changed_.push_back(cell);
  return *cell;
}

const CountyCell* CountyStatsProcessor::find(schemas::AreaCode area, Period period) {
  cell_key(key_, area.value, period);
  return cells_.find(key_);
}

schemas::CountyStatsRecord CountyStatsProcessor::record_of(const CountyCell& cell) {
  schemas::CountyStatsRecord record;
  record.area_code = schemas::AreaCode{cell.area}.str();
  record.period = cell.period().str();
  for (int m = 0; m < kMetricCount; ++m) {
    const int64_t value = cell.metrics[static_cast<size_t>(m)];
    if (value != 0) record.metrics.emplace(metric_name(static_cast<Metric>(m)), value);
  }
  record.revision = cell.revision;
  record.as_of = cell.as_of;
  return record;
}

void CountyStatsProcessor::finish(runtime::Emitter& out) {
  if (options_.emit_table_updates) return;
  cells_.for_each([&](const std::string&, const CountyCell& cell) {
    const schemas::CountyStatsRecord record = record_of(cell);
    out.emit(outputs::kCountyStats, record.key(), schemas::to_json(record));
  });
  stations_.for_each([&](const std::string& key, const StationDays& days) {
    const schemas::StationRecord record = station_record_of(key, days);
    out.emit(outputs::kStations, record.key(), schemas::to_json(record));
  });
}

}  // namespace leifeng::processors
