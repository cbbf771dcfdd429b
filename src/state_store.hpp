// A task's key-value store: a RocksDB column family plus a write buffer. Reads see buffered
// writes first (read-your-writes); nothing reaches RocksDB until the task's Kafka transaction
// has committed and TaskStateDb::apply_committed() writes the buffer together with the
// changelog offset it corresponds to. Dropping the buffer (an aborted transaction) leaves
// RocksDB exactly as it was after the last commit.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "leifeng/runtime/processor.hpp"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class WriteBatch;
}  // namespace rocksdb

namespace leifeng::runtime {

class BufferedStore final : public KeyValueStore {
 public:
  // The latest write per key since the last commit; nullopt is a deletion. Ordered so the
  // changelog of one commit is deterministic.
  using PendingWrites = std::map<std::string, std::optional<std::string>, std::less<>>;

  BufferedStore(std::string name, rocksdb::DB& db, rocksdb::ColumnFamilyHandle& family);

  std::optional<std::string> get(std::string_view key) override;
  void put(std::string_view key, std::string_view value) override;
  void remove(std::string_view key) override;

  const std::string& name() const { return name_; }
  const PendingWrites& pending() const { return pending_; }
  // Adds the pending writes to `batch` (for this store's column family).
  void stage(rocksdb::WriteBatch& batch) const;
  void discard_pending() { pending_.clear(); }

 private:
  std::string name_;
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* family_;
  PendingWrites pending_;
};

}  // namespace leifeng::runtime
