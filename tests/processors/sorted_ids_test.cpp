// SortedIds: the packed, sorted id set behind matching's volunteer pools.
#include "leifeng/processors/internal/sorted_ids.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <stdexcept>

#include "leifeng/processors/matching.hpp"
#include "leifeng/runtime/typed_store.hpp"

namespace leifeng::processors {
namespace {

std::vector<std::string> ids_of(const SortedIds& ids) {
  std::vector<std::string> out;
  for (size_t i = 0; i < ids.size(); ++i) out.emplace_back(ids.at(i));
  return out;
}

TEST(SortedIds, KeepsIdsSortedOnceEach) {
  SortedIds ids;
  EXPECT_TRUE(ids.empty());
  EXPECT_TRUE(ids.insert("vol-000300"));
  EXPECT_TRUE(ids.insert("vol-000100"));
  EXPECT_TRUE(ids.insert("vol-000200"));
  EXPECT_FALSE(ids.insert("vol-000100"));  // there already
  EXPECT_EQ(ids_of(ids), (std::vector<std::string>{"vol-000100", "vol-000200", "vol-000300"}));
  EXPECT_TRUE(ids.contains("vol-000200"));
  EXPECT_FALSE(ids.contains("vol-000201"));
  EXPECT_TRUE(ids.erase("vol-000200"));
  EXPECT_FALSE(ids.erase("vol-000200"));  // gone
  EXPECT_EQ(ids_of(ids), (std::vector<std::string>{"vol-000100", "vol-000300"}));
  EXPECT_TRUE(ids.uniform());
  EXPECT_EQ(ids.width(), 10u);
}

TEST(SortedIds, IdsOfDifferentLengthsWidenTheRecordsAndCompareAsStrings) {
  SortedIds ids;
  ids.insert("b");
  ids.insert("a");
  EXPECT_TRUE(ids.uniform());
  ids.insert("ab");  // longer: every record widens
  EXPECT_FALSE(ids.uniform());
  ids.insert("");
  ids.insert(std::string("a\0b", 3));  // bytes after a zero still count
  EXPECT_EQ(ids_of(ids), (std::vector<std::string>{"", "a", std::string("a\0b", 3), "ab", "b"}));
  EXPECT_EQ(ids.width(), 3u);
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(SortedIds::view(ids.record(i)), ids.at(i));
    EXPECT_EQ(ids.record(i), ids.data() + i * ids.stride());
  }
  ids.erase("a");
  ids.erase("b");
  ids.erase("");
  ids.erase("ab");
  EXPECT_TRUE(ids.uniform());  // only the three-byte id is left
  EXPECT_THROW(ids.insert(std::string(SortedIds::kMaxLength + 1, 'x')), std::length_error);
}

// Against std::set under random inserts and erases of ids of mixed lengths.
TEST(SortedIds, AgreesWithAStdSetUnderRandomChanges) {
  std::mt19937 random(7);
  SortedIds ids;
  std::set<std::string> model;
  for (int step = 0; step < 5000; ++step) {
    const std::string id = "v-" + std::to_string(random() % (step < 2500 ? 300 : 3000));
    if (random() % 3 == 0) {
      EXPECT_EQ(ids.erase(id), model.erase(id) == 1);
    } else {
      EXPECT_EQ(ids.insert(id), model.insert(id).second);
    }
    ASSERT_EQ(ids.size(), model.size());
  }
  EXPECT_EQ(ids_of(ids), std::vector<std::string>(model.begin(), model.end()));
  bool all_one_length = true;
  for (const auto& id : model) all_one_length = all_one_length && id.size() == ids.width();
  EXPECT_EQ(ids.uniform(), all_one_length);
  SortedIds copy;
  copy.assign({model.rbegin(), model.rend()});
  EXPECT_EQ(copy, ids);
  EXPECT_EQ(copy.uniform(), all_one_length);
}

// A pool as stored before SortedIds.
struct OldPool {
  std::vector<std::string> ids;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(ids);
  }
};

// The pool store keeps the format of a sorted std::vector<std::string>: state written before
// the packed pools reads back unchanged.
TEST(SortedIds, APoolIsStoredAsTheListOfItsIds) {
  VolunteerPool pool;
  for (const char* id : {"vol-2", "vol-10", "vol-1"}) pool.ids.insert(id);
  const std::string bytes = runtime::TypedStore<VolunteerPool>::encode(pool);
  EXPECT_EQ(bytes, runtime::TypedStore<OldPool>::encode(OldPool{{"vol-1", "vol-10", "vol-2"}}));
  EXPECT_EQ(runtime::TypedStore<VolunteerPool>::decode(bytes).ids, pool.ids);
}

}  // namespace
}  // namespace leifeng::processors
