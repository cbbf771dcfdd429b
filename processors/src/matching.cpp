// SPEC §8: eligibility (registered, home area = the need's area, the need's service type among
// the skills), ranking and the cap, kept up to date incrementally.
#include "leifeng/processors/matching.hpp"

#include <algorithm>
#include <cstdint>

#include "leifeng/processors/internal/need_match_json.hpp"
#include "leifeng/processors/needs.hpp"
#include "leifeng/processors/wiring.hpp"

namespace leifeng::processors {

namespace {

constexpr int kServiceTypes = static_cast<int>(schemas::ServiceType::other) + 1;
constexpr auto kPublicNeed = static_cast<uint8_t>(schemas::NeedKind::public_need);
constexpr auto kOpen = static_cast<uint8_t>(NeedStatus::open);

// Fixed-width binary keys, area first (big-endian): a county's entries sit together. Built on
// the stack: a key per lookup costs no allocation.
template <size_t N>
struct BinaryKey {
  char bytes[N];
  operator std::string_view() const { return {bytes, N}; }
};
void put_area(char* key, uint32_t area) {
  for (int i = 0; i < 4; ++i) key[i] = static_cast<char>(area >> (24 - 8 * i));
}
BinaryKey<5> open_key(uint32_t area, uint8_t service_type) {
  BinaryKey<5> key;
  put_area(key.bytes, area);
  key.bytes[4] = static_cast<char>(service_type);
  return key;
}
BinaryKey<7> pool_key(uint32_t area, uint8_t service_type, bool party, uint8_t star) {
  BinaryKey<7> key;
  put_area(key.bytes, area);
  key.bytes[4] = static_cast<char>(service_type);
  key.bytes[5] = static_cast<char>(party ? 1 : 0);
  key.bytes[6] = static_cast<char>(star);
  return key;
}

// Page `page` of the paged record `key`: the key, '#', the page number (big-endian u32).
struct PageKey {
  char bytes[16];
  size_t size;
  operator std::string_view() const { return {bytes, size}; }
};
PageKey page_key(std::string_view key, uint32_t page) {
  PageKey out;
  std::copy(key.begin(), key.end(), out.bytes);
  out.bytes[key.size()] = '#';
  put_area(out.bytes + key.size() + 1, page);
  out.size = key.size() + 5;
  return out;
}

// The paging both lists share (VolunteerPool, OpenNeeds: a `pages` count in the head, entries
// in page records, record_bytes() and empty()). `head` is the record under `key`.

// Adds an entry to a list that is paged or that the entry would take past the bound:
// `add(list)` puts it into the list given; `entry` is its encoded size. `last`, when the
// caller has it, is the list's last page already looked up.
template <class List, class Add>
void insert_paged(runtime::TypedStore<List>& store, std::string_view key, List& head, size_t entry,
                  Add&& add, List* last = nullptr) {
  if (head.pages == 0) {
    List& first = store.upsert(page_key(key, 0));
    first = std::move(head);
    head = List{};
    head.pages = 1;
  }
  if (last == nullptr) last = store.find(page_key(key, head.pages - 1));
  if (last != nullptr && last->record_bytes() + entry <= kMatchPageBytes) {
    add(*last);
    store.mark_dirty(page_key(key, head.pages - 1));
    return;
  }
  List& fresh = store.upsert(page_key(key, head.pages));
  fresh = List{};
  add(fresh);
  ++head.pages;
}

// Removes an entry from a paged list: `remove(page)` takes it out of that page and says
// whether it was there. A page left empty takes the last page's entries, and a list that
// shrinks to a quarter of the bound is one record again: `join(pages)` gives their entries as
// one list.
template <class List, class Remove, class Join>
void erase_paged(runtime::TypedStore<List>& store, std::string_view key, List& head,
                 Remove&& remove, Join&& join) {
  std::vector<List*> pages(head.pages, nullptr);
  bool removed = false;
  for (uint32_t p = 0; p < head.pages; ++p) {
    pages[p] = store.find(page_key(key, p));
    if (removed || pages[p] == nullptr || !remove(*pages[p])) continue;
    removed = true;
    store.mark_dirty(page_key(key, p));
  }
  if (!removed) return;
  for (uint32_t p = 0; p < pages.size();) {
    if (pages[p] != nullptr && !pages[p]->empty()) {
      ++p;
      continue;
    }
    // The last page takes the empty one's number.
    const auto last = static_cast<uint32_t>(pages.size() - 1);
    if (p != last && pages[last] != nullptr) {
      if (pages[p] == nullptr) pages[p] = &store.upsert(page_key(key, p));
      std::swap(*pages[p], *pages[last]);
      store.mark_dirty(page_key(key, p));
    }
    store.erase(page_key(key, last));
    pages.pop_back();
  }
  head.pages = static_cast<uint32_t>(pages.size());
  store.mark_dirty(key);
  size_t bytes = kListRecordBytes;
  for (const List* page : pages) bytes += page->record_bytes() - kListRecordBytes;
  if (bytes > kMatchPageBytes / 4) return;
  List whole = join(pages);
  for (uint32_t p = 0; p < pages.size(); ++p) store.erase(page_key(key, p));
  if (whole.empty()) {
    store.erase(key);
  } else {
    head = std::move(whole);
  }
}

bool candidate_before(uint8_t kind, const Candidate& a, const Candidate& b) {
  const RankKey ka = rank_key(kind, a);
  const RankKey kb = rank_key(kind, b);
  if (ranks_before(ka, kb)) return true;
  if (ranks_before(kb, ka)) return false;
  return a.volunteer_id < b.volunteer_id;
}

constexpr uint64_t kFnvPrime = 1099511628211ull;

uint64_t fnv_continue(uint64_t hash, std::string_view bytes) {
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= kFnvPrime;
  }
  return hash;
}

// Calls bar = fn(record, hash) for every id of a pool whose hash = fnv_continue(seed, id) is at
// most `bar` (SortedIds::view(record) is the id): the test stays in the loop, and most ids of
// a large pool lose it. The bytes every id shares (the common prefix of the first and the
// last, the pool being sorted) are hashed once, and ids are hashed four at a time: FNV-1a is a
// chain of multiplies byte after byte, so four independent chains keep the multiplier busy
// where one waits on each result. Ids of one length (uniform pool) are read with no length
// per id.
template <class Fn>
void hash_pool(uint64_t seed, const SortedIds& ids, uint64_t bar, Fn&& fn) {
  const size_t count = ids.size();
  if (count == 0) return;
  const std::string_view first = ids.at(0);
  const std::string_view last = ids.at(count - 1);
  size_t shared = 0;
  while (shared < first.size() && shared < last.size() && first[shared] == last[shared]) ++shared;
  const uint64_t base = fnv_continue(seed, first.substr(0, shared));
  const size_t stride = ids.stride();
  const char* record = ids.data();
  const char* const end = record + count * stride;
  if (ids.uniform()) {
    const size_t n = ids.width();
    constexpr size_t kLength = 2;  // the length field before each id
    for (; record + 4 * stride <= end; record += 4 * stride) {
      const char* a = record + kLength;
      const char* b = a + stride;
      const char* c = b + stride;
      const char* d = c + stride;
      uint64_t ha = base, hb = base, hc = base, hd = base;
      for (size_t k = shared; k < n; ++k) {
        ha = (ha ^ static_cast<unsigned char>(a[k])) * kFnvPrime;
        hb = (hb ^ static_cast<unsigned char>(b[k])) * kFnvPrime;
        hc = (hc ^ static_cast<unsigned char>(c[k])) * kFnvPrime;
        hd = (hd ^ static_cast<unsigned char>(d[k])) * kFnvPrime;
      }
      if (ha <= bar) bar = fn(record, ha);
      if (hb <= bar) bar = fn(record + stride, hb);
      if (hc <= bar) bar = fn(record + 2 * stride, hc);
      if (hd <= bar) bar = fn(record + 3 * stride, hd);
    }
  }
  for (; record < end; record += stride) {
    const uint64_t hash = fnv_continue(base, SortedIds::view(record).substr(shared));
    if (hash <= bar) bar = fn(record, hash);
  }
}

}  // namespace

uint64_t fnv1a64(std::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

uint64_t match_hash(std::string_view need_id, std::string_view volunteer_id) {
  uint64_t hash = fnv1a64(need_id);
  hash ^= static_cast<unsigned char>('/');
  hash *= 1099511628211ull;
  for (const char c : volunteer_id) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

RankKey rank_key(uint8_t kind, const Candidate& candidate) {
  return {static_cast<uint8_t>(kind == kPublicNeed && candidate.party_member ? 1 : 0),
          candidate.star_level, candidate.hash};
}

MatchingProcessor::MatchingProcessor(const ProcessorOptions& options, runtime::KeyValueStore* needs,
                                     runtime::KeyValueStore* pools,
                                     runtime::KeyValueStore* open_needs)
    : options_(options),
      max_candidates_(static_cast<size_t>(options.config.max_candidates)),
      needs_(needs),
      pools_(pools),
      open_needs_(open_needs) {}

void MatchingProcessor::flush() {
  needs_.flush();
  pools_.flush();
  open_needs_.flush();
}

runtime::Outcome MatchingProcessor::process(const runtime::InputRecord& record,
                                            runtime::Emitter& out) {
  size_t count = 0;
  if (!decode_match_changes(record.value, changes_, count)) {
    // Only leifeng writes this stream; a bad record means a foreign writer or a format change.
    // A list is checked whole before any of it is applied: all of it is dead-lettered or none.
    emit_dead_letter(
        record, {schemas::Reason::malformed, "", "not a match change of format version 1 or 2"},
        std::nullopt, std::nullopt, std::nullopt, options_, out);
    return runtime::Outcome::dead_lettered;
  }
  for (size_t i = 0; i < count; ++i) apply(changes_[i], out);
  return runtime::Outcome::applied;
}

void MatchingProcessor::apply(const MatchChange& change, runtime::Emitter& out) {
  switch (change.kind) {
    case MatchChange::Kind::volunteer:
      on_volunteer(change, out);
      break;
    case MatchChange::Kind::need_posted:
      on_need_posted(change, out);
      break;
    case MatchChange::Kind::need_status:
      on_need_status(change, out);
      break;
  }
}

std::vector<Candidate> MatchingProcessor::top_candidates(uint32_t area, uint8_t service_type,
                                                         uint8_t kind, std::string_view need_id) {
  std::vector<Candidate> top;
  // The hash state after need_id + "/", shared by every volunteer of the need.
  const uint64_t prefix = match_hash(need_id, "");
  // Volunteers of equal rank but for the hash: every one is hashed (a need spreads over them),
  // but only the best that fit are kept, in a list of at most `room` entries sorted by hash
  // (then id) whose back is the worst kept. Most volunteers of a large group lose one
  // comparison with the back, so a rank group costs its hashes and little more. The buffer is
  // reused: no allocation per need.
  auto& best = group_;
  auto by_hash = [](const GroupEntry& a, const GroupEntry& b) {
    return a.hash != b.hash ? a.hash < b.hash : a.id < b.id;
  };
  auto take = [&] {
    for (const GroupEntry& entry : best) {
      top.push_back({std::string(entry.id), entry.party_member, entry.star_level, entry.hash});
    }
    best.clear();
  };
  // Inlined as it was before pages existed (its size would otherwise make it a call per pool).
  auto gather = [&](bool party, uint8_t star) __attribute__((always_inline)) {
    const auto key = pool_key(area, service_type, party, star);
    const VolunteerPool* pool = pools_.find(key);
    if (pool == nullptr) return;
    // A pool in one record is its own only part; a paged pool's parts are its pages, in an
    // order that does not matter: the best are kept by (hash, id) whatever comes first.
    const VolunteerPool* const* parts = &pool;
    size_t count = 1;
    if (pool->pages > 0) [[unlikely]] {
      const auto& pages = pool_pages(key, *pool);
      parts = pages.data();
      count = pages.size();
    }
    const size_t room = max_candidates_ - top.size();
    for (size_t part = 0; part < count; ++part) {
      // Above the bar (the worst kept hash) a volunteer cannot enter a full list.
      const uint64_t bar = best.size() < room ? UINT64_MAX : best.back().hash;
      hash_pool(prefix, parts[part]->ids, bar, [&](const char* record, uint64_t hash) {
        const GroupEntry entry{hash, SortedIds::view(record), party, star};
        if (best.size() == room) {
          if (!by_hash(entry, best.back())) return best.back().hash;
          best.back() = entry;
        } else {
          best.push_back(entry);
        }
        // Into place from the back: the list is short (at most max_candidates).
        for (size_t i = best.size() - 1; i > 0 && by_hash(best[i], best[i - 1]); --i) {
          std::swap(best[i], best[i - 1]);
        }
        return best.size() == room ? best.back().hash : UINT64_MAX;
      });
    }
  };
  const bool party_first = kind == kPublicNeed;
  for (const bool party : {true, false}) {
    for (int star = kStarLevels; star >= 0 && top.size() < max_candidates_; --star) {
      gather(party, static_cast<uint8_t>(star));
      if (!party_first) gather(!party, static_cast<uint8_t>(star));
      take();
    }
    if (!party_first) break;  // both memberships gathered per star level
  }
  return top;
}

void MatchingProcessor::on_need_posted(const MatchChange& change, runtime::Emitter& out) {
  if (needs_.find(change.id) != nullptr) return;  // posted once (a replayed message)
  NeedMatchState& need = needs_.upsert(change.id);
  need.area = change.area;
  need.kind = change.need_kind;
  need.service_type = change.service_type;
  need.status = kOpen;
  need.as_of = change.as_of;
  need.candidates = top_candidates(need.area, need.service_type, need.kind, change.id);
  OpenNeed open{change.id,
                need.kind,
                static_cast<uint16_t>(need.candidates.size()),
                {},
                match_hash(change.id, "")};
  if (!need.candidates.empty()) open.last = rank_key(need.kind, need.candidates.back());
  const auto key = open_key(need.area, need.service_type);
  OpenNeeds& list = open_needs_.upsert(key);
  if (list.pages == 0 && list.bytes + open.record_bytes() <= kMatchPageBytes) [[likely]] {
    list.add(std::move(open));
  } else {
    open_insert(key, list, std::move(open));
  }
  emit(change.id, need, out);
}

void MatchingProcessor::on_need_status(const MatchChange& change, runtime::Emitter& out) {
  NeedMatchState* need = needs_.find(change.id);
  if (need == nullptr || need->status == change.status) return;
  if (need->status == kOpen) {
    open_erase(open_key(need->area, need->service_type), change.id);
    need->candidates.clear();
  }
  need->status = change.status;
  need->as_of = change.as_of;
  needs_.mark_dirty(change.id);
  emit(change.id, *need, out);
}

MatchingProcessor::Reach MatchingProcessor::reaches(const OpenNeed& open,
                                                    const MatchProfile& p) const {
  if (open.count < max_candidates_) return Reach::yes;
  const RankKey last = open.last;
  const uint8_t party = open.kind == kPublicNeed && p.party_member ? 1 : 0;
  if (party != last.party) return party > last.party ? Reach::yes : Reach::no;
  if (p.star_level != last.star) return p.star_level > last.star ? Reach::yes : Reach::no;
  return Reach::if_hash_at_most_last;  // equal: look at the need
}

void MatchingProcessor::on_volunteer(const MatchChange& change, runtime::Emitter& out) {
  const std::string& volunteer_id = change.id;
  const std::optional<MatchProfile>& before = change.before;
  const std::optional<MatchProfile>& after = change.after;
  if (before == after) return;
  // The pools first: a need that loses a candidate refills from them.
  for (int s = 0; s < kServiceTypes; ++s) {
    const auto service = static_cast<uint8_t>(s);
    // A pool in one record is changed here, a paged one by pool_insert and pool_erase.
    if (before && before->has_skill(service)) {
      const auto key = pool_key(change.area, service, before->party_member, before->star_level);
      if (VolunteerPool* pool = pools_.find(key)) {
        if (pool->pages > 0) [[unlikely]] {
          pool_erase(key, *pool, volunteer_id);
        } else {
          pool->ids.erase(volunteer_id);
          if (pool->ids.empty()) {
            pools_.erase(key);
          } else {
            pools_.mark_dirty(key);
          }
        }
      }
    }
    if (after && after->has_skill(service)) {
      const auto key = pool_key(change.area, service, after->party_member, after->star_level);
      VolunteerPool& pool = pools_.upsert(key);
      if (pool.pages == 0 && pool.record_bytes() + VolunteerPool::entry_bytes(volunteer_id) <=
                                 kMatchPageBytes) [[likely]] {
        pool.ids.insert(volunteer_id);
      } else {
        pool_insert(key, pool, volunteer_id);
      }
    }
  }
  // Then the open needs of the service types concerned whose top K the volunteer is in or can
  // enter: the others are left alone.
  const uint16_t services = (before ? before->skills : 0) | (after ? after->skills : 0);
  for (int s = 0; s < kServiceTypes; ++s) {
    const auto service = static_cast<uint8_t>(s);
    if (((services >> s) & 1u) == 0) continue;
    const auto key = open_key(change.area, service);
    OpenNeeds* open = open_needs_.find(key);
    if (open == nullptr) continue;
    const bool eligible_before = before && before->has_skill(service);
    const std::optional<MatchProfile> now =
        after && after->has_skill(service) ? after : std::nullopt;
    // A list in one record is its own only part; a paged list's parts are its pages.
    const uint32_t parts = open->pages > 0 ? open->pages : 1;
    for (uint32_t part = 0; part < parts; ++part) {
      OpenNeeds* needs = open;
      if (open->pages > 0) [[unlikely]] {
        needs = open_needs_.find(page_key(key, part));
        if (needs == nullptr) continue;
      }
      bool changed_index = false;
      for (OpenNeed& entry : needs->needs) {
        const Reach was = eligible_before ? reaches(entry, *before) : Reach::no;
        const Reach is = now ? reaches(entry, *now) : Reach::no;
        if (was != Reach::yes && is != Reach::yes) {
          // The match hash is the same for both profiles: computed at most once.
          if (was == Reach::no && is == Reach::no) continue;
          if (fnv_continue(entry.hash_prefix, volunteer_id) > entry.last.hash) continue;
        }
        NeedMatchState* need = needs_.find(entry.need_id);
        if (need == nullptr) continue;
        ++needs_revised_;
        if (!revise(*need, entry.need_id, volunteer_id, now)) continue;
        need->as_of = change.as_of;
        needs_.mark_dirty(entry.need_id);
        entry.count = static_cast<uint16_t>(need->candidates.size());
        entry.last =
            need->candidates.empty() ? RankKey{} : rank_key(need->kind, need->candidates.back());
        changed_index = true;
        emit(entry.need_id, *need, out);
      }
      if (!changed_index) continue;
      if (open->pages > 0) {
        open_needs_.mark_dirty(page_key(key, part));
      } else {
        open_needs_.mark_dirty(key);
      }
    }
  }
}

// Paging (SPEC §8 As built): a pool or open-needs list stays one record, as it always was,
// until an addition would take it past kMatchPageBytes. Then its record becomes a head
// holding only the page count and its entries move to page 0, new ones going to the last page
// while it has room and to a new page after it. A page left empty takes the last page's
// entries, so pages stay numbered 0 .. count - 1; a paged list that shrinks to a quarter of the
// bound is one record again (a quarter, not the bound: no flip-flop at the edge). A page holds
// whole entries in no order that matters: ranking keeps the best by (hash, id) whatever it
// reads first, and the open needs were in no particular order already.

const std::vector<const VolunteerPool*>& MatchingProcessor::pool_pages(std::string_view key,
                                                                       const VolunteerPool& head) {
  page_parts_.clear();
  for (uint32_t p = 0; p < head.pages; ++p) {
    if (const VolunteerPool* page = pools_.find(page_key(key, p))) page_parts_.push_back(page);
  }
  return page_parts_;
}

void MatchingProcessor::pool_insert(std::string_view key, VolunteerPool& head,
                                    std::string_view id) {
  if (head.pages == 0) {
    if (head.record_bytes() + VolunteerPool::entry_bytes(id) <= kMatchPageBytes ||
        head.ids.contains(id)) {
      head.ids.insert(id);
      return;
    }
  }
  VolunteerPool* last = nullptr;
  for (uint32_t p = 0; p < head.pages; ++p) {
    VolunteerPool* page = pools_.find(page_key(key, p));
    if (page != nullptr && page->ids.contains(id)) return;
    last = page;
  }
  insert_paged(
      pools_, key, head, VolunteerPool::entry_bytes(id),
      [&](VolunteerPool& list) { list.ids.insert(id); }, last);
}

void MatchingProcessor::pool_erase(std::string_view key, VolunteerPool& head, std::string_view id) {
  erase_paged(
      pools_, key, head, [&](VolunteerPool& page) { return page.ids.erase(id); },
      [](const std::vector<VolunteerPool*>& pages) {
        std::vector<std::string> ids;
        for (const VolunteerPool* page : pages) {
          for (size_t i = 0; i < page->ids.size(); ++i) ids.emplace_back(page->ids.at(i));
        }
        VolunteerPool whole;
        whole.ids.assign(ids);
        return whole;
      });
}

void MatchingProcessor::open_insert(std::string_view key, OpenNeeds& head, OpenNeed need) {
  if (head.pages == 0 && head.bytes + need.record_bytes() <= kMatchPageBytes) {
    head.add(std::move(need));
    return;
  }
  insert_paged(open_needs_, key, head, need.record_bytes(),
               [&](OpenNeeds& list) { list.add(std::move(need)); });
}

void MatchingProcessor::open_erase(std::string_view key, std::string_view need_id) {
  OpenNeeds* head = open_needs_.find(key);
  if (head == nullptr) return;
  if (head->pages == 0) {
    if (!head->remove(need_id)) return;
    if (head->needs.empty()) {
      open_needs_.erase(key);
    } else {
      open_needs_.mark_dirty(key);
    }
    return;
  }
  erase_paged(
      open_needs_, key, *head, [&](OpenNeeds& page) { return page.remove(need_id); },
      [](const std::vector<OpenNeeds*>& pages) {
        OpenNeeds whole;
        for (OpenNeeds* page : pages) {
          for (OpenNeed& need : page->needs) whole.add(std::move(need));
        }
        return whole;
      });
}

bool MatchingProcessor::revise(NeedMatchState& need, const std::string& need_id,
                               const std::string& volunteer_id,
                               const std::optional<MatchProfile>& now) {
  // Whether the list changes is known from the case, without a copy to compare with: a
  // candidate leaving, a candidate's party or star changing (both are in the record) and a
  // volunteer entering all change it; a refill cannot bring the old list back, since the
  // volunteer's entry has left it or changed.
  auto& list = need.candidates;
  const bool full = list.size() >= max_candidates_;
  auto by_rank = [&](const Candidate& a, const Candidate& b) {
    return candidate_before(need.kind, a, b);
  };
  const auto it = std::find_if(list.begin(), list.end(),
                               [&](const Candidate& c) { return c.volunteer_id == volunteer_id; });
  bool refill = false;
  if (it != list.end()) {
    if (!now) {
      list.erase(it);
      refill = full;  // a volunteer outside the top K may take the place
    } else {
      const Candidate was = *it;
      if (was.party_member == now->party_member && was.star_level == now->star_level) {
        return false;
      }
      it->party_member = now->party_member;
      it->star_level = now->star_level;
      std::sort(list.begin(), list.end(), by_rank);
      // Fallen to the last place of a full list: someone outside may now rank before it.
      refill = full && list.back().volunteer_id == volunteer_id &&
               ranks_before(rank_key(need.kind, was), rank_key(need.kind, list.back()));
    }
  } else if (now) {
    Candidate candidate{volunteer_id, now->party_member, now->star_level,
                        match_hash(need_id, volunteer_id)};
    if (full && !by_rank(candidate, list.back())) return false;
    list.insert(std::upper_bound(list.begin(), list.end(), candidate, by_rank),
                std::move(candidate));
    if (list.size() > max_candidates_) list.pop_back();
  } else {
    return false;
  }
  if (refill) list = top_candidates(need.area, need.service_type, need.kind, need_id);
  return true;
}

void MatchingProcessor::emit(const std::string& need_id, const NeedMatchState& need,
                             runtime::Emitter& out) const {
  if (!options_.emit_table_updates) return;
  out.emit(outputs::kNeedMatches, need_id, need_match_json(need_id, need));
}

schemas::NeedMatchRecord MatchingProcessor::record_of(const std::string& need_id,
                                                      const NeedMatchState& need) {
  schemas::NeedMatchRecord record;
  record.need_id = need_id;
  record.area_code = schemas::AreaCode{need.area}.str();
  record.service_type = schemas::to_string(static_cast<schemas::ServiceType>(need.service_type));
  record.kind = schemas::to_string(static_cast<schemas::NeedKind>(need.kind));
  record.status = to_string(static_cast<NeedStatus>(need.status));
  for (const Candidate& c : need.candidates) {
    record.candidates.push_back({c.volunteer_id, c.star_level, c.party_member});
  }
  record.as_of = need.as_of;
  return record;
}

void MatchingProcessor::finish(runtime::Emitter& out) {
  if (options_.emit_table_updates) return;
  needs_.for_each([&](const std::string& need_id, const NeedMatchState& need) {
    out.emit(outputs::kNeedMatches, need_id, need_match_json(need_id, need));
  });
}

}  // namespace leifeng::processors
