#include "state_store.hpp"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <stdexcept>
#include <utility>

namespace leifeng::runtime {

BufferedStore::BufferedStore(std::string name, rocksdb::DB& db, rocksdb::ColumnFamilyHandle& family)
    : name_(std::move(name)), db_(&db), family_(&family) {}

std::optional<std::string> BufferedStore::get(std::string_view key) {
  if (auto it = pending_.find(key); it != pending_.end()) return it->second;
  std::string value;
  const rocksdb::Status status =
      db_->Get(rocksdb::ReadOptions(), family_, rocksdb::Slice(key.data(), key.size()), &value);
  if (status.IsNotFound()) return std::nullopt;
  if (!status.ok())
    throw std::runtime_error("store '" + name_ + "': read failed: " + status.ToString());
  return value;
}

// One descent of the tree per write (lower_bound, then an insert at that place): a commit puts
// every changed key, and the second descent of find-then-emplace showed in its profile.
void BufferedStore::put(std::string_view key, std::string_view value) {
  auto it = pending_.lower_bound(key);
  if (it == pending_.end() || it->first != key) {
    pending_.emplace_hint(it, std::string(key), std::string(value));
  } else {
    it->second.emplace(value);
  }
}

void BufferedStore::remove(std::string_view key) {
  auto it = pending_.lower_bound(key);
  if (it == pending_.end() || it->first != key) {
    pending_.emplace_hint(it, std::string(key), std::nullopt);
  } else {
    it->second.reset();
  }
}

void BufferedStore::stage(rocksdb::WriteBatch& batch) const {
  for (const auto& [key, value] : pending_) {
    rocksdb::Status status = value ? batch.Put(family_, key, *value) : batch.Delete(family_, key);
    if (!status.ok())
      throw std::runtime_error("store '" + name_ + "': batch failed: " + status.ToString());
  }
}

}  // namespace leifeng::runtime
