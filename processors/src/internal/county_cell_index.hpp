// (area, period) -> county cell, in front of the county processor's TypedStore: a hit is one
// probe of a flat table, where the store needs the 9-byte string key and its hash.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "leifeng/processors/county_delta.hpp"

namespace leifeng::processors {

struct CountyCell;

// The cell pointers are the store's, valid until its flush: clear() then.
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

// Inline: one lookup per county delta change, the county processor's inner loop.
inline size_t CountyCellIndex::first_slot(uint32_t area, Period period) const {
  const uint64_t packed = (uint64_t{area} << 32 | static_cast<uint32_t>(period.value)) ^
                          static_cast<uint64_t>(period.kind) << 62;
  // Fibonacci hashing: the top bits of the product depend on every bit of `packed`.
  const uint64_t hash = packed * 0x9e3779b97f4a7c15u;
  return static_cast<size_t>(hash >> std::countl_zero(slots_.size() - 1));
}

inline CountyCell* CountyCellIndex::find(uint32_t area, Period period) const {
  if (slots_.empty()) return nullptr;
  const size_t mask = slots_.size() - 1;
  for (size_t i = first_slot(area, period);; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.cell == nullptr) return nullptr;
    if (slot.area == area && slot.period_value == period.value && slot.period_kind == period.kind) {
      return slot.cell;
    }
  }
}

}  // namespace leifeng::processors
