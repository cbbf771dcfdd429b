#include "leifeng/processors/county_stats.hpp"

#include "leifeng/processors/wiring.hpp"

namespace leifeng::processors {

CountyStatsProcessor::CountyStatsProcessor(const ProcessorOptions& options,
                                           runtime::KeyValueStore* store)
    : options_(options), cells_(store) {}

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
  std::optional<CountyDelta> delta = decode_county_delta(record.value);
  if (!delta) {
    // Only leifeng writes this stream; a bad record means a foreign writer or a format change.
    emit_dead_letter(record,
                     {schemas::Reason::malformed, "", "not a county delta of format version 1"},
                     std::nullopt, std::nullopt, std::nullopt, options_.source, out);
    return runtime::Outcome::dead_lettered;
  }
  apply(*delta, out);
  return runtime::Outcome::applied;
}

void CountyStatsProcessor::apply(const CountyDelta& delta, runtime::Emitter& out) {
  CountyCell* cell = nullptr;
  auto finish = [&] {
    if (cell == nullptr) return;
    cell->revision += 1;
    cell->as_of = delta.as_of;
    cells_.mark_dirty(key_);
    if (options_.emit_table_updates) {
      const schemas::CountyStatsRecord record = record_of(*cell);
      out.emit(outputs::kCountyStats, record.key(), schemas::to_json(record));
    }
  };
  // Changes arrive grouped by period (CountyDeltaBatch sorts them): one cell per run.
  for (size_t i = 0; i < delta.changes.size(); ++i) {
    const MetricDelta& change = delta.changes[i];
    if (cell == nullptr || cell->period() != change.period) {
      finish();
      cell_key(key_, delta.area.value, change.period);
      cell = cells_.find(key_);
      if (cell == nullptr) {
        cell = &cells_.upsert(key_);
        cell->area = delta.area.value;
        cell->period_kind = static_cast<uint8_t>(change.period.kind);
        cell->period_value = change.period.value;
      }
    }
    cell->metrics[static_cast<size_t>(change.metric)] += change.delta;
  }
  finish();
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

void CountyStatsProcessor::emit_tables(runtime::Emitter& out) {
  cells_.for_each([&](const std::string&, const CountyCell& cell) {
    const schemas::CountyStatsRecord record = record_of(cell);
    out.emit(outputs::kCountyStats, record.key(), schemas::to_json(record));
  });
}

}  // namespace leifeng::processors
