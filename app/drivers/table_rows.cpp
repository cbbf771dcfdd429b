#include "drivers/table_rows.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <stdexcept>

namespace leifeng::app {

namespace {

// Bytes [at, at + 8) of `text` as a big-endian number, zero past its end: numbers compare as
// the bytes do.
uint64_t big_endian_word(std::string_view text, size_t at) {
  if constexpr (std::endian::native == std::endian::little) {
    if (at + 8 <= text.size()) {
      uint64_t word = 0;
      std::memcpy(&word, text.data() + at, sizeof word);
      return __builtin_bswap64(word);
    }
  }
  uint64_t word = 0;
  for (size_t i = 0; i < 8; ++i) {
    const unsigned char byte = at + i < text.size() ? static_cast<unsigned char>(text[at + i]) : 0;
    word = word << 8 | byte;
  }
  return word;
}

}  // namespace

void TableRows::add(std::string_view key, std::string_view value) {
  if (value.size() >= UINT32_MAX || key.size() >= UINT32_MAX) {
    throw std::length_error("replay output row of 4 GiB or more");
  }
  const size_t bytes = value.size() + 1 + key.size();
  if (chunks_.empty() || chunks_.back().capacity() - chunks_.back().size() < bytes) {
    chunks_.emplace_back().reserve(std::max(kChunkBytes, bytes));
  }
  std::string& chunk = chunks_.back();
  const size_t offset = chunk.size();
  chunk.append(value);
  chunk.push_back('\n');
  chunk.append(key);
  rows_.push_back({big_endian_word(key, 0), big_endian_word(key, 8),
                   chunk.data() + offset + value.size() + 1, chunk.data() + offset,
                   static_cast<uint32_t>(key.size()), static_cast<uint32_t>(value.size())});
}

bool TableRows::key_less(const Row& a, const Row& b) {
  if (a.head != b.head) return a.head < b.head;
  if (a.tail != b.tail) return a.tail < b.tail;
  // The first 16 bytes are equal (with zeros past the end of a shorter key): up to 16 bytes,
  // the shorter key is a prefix of the longer one, or they are equal.
  if (a.key_size <= 16 && b.key_size <= 16) return a.key_size < b.key_size;
  return a.key_text() < b.key_text();
}

bool TableRows::same_key(const Row& a, const Row& b) {
  return a.head == b.head && a.tail == b.tail && a.key_text() == b.key_text();
}

size_t TableRows::bytes() const {
  size_t bytes = 0;
  for (const Row& row : rows_) bytes += row.size + 1;
  return bytes;
}

void TableRows::sort_by_key(bool latest_only) {
  std::stable_sort(rows_.begin(), rows_.end(), key_less);
  if (!latest_only) return;
  // Of the rows of one key, now next to each other in emission order, keep the last.
  size_t kept = 0;
  for (size_t i = 0; i < rows_.size(); ++i) {
    if (i + 1 < rows_.size() && same_key(rows_[i + 1], rows_[i])) continue;
    if (kept != i) rows_[kept] = rows_[i];
    ++kept;
  }
  rows_.resize(kept);
}

void TableRows::merge_sorted(TableRows&& other) {
  const auto middle = static_cast<std::ptrdiff_t>(rows_.size());
  rows_.insert(rows_.end(), other.rows_.begin(), other.rows_.end());
  // Moved chunks keep their heap buffers, so the rows still point into them. They go in front:
  // add() keeps filling this one's last chunk.
  chunks_.insert(chunks_.begin(), std::make_move_iterator(other.chunks_.begin()),
                 std::make_move_iterator(other.chunks_.end()));
  other.rows_.clear();
  other.chunks_.clear();
  std::inplace_merge(rows_.begin(), rows_.begin() + middle, rows_.end(), key_less);
}

std::vector<std::string> TableRows::lines() const {
  std::vector<std::string> lines;
  lines.reserve(rows_.size());
  for (const Row& row : rows_) lines.emplace_back(row.value, row.size);
  return lines;
}

bool TableRows::write(std::FILE* out) const {
  for (const Row& row : rows_) {
    // The value and the newline after it in one call.
    if (std::fwrite(row.value, 1, row.size + 1, out) != row.size + 1) {
      return false;
    }
  }
  return true;
}

}  // namespace leifeng::app
