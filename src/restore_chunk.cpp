#include "restore_chunk.hpp"

#include <algorithm>
#include <vector>

namespace leifeng::runtime {

void RestoreChunk::add(std::string_view key, std::optional<std::string_view> value) {
  auto it = latest_.find(key);
  if (it == latest_.end()) {
    it = latest_.emplace(std::string(key), std::nullopt).first;
    bytes_ += key.size();
  } else if (it->second) {
    bytes_ -= it->second->size();
  }
  if (value) {
    // assign() reuses the previous version's buffer when it is large enough.
    if (it->second) {
      it->second->assign(value->data(), value->size());
    } else {
      it->second.emplace(*value);
    }
    bytes_ += value->size();
  } else {
    it->second.reset();
  }
  ++records_;
}

std::size_t RestoreChunk::write(TaskStateDb& state, std::string_view store, int64_t next_offset) {
  std::vector<const decltype(latest_)::value_type*> sorted;
  sorted.reserve(latest_.size());
  for (const auto& entry : latest_) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  RestoreBatch batch = state.restore_batch(store);
  for (const auto* entry : sorted) {
    if (entry->second) {
      batch.put(entry->first, *entry->second);
    } else {
      batch.erase(entry->first);
    }
  }
  const std::size_t written = state.write_restored(batch, next_offset);
  latest_.clear();
  records_ = 0;
  bytes_ = 0;
  return written;
}

}  // namespace leifeng::runtime
