// A typed view over a KeyValueStore with a write-back object cache, so that a hot key is
// decoded once per commit interval instead of once per event. Values are serialised with
// cereal's portable binary archive.
#pragma once

#include <cereal/archives/portable_binary.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "leifeng/runtime/processor.hpp"

namespace leifeng::runtime {

template <class Value>
class TypedStore {
 public:
  // `backing` may be null: a pure in-memory store (file replay).
  explicit TypedStore(KeyValueStore* backing) : backing_(backing) {}

  // The value under `key`, or null. The pointer is valid until the next flush or erase.
  Value* find(const std::string& key) {
    if (auto it = cache_.find(key); it != cache_.end()) return it->second.present ? &it->second.value : nullptr;
    if (backing_ == nullptr) return nullptr;
    auto bytes = backing_->get(key);
    Entry& entry = cache_[key];
    if (bytes) {
      entry.value = decode(*bytes);
      entry.present = true;
      return &entry.value;
    }
    return nullptr;
  }

  // The value under `key`, default-constructed if absent; marked for write-back.
  Value& upsert(const std::string& key) {
    Value* existing = find(key);
    Entry& entry = cache_[key];
    if (existing == nullptr) {
      entry.value = Value{};
      entry.present = true;
    }
    dirty_.insert(key);
    return entry.value;
  }

  // Marks a value returned by find() as changed.
  void mark_dirty(const std::string& key) { dirty_.insert(key); }

  void erase(const std::string& key) {
    Entry& entry = cache_[key];
    entry.present = false;
    entry.value = Value{};
    dirty_.insert(key);
  }

  // Writes dirty values to the backing store and empties the cache (bounded memory).
  void flush() {
    if (backing_ == nullptr) return;
    for (const auto& key : dirty_) {
      const Entry& entry = cache_.at(key);
      if (entry.present) {
        backing_->put(key, encode(entry.value));
      } else {
        backing_->remove(key);
      }
    }
    dirty_.clear();
    cache_.clear();
  }

  // Every cached value (file replay keeps everything in the cache).
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (const auto& [key, entry] : cache_) {
      if (entry.present) fn(key, entry.value);
    }
  }

  static std::string encode(const Value& value) {
    std::ostringstream os;
    {
      cereal::PortableBinaryOutputArchive ar(os);
      ar(value);
    }
    return std::move(os).str();
  }
  static Value decode(std::string_view bytes) {
    std::istringstream is{std::string(bytes)};
    cereal::PortableBinaryInputArchive ar(is);
    Value value;
    ar(value);
    return value;
  }

 private:
  struct Entry {
    Value value{};
    bool present = false;
  };
  KeyValueStore* backing_;
  std::unordered_map<std::string, Entry> cache_;
  std::unordered_set<std::string> dirty_;
};

}  // namespace leifeng::runtime
