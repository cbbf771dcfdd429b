// The rows of one replay output as they are emitted, kept in a few large chunks: a table of
// 100k rows costs no string per row and is never copied to grow, sorting moves small row
// records, and writing is one pass.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace leifeng::app {

class TableRows {
 public:
  TableRows() = default;
  // Rows point into the chunks: a copy would point into the original's.
  TableRows(const TableRows&) = delete;
  TableRows& operator=(const TableRows&) = delete;
  TableRows(TableRows&&) = default;
  TableRows& operator=(TableRows&&) = default;

  void add(std::string_view key, std::string_view value);
  size_t size() const { return rows_.size(); }

  // Stable sort by key (star-changes: per-key order kept). With `latest_only`, only the last
  // row of every key stays (tables: a later value replaces an earlier one).
  void sort_by_key(bool latest_only);

  // Both this and `other` sorted by key (sort_by_key): merges other's rows in, after this one's
  // rows of the same key, and takes over its memory. `other` is left empty.
  void merge_sorted(TableRows&& other);

  std::vector<std::string> lines() const;  // the values in row order
  size_t bytes() const;                    // what write() writes
  // Every value followed by '\n', in row order. False on a write error.
  bool write(std::FILE* out) const;

 private:
  static constexpr size_t kChunkBytes = 1 << 20;
  // Trivially copyable, so that sorting moves 40 bytes and no string. Keys compare by their
  // first 16 bytes as two big-endian words first: that settles most comparisons without a
  // memcmp call, and for keys of up to 16 bytes the sizes settle the rest.
  struct Row {
    uint64_t head = 0;            // key bytes 0-7, big-endian, zero-padded
    uint64_t tail = 0;            // key bytes 8-15
    const char* key = nullptr;    // in one of chunks_, after the value's newline
    const char* value = nullptr;  // in one of chunks_, followed by '\n' there
    uint32_t key_size = 0;
    uint32_t size = 0;
    std::string_view key_text() const { return {key, key_size}; }
  };
  static bool key_less(const Row& a, const Row& b);
  static bool same_key(const Row& a, const Row& b);
  std::vector<Row> rows_;
  // Filled one after the other; a chunk's bytes never move: reserved once and never regrown,
  // and always on the heap (a moved std::string keeps its heap buffer).
  std::vector<std::string> chunks_;
};

}  // namespace leifeng::app
