#include "leifeng/processors/internal/applied_events.hpp"

#include "leifeng/runtime/prefetch.hpp"

namespace leifeng::processors {

bool AppliedEvents::contains(std::string_view event_id, uint64_t hash) const {
  return index_.find(hashes_, hash, [&](size_t i) { return is_at(i, event_id); });
}

bool AppliedEvents::is_at(size_t i, std::string_view event_id) const {
  if (!offsets_.empty()) return ids_.at(offsets_[i]) == event_id;
  // Rare (a re-sent event or a hash collision) and the ids are few: walk them to the i-th.
  size_t index = 0;
  bool found = false;
  ids_.for_each([&](std::string_view id) {
    if (index++ == i) found = id == event_id;
  });
  return found;
}

void AppliedEvents::reindex() {
  index_.clear();
  offsets_.clear();
  if (hashes_.size() < HashPositions::kIndexedFrom) return;
  offsets_.reserve(hashes_.size());
  ids_.for_each_at([&](uint32_t offset, std::string_view) { offsets_.push_back(offset); });
  index_.added(hashes_);
}

void AppliedEvents::write_compact(StoredBytesWriter& out) const {
  out.varint(hashes_.size());
  ids_.for_each([&](std::string_view id) { out.text(id); });
}

void AppliedEvents::read_compact(StoredBytesReader& in) {
  hashes_.clear();
  ids_ = PackedTexts{};
  index_.clear();
  offsets_.clear();
  const size_t count = in.count(1);
  hashes_.reserve(count);
  for (size_t i = 0; i < count; ++i) add(in.text());
}

void AppliedEvents::prefetch_ids() const {
  runtime::prefetch_front(ids_.data(), ids_.byte_size());
}

void AppliedEvents::prefetch() const {
  if (index_.indexed()) return;  // a long column is not scanned
  runtime::prefetch_bytes(hashes_.data(), hashes_.size() * sizeof(uint64_t));
  if (!ids_.empty()) runtime::prefetch_bytes(ids_.back(), 1);
}

void AppliedEvents::add(std::string_view event_id, uint64_t hash) {
  hashes_.push_back(hash);
  const uint32_t offset = ids_.append(event_id);
  if (!offsets_.empty()) {
    offsets_.push_back(offset);
    index_.added(hashes_);
  } else if (hashes_.size() >= HashPositions::kIndexedFrom) {
    reindex();
  }
}

}  // namespace leifeng::processors
