// The match-changes stream's list format (version 2) and the batch that writes it: the changes
// of a commit interval go one message per area, in order, and matching makes of a list what it
// made of the same changes one message each (SPEC §8, as built; issue 17).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "harness.hpp"
#include "leifeng/processors/match_change.hpp"
#include "leifeng/processors/match_change_batch.hpp"
#include "leifeng/processors/needs.hpp"

namespace leifeng::processors::testing {
namespace {

const std::string kAt = "2027-03-01T08:00:00+08:00";
constexpr uint32_t kArea = 410402;
constexpr uint32_t kOther = 410403;
constexpr uint8_t kTutoring = 3;  // a service type: skills bit 3

MatchChange change_of(MatchChange::Kind kind, uint32_t area, const std::string& id) {
  MatchChange change;
  change.kind = kind;
  change.area = area;
  change.as_of = kAt;
  change.id = id;
  return change;
}

MatchChange volunteer(uint32_t area, const std::string& id, uint8_t stars = 1) {
  MatchChange change = change_of(MatchChange::Kind::volunteer, area, id);
  change.after = MatchProfile{false, stars, uint16_t{1u << kTutoring}};
  return change;
}

MatchChange posted(uint32_t area, const std::string& id) {
  MatchChange change = change_of(MatchChange::Kind::need_posted, area, id);
  change.service_type = kTutoring;
  return change;
}

MatchChange status(uint32_t area, const std::string& id, uint8_t value) {
  MatchChange change = change_of(MatchChange::Kind::need_status, area, id);
  change.status = value;
  return change;
}

std::string list_of(const std::vector<MatchChange>& changes) {
  std::string list;
  start_match_change_list(list);
  for (const MatchChange& change : changes) EXPECT_GT(append_match_change(list, change), 0u);
  return list;
}

std::vector<MatchChange> decoded(std::string_view bytes) {
  std::vector<MatchChange> changes;
  size_t count = 0;
  if (!decode_match_changes(bytes, changes, count)) return {};
  changes.resize(count);
  return changes;
}

struct Captured : runtime::Emitter {
  std::vector<std::pair<std::string, std::string>> records;  // key, value
  void emit(std::string_view topic, std::string_view key, std::string_view value) override {
    EXPECT_EQ(topic, "match-changes");
    records.emplace_back(std::string(key), std::string(value));
  }
};

TEST(MatchChangeList, RoundTripsItsChangesInOrderAndReadsVersion1Too) {
  MatchChange moved = volunteer(kArea, "v-1", 2);
  moved.before = MatchProfile{true, 1, 0x0001};
  const std::vector<MatchChange> changes = {moved, posted(kArea, "n-1"), status(kArea, "n-1", 2),
                                            volunteer(kArea, "v-2")};
  const std::string list = list_of(changes);
  EXPECT_EQ(match_change_list_count(list), 4u);
  EXPECT_EQ(decoded(list), changes);

  std::vector<MatchChange> reused;  // decoded one message after the other into one vector
  size_t count = 0;
  ASSERT_TRUE(decode_match_changes(list, reused, count));
  EXPECT_EQ(count, 4u);
  ASSERT_TRUE(decode_match_changes(encode_match_change(changes[2]), reused, count));
  EXPECT_EQ(count, 1u);
  EXPECT_EQ(reused[0], changes[2]);
  ASSERT_TRUE(decode_match_changes(list_of({changes[1]}), reused, count));
  EXPECT_EQ(count, 1u);
  EXPECT_EQ(reused[0], changes[1]);
}

// The documented layout (match_change.hpp): version 2, the count, then each change's
// version-1 bytes behind their length.
TEST(MatchChangeList, WritesTheDocumentedBytes) {
  MatchChange change = status(kArea, "n", 2);
  change.as_of.clear();
  const std::string one("\x01\x03\x22\x43\x06\x00\x00\x00\x01\x00n\x02", 12);
  EXPECT_EQ(encode_match_change(change), one);
  EXPECT_EQ(list_of({change, change}), std::string("\x02\x02\x00", 3) + std::string("\x0c\x00", 2) +
                                           one + std::string("\x0c\x00", 2) + one);
}

TEST(MatchChangeList, RejectsWhatItDidNotWrite) {
  const std::string list = list_of({volunteer(kArea, "v-1"), posted(kArea, "n-1")});
  const std::string entry = encode_match_change(posted(kArea, "n-1"));
  std::vector<MatchChange> changes;
  size_t count = 0;
  auto rejects = [&](const std::string& bytes) {
    return !decode_match_changes(bytes, changes, count);
  };
  EXPECT_TRUE(rejects(""));
  EXPECT_TRUE(rejects(std::string("\x02\x00\x00", 3)));  // an empty list is never written
  EXPECT_TRUE(rejects(list.substr(0, list.size() - 1)));
  EXPECT_TRUE(rejects(list + "x"));
  EXPECT_TRUE(rejects("\x03" + list.substr(1)));
  std::string claims_three = list;
  claims_three[1] = '\x03';
  EXPECT_TRUE(rejects(claims_three));
  std::string bad_entry = list;
  bad_entry[kMatchChangeListHeaderBytes + 2] = '\x07';  // the first entry's version byte
  EXPECT_TRUE(rejects(bad_entry));
  // Every change of a list is in one area: the area the message is keyed and partitioned by.
  EXPECT_TRUE(rejects(list_of({volunteer(kArea, "v-1"), posted(kOther, "n-1")})));
  EXPECT_FALSE(rejects(list));
  EXPECT_EQ(count, 2u);
}

TEST(MatchChangeBatch, SendsOneListPerAreaAtTheCommitInTheOrderTheChangesCame) {
  Captured out;
  MatchChangeBatch batch(/*pack=*/true);
  const MatchChange first = volunteer(kArea, "v-1");
  const MatchChange other = posted(kOther, "n-9");
  const MatchChange second = status(kArea, "n-1", 1);
  for (const MatchChange& change : {first, other, second}) batch.add(out, "match-changes", change);
  EXPECT_TRUE(out.records.empty());
  EXPECT_GT(batch.pending_bytes(), 0u);

  batch.emit(out, "match-changes");
  ASSERT_EQ(out.records.size(), 2u);
  EXPECT_EQ(out.records[0].first, "410402");
  EXPECT_EQ(decoded(out.records[0].second), (std::vector<MatchChange>{first, second}));
  EXPECT_EQ(out.records[1].first, "410403");
  EXPECT_EQ(decoded(out.records[1].second), std::vector<MatchChange>{other});
  EXPECT_EQ(batch.pending_bytes(), 0u);

  batch.emit(out, "match-changes");  // nothing pending: nothing sent
  EXPECT_EQ(out.records.size(), 2u);
}

TEST(MatchChangeBatch, UnpackedSendsEachChangeAtOnceInVersion1) {
  Captured out;
  MatchChangeBatch batch(/*pack=*/false);
  batch.add(out, "match-changes", volunteer(kArea, "v-1"));
  batch.add(out, "match-changes", volunteer(kArea, "v-2"));
  ASSERT_EQ(out.records.size(), 2u);
  EXPECT_EQ(out.records[1].second, encode_match_change(volunteer(kArea, "v-2")));
  batch.emit(out, "match-changes");
  EXPECT_EQ(out.records.size(), 2u);
}

// A long commit interval does not grow a message past kMaxMessageBytes (and a change more).
TEST(MatchChangeBatch, SendsAListOnceItReachesTheMessageBound) {
  Captured out;
  MatchChangeBatch batch(/*pack=*/true);
  std::vector<MatchChange> added;
  for (int i = 0; out.records.empty(); ++i) {
    added.push_back(volunteer(kArea, "v-" + std::to_string(i) + std::string(200, 'x')));
    batch.add(out, "match-changes", added.back());
  }
  const size_t entry = 2 + encode_match_change(added.front()).size() + 10;
  EXPECT_GE(out.records[0].second.size(), MatchChangeBatch::kMaxMessageBytes);
  EXPECT_LT(out.records[0].second.size(), MatchChangeBatch::kMaxMessageBytes + entry);
  batch.emit(out, "match-changes");
  std::vector<MatchChange> sent;
  for (const auto& [key, value] : out.records) {
    EXPECT_EQ(key, "410402");
    for (MatchChange& change : decoded(value)) sent.push_back(std::move(change));
  }
  EXPECT_EQ(sent, added);
}

// Many areas, each list small: everything goes once the lists hold kMaxPendingBytes together.
TEST(MatchChangeBatch, SendsEveryListOnceTheyReachThePendingBound) {
  Captured out;
  MatchChangeBatch batch(/*pack=*/true);
  size_t added = 0;
  size_t bytes = 0;  // of the entries: a length and the change's version-1 bytes
  while (out.records.empty()) {
    const uint32_t area = 410401 + static_cast<uint32_t>(added % 40);
    const MatchChange change =
        volunteer(area, "v-" + std::to_string(added) + std::string(500, 'x'));
    EXPECT_LT(bytes, MatchChangeBatch::kMaxPendingBytes);
    bytes += 2 + encode_match_change(change).size();
    batch.add(out, "match-changes", change);
    ++added;
  }
  EXPECT_EQ(out.records.size(), 40u);
  EXPECT_EQ(batch.pending_bytes(), 0u);
  size_t sent = 0;
  for (const auto& [key, value] : out.records) {
    EXPECT_LT(value.size(), MatchChangeBatch::kMaxMessageBytes);
    sent += decoded(value).size();
  }
  EXPECT_EQ(sent, added);
  EXPECT_GE(bytes, MatchChangeBatch::kMaxPendingBytes);
}

// A change too long for a list entry (over 0xFFFF bytes) goes alone in version 1, after the
// changes of its area that came before it.
TEST(MatchChangeBatch, AChangeTooLongForAListGoesAloneAfterItsAreasEarlierChanges) {
  Captured out;
  MatchChangeBatch batch(/*pack=*/true);
  const MatchChange before = volunteer(kArea, "v-1");
  const MatchChange huge = volunteer(kArea, std::string(0xFFFF, 'v'));
  batch.add(out, "match-changes", before);
  batch.add(out, "match-changes", huge);
  ASSERT_EQ(out.records.size(), 2u);
  EXPECT_EQ(decoded(out.records[0].second), std::vector<MatchChange>{before});
  EXPECT_EQ(out.records[1].second, encode_match_change(huge));
  batch.emit(out, "match-changes");
  EXPECT_EQ(out.records.size(), 2u);
}

// What matching makes of a list is what it makes of the same changes one message each.
TEST(MatchingOfAList, EqualsTheSameChangesOneMessageEach) {
  DomainConfig config;
  config.max_candidates = 2;
  MatchChange drops = volunteer(kArea, "v-2", 0);  // from three stars to none
  drops.before = volunteer(kArea, "v-2", 3).after;
  const std::vector<MatchChange> changes = {
      volunteer(kArea, "v-1", 1),
      posted(kArea, "n-1"),
      volunteer(kArea, "v-2", 3),
      volunteer(kArea, "v-3", 2),
      drops,
      status(kArea, "n-1", static_cast<uint8_t>(NeedStatus::claimed))};
  Pipeline one_each(config);
  for (const MatchChange& change : changes) {
    EXPECT_EQ(
        one_each.send(inputs::kMatchChanges, std::string("410402"), encode_match_change(change)),
        runtime::Outcome::applied);
  }
  Pipeline listed(config);
  EXPECT_EQ(listed.send(inputs::kMatchChanges, std::string("410402"), list_of(changes)),
            runtime::Outcome::applied);
  const std::vector<Emitted> expected = one_each.on(outputs::kNeedMatches);
  const std::vector<Emitted> got = listed.on(outputs::kNeedMatches);
  ASSERT_EQ(got.size(), expected.size());
  // Posted with [v-1]; v-2 enters first; v-3 takes v-1's place; v-2 drops behind v-1; claimed.
  ASSERT_EQ(got.size(), 5u);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].key, expected[i].key);
    EXPECT_EQ(got[i].value, expected[i].value);
  }
}

// A list with one change that does not decode is dead-lettered whole: nothing of it applied.
TEST(MatchingOfAList, WithABadChangeIsDeadLetteredWhole) {
  Pipeline pipeline;
  std::string list = list_of({posted(kArea, "n-1"), volunteer(kArea, "v-1")});
  list[list.size() - 5] = '\x09';  // the volunteer's profile flags: bits 0 and 1 only
  EXPECT_EQ(pipeline.send(inputs::kMatchChanges, std::string("410402"), list),
            runtime::Outcome::dead_lettered);
  const auto letter = pipeline.last_dead_letter();
  ASSERT_TRUE(letter);
  EXPECT_EQ(letter->reason, schemas::Reason::malformed);
  EXPECT_TRUE(pipeline.on(outputs::kNeedMatches).empty());
  EXPECT_EQ(pipeline.matching().find("n-1"), nullptr);
}

}  // namespace
}  // namespace leifeng::processors::testing
