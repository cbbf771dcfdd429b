// A sorted set of short ids (volunteer ids of one matching pool) packed back to back in one
// buffer at a fixed stride: a two-byte length (native order; never stored), then the id padded
// with zeros to the width of the longest id seen. Adding or removing an id moves bytes with one
// memmove instead of moving one std::string per id after it, and a scan over every id (matching
// hashes each one of a rank group) reads one contiguous block with no pointer per id.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace leifeng::processors {

class SortedIds {
 public:
  // The longest id kept (the length field's range).
  static constexpr size_t kMaxLength = 0xFFFF;

  size_t size() const { return bytes_.size() / stride(); }
  bool empty() const { return bytes_.empty(); }
  std::string_view at(size_t i) const { return view(record(i)); }
  bool contains(std::string_view id) const;

  // Adds `id` in order; false when it is there already. Throws std::length_error beyond
  // kMaxLength bytes.
  bool insert(std::string_view id);
  // Removes `id`; false when it is not there.
  bool erase(std::string_view id);

  // True when every id has the length width() (ids of one format): a scan needs no length.
  bool uniform() const { return shorter_ == 0; }
  size_t width() const { return width_; }
  // The bytes of every id together (lengths not counted): what a record of the ids grows with.
  size_t id_bytes() const { return id_bytes_; }

  std::vector<std::string> to_vector() const;
  // Replaces the contents by `ids` (any order; duplicates kept once).
  void assign(const std::vector<std::string>& ids);

  // Raw records, for scans: record i starts at data() + i * stride(); see length_of and view.
  const char* data() const { return bytes_.data(); }
  size_t stride() const { return kLengthBytes + width_; }
  const char* record(size_t i) const { return bytes_.data() + i * stride(); }
  static size_t length_of(const char* record) {
    uint16_t length;
    std::memcpy(&length, record, sizeof length);
    return length;
  }
  static std::string_view view(const char* record) {
    return {record + kLengthBytes, length_of(record)};
  }

  friend bool operator==(const SortedIds& a, const SortedIds& b) {
    return a.to_vector() == b.to_vector();
  }

 private:
  static constexpr size_t kLengthBytes = 2;
  // The first index whose id is not less than `id`.
  size_t lower_bound(std::string_view id) const;
  // Re-lays the records out at a larger width.
  void widen(size_t width);
  static void put(char* record, std::string_view id);
  std::string bytes_;
  size_t width_ = 0;
  size_t shorter_ = 0;   // ids shorter than width_
  size_t id_bytes_ = 0;  // the sum of the ids' lengths
};

}  // namespace leifeng::processors
