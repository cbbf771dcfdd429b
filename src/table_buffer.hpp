// The records of a task's table outputs that wait for the commit: the latest value of each
// (topic, key), in the order keys first came. Every table record a processor emits passes
// through here (the stars table: one per applied hours event), so a lookup is one probe of a
// flat open-addressing index with no string built, and the records' strings keep their
// capacity from one commit to the next instead of being allocated again.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace leifeng::runtime {

class TableBuffer {
 public:
  struct Record {
    const std::string* topic = nullptr;  // owned by the caller, stable while records wait
    std::string key;
    std::string value;
  };

  // Keeps `value` as the latest of (topic, key). `topic` is compared by address.
  void put(const std::string* topic, std::string_view key, std::string_view value);

  // The waiting records, each (topic, key) once, in the order first put.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (size_t i = 0; i < used_; ++i) fn(records_[i]);
  }
  size_t size() const { return used_; }
  // Empties the buffer; the strings of up to kRetainedRecords records are kept for reuse.
  void clear();
  static constexpr size_t kRetainedRecords = 4096;

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t index = kEmpty;  // into records_
  };
  static constexpr uint32_t kEmpty = UINT32_MAX;

  static uint64_t hash_of(const std::string* topic, std::string_view key);
  void grow();

  std::vector<Record> records_;  // [0, used_) wait; the rest are kept for their capacity
  size_t used_ = 0;
  std::vector<Slot> slots_;  // a power of two, at most half full
};

}  // namespace leifeng::runtime
