// Large stored values in pieces (stored_chunks.hpp): no record over kMaxPieceBytes, the value
// read back whole, and a change in the middle of a large value rewriting only the pieces
// around it.
#include "leifeng/runtime/stored_chunks.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace leifeng::runtime::stored_chunks {
namespace {

// A backing store that keeps every record and counts the bytes put.
class RecordingStore : public KeyValueStore {
 public:
  std::optional<std::string> get(std::string_view key) override {
    auto it = data.find(std::string(key));
    if (it == data.end()) return std::nullopt;
    return it->second;
  }
  void put(std::string_view key, std::string_view value) override {
    ++puts;
    bytes_put += value.size();
    data[std::string(key)] = std::string(value);
  }
  void remove(std::string_view key) override {
    ++removes;
    data.erase(std::string(key));
  }
  size_t largest() const {
    size_t largest = 0;
    for (const auto& [key, value] : data) largest = std::max(largest, value.size());
    return largest;
  }

  std::map<std::string, std::string> data;
  int puts = 0;
  int removes = 0;
  size_t bytes_put = 0;
};

// Text like a volunteer's stored logs: ids with counters and a few varied bytes.
std::string log_like(size_t entries, uint32_t seed = 1) {
  std::mt19937 random(seed);
  std::string text;
  for (size_t i = 0; i < entries; ++i) {
    text += "log-" + std::to_string(1000000 + i);
    text.push_back(static_cast<char>(random() % 256));
    text.push_back(static_cast<char>(random() % 256));
  }
  return text;
}

TEST(StoredChunks, ASmallValueIsStoredWholeUnderItsKey) {
  RecordingStore store;
  std::vector<Piece> pieces;
  write(store, "vol-1", "small", pieces);
  EXPECT_TRUE(pieces.empty());
  ASSERT_EQ(store.data.size(), 1u);
  EXPECT_EQ(store.data["vol-1"], "small");
  EXPECT_EQ(read(store, "vol-1"), "small");
  EXPECT_FALSE(read(store, "vol-2").has_value());
}

TEST(StoredChunks, ALargeValueIsStoredInPiecesNoneOverTheBoundAndReadBackWhole) {
  RecordingStore store;
  const std::string value = log_like(100'000);  // about 1.2 MB
  ASSERT_GT(value.size(), 1'000'000u);
  std::vector<Piece> pieces;
  write(store, "vol-1", value, pieces);
  EXPECT_GT(pieces.size(), value.size() / kMaxPieceBytes);
  EXPECT_EQ(store.data.size(), pieces.size() + 1) << "a manifest and its pieces";
  EXPECT_LE(store.largest(), kMaxPieceBytes);
  EXPECT_TRUE(is_manifest(store.data["vol-1"]));
  for (const auto& [key, bytes] : store.data) {
    if (key == "vol-1") continue;
    EXPECT_EQ(key.substr(0, 6), std::string_view("vol-1\0", 6));
  }
  std::vector<Piece> read_pieces;
  EXPECT_EQ(read(store, "vol-1", &read_pieces), value);
  EXPECT_EQ(read_pieces, pieces);
  // Pieces end where the content says, mostly well before the bound.
  size_t full = 0;
  for (const Piece& piece : pieces) full += piece.size == kMaxPieceBytes ? 1 : 0;
  EXPECT_LT(full, pieces.size() / 4);
}

TEST(StoredChunks, OneChangeInTheMiddleRewritesOnlyThePiecesAroundIt) {
  RecordingStore store;
  std::string value = log_like(100'000);
  std::vector<Piece> pieces;
  write(store, "vol-1", value, pieces);
  const size_t count = pieces.size();

  // One more "log" in the middle, one at the end: as a volunteer's logs and applied ids grow.
  value.insert(value.size() / 2, "log-inserted-in-the-middle");
  value += "log-appended";
  store.puts = 0;
  store.bytes_put = 0;
  store.removes = 0;
  write(store, "vol-1", value, pieces);
  EXPECT_EQ(read(store, "vol-1"), value);
  EXPECT_LE(store.puts, 5) << "at most two pieces per change, and the manifest";
  EXPECT_LE(store.bytes_put, 4 * kMaxPieceBytes + 16 * (count + 2));
  EXPECT_GE(store.removes, 2) << "the replaced pieces are removed";
  EXPECT_LE(store.removes, store.puts - 1);
  EXPECT_EQ(store.data.size(), pieces.size() + 1) << "no piece left behind";
}

TEST(StoredChunks, ShrinkingBelowTheBoundAndRemovingLeaveNoPieceBehind) {
  RecordingStore store;
  std::vector<Piece> pieces;
  write(store, "vol-1", log_like(50'000), pieces);
  ASSERT_FALSE(pieces.empty());
  write(store, "vol-1", "small again", pieces);
  EXPECT_TRUE(pieces.empty());
  ASSERT_EQ(store.data.size(), 1u);
  EXPECT_EQ(read(store, "vol-1"), "small again");

  write(store, "vol-1", log_like(50'000), pieces);
  remove(store, "vol-1", pieces);
  EXPECT_TRUE(store.data.empty());
  EXPECT_TRUE(pieces.empty());
}

TEST(StoredChunks, AMissingOrDamagedPieceIsAnErrorNotAWrongValue) {
  RecordingStore store;
  std::vector<Piece> pieces;
  write(store, "vol-1", log_like(50'000), pieces);
  RecordingStore damaged = store;
  damaged.data[piece_key("vol-1", pieces[1].hash)][10] ^= 1;
  EXPECT_THROW(read(damaged, "vol-1"), StoredChunkError);
  RecordingStore missing = store;
  missing.data.erase(piece_key("vol-1", pieces.back().hash));
  EXPECT_THROW(read(missing, "vol-1"), StoredChunkError);
  std::string manifest = store.data["vol-1"];
  EXPECT_THROW(decode_manifest(manifest.substr(0, manifest.size() - 1)), StoredChunkError);
  manifest[1] = 9;  // an unknown version
  EXPECT_THROW(decode_manifest(manifest), StoredChunkError);
}

TEST(StoredChunks, WhereAValueIsCutDependsOnItsContentOnly) {
  const std::string value = log_like(60'000, 7);
  const std::vector<size_t> sizes = piece_sizes(value);
  size_t sum = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    sum += sizes[i];
    EXPECT_LE(sizes[i], kMaxPieceBytes);
    if (i + 1 < sizes.size()) {
      EXPECT_GE(sizes[i], kMinPieceBytes);
    }
  }
  EXPECT_EQ(sum, value.size());
  // The same bytes after a different prefix are cut at the same places once the cuts meet.
  const std::vector<size_t> shifted = piece_sizes("a different beginning" + value);
  EXPECT_EQ(std::vector<size_t>(shifted.end() - 5, shifted.end()),
            std::vector<size_t>(sizes.end() - 5, sizes.end()));
  EXPECT_EQ(piece_sizes(std::string(kMaxPieceBytes, 'x')), std::vector<size_t>{kMaxPieceBytes});
}

}  // namespace
}  // namespace leifeng::runtime::stored_chunks
