// The changelog records of one store partition read since its last write during a restore,
// reduced to the last record per key: applying only that record leaves the store as applying
// all of them in offset order would. A changelog holds many versions of a hot key (1M events:
// 64k records for 4.7k volunteers in one partition), and each version skipped is a memtable
// insert and its share of a flush saved.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "leifeng/runtime/key_hash.hpp"
#include "state_db.hpp"

namespace leifeng::runtime {

class RestoreChunk {
 public:
  // A record at the changelog's next offset; `value` nullopt = deletion.
  void add(std::string_view key, std::optional<std::string_view> value);
  // Records added since the last write, and the bytes of keys and values kept for them.
  std::size_t records() const { return records_; }
  std::size_t bytes() const { return bytes_; }
  // Writes the kept records in key order (sequential memtable inserts are the cheap ones) with
  // `next_offset` into `store` of `state`, in one batch, and empties the chunk. Returns the
  // bytes written.
  std::size_t write(TaskStateDb& state, std::string_view store, int64_t next_offset);

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const { return key_hash(key); }
  };
  std::unordered_map<std::string, std::optional<std::string>, Hash, std::equal_to<>> latest_;
  std::size_t records_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace leifeng::runtime
