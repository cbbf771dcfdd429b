#include "leifeng/runtime/stored_chunks.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace leifeng::runtime::stored_chunks {
namespace {

constexpr uint8_t kManifestVersion = 1;
constexpr size_t kManifestHeadBytes = 1 + 1 + 8 + 4;  // marker, version, total, count
constexpr size_t kPieceEntryBytes = 8 + 4;            // hash, size
// A cut where the rolling hash's top kCutBits bits are zero: about one cut per 16 KiB after
// kMinPieceBytes, so pieces average some 32 KiB and few reach kMaxPieceBytes.
constexpr int kCutBits = 14;
// The rolling hash forgets a byte after 64 more: it is started this far before the first place
// a cut may fall, so that where cuts fall depends on the content only.
constexpr size_t kWindowBytes = 64;

// Random 64-bit values per byte (splitmix64), the "gear" of the rolling hash. Fixed here:
// a different table would cut differently, which is harmless (more pieces rewritten once).
constexpr std::array<uint64_t, 256> make_gear() {
  std::array<uint64_t, 256> gear{};
  uint64_t state = 0x6c656966656e67ull;  // "leifeng"
  for (uint64_t& value : gear) {
    state += 0x9e3779b97f4a7c15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    value = z ^ (z >> 31);
  }
  return gear;
}
constexpr std::array<uint64_t, 256> kGear = make_gear();

void put_le(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}
uint64_t get_le(std::string_view in, size_t at, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i)
    value |= static_cast<uint64_t>(static_cast<uint8_t>(in[at + static_cast<size_t>(i)]))
             << (8 * i);
  return value;
}

bool names(const std::vector<uint64_t>& sorted_hashes, uint64_t hash) {
  return std::binary_search(sorted_hashes.begin(), sorted_hashes.end(), hash);
}
std::vector<uint64_t> sorted_hashes(const std::vector<Piece>& pieces) {
  std::vector<uint64_t> hashes;
  hashes.reserve(pieces.size());
  for (const Piece& piece : pieces) hashes.push_back(piece.hash);
  std::sort(hashes.begin(), hashes.end());
  return hashes;
}

}  // namespace

std::string encode_manifest(const Manifest& manifest) {
  std::string out;
  out.reserve(kManifestHeadBytes + kPieceEntryBytes * manifest.pieces.size());
  out.push_back(static_cast<char>(kManifestMarker));
  out.push_back(static_cast<char>(kManifestVersion));
  put_le(out, manifest.total_bytes, 8);
  put_le(out, manifest.pieces.size(), 4);
  for (const Piece& piece : manifest.pieces) {
    put_le(out, piece.hash, 8);
    put_le(out, piece.size, 4);
  }
  return out;
}

Manifest decode_manifest(std::string_view stored) {
  if (stored.size() < kManifestHeadBytes || !is_manifest(stored))
    throw StoredChunkError("stored value: not a manifest of pieces");
  if (static_cast<uint8_t>(stored[1]) != kManifestVersion)
    throw StoredChunkError("stored value: unknown manifest version " +
                           std::to_string(static_cast<uint8_t>(stored[1])));
  Manifest manifest;
  manifest.total_bytes = get_le(stored, 2, 8);
  const uint64_t count = get_le(stored, 10, 4);
  if (stored.size() != kManifestHeadBytes + kPieceEntryBytes * count)
    throw StoredChunkError("stored value: a manifest of the wrong length");
  manifest.pieces.reserve(count);
  uint64_t sum = 0;
  for (size_t at = kManifestHeadBytes; at < stored.size(); at += kPieceEntryBytes) {
    const Piece piece{get_le(stored, at, 8), static_cast<uint32_t>(get_le(stored, at + 8, 4))};
    if (piece.size == 0 || piece.size > kMaxPieceBytes)
      throw StoredChunkError("stored value: a piece of " + std::to_string(piece.size) + " bytes");
    sum += piece.size;
    manifest.pieces.push_back(piece);
  }
  if (sum != manifest.total_bytes)
    throw StoredChunkError("stored value: the manifest's pieces do not add up");
  return manifest;
}

std::vector<size_t> piece_sizes(std::string_view value) {
  std::vector<size_t> sizes;
  size_t start = 0;
  while (value.size() - start > kMaxPieceBytes) {
    size_t cut = start + kMaxPieceBytes;  // no content cut in reach: a full piece
    uint64_t hash = 0;
    for (size_t i = start + kMinPieceBytes - kWindowBytes; i < start + kMaxPieceBytes; ++i) {
      hash = (hash << 1) + kGear[static_cast<uint8_t>(value[i])];
      if (i + 1 >= start + kMinPieceBytes && (hash >> (64 - kCutBits)) == 0) {
        cut = i + 1;
        break;
      }
    }
    sizes.push_back(cut - start);
    start = cut;
  }
  if (start < value.size()) sizes.push_back(value.size() - start);
  return sizes;
}

uint64_t piece_hash(std::string_view bytes) {
  // FNV-1a over 8-byte words (then the tail): only ever compared with itself, within one value.
  uint64_t hash = 14695981039346656037ull;
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, bytes.data() + i, sizeof word);
    hash = (hash ^ word) * 1099511628211ull;
    hash ^= hash >> 29;
  }
  for (; i < bytes.size(); ++i) hash = (hash ^ static_cast<uint8_t>(bytes[i])) * 1099511628211ull;
  return hash;
}

std::string piece_key(std::string_view key, uint64_t hash) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(key.size() + 17);
  out.append(key);
  out.push_back('\0');
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kHex[(hash >> shift) & 0xF]);
  return out;
}

std::vector<std::string> piece_keys(std::string_view key, std::string_view manifest) {
  std::vector<std::string> keys;
  for (const Piece& piece : decode_manifest(manifest).pieces)
    keys.push_back(piece_key(key, piece.hash));
  return keys;
}

void write(KeyValueStore& store, std::string_view key, std::string_view value,
           std::vector<Piece>& pieces) {
  if (value.size() <= kMaxPieceBytes) {
    store.put(key, value);
    for (const Piece& piece : pieces) store.remove(piece_key(key, piece.hash));
    pieces.clear();
    return;
  }
  const std::vector<uint64_t> before = sorted_hashes(pieces);
  Manifest manifest;
  manifest.total_bytes = value.size();
  size_t at = 0;
  for (const size_t size : piece_sizes(value)) {
    const std::string_view bytes = value.substr(at, size);
    at += size;
    const Piece piece{piece_hash(bytes), static_cast<uint32_t>(size)};
    const bool written =
        std::find(manifest.pieces.begin(), manifest.pieces.end(), piece) != manifest.pieces.end();
    if (!written && !names(before, piece.hash)) store.put(piece_key(key, piece.hash), bytes);
    manifest.pieces.push_back(piece);
  }
  const std::vector<uint64_t> now = sorted_hashes(manifest.pieces);
  for (const uint64_t hash : before) {
    if (!names(now, hash)) store.remove(piece_key(key, hash));
  }
  store.put(key, encode_manifest(manifest));
  pieces = std::move(manifest.pieces);
}

void remove(KeyValueStore& store, std::string_view key, std::vector<Piece>& pieces) {
  store.remove(key);
  for (const Piece& piece : pieces) store.remove(piece_key(key, piece.hash));
  pieces.clear();
}

std::optional<std::string> read(KeyValueStore& store, std::string_view key,
                                std::vector<Piece>* pieces) {
  std::optional<std::string> stored = store.get(key);
  if (!stored || !is_manifest(*stored)) {
    if (pieces != nullptr) pieces->clear();
    return stored;
  }
  return assemble(
      key, *stored, [&](std::string_view piece) { return store.get(piece); }, pieces);
}

}  // namespace leifeng::runtime::stored_chunks
