// County statistics (SPEC §5): folds the county deltas, keyed by area code, into one record
// per (area, period). It only adds up; the processors upstream decide what changed.
#pragma once

#include <array>
#include <cereal/types/array.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "leifeng/processors/county_delta.hpp"
#include "leifeng/processors/event_processor.hpp"
#include "leifeng/runtime/typed_store.hpp"

namespace leifeng::processors {

struct CountyCell {
  uint32_t area = 0;
  uint8_t period_kind = 0;
  int32_t period_value = 0;
  std::array<int64_t, kMetricCount> metrics{};
  int64_t revision = 0;  // number of delta messages applied
  std::string as_of;     // occurred_at of the latest contributing event

  Period period() const { return {static_cast<Period::Kind>(period_kind), period_value}; }
  template <class Archive>
  void serialize(Archive& ar) {
    ar(area, period_kind, period_value, metrics, revision, as_of);
  }
};

// The days on which activities of one area named one station (SPEC §9), ascending: enough to
// tell whether a use is the station's first of its day, month or all time in the area.
struct StationDays {
  std::vector<int32_t> days;  // local dates, days since 1970-01-01

  template <class Archive>
  void serialize(Archive& ar) {
    ar(days);
  }
};

class CountyCellIndex;  // processors/src/internal

class CountyStatsProcessor : public runtime::Processor {
 public:
  static constexpr const char* kStoreName = "county-stats";
  // Per (area, station) the days it was used: keyed by area code (4 bytes big-endian) and the
  // station id.
  static constexpr const char* kStationsStore = "county-stations";
  CountyStatsProcessor(const ProcessorOptions& options, runtime::KeyValueStore* store,
                       runtime::KeyValueStore* stations_store);

  runtime::Outcome process(const runtime::InputRecord& record, runtime::Emitter& out) override;
  ~CountyStatsProcessor() override;

  void flush() override;
  // Live: each cell changed since the last commit, once, at its latest value.
  void before_commit(runtime::Emitter& out) override;
  // Emits every cell when table updates were not emitted one by one (ProcessorOptions).
  void finish(runtime::Emitter& out) override;

  static schemas::CountyStatsRecord record_of(const CountyCell& cell);
  // The stations table record of `days` of the station under store key `key`.
  static schemas::StationRecord station_record_of(std::string_view key, const StationDays& days);
  const CountyCell* find(schemas::AreaCode area, Period period);
  // The store key of a cell: area and period big-endian, so an area's cells of one period
  // kind sit together in period order (the query server scans a range of days).
  static void cell_key(std::string& key, uint32_t area, Period period);

 private:
  void apply(const CountyDeltaReader& delta, runtime::Emitter& out);
  CountyCell& cell_from_store(uint32_t area, Period period);  // and into index_
  // Records the station use of `delta` and returns the periods (day, month, total, in that
  // order) in which the station is new to the area: each +1 stations.active.
  size_t use_station(const CountyDeltaReader& delta, std::array<Period, 3>& new_in,
                     runtime::Emitter& out);

  ProcessorOptions options_;
  runtime::TypedStore<CountyCell> cells_;
  std::unique_ptr<CountyCellIndex> index_;  // in front of cells_
  // Live: the cells changed since the last commit (each entered index_ once), whose records
  // before_commit() emits. A hot cell (a prefecture's total) changes with almost every delta;
  // rendering its record each time was half of the live path's CPU.
  std::vector<const CountyCell*> changed_;
  runtime::TypedStore<StationDays> stations_;
  std::string key_;
  CountyDeltaMessage message_;  // the record being applied, read in place
};

}  // namespace leifeng::processors
