#include "drivers/table_rows.hpp"

#include <algorithm>
#include <iterator>

namespace leifeng::app {

void TableRows::add(std::string_view key, std::string_view value) {
  if (chunks_.empty() || chunks_.back().capacity() - chunks_.back().size() < value.size() + 1) {
    chunks_.emplace_back().reserve(std::max(kChunkBytes, value.size() + 1));
  }
  std::string& chunk = chunks_.back();
  const size_t offset = chunk.size();
  chunk.append(value);
  chunk.push_back('\n');
  rows_.push_back({std::string(key), chunk.data() + offset, value.size()});
}

size_t TableRows::bytes() const {
  size_t bytes = 0;
  for (const Row& row : rows_) bytes += row.size + 1;
  return bytes;
}

void TableRows::sort_by_key(bool latest_only) {
  std::stable_sort(rows_.begin(), rows_.end(),
                   [](const Row& a, const Row& b) { return a.key < b.key; });
  if (!latest_only) return;
  // Of the rows of one key, now next to each other in emission order, keep the last.
  size_t kept = 0;
  for (size_t i = 0; i < rows_.size(); ++i) {
    if (i + 1 < rows_.size() && rows_[i + 1].key == rows_[i].key) continue;
    if (kept != i) rows_[kept] = std::move(rows_[i]);
    ++kept;
  }
  rows_.resize(kept);
}

void TableRows::merge_sorted(TableRows&& other) {
  const auto middle = static_cast<std::ptrdiff_t>(rows_.size());
  rows_.insert(rows_.end(), std::make_move_iterator(other.rows_.begin()),
               std::make_move_iterator(other.rows_.end()));
  // Moved chunks keep their heap buffers, so the rows still point into them. They go in front:
  // add() keeps filling this one's last chunk.
  chunks_.insert(chunks_.begin(), std::make_move_iterator(other.chunks_.begin()),
                 std::make_move_iterator(other.chunks_.end()));
  other.rows_.clear();
  other.chunks_.clear();
  std::inplace_merge(rows_.begin(), rows_.begin() + middle, rows_.end(),
                     [](const Row& a, const Row& b) { return a.key < b.key; });
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
