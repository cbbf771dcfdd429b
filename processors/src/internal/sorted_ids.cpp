#include "leifeng/processors/internal/sorted_ids.hpp"

#include <algorithm>
#include <stdexcept>

namespace leifeng::processors {

size_t SortedIds::lower_bound(std::string_view id) const {
  size_t low = 0;
  size_t high = size();
  while (low < high) {
    const size_t middle = low + (high - low) / 2;
    if (at(middle) < id) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

bool SortedIds::contains(std::string_view id) const {
  const size_t i = lower_bound(id);
  return i < size() && at(i) == id;
}

void SortedIds::put(char* record, std::string_view id) {
  const auto length = static_cast<uint16_t>(id.size());
  std::memcpy(record, &length, sizeof length);
  std::copy(id.begin(), id.end(), record + kLengthBytes);
}

void SortedIds::widen(size_t width) {
  const size_t count = size();
  const size_t old_stride = stride();
  std::string bytes(count * (kLengthBytes + width), '\0');
  for (size_t i = 0; i < count; ++i) {
    const char* from = bytes_.data() + i * old_stride;
    std::copy(from, from + kLengthBytes + length_of(from),
              bytes.data() + i * (kLengthBytes + width));
  }
  bytes_ = std::move(bytes);
  width_ = width;
  shorter_ = count;
}

bool SortedIds::insert(std::string_view id) {
  if (id.size() > kMaxLength) throw std::length_error("SortedIds: an id longer than 65535 bytes");
  if (id.size() > width_) widen(id.size());
  const size_t i = lower_bound(id);
  if (i < size() && at(i) == id) return false;
  const size_t at_byte = i * stride();
  bytes_.insert(at_byte, stride(), '\0');
  put(bytes_.data() + at_byte, id);
  if (id.size() < width_) ++shorter_;
  id_bytes_ += id.size();
  return true;
}

bool SortedIds::erase(std::string_view id) {
  const size_t i = lower_bound(id);
  if (i >= size() || at(i) != id) return false;
  if (id.size() < width_) --shorter_;
  id_bytes_ -= id.size();
  bytes_.erase(i * stride(), stride());
  return true;
}

std::vector<std::string> SortedIds::to_vector() const {
  std::vector<std::string> ids;
  ids.reserve(size());
  for (size_t i = 0; i < size(); ++i) ids.emplace_back(at(i));
  return ids;
}

void SortedIds::assign(const std::vector<std::string>& ids) {
  std::vector<std::string_view> sorted(ids.begin(), ids.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  size_t width = 0;
  for (const std::string_view id : sorted) {
    if (id.size() > kMaxLength) throw std::length_error("SortedIds: an id longer than 65535 bytes");
    width = std::max(width, id.size());
  }
  bytes_.assign(sorted.size() * (kLengthBytes + width), '\0');
  width_ = width;
  shorter_ = 0;
  id_bytes_ = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    put(bytes_.data() + i * stride(), sorted[i]);
    if (sorted[i].size() < width) ++shorter_;
    id_bytes_ += sorted[i].size();
  }
}

}  // namespace leifeng::processors
