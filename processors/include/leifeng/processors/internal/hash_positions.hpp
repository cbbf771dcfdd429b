// Positions in a column of 64-bit hashes, found by hash. A lookup in a short column scans it
// (8 bytes per entry, contiguous: the fastest way for the few dozen logs and events of a
// usual volunteer); from kIndexedFrom entries on, an open-addressing table of positions is kept
// beside the column, so that a volunteer with a hundred thousand logs does not cost a scan of
// all of them per event (200,000 events of one volunteer took 30 s to replay with scans).
// The table is not stored: it is rebuilt as a loaded column reaches kIndexedFrom.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace leifeng::processors {

class HashPositions {
 public:
  static constexpr size_t kIndexedFrom = 512;

  // Calls fn(position) for each position of `hashes` that holds `hash`, in no set order, until
  // fn returns true; returns whether it did. `hashes` is the column this index follows.
  template <class Fn>
  bool find(const std::vector<uint64_t>& hashes, uint64_t hash, Fn&& fn) const {
    if (slots_.empty()) {
      for (size_t i = 0; i < hashes.size(); ++i) {
        if (hashes[i] == hash && fn(i)) return true;
      }
      return false;
    }
    const size_t mask = slots_.size() - 1;
    for (size_t slot = spread(hash) & mask; slots_[slot] != 0; slot = (slot + 1) & mask) {
      const size_t position = slots_[slot] - 1;
      if (hashes[position] == hash && fn(position)) return true;
    }
    return false;
  }

  // After hashes.push_back(): indexes the new entry, or the whole column once it is long.
  void added(const std::vector<uint64_t>& hashes) {
    if (hashes.size() < kIndexedFrom) return;
    if (slots_.empty() || 2 * hashes.size() > slots_.size()) return rebuild(hashes);
    place(hashes.back(), hashes.size() - 1);
  }
  // After the column was emptied.
  void clear() { slots_.clear(); }
  bool indexed() const { return !slots_.empty(); }

 private:
  // FNV-1a's low bits are weak for short ids that differ in their last bytes: mix the high ones
  // in.
  static size_t spread(uint64_t hash) { return static_cast<size_t>(hash ^ (hash >> 29)); }

  void rebuild(const std::vector<uint64_t>& hashes) {
    size_t size = 1024;
    while (size < 4 * hashes.size()) size *= 2;
    slots_.assign(size, 0);
    for (size_t i = 0; i < hashes.size(); ++i) place(hashes[i], i);
  }
  void place(uint64_t hash, size_t position) {
    const size_t mask = slots_.size() - 1;
    size_t slot = spread(hash) & mask;
    while (slots_[slot] != 0) slot = (slot + 1) & mask;
    slots_[slot] = static_cast<uint32_t>(position + 1);
  }

  std::vector<uint32_t> slots_;  // position + 1; 0 = empty. A power of two, at most half full.
};

}  // namespace leifeng::processors
