// Matching's store records stay bounded (SPEC §8 As built): a pool of 100,000 volunteers or an
// area with 50,000 open needs is paged (pages of kMatchPageBytes), no record written or emitted
// exceeds kMaxMatchRecordBytes (a broker refuses records beyond its max.message.bytes, and an
// aborted transaction retried forever halts the pipeline), and the candidates are those a
// brute-force ranking gives.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>

#include "leifeng/processors/matching.hpp"
#include "leifeng/processors/needs.hpp"
#include "leifeng/runtime/typed_store.hpp"

namespace leifeng::processors {
namespace {

constexpr uint32_t kArea = 410402;
constexpr auto kTutoring = static_cast<uint8_t>(schemas::ServiceType::tutoring);
constexpr auto kCounseling = static_cast<uint8_t>(schemas::ServiceType::counseling);
constexpr auto kMicroWish = static_cast<uint8_t>(schemas::NeedKind::micro_wish);
constexpr auto kPublicNeed = static_cast<uint8_t>(schemas::NeedKind::public_need);
const std::string kAt = "2027-03-01T08:00:00+08:00";
// Well under a topic's default max.message.bytes (1 MB), whatever the bound is set to.
constexpr size_t kBrokerSafe = 256 * 1024;
static_assert(kMaxMatchRecordBytes <= kBrokerSafe);

// A store that remembers the largest value ever written to it.
class SizedStore : public runtime::KeyValueStore {
 public:
  std::optional<std::string> get(std::string_view key) override {
    const auto it = data_.find(std::string(key));
    if (it == data_.end()) return std::nullopt;
    return it->second;
  }
  void put(std::string_view key, std::string_view value) override {
    largest_put = std::max(largest_put, value.size());
    bytes_put += value.size();
    ++puts;
    data_[std::string(key)] = std::string(value);
  }
  void remove(std::string_view key) override { data_.erase(std::string(key)); }
  size_t largest_now() const {
    size_t largest = 0;
    for (const auto& [key, value] : data_) largest = std::max(largest, value.size());
    return largest;
  }
  size_t size() const { return data_.size(); }
  size_t largest_put = 0;
  size_t bytes_put = 0;
  int64_t puts = 0;

 private:
  std::map<std::string, std::string> data_;
};

// Keeps the largest emitted value.
class SizedEmitter : public runtime::Emitter {
 public:
  void emit(std::string_view, std::string_view, std::string_view value) override {
    largest = std::max(largest, value.size());
    ++count;
  }
  size_t largest = 0;
  int64_t count = 0;
};

class MatchingBounds : public ::testing::Test {
 protected:
  MatchingBounds() { restart(); }

  // A new processor over the same stores, as after a restart.
  void restart() {
    if (processor) processor->flush();
    ProcessorOptions options;
    options.config.max_candidates = 5;
    options.emit_table_updates = true;
    processor = std::make_unique<MatchingProcessor>(options, &needs, &pools, &open_needs);
  }
  void flush() { processor->flush(); }

  void volunteer(const std::string& id, std::optional<MatchProfile> after) {
    MatchChange change;
    change.kind = MatchChange::Kind::volunteer;
    change.area = kArea;
    change.as_of = kAt;
    change.id = id;
    const auto it = profiles.find(id);
    if (it != profiles.end()) change.before = it->second;
    change.after = after;
    if (after) {
      profiles[id] = *after;
    } else {
      profiles.erase(id);
    }
    processor->apply(change, out);
  }
  void post(const std::string& need, uint8_t kind, uint8_t service) {
    MatchChange change;
    change.kind = MatchChange::Kind::need_posted;
    change.area = kArea;
    change.as_of = kAt;
    change.id = need;
    change.need_kind = kind;
    change.service_type = service;
    processor->apply(change, out);
    posted[need] = {kind, service};
  }
  void close(const std::string& need) {
    MatchChange change;
    change.kind = MatchChange::Kind::need_status;
    change.area = kArea;
    change.as_of = kAt;
    change.id = need;
    change.status = static_cast<uint8_t>(NeedStatus::fulfilled);
    processor->apply(change, out);
    posted.erase(need);
  }

  // The top 5 by SPEC §8, ranking every eligible volunteer.
  std::vector<std::string> brute_force(const std::string& need) const {
    const auto [kind, service] = posted.at(need);
    struct Ranked {
      uint8_t party;
      uint8_t star;
      uint64_t hash;
      std::string id;
    };
    std::vector<Ranked> all;
    for (const auto& [id, p] : profiles) {
      if (!p.has_skill(service)) continue;
      all.push_back({static_cast<uint8_t>(kind == kPublicNeed && p.party_member ? 1 : 0),
                     p.star_level, match_hash(need, id), id});
    }
    std::sort(all.begin(), all.end(), [](const Ranked& a, const Ranked& b) {
      if (a.party != b.party) return a.party > b.party;
      if (a.star != b.star) return a.star > b.star;
      if (a.hash != b.hash) return a.hash < b.hash;
      return a.id < b.id;
    });
    std::vector<std::string> top;
    for (size_t i = 0; i < all.size() && i < 5; ++i) top.push_back(all[i].id);
    return top;
  }
  std::vector<std::string> candidates(const std::string& need) {
    std::vector<std::string> ids;
    if (const NeedMatchState* state = processor->find(need)) {
      for (const Candidate& c : state->candidates) ids.push_back(c.volunteer_id);
    }
    return ids;
  }
  void expect_bounded(const char* when) {
    flush();
    for (const SizedStore* store : {&needs, &pools, &open_needs}) {
      EXPECT_LE(store->largest_put, kMaxMatchRecordBytes) << when;
      EXPECT_LE(store->largest_put, kBrokerSafe) << when;
      EXPECT_LE(store->largest_now(), kMaxMatchRecordBytes) << when;
    }
    EXPECT_LE(out.largest, kMaxMatchRecordBytes) << when;
  }
  void expect_candidates_right(const char* when) {
    for (const auto& [need, kind_service] : posted) {
      if (kind_service.second != kTutoring && need.back() != '0') continue;  // a sample
      EXPECT_EQ(candidates(need), brute_force(need)) << when << ": " << need;
    }
  }

  SizedStore needs, pools, open_needs;
  SizedEmitter out;
  std::unique_ptr<MatchingProcessor> processor;
  std::map<std::string, MatchProfile> profiles;
  std::map<std::string, std::pair<uint8_t, uint8_t>> posted;  // kind, service
};

MatchProfile tutor(bool party = false, uint8_t star = 0) {
  return {party, star, static_cast<uint16_t>(1u << kTutoring)};
}
MatchProfile counselor() {
  return {false, 0, static_cast<uint16_t>(1u << kCounseling)};
}

TEST_F(MatchingBounds, AHundredThousandVolunteersInOnePoolAreStoredInBoundedRecords) {
  // Needs posted before the pool grows, and after.
  for (int n = 0; n < 10; ++n)
    post("early-" + std::to_string(n), n % 2 ? kPublicNeed : kMicroWish, kTutoring);
  for (int v = 0; v < 100'000; ++v) {
    // Most volunteers in the one pool (no party, star 0), a few elsewhere for the rank order.
    volunteer("v-" + std::to_string(v), tutor(v % 1000 == 7, v % 5000 == 3 ? 2 : 0));
    if (v % 10'000 == 9'999) flush();
  }
  expect_bounded("after 100,000 registrations");
  EXPECT_GT(pools.size(), 10u) << "a pool of 100,000 ids is paged";
  EXPECT_LE(pools.largest_put, kMatchPageBytes) << "no page outgrows the page size";
  // One more volunteer rewrites one page (and at most the head), not the pool: 4 KiB at most,
  // where 64 KiB pages wrote up to 64 KiB per change.
  pools.bytes_put = 0;
  volunteer("v-extra", tutor());
  flush();
  EXPECT_GT(pools.bytes_put, 0u);
  EXPECT_LE(pools.bytes_put, 4096u + 64u);
  for (int n = 0; n < 10; ++n)
    post("late-" + std::to_string(n), n % 2 ? kPublicNeed : kMicroWish, kTutoring);
  expect_candidates_right("after the registrations");

  restart();  // the paged pool read back from its records
  for (int n = 10; n < 20; ++n)
    post("late-" + std::to_string(n), n % 2 ? kPublicNeed : kMicroWish, kTutoring);
  expect_candidates_right("after a restart");

  // Candidates leave (lose the skill) and move (change star level): refills from the pages.
  for (int round = 0; round < 3; ++round) {
    std::set<std::string> leaving;
    for (const auto& [need, ks] : posted) {
      for (const std::string& id : candidates(need)) leaving.insert(id);
    }
    int i = 0;
    for (const std::string& id : leaving) {
      volunteer(id, i++ % 2 ? std::optional<MatchProfile>(counselor())
                            : std::optional<MatchProfile>(tutor(false, 1)));
    }
    expect_candidates_right("after candidates left");
  }

  // Almost everyone leaves the pool: it shrinks back into one record.
  for (int v = 0; v < 99'000; ++v) volunteer("v-" + std::to_string(v), std::nullopt);
  expect_bounded("after 99,000 left");
  expect_candidates_right("after 99,000 left");
  EXPECT_LT(pools.size(), 10u) << "the pages are gone";
  restart();
  for (int v = 99'000; v < 100'000; ++v) volunteer("v-" + std::to_string(v), std::nullopt);
  volunteer("v-extra", std::nullopt);
  expect_candidates_right("after everyone left");
  flush();
  EXPECT_EQ(pools.size(), 0u) << "no record of an empty pool";
}

TEST_F(MatchingBounds, FiftyThousandOpenNeedsInOneAreaAreStoredInBoundedRecords) {
  for (int v = 0; v < 200; ++v) volunteer("c-" + std::to_string(v), counselor());
  for (int n = 0; n < 50'000; ++n) {
    post("need-" + std::to_string(n), n % 3 ? kMicroWish : kPublicNeed, kCounseling);
    if (n % 10'000 == 9'999) flush();
  }
  expect_bounded("after 50,000 needs");
  EXPECT_GT(open_needs.size(), 10u) << "50,000 open needs are paged";
  expect_candidates_right("after posting");

  restart();
  // A volunteer change reaches the needs on every page.
  for (int v = 200; v < 230; ++v) {
    volunteer("c-" + std::to_string(v), MatchProfile{v % 2 == 0, 3, counselor().skills});
  }
  for (int v = 0; v < 20; ++v) volunteer("c-" + std::to_string(v), std::nullopt);
  expect_bounded("after volunteer changes");
  expect_candidates_right("after volunteer changes");

  // Needs close in random order; the list shrinks back into one record, then to none.
  std::vector<std::string> open;
  for (const auto& [need, ks] : posted) open.push_back(need);
  std::shuffle(open.begin(), open.end(), std::mt19937(7));
  for (size_t i = 0; i < 2'000; ++i) close(open[i]);
  expect_bounded("after 2,000 closed");
  // The rest close, with restarts between: pages read back, emptied, merged, erased.
  for (size_t i = 2'000; i < open.size(); ++i) {
    if (i % 5'000 == 0) {
      flush();
      restart();
    }
    close(open[i]);
  }
  volunteer("c-late", counselor());  // touches no closed need
  expect_bounded("after every need closed");
  EXPECT_EQ(open_needs.size(), 0u) << "no record of an area without open needs";
  EXPECT_EQ(processor->find("need-0")->status, static_cast<uint8_t>(NeedStatus::fulfilled));
}

// A pool written by a binary whose pages were 64 KiB: one plain record of 3,000 ids (46,899
// bytes, past today's page size). It reads as it is; an addition pages it, the old list
// staying whole as page 0 and new ids going to pages of at most kMatchPageBytes; removals
// shrink it back.
TEST_F(MatchingBounds, APlainPoolLargerThanAPageFromAnEarlierBinaryIsPagedOnItsNextAddition) {
  std::vector<std::string> ids;
  for (int v = 0; v < 3'000; ++v) {
    ids.push_back("old-" + std::to_string(v));
    profiles[ids.back()] = tutor();
  }
  std::string key(7, '\0');
  for (int i = 0; i < 4; ++i) key[i] = static_cast<char>(kArea >> (24 - 8 * i));
  key[4] = static_cast<char>(kTutoring);  // no party member, star level 0
  const std::string plain = runtime::TypedStore<std::vector<std::string>>::encode(ids);
  ASSERT_GT(plain.size(), kMatchPageBytes);
  ASSERT_LE(plain.size(), kMaxMatchRecordBytes);
  pools.put(key, plain);
  restart();

  post("need-0", kMicroWish, kTutoring);
  post("need-1", kPublicNeed, kTutoring);
  expect_candidates_right("the plain record read as it is");
  volunteer("new-0", tutor());
  flush();
  EXPECT_EQ(pools.size(), 3u) << "paged: a head, the old list as page 0, the new id's page";
  EXPECT_EQ(pools.largest_put, plain.size()) << "the old list written once, as page 0";
  pools.largest_put = 0;
  for (int v = 1; v < 500; ++v) volunteer("new-" + std::to_string(v), tutor());
  flush();
  EXPECT_GT(pools.size(), 3u);
  EXPECT_LE(pools.largest_put, kMatchPageBytes) << "the old list is not rewritten again";
  expect_candidates_right("after 500 additions");
  restart();
  for (int v = 0; v < 3'000; ++v) volunteer("old-" + std::to_string(v), std::nullopt);
  expect_bounded("after the old ids left");
  expect_candidates_right("after the old ids left");
  for (int v = 0; v < 500; ++v) volunteer("new-" + std::to_string(v), std::nullopt);
  flush();
  EXPECT_EQ(pools.size(), 0u) << "no record of an empty pool";
}

// A pool record as every binary before paging wrote it (a plain list of ids) reads the same.
TEST(MatchingBoundsFormat, APlainListReadsAsBeforeAndAPagedHeadRoundTrips) {
  const std::vector<std::string> ids = {"v-2", "v-1", "v-10"};
  const std::string plain = runtime::TypedStore<std::vector<std::string>>::encode(ids);
  const VolunteerPool pool = runtime::TypedStore<VolunteerPool>::decode(plain);
  EXPECT_EQ(pool.pages, 0u);
  EXPECT_EQ(pool.ids.to_vector(), (std::vector<std::string>{"v-1", "v-10", "v-2"}));
  EXPECT_EQ(runtime::TypedStore<VolunteerPool>::encode(pool).size(), pool.record_bytes());
  EXPECT_EQ(runtime::TypedStore<VolunteerPool>::encode(pool),
            runtime::TypedStore<std::vector<std::string>>::encode(pool.ids.to_vector()));

  VolunteerPool head;
  head.pages = 42;
  const VolunteerPool back =
      runtime::TypedStore<VolunteerPool>::decode(runtime::TypedStore<VolunteerPool>::encode(head));
  EXPECT_EQ(back.pages, 42u);
  EXPECT_TRUE(back.ids.empty());

  OpenNeeds open;
  open.add({"need-7", 1, 5, RankKey{0, 2, 99}, match_hash("need-7", "")});
  open.add({"n-8", 0, 2, RankKey{1, 1, 9}, match_hash("n-8", "")});
  const std::string bytes = runtime::TypedStore<OpenNeeds>::encode(open);
  EXPECT_EQ(bytes.size(), open.bytes);
  EXPECT_EQ(bytes, runtime::TypedStore<std::vector<OpenNeed>>::encode(open.needs));
  const OpenNeeds read = runtime::TypedStore<OpenNeeds>::decode(bytes);
  EXPECT_EQ(read.bytes, open.bytes);
  ASSERT_EQ(read.needs.size(), 2u);
  EXPECT_EQ(read.needs[1].need_id, "n-8");
  OpenNeeds paged;
  paged.pages = 3;
  EXPECT_EQ(
      runtime::TypedStore<OpenNeeds>::decode(runtime::TypedStore<OpenNeeds>::encode(paged)).pages,
      3u);
}

}  // namespace
}  // namespace leifeng::processors
