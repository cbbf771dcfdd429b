#include "leifeng/processors/county_stats.hpp"

#include "internal/county_cell_index.hpp"
#include "leifeng/processors/wiring.hpp"
#include "leifeng/schemas/copy_text.hpp"

namespace leifeng::processors {

CountyStatsProcessor::CountyStatsProcessor(const ProcessorOptions& options,
                                           runtime::KeyValueStore* store)
    : options_(options), cells_(store), index_(std::make_unique<CountyCellIndex>()) {}

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
  CountyDeltaReader delta;
  if (!delta.open(record.value)) {
    // Only leifeng writes this stream; a bad record means a foreign writer or a format change.
    emit_dead_letter(record,
                     {schemas::Reason::malformed, "", "not a county delta of format version 1"},
                     std::nullopt, std::nullopt, std::nullopt, options_, out);
    return runtime::Outcome::dead_lettered;
  }
  apply(delta);
  return runtime::Outcome::applied;
}

void CountyStatsProcessor::apply(const CountyDeltaReader& delta) {
  CountyCell* cell = nullptr;
  auto finish = [&] {
    if (cell == nullptr) return;
    cell->revision += 1;
    schemas::copy_text(cell->as_of, delta.as_of());
  };
  // Changes arrive grouped by period (CountyDeltaBatch sorts them): one cell per run.
  for (size_t i = 0; i < delta.size(); ++i) {
    const MetricDelta change = delta.change(i);
    if (cell == nullptr || cell->period() != change.period) {
      finish();
      cell = index_->find(delta.area().value, change.period);
      if (cell == nullptr) cell = &cell_from_store(delta.area().value, change.period);
    }
    cell->metrics[static_cast<size_t>(change.metric)] += change.delta;
  }
  finish();
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
}

}  // namespace leifeng::processors
