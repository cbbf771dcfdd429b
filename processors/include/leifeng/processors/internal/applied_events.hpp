// The event ids applied to one aggregate, the memory of the duplicate check (spec §4), laid
// out for speed: a lookup scans a column of 8-byte hashes and reads an id only on a match.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "leifeng/processors/internal/hash_positions.hpp"
#include "leifeng/processors/internal/packed_texts.hpp"
#include "leifeng/processors/internal/stored_bytes.hpp"

namespace leifeng::processors {

// A stable 64-bit string hash (FNV-1a): it is stored in state, so it must not change between
// builds the way std::hash may.
inline uint64_t stable_hash(std::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

// Event ids applied to one aggregate: the ids packed in one buffer, and beside them a column
// of their hashes. A lookup scans 8 bytes per applied event, contiguous and prefetched; the
// ids are only read when a hash matches (a re-sent event, or a collision).
struct AppliedEvents {
  bool contains(std::string_view event_id) const {
    return contains(event_id, stable_hash(event_id));
  }
  void add(std::string_view event_id) { add(event_id, stable_hash(event_id)); }
  // The same with the id's stable_hash computed once by the caller for both.
  bool contains(std::string_view event_id, uint64_t hash) const;
  void add(std::string_view event_id, uint64_t hash);
  size_t size() const { return hashes_.size(); }
  bool indexed() const { return index_.indexed(); }            // looked up by hash, not by a scan
  std::vector<std::string> ids() const { return ids_.all(); }  // in the order applied
  void prefetch() const;      // the hashes, and where the next id goes
  void prefetch_ids() const;  // what write_compact reads

  // The compact stored format (VolunteerState::encode_stored): a count, then the ids in the
  // order applied; the hashes are rebuilt.
  void write_compact(StoredBytesWriter& out) const;
  void read_compact(StoredBytesReader& in);

  // The cereal format of the first release: a vector of hashes and a vector of id strings.
  template <class Archive>
  void save(Archive& ar) const {
    ar(hashes_, ids());
  }
  template <class Archive>
  void load(Archive& ar) {
    std::vector<std::string> stored;
    ar(hashes_, stored);
    ids_ = PackedTexts{};
    for (const std::string& id : stored) ids_.append(id);
    reindex();
  }

 private:
  // The index and the ids' offsets after hashes_ and ids_ were loaded whole.
  void reindex();
  // Whether the i-th id applied is `event_id`.
  bool is_at(size_t i, std::string_view event_id) const;

  std::vector<uint64_t> hashes_;  // stable_hash of each id, in the order applied
  PackedTexts ids_;
  // Once there are many ids (HashPositions::kIndexedFrom): positions by hash, and each id's
  // offset in ids_, so that neither a new event nor a re-sent one costs a scan of all of them.
  HashPositions index_;
  std::vector<uint32_t> offsets_;
};

}  // namespace leifeng::processors
