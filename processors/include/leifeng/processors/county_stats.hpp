// County statistics (SPEC §5): folds the county deltas, keyed by area code, into one record
// per (area, period). It only adds up; the processors upstream decide what changed.
#pragma once

#include <array>
#include <cereal/types/array.hpp>
#include <cereal/types/string.hpp>
#include <cstdint>
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

// (area, period) -> cell, in front of the TypedStore: a hit is one probe of a flat table,
// where the store needs the 9-byte string key and its hash. The cell pointers are the store's,
// valid until its flush: clear() then.
class CountyCellIndex {
 public:
  CountyCell* find(uint32_t area, Period period) const;
  void insert(uint32_t area, Period period, CountyCell* cell);  // `area, period` not present
  void clear();
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint32_t area = 0;
    int32_t period_value = 0;
    Period::Kind period_kind{};
    CountyCell* cell = nullptr;  // null = empty
  };
  size_t first_slot(uint32_t area, Period period) const;
  void grow();

  std::vector<Slot> slots_;  // size a power of two, at most half full
  size_t size_ = 0;
};

class CountyStatsProcessor : public runtime::Processor {
 public:
  static constexpr const char* kStoreName = "county-stats";
  CountyStatsProcessor(const ProcessorOptions& options, runtime::KeyValueStore* store);

  runtime::Outcome process(const runtime::InputRecord& record, runtime::Emitter& out) override;
  void flush() override {
    cells_.flush();
    index_.clear();
  }
  // Emits every cell when table updates were not emitted one by one (ProcessorOptions).
  void finish(runtime::Emitter& out) override;

  static schemas::CountyStatsRecord record_of(const CountyCell& cell);
  const CountyCell* find(schemas::AreaCode area, Period period);

 private:
  void apply(const CountyDeltaReader& delta, runtime::Emitter& out);
  static void cell_key(std::string& key, uint32_t area, Period period);
  CountyCell& cell_for_update(uint32_t area, Period period);

  ProcessorOptions options_;
  runtime::TypedStore<CountyCell> cells_;
  CountyCellIndex index_;
  std::string key_;
};

}  // namespace leifeng::processors
