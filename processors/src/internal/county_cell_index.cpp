#include "county_cell_index.hpp"

#include <algorithm>
#include <bit>

namespace leifeng::processors {

void CountyCellIndex::insert(uint32_t area, Period period, CountyCell* cell) {
  if (2 * (size_ + 1) > slots_.size()) grow();
  const size_t mask = slots_.size() - 1;
  size_t i = first_slot(area, period);
  while (slots_[i].cell != nullptr) i = (i + 1) & mask;
  slots_[i] = {area, period.value, period.kind, cell};
  ++size_;
}

// Keeps the table's size: the next flush interval touches about as many cells.
void CountyCellIndex::clear() {
  if (size_ == 0) return;
  std::fill(slots_.begin(), slots_.end(), Slot{});
  size_ = 0;
}

void CountyCellIndex::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 64 : 2 * old.size(), Slot{});
  size_ = 0;
  for (const Slot& slot : old) {
    if (slot.cell != nullptr) insert(slot.area, {slot.period_kind, slot.period_value}, slot.cell);
  }
}

}  // namespace leifeng::processors
