// TypedStore: the write-back cache in front of a KeyValueStore that every domain processor
// uses. Checks what reaches the backing store on flush, and the in-memory mode of file replay.
#include "leifeng/runtime/typed_store.hpp"

#include <gtest/gtest.h>

#include <cereal/types/string.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace leifeng::runtime {
namespace {

// A backing store that records every call, so tests see exactly what a flush wrote.
class RecordingStore : public KeyValueStore {
 public:
  std::optional<std::string> get(std::string_view key) override {
    ++gets;
    auto it = data.find(std::string(key));
    if (it == data.end()) return std::nullopt;
    return it->second;
  }
  void put(std::string_view key, std::string_view value) override {
    ++puts;
    data[std::string(key)] = std::string(value);
  }
  void remove(std::string_view key) override {
    ++removes;
    data.erase(std::string(key));
  }

  std::map<std::string, std::string> data;
  int gets = 0;
  int puts = 0;
  int removes = 0;
};

using Counts = TypedStore<int64_t>;

TEST(TypedStoreTest, UpsertIsWrittenBackOnFlushAndReadAgainAfterIt) {
  RecordingStore backing;
  Counts store(&backing);
  store.upsert("vol-1") = 5;
  EXPECT_EQ(backing.puts, 0) << "nothing is written before flush";
  store.flush();
  EXPECT_EQ(backing.puts, 1);
  ASSERT_TRUE(backing.data.contains("vol-1"));
  EXPECT_EQ(Counts::decode(backing.data["vol-1"]), 5);

  // A small cache outlives the flush: the value is still decoded, and clean.
  const int gets_before = backing.gets;
  int64_t* value = store.find("vol-1");
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(*value, 5);
  EXPECT_EQ(backing.gets, gets_before);
  store.flush();
  EXPECT_EQ(backing.puts, 1) << "a clean value is not written again";
  *store.find("vol-1") = 6;
  store.mark_dirty("vol-1");
  store.flush();
  EXPECT_EQ(backing.puts, 2);
  EXPECT_EQ(Counts::decode(backing.data["vol-1"]), 6);
}

TEST(TypedStoreTest, AFlushEmptiesACacheOfMoreThanTheRetainedKeys) {
  RecordingStore backing;
  Counts store(&backing);
  for (size_t i = 0; i <= Counts::kRetainedKeys; ++i) store.upsert("vol-" + std::to_string(i)) = 1;
  store.flush();
  EXPECT_EQ(backing.puts, static_cast<int>(Counts::kRetainedKeys) + 1);
  // Emptied: the value comes back from the backing store.
  const int gets_before = backing.gets;
  int64_t* value = store.find("vol-0");
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(*value, 1);
  EXPECT_EQ(backing.gets, gets_before + 1);
}

TEST(TypedStoreTest, FindDoesNotWriteUnlessMarkedDirty) {
  RecordingStore backing;
  backing.data["a"] = Counts::encode(1);
  backing.data["b"] = Counts::encode(2);
  Counts store(&backing);
  ASSERT_NE(store.find("a"), nullptr);
  int64_t* b = store.find("b");
  ASSERT_NE(b, nullptr);
  *b = 20;
  store.mark_dirty("b");
  store.mark_dirty("b");  // twice: still one write
  store.flush();
  EXPECT_EQ(backing.puts, 1);
  EXPECT_EQ(Counts::decode(backing.data["a"]), 1);
  EXPECT_EQ(Counts::decode(backing.data["b"]), 20);
}

TEST(TypedStoreTest, AHitCostsNoSecondStoreRead) {
  RecordingStore backing;
  backing.data["a"] = Counts::encode(1);
  Counts store(&backing);
  store.find("a");
  store.find("a");
  store.upsert("a") += 1;
  EXPECT_EQ(backing.gets, 1);
  // A miss is cached too.
  EXPECT_EQ(store.find("missing"), nullptr);
  EXPECT_EQ(store.find("missing"), nullptr);
  EXPECT_EQ(backing.gets, 2);
  store.flush();
  EXPECT_EQ(Counts::decode(backing.data["a"]), 2);
  EXPECT_FALSE(backing.data.contains("missing"));
}

TEST(TypedStoreTest, UpsertOfAKeyOnlyInTheBackingStoreKeepsItsValue) {
  RecordingStore backing;
  backing.data["a"] = Counts::encode(41);
  Counts store(&backing);
  store.upsert("a") += 1;
  store.flush();
  EXPECT_EQ(Counts::decode(backing.data["a"]), 42);
}

TEST(TypedStoreTest, EraseRemovesFromTheBackingStore) {
  RecordingStore backing;
  backing.data["a"] = Counts::encode(1);
  Counts store(&backing);
  store.erase("a");
  EXPECT_EQ(store.find("a"), nullptr);
  store.flush();
  EXPECT_EQ(backing.removes, 1);
  EXPECT_FALSE(backing.data.contains("a"));
  // Upsert after erase starts from a default value.
  store.upsert("a") += 3;
  store.erase("a");
  EXPECT_EQ(store.upsert("a"), 0);
}

TEST(TypedStoreTest, EveryDirtyKeyIsWrittenAcrossRehashes) {
  RecordingStore backing;
  Counts store(&backing);
  // Enough keys to rehash the cache several times while dirty entries are tracked.
  constexpr int kKeys = 5000;
  for (int i = 0; i < kKeys; ++i) store.upsert("key-" + std::to_string(i)) = i;
  store.flush();
  ASSERT_EQ(backing.data.size(), static_cast<size_t>(kKeys));
  EXPECT_EQ(backing.puts, kKeys);
  for (int i = 0; i < kKeys; i += 997) {
    EXPECT_EQ(Counts::decode(backing.data["key-" + std::to_string(i)]), i);
  }
}

TEST(TypedStoreTest, MarkDirtyOfAKeyNeverReadIsAnError) {
  RecordingStore backing;
  Counts store(&backing);
  EXPECT_THROW(store.mark_dirty("never-read"), std::logic_error);
}

// A value larger than a Kafka record may be (a volunteer with tens of thousands of hour logs)
// is written in pieces of at most stored_chunks::kMaxPieceBytes, read back whole by a store
// with an empty cache, and removed with all its pieces.
TEST(TypedStoreTest, AValueOverAMegabyteIsStoredInBoundedPiecesAndReadBackWhole) {
  using Texts = TypedStore<std::string>;
  RecordingStore backing;
  std::string large;
  for (int i = 0; large.size() < 1'500'000; ++i) large += "log-" + std::to_string(i * 7919) + ";";
  {
    Texts store(&backing);
    store.upsert("vol-1") = large;
    store.flush();
  }
  ASSERT_GT(backing.data.size(), 20u);
  for (const auto& [key, value] : backing.data)
    EXPECT_LE(value.size(), stored_chunks::kMaxPieceBytes) << "record " << key.size();

  // A fresh cache: the value is assembled from its pieces, and one more log at its end
  // rewrites the last pieces and the manifest only.
  {
    Texts store(&backing);
    std::string* value = store.find("vol-1");
    ASSERT_NE(value, nullptr);
    EXPECT_EQ(*value, large);
    *value += "log-one-more;";
    store.mark_dirty("vol-1");
    backing.puts = 0;
    store.flush();
    EXPECT_LE(backing.puts, 4);
    EXPECT_GE(backing.puts, 2);
  }
  {
    Texts store(&backing);
    ASSERT_NE(store.find("vol-1"), nullptr);
    EXPECT_EQ(*store.find("vol-1"), large + "log-one-more;");
  }
  // Erased without being read first: its pieces go too.
  {
    Texts store(&backing);
    store.erase("vol-1");
    store.flush();
  }
  EXPECT_TRUE(backing.data.empty());
}

TEST(TypedStoreTest, InMemoryStoreKeepsEverythingAndFlushIsANoOp) {
  Counts store(nullptr);
  EXPECT_EQ(store.find("a"), nullptr);
  store.upsert("a") = 1;
  store.upsert("b") = 2;
  int64_t* a = store.find("a");
  ASSERT_NE(a, nullptr);
  *a += 10;
  store.mark_dirty("a");
  store.mark_dirty("not-there");  // nothing to write back in memory: no error
  store.erase("b");
  store.flush();
  std::map<std::string, int64_t> seen;
  store.for_each([&](const std::string& key, const int64_t& value) { seen[key] = value; });
  EXPECT_EQ(seen, (std::map<std::string, int64_t>{{"a", 11}}));
}

}  // namespace
}  // namespace leifeng::runtime
