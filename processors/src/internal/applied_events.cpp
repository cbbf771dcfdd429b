#include "leifeng/processors/internal/applied_events.hpp"

#include "leifeng/runtime/prefetch.hpp"

namespace leifeng::processors {

bool AppliedEvents::contains(std::string_view event_id, uint64_t hash) const {
  for (size_t i = 0; i < hashes_.size(); ++i) {
    if (hashes_[i] != hash) continue;
    // Rare (a re-sent event or a hash collision): walk the ids to the i-th.
    size_t index = 0;
    bool found = false;
    ids_.for_each([&](std::string_view id) {
      if (index++ == i) found = id == event_id;
    });
    if (found) return true;
  }
  return false;
}

void AppliedEvents::write_compact(StoredBytesWriter& out) const {
  out.varint(hashes_.size());
  ids_.for_each([&](std::string_view id) { out.text(id); });
}

void AppliedEvents::read_compact(StoredBytesReader& in) {
  hashes_.clear();
  ids_ = PackedTexts{};
  const size_t count = in.count(1);
  hashes_.reserve(count);
  for (size_t i = 0; i < count; ++i) add(in.text());
}

void AppliedEvents::prefetch() const {
  runtime::prefetch_bytes(hashes_.data(), hashes_.size() * sizeof(uint64_t));
  if (!ids_.empty()) runtime::prefetch_bytes(ids_.back(), 1);
}

void AppliedEvents::add(std::string_view event_id, uint64_t hash) {
  hashes_.push_back(hash);
  ids_.append(event_id);
}

}  // namespace leifeng::processors
