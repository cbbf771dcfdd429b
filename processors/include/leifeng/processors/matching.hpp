// Matching needs to volunteers (SPEC §8, 项目对接): for every open need, the eligible
// volunteers best placed to take it. Keyed by area: it reads the match-changes stream (see
// match_change.hpp), so a county's needs and the volunteers living there are in one task.
//
// State, in three stores so that no change rescans a county:
//   - pools: per (area, service type, party member, star level) the ids of the volunteers who
//     live there and have that skill; a need's candidates are read from them best pool first;
//   - needs: per need its status and current candidates (the top K, K = max_candidates);
//   - open needs: per (area, service type) the open needs and each one's K-th candidate key,
//     so that a volunteer change loads only the needs whose top K it can enter or leave.
// No record grows with the number of volunteers or needs: a pool or open-needs list that would
// pass kMatchPageBytes is kept in pages (see "Paging" in matching.cpp).
#pragma once

#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leifeng/processors/event_processor.hpp"
#include "leifeng/processors/internal/sorted_ids.hpp"
#include "leifeng/processors/match_change.hpp"
#include "leifeng/runtime/typed_store.hpp"

namespace leifeng::processors {

// FNV-1a, 64 bit, over the bytes of `text` (SPEC §8).
uint64_t fnv1a64(std::string_view text);
// fnv1a64(need_id + "/" + volunteer_id): spreads needs over equally placed volunteers.
uint64_t match_hash(std::string_view need_id, std::string_view volunteer_id);

// Where a candidate stands for one need: better first by party membership (public needs
// only), then star level, then the match hash; equal keys (a hash collision) by volunteer id.
struct RankKey {
  uint8_t party = 0;  // 1 = party member of a public need; always 0 for a micro-wish
  uint8_t star = 0;
  uint64_t hash = 0;
  // True when `a` ranks strictly before `b`.
  friend bool ranks_before(const RankKey& a, const RankKey& b) {
    if (a.party != b.party) return a.party > b.party;
    if (a.star != b.star) return a.star > b.star;
    return a.hash < b.hash;
  }
  friend bool operator==(const RankKey&, const RankKey&) = default;
};

struct Candidate {
  std::string volunteer_id;
  bool party_member = false;
  uint8_t star_level = 0;
  uint64_t hash = 0;  // match_hash(need_id, volunteer_id)
  template <class Archive>
  void serialize(Archive& ar) {
    ar(volunteer_id, party_member, star_level, hash);
  }
  friend bool operator==(const Candidate&, const Candidate&) = default;
};

struct NeedMatchState {
  uint32_t area = 0;
  uint8_t kind = 0;          // schemas::NeedKind
  uint8_t service_type = 0;  // schemas::ServiceType
  uint8_t status = 0;        // NeedStatus
  std::string as_of;
  std::vector<Candidate> candidates;  // in rank order; empty unless open
  template <class Archive>
  void serialize(Archive& ar) {
    ar(area, kind, service_type, status, as_of, candidates);
  }
};

// Every record of the matching stores holds at most this many bytes (SPEC §8 As built). A need's
// record is bounded by max_candidates and the id lengths already; lists are paged below it.
inline constexpr size_t kMaxMatchRecordBytes = 64 * 1024;
// A pool or an open-needs list that an addition would take past this many bytes is kept in
// pages of at most this size. Each change rewrites its whole page (changelog record, RocksDB,
// compression), so the page is small: at 64 KiB pages a busy area's pools made the
// match-pools changelog about 30 times the volunteers changelog, and its flush dominated the
// commit's latency (docs/performance-history.md, "Matching pages of 4 KiB").
inline constexpr size_t kMatchPageBytes = 4 * 1024;
static_assert(kMatchPageBytes <= kMaxMatchRecordBytes);
// A paged list's head record: this count where the list's size would be, then the page count.
// A plain list never has it, so records written before paging existed read as they were.
inline constexpr cereal::size_type kPagedMark = ~cereal::size_type{0};
// The bytes of a record holding a list: the archive's byte order flag and the list's size.
inline constexpr size_t kListRecordBytes = 1 + sizeof(cereal::size_type);

// The volunteers of one (area, service type, party member, star level), sorted by id. Stored
// as the list of ids (the format a std::vector<std::string> had). A pool larger than
// kMatchPageBytes is paged: its record is a head holding the page count, and its ids are
// spread over the pages (sorted within each page, the pages in no particular order).
struct VolunteerPool {
  SortedIds ids;       // a whole pool, or one page of a paged pool
  uint32_t pages = 0;  // > 0: the head of a paged pool (its own ids are empty)
  // The size of this record once encoded.
  size_t record_bytes() const { return kListRecordBytes + ids.size() * 8 + ids.id_bytes(); }
  bool empty() const { return ids.empty(); }
  static size_t entry_bytes(std::string_view id) { return 8 + id.size(); }
  template <class Archive>
  void save(Archive& ar) const {
    if (pages > 0) {
      ar(cereal::make_size_tag(kPagedMark), pages);
      return;
    }
    const std::vector<std::string> list = ids.to_vector();
    ar(list);
  }
  template <class Archive>
  void load(Archive& ar) {
    cereal::size_type count = 0;
    ar(cereal::make_size_tag(count));
    if (count == kPagedMark) {
      ar(pages);
      ids = SortedIds{};
      return;
    }
    std::vector<std::string> list(static_cast<size_t>(count));
    for (std::string& id : list) ar(id);
    ids.assign(list);
    pages = 0;
  }
};

// An open need as its (area, service type) index keeps it: enough to tell, without loading the
// need, whether a volunteer's key can reach its top K.
struct OpenNeed {
  std::string need_id;
  uint8_t kind = 0;
  uint16_t count = 0;  // candidates now
  RankKey last;        // the key of the last candidate, when count > 0
  // match_hash(need_id, ""): the hash state every volunteer's match hash continues from. Not
  // stored; set when the entry is made or read back.
  uint64_t hash_prefix = 0;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(need_id, kind, count, last.party, last.star, last.hash);
    if constexpr (Archive::is_loading::value) hash_prefix = match_hash(need_id, "");
  }
  // The size of its encoding: the id with its length, kind, count, party, star, hash.
  size_t record_bytes() const { return 8 + need_id.size() + 1 + 2 + 1 + 1 + 8; }
};
// The open needs of one (area, service type), paged like a pool when they outgrow
// kMatchPageBytes. Entries change through add and remove, which keep `bytes`.
struct OpenNeeds {
  std::vector<OpenNeed> needs;      // in no particular order; a whole list or one page
  uint32_t pages = 0;               // > 0: the head of a paged list (its own needs are empty)
  size_t bytes = kListRecordBytes;  // the size of this record once encoded (not stored)
  size_t record_bytes() const { return pages > 0 ? kListRecordBytes + 4 : bytes; }
  bool empty() const { return needs.empty(); }
  void add(OpenNeed need) {
    bytes += need.record_bytes();
    needs.push_back(std::move(need));
  }
  // Removes `need_id`'s entry, the last one taking its place; false when it is not there.
  bool remove(std::string_view need_id) {
    for (OpenNeed& n : needs) {
      if (n.need_id != need_id) continue;
      bytes -= n.record_bytes();
      n = std::move(needs.back());
      needs.pop_back();
      return true;
    }
    return false;
  }
  template <class Archive>
  void save(Archive& ar) const {
    if (pages > 0) {
      ar(cereal::make_size_tag(kPagedMark), pages);
      return;
    }
    ar(needs);
  }
  template <class Archive>
  void load(Archive& ar) {
    cereal::size_type count = 0;
    ar(cereal::make_size_tag(count));
    needs.clear();
    bytes = kListRecordBytes;
    pages = 0;
    if (count == kPagedMark) {
      ar(pages);
      return;
    }
    needs.resize(static_cast<size_t>(count));
    for (OpenNeed& need : needs) {
      ar(need);
      bytes += need.record_bytes();
    }
  }
};

class MatchingProcessor : public runtime::Processor {
 public:
  static constexpr const char* kNeedsStore = "match-needs";
  static constexpr const char* kPoolsStore = "match-pools";
  static constexpr const char* kOpenNeedsStore = "match-open-needs";

  MatchingProcessor(const ProcessorOptions& options, runtime::KeyValueStore* needs,
                    runtime::KeyValueStore* pools, runtime::KeyValueStore* open_needs);

  runtime::Outcome process(const runtime::InputRecord& record, runtime::Emitter& out) override;
  void flush() override;
  // The need-matches table, when table updates were not emitted one by one.
  void finish(runtime::Emitter& out) override;

  // Applies one decoded change (tests).
  void apply(const MatchChange& change, runtime::Emitter& out);
  const NeedMatchState* find(const std::string& need_id) { return needs_.find(need_id); }
  static schemas::NeedMatchRecord record_of(const std::string& need_id, const NeedMatchState& need);
  // Needs loaded to revise their candidates after a volunteer change, since construction (the
  // test of "only the needs whose top K it can enter or leave").
  int64_t needs_revised() const { return needs_revised_; }

 private:
  void on_need_posted(const MatchChange& change, runtime::Emitter& out);
  void on_need_status(const MatchChange& change, runtime::Emitter& out);
  void on_volunteer(const MatchChange& change, runtime::Emitter& out);
  // A pool or open-needs list under `key` is one record, or when it would outgrow
  // kMatchPageBytes a head (the page count) and pages "<key>#<n>", n = 0 .. count - 1.
  // `head` is the record under `key`: pool_insert and open_insert are called when it is paged
  // or the entry would take it past the bound, pool_erase when it is paged.
  void pool_insert(std::string_view key, VolunteerPool& head, std::string_view id);
  void pool_erase(std::string_view key, VolunteerPool& head, std::string_view id);
  void open_insert(std::string_view key, OpenNeeds& head, OpenNeed need);
  void open_erase(std::string_view key, std::string_view need_id);
  // The pages of a paged pool (head.pages > 0) that are there, in page_parts_.
  const std::vector<const VolunteerPool*>& pool_pages(std::string_view key,
                                                      const VolunteerPool& head);
  // The best K eligible volunteers of a need, from the pools.
  std::vector<Candidate> top_candidates(uint32_t area, uint8_t service_type, uint8_t kind,
                                        std::string_view need_id);
  // Moves volunteer `volunteer_id`, now `now` (nullopt: no longer eligible), in or out of the
  // need's candidates. True when the candidates changed.
  bool revise(NeedMatchState& need, const std::string& need_id, const std::string& volunteer_id,
              const std::optional<MatchProfile>& now);
  // Whether a volunteer of profile `p` reaches the top K of `open` (enters, or is in it).
  enum class Reach : uint8_t { no, yes, if_hash_at_most_last };
  Reach reaches(const OpenNeed& open, const MatchProfile& p) const;
  void emit(const std::string& need_id, const NeedMatchState& need, runtime::Emitter& out) const;

  ProcessorOptions options_;
  size_t max_candidates_;
  runtime::TypedStore<NeedMatchState> needs_;
  runtime::TypedStore<VolunteerPool> pools_;
  runtime::TypedStore<OpenNeeds> open_needs_;
  int64_t needs_revised_ = 0;
  std::vector<MatchChange> changes_;  // the message being applied, decoded into reused buffers
  // top_candidates' scratch: the best of one rank group, as a heap.
  struct GroupEntry {
    uint64_t hash;
    std::string_view id;  // in a pool
    bool party_member;
    uint8_t star_level;
  };
  std::vector<GroupEntry> group_;
  std::vector<const VolunteerPool*> page_parts_;  // pool_pages' result, reused
};

// A candidate's key for a need of `kind`.
RankKey rank_key(uint8_t kind, const Candidate& candidate);

}  // namespace leifeng::processors
