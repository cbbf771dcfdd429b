#include "table_rows.hpp"

#include <algorithm>

namespace leifeng::app {

void TableRows::add(std::string_view key, std::string_view value) {
  rows_.push_back({std::string(key), values_.size(), value.size()});
  values_.append(value);
  values_.push_back('\n');
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

std::vector<std::string> TableRows::lines() const {
  std::vector<std::string> lines;
  lines.reserve(rows_.size());
  for (const Row& row : rows_) lines.emplace_back(values_.data() + row.offset, row.size);
  return lines;
}

bool TableRows::write(std::FILE* out) const {
  for (const Row& row : rows_) {
    // The value and the newline after it in one call.
    if (std::fwrite(values_.data() + row.offset, 1, row.size + 1, out) != row.size + 1) {
      return false;
    }
  }
  return true;
}

}  // namespace leifeng::app
