// A typed view over a KeyValueStore with a write-back object cache, so that a hot key is
// decoded once while it stays cached (across commits, up to kRetainedKeys keys) instead of
// once per event. Values are serialised with cereal's portable binary archive, unless their
// type brings its own stored format (OwnStoredFormat: the ledger's volunteers).
//
// Every access is one hash lookup: the cache entry carries its own dirty flag, keys are looked
// up as string_views (no std::string built per access), and a store without backing (file
// replay) keeps no dirty list at all since there is nothing to write back. The index is a
// flat open-addressing table (see Slot): the store lookup was the largest item of the replay
// profile with std::unordered_map. A value whose stored bytes exceed a Kafka record's reach is
// written in pieces (stored_chunks.hpp).
#pragma once

#include <cereal/archives/portable_binary.hpp>
#include <concepts>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "leifeng/runtime/key_hash.hpp"
#include "leifeng/runtime/prefetch.hpp"
#include "leifeng/runtime/processor.hpp"
#include "leifeng/runtime/stored_chunks.hpp"

namespace leifeng::runtime {

// cereal's portable binary archive of `value`: the stored format of every value type without
// its own, and the first release's format of those with one.
template <class Value>
std::string portable_binary_encode(const Value& value) {
  std::ostringstream os;
  {
    cereal::PortableBinaryOutputArchive ar(os);
    ar(value);
  }
  return std::move(os).str();
}
template <class Value>
Value portable_binary_decode(std::string_view bytes) {
  std::istringstream is{std::string(bytes)};
  cereal::PortableBinaryInputArchive ar(is);
  Value value;
  ar(value);
  return value;
}

// A value type with its own stored format: static encode_stored(value) -> bytes and
// decode_stored(bytes) -> value.
template <class Value>
concept OwnStoredFormat = requires(const Value& value, std::string_view bytes) {
  { Value::encode_stored(value) } -> std::same_as<std::string>;
  { Value::decode_stored(bytes) } -> std::same_as<Value>;
};

// A value type that can ask for the cache lines its encoding reads.
template <class Value>
concept PrefetchedForStoring = requires(const Value& value) {
  value.prefetch_stored();
};

template <class Value>
class TypedStore {
 public:
  // `backing` may be null: a pure in-memory store (file replay).
  explicit TypedStore(KeyValueStore* backing) : backing_(backing) {}

  // The value under `key`, or null. The pointer is valid until the next flush.
  Value* find(std::string_view key) {
    const size_t hash = hash_of(key);
    if (Node* node = lookup(key, hash)) return node->present ? &node->value : nullptr;
    if (backing_ == nullptr) return nullptr;
    // Absent keys are cached too, so that a miss costs one store read per flush interval.
    Node& node = insert(key, hash);
    if (!load(node)) return nullptr;
    return &node.value;
  }

  // The value under `key`, default-constructed if absent; marked for write-back.
  Value& upsert(std::string_view key) {
    const size_t hash = hash_of(key);
    Node* node = lookup(key, hash);
    if (node == nullptr) {
      node = &insert(key, hash);
      if (backing_ != nullptr) load(*node);
    }
    if (!node->present) {
      node->value = Value{};
      node->present = true;
    }
    mark_dirty(*node);
    return node->value;
  }

  // Marks a value returned by find() as changed. Throws std::logic_error when `key` was never
  // looked up (a processor bug: there is nothing to write back).
  void mark_dirty(std::string_view key) {
    if (backing_ == nullptr) return;
    Node* node = lookup(key, hash_of(key));
    if (node == nullptr) {
      throw std::logic_error("TypedStore::mark_dirty: key was not read before: " +
                             std::string(key));
    }
    mark_dirty(*node);
  }

  void erase(std::string_view key) {
    const size_t hash = hash_of(key);
    Node* node = lookup(key, hash);
    if (node == nullptr) {
      node = &insert(key, hash);
      // The pieces of a large value go with it: they are named by its manifest.
      if (backing_ != nullptr) {
        const auto stored = backing_->get(key);
        if (stored && stored_chunks::is_manifest(*stored))
          node->pieces = stored_chunks::decode_manifest(*stored).pieces;
      }
    }
    node->present = false;
    node->value = Value{};
    mark_dirty(*node);
  }

  // At most this many decoded values stay cached from one commit interval to the next.
  static constexpr size_t kRetainedKeys = 16384;

  // Writes dirty values to the backing store. The cache is kept while it holds at most
  // kRetainedKeys keys, so that a key changed in every commit interval (an active volunteer)
  // is not read and decoded again each time; beyond that it is emptied (bounded memory).
  void flush() {
    if (backing_ == nullptr) return;
    for (size_t i = 0; i < dirty_.size(); ++i) {
      if constexpr (PrefetchedForStoring<Value>) prefetch_dirty(i);
      Node* node = dirty_[i];
      if (node->present) {
        stored_chunks::write(*backing_, node->key, encode(node->value), node->pieces);
      } else {
        stored_chunks::remove(*backing_, node->key, node->pieces);
      }
      node->dirty = false;
    }
    dirty_.clear();
    if (nodes_.size() > kRetainedKeys) {
      slots_.clear();
      nodes_.clear();
    }
  }

  // Every cached value (file replay keeps everything in the cache), in first-access order.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (const auto& node : nodes_) {
      if (node->present) fn(node->key, node->value);
    }
  }

  // Lookahead (file replay): a caller that knows which keys come next prefetches their slot,
  // then their node, then (through likely_value) what the value points to, a few events
  // ahead, so that the cache misses overlap. Hints only: nothing is inserted or changed.
  static size_t hash_key(std::string_view key) { return hash_of(key); }
  void prefetch_slot(size_t hash) const {
    if (!slots_.empty()) prefetch_bytes(&slots_[hash & (slots_.size() - 1)], sizeof(Slot));
  }
  // The slot should be cached by now; prefetches the lines of the node it points to.
  void prefetch_node(size_t hash) const {
    if (const Node* node = node_by_hash(hash)) prefetch_bytes(node, sizeof(Node));
  }
  // The cached value of the first key with `hash`: on a hash collision another key's value,
  // so only for prefetching.
  const Value* likely_value(size_t hash) const {
    const Node* node = node_by_hash(hash);
    return node != nullptr && node->present ? &node->value : nullptr;
  }

  static std::string encode(const Value& value) {
    if constexpr (OwnStoredFormat<Value>) {
      return Value::encode_stored(value);
    } else {
      return portable_binary_encode(value);
    }
  }
  static Value decode(std::string_view bytes) {
    if constexpr (OwnStoredFormat<Value>) {
      return Value::decode_stored(bytes);
    } else {
      return portable_binary_decode<Value>(bytes);
    }
  }

 private:
  // A cached key: its value (or that it is absent) and whether it awaits write-back. Heap
  // nodes keep value pointers stable while the index grows.
  struct Node {
    std::string key;
    bool present = false;  // next to the key: a lookup reads both from one cache line
    bool dirty = false;
    Value value{};
    std::vector<stored_chunks::Piece> pieces;  // of the stored value; empty when stored whole
  };
  // Open addressing with linear probing, at most half full. A probe reads one 16-byte slot and
  // compares the full hash before touching a node: about one cache miss per lookup, where
  // std::unordered_map took three (bucket, the node before the bucket's first, the node).
  struct Slot {
    size_t hash = 0;
    Node* node = nullptr;  // null = empty
  };

  static size_t hash_of(std::string_view key) { return key_hash(key); }

  Node* lookup(std::string_view key, size_t hash) const {
    if (slots_.empty()) return nullptr;
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& slot = slots_[i];
      if (slot.node == nullptr) return nullptr;
      if (slot.hash == hash && slot.node->key == key) return slot.node;
    }
  }

  const Node* node_by_hash(size_t hash) const {
    if (slots_.empty()) return nullptr;
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      if (slots_[i].node == nullptr || slots_[i].hash == hash) return slots_[i].node;
    }
  }

  // Adds `key`, known to be absent, as an absent value.
  Node& insert(std::string_view key, size_t hash) {
    if (2 * (nodes_.size() + 1) > slots_.size()) grow();
    auto& node = nodes_.emplace_back(std::make_unique<Node>());
    node->key.assign(key);
    place(Slot{hash, node.get()});
    return *node;
  }

  void place(Slot slot) {
    const size_t mask = slots_.size() - 1;
    size_t i = slot.hash & mask;
    while (slots_[i].node != nullptr) i = (i + 1) & mask;
    slots_[i] = slot;
  }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : 2 * old.size(), Slot{});
    for (const Slot& slot : old) {
      if (slot.node != nullptr) place(slot);
    }
  }

  // Reads the node's value from the backing store; false when there is none.
  bool load(Node& node) {
    auto bytes = stored_chunks::read(*backing_, node.key, &node.pieces);
    if (!bytes) return false;
    node.value = decode(*bytes);
    node.present = true;
    return true;
  }

  // A commit encodes every changed value, most of them last touched long before and out of
  // the cache: the flush asks for the node kFlushLookahead places ahead, then for the value
  // of the one half as far, whose node has arrived by then, so that the misses overlap.
  static constexpr size_t kFlushLookahead = 8;
  void prefetch_dirty(size_t i) const {
    if (i + kFlushLookahead < dirty_.size())
      prefetch_bytes(dirty_[i + kFlushLookahead], sizeof(Node));
    if (i + kFlushLookahead / 2 < dirty_.size()) {
      const Node* ahead = dirty_[i + kFlushLookahead / 2];
      if (ahead->present) ahead->value.prefetch_stored();
    }
  }

  void mark_dirty(Node& node) {
    if (backing_ == nullptr || node.dirty) return;
    node.dirty = true;
    dirty_.push_back(&node);
  }

  KeyValueStore* backing_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<Slot> slots_;  // size a power of two
  std::vector<Node*> dirty_;
};

}  // namespace leifeng::runtime
