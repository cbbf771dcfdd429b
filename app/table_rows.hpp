// The rows of one replay output as they are emitted, kept in one buffer: a table of 100k rows
// costs no string per row, sorting moves small row records, and writing is one pass.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace leifeng::app {

class TableRows {
 public:
  void add(std::string_view key, std::string_view value);
  size_t size() const { return rows_.size(); }

  // Stable sort by key (star-changes: per-key order kept). With `latest_only`, only the last
  // row of every key stays (tables: a later value replaces an earlier one).
  void sort_by_key(bool latest_only);

  std::vector<std::string> lines() const;  // the values in row order
  // Every value followed by '\n', in row order. False on a write error.
  bool write(std::FILE* out) const;

 private:
  struct Row {
    std::string key;
    uint64_t offset = 0;  // of the value in values_, which is followed by '\n' there
    uint64_t size = 0;
  };
  std::vector<Row> rows_;
  std::string values_;
};

}  // namespace leifeng::app
