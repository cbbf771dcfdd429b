// Large stored values in pieces. Kafka refuses a record over `max.message.bytes` (1 MB by
// default), and one aggregate's state is one value: a volunteer with some 20,000 hour logs would
// make every commit of its task abort. A value over kMaxPieceBytes is therefore stored as a
// manifest under its own key and its pieces under keys of their own, each at most
// kMaxPieceBytes, in the same store (RocksDB and changelog alike).
//
// Pieces end where the content says (a rolling hash over the last 64 bytes, as in
// content-defined chunking), so a change in the middle of a value, such as one more hour log,
// changes the piece around it and leaves the others' bytes alone. A piece's key ends in the hash
// of its bytes, so unchanged pieces are not written again; pieces no longer named are removed in
// the same write.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "leifeng/runtime/processor.hpp"

namespace leifeng::runtime::stored_chunks {

class StoredChunkError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A value up to this size is stored whole, as before; a larger one in pieces of at most this
// size (the same bound as matching's pages, spec §8 "As built").
inline constexpr size_t kMaxPieceBytes = 64 * 1024;
// No piece but a value's last is shorter than this.
inline constexpr size_t kMinPieceBytes = 16 * 1024;

// The first byte of a manifest. Stored values begin with 0 or 1 (cereal's portable binary) or
// 2 (the volunteers' compact format), never with this.
inline constexpr uint8_t kManifestMarker = 0xFE;

struct Piece {
  uint64_t hash = 0;  // piece_hash of its bytes
  uint32_t size = 0;
  friend bool operator==(const Piece&, const Piece&) = default;
};

// What a manifest names: the pieces in order and the whole value's size.
struct Manifest {
  uint64_t total_bytes = 0;
  std::vector<Piece> pieces;
};

inline bool is_manifest(std::string_view stored) {
  return !stored.empty() && static_cast<uint8_t>(stored.front()) == kManifestMarker;
}
std::string encode_manifest(const Manifest& manifest);
// Throws StoredChunkError for bytes that are not a well-formed manifest.
Manifest decode_manifest(std::string_view stored);

// Where `value` is cut: the sizes of its pieces, each kMinPieceBytes..kMaxPieceBytes but the
// last, which may be shorter.
std::vector<size_t> piece_sizes(std::string_view value);
uint64_t piece_hash(std::string_view bytes);
// The key of a piece of the value under `key`: the key, a NUL and the piece's hash in hex. A
// piece is told from a value by the manifest that names it, never by its key's form: some
// stores' keys are binary and hold NUL bytes (county cells begin with the area code's bytes).
std::string piece_key(std::string_view key, uint64_t hash);
// The keys of the pieces `manifest` (stored under `key`) names.
std::vector<std::string> piece_keys(std::string_view key, std::string_view manifest);

// Writes `value` under `key`. `pieces` are the pieces last stored under the key (empty when it
// was stored whole or not at all) and become the ones now stored. A value up to kMaxPieceBytes
// is put whole.
void write(KeyValueStore& store, std::string_view key, std::string_view value,
           std::vector<Piece>& pieces);
// Removes the value under `key` and its `pieces`.
void remove(KeyValueStore& store, std::string_view key, std::vector<Piece>& pieces);

// The whole value from what is stored under its key: `stored` itself, or the pieces its
// manifest names, read with `get_piece` and checked against their hashes. The manifest's pieces
// go to `pieces` when given. Throws StoredChunkError when a piece is missing or damaged.
template <class GetPiece>
std::string assemble(std::string_view key, std::string_view stored, GetPiece&& get_piece,
                     std::vector<Piece>* pieces = nullptr) {
  if (!is_manifest(stored)) return std::string(stored);
  Manifest manifest = decode_manifest(stored);
  std::string value;
  value.reserve(manifest.total_bytes);
  for (const Piece& piece : manifest.pieces) {
    const std::optional<std::string> bytes =
        get_piece(std::string_view(piece_key(key, piece.hash)));
    if (!bytes || bytes->size() != piece.size || piece_hash(*bytes) != piece.hash)
      throw StoredChunkError("stored value '" + std::string(key) + "': a piece is " +
                             (bytes ? "damaged" : "missing"));
    value += *bytes;
  }
  if (value.size() != manifest.total_bytes)
    throw StoredChunkError("stored value '" + std::string(key) + "': pieces do not add up");
  if (pieces != nullptr) *pieces = std::move(manifest.pieces);
  return value;
}

// The same for a KeyValueStore: the value under `key`, or nullopt.
std::optional<std::string> read(KeyValueStore& store, std::string_view key,
                                std::vector<Piece>* pieces = nullptr);

}  // namespace leifeng::runtime::stored_chunks
