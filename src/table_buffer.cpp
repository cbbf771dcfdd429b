#include "table_buffer.hpp"

#include <algorithm>
#include <functional>
#include <stdexcept>

#include "leifeng/runtime/key_hash.hpp"

namespace leifeng::runtime {

uint64_t TableBuffer::hash_of(const std::string* topic, std::string_view key) {
  // The topic's address mixed in (a handful of table outputs per task).
  const auto address = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(topic));
  return key_hash(key) ^ (address * 0x9E3779B97F4A7C15ull);
}

void TableBuffer::put(const std::string* topic, std::string_view key, std::string_view value) {
  if (2 * (used_ + 1) > slots_.size()) grow();
  const uint64_t hash = hash_of(topic, key);
  const size_t mask = slots_.size() - 1;
  size_t i = hash & mask;
  for (; slots_[i].index != kEmpty; i = (i + 1) & mask) {
    if (slots_[i].hash != hash) continue;
    Record& record = records_[slots_[i].index];
    if (record.topic == topic && record.key == key) {
      record.value.assign(value);
      return;
    }
  }
  if (used_ >= kEmpty) throw std::length_error("TableBuffer: too many records");
  if (used_ == records_.size()) records_.emplace_back();
  Record& record = records_[used_];
  record.topic = topic;
  record.key.assign(key);
  record.value.assign(value);
  slots_[i] = Slot{hash, static_cast<uint32_t>(used_)};
  ++used_;
}

void TableBuffer::clear() {
  if (used_ == 0) return;
  used_ = 0;
  if (records_.size() > kRetainedRecords) {  // a burst: give its memory back
    records_.resize(kRetainedRecords);
    records_.shrink_to_fit();
    slots_.clear();
    slots_.shrink_to_fit();
    return;
  }
  std::fill(slots_.begin(), slots_.end(), Slot{});
}

void TableBuffer::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 64 : 2 * old.size(), Slot{});
  const size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.index == kEmpty) continue;
    size_t i = slot.hash & mask;
    while (slots_[i].index != kEmpty) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

}  // namespace leifeng::runtime
