// The local state of one task: one RocksDB instance under
// <state_dir>/<application_id>/<task>, one column family per store, and in the default column
// family the changelog offset each store's content corresponds to ("changelog-offset/<store>":
// the offset of the next changelog record not yet in the store). Data and offsets change in one
// WriteBatch, so after any crash the local state is a consistent prefix of the changelog and a
// restart replays only the tail after the recorded offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "state_store.hpp"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class WriteBatch;
}  // namespace rocksdb

namespace leifeng::runtime {

// RocksDB could not open, read or write a task's state; what() names the directory.
class StateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// How a task's RocksDB keeps its write-ahead log (WAL) small. RocksDB deletes a WAL file only
// once every column family with data in it is flushed; the offsets (default family) get a few
// bytes per commit and would never fill a memtable on their own, so without a bound every WAL
// since the start stays on disk (803 MB of .log files after 1M events).
struct StateDbOptions {
  // Past this many bytes of WAL, RocksDB flushes the families that keep the oldest WAL file
  // alive, and deletes it. Per task; flushing runs in the background, never in a commit.
  uint64_t max_wal_bytes = uint64_t{4} << 20;
};

// Changelog records to write into one store while restoring: key and value (nullopt =
// deletion).
struct RestoredRecord {
  std::string key;
  std::optional<std::string> value;
};

// Changelog records of one store staged by a full restore (TaskStateDb::restore_batch), copied
// once, straight from the fetched messages.
class RestoreBatch {
 public:
  RestoreBatch(RestoreBatch&&) noexcept;
  RestoreBatch& operator=(RestoreBatch&&) noexcept;
  ~RestoreBatch();

  void put(std::string_view key, std::string_view value);
  void erase(std::string_view key);
  std::size_t records() const { return records_; }

 private:
  friend class TaskStateDb;
  RestoreBatch(rocksdb::ColumnFamilyHandle* family, std::string store);
  rocksdb::ColumnFamilyHandle* family_;
  std::string store_;
  std::unique_ptr<rocksdb::WriteBatch> batch_;
  std::size_t records_ = 0;
};

// What a query read from the committed state of one store, with the changelog offset that
// state corresponds to, both from one RocksDB snapshot (queryable_state.hpp).
struct CommittedRead {
  std::vector<std::pair<std::string, std::string>> entries;  // key, value; in key order
  std::optional<int64_t> changelog_offset;
};

class TaskStateDb {
 public:
  // Opens (creating if needed) the state of a task with exactly these stores.
  TaskStateDb(std::filesystem::path directory, const std::vector<std::string>& stores,
              StateDbOptions options = {});
  ~TaskStateDb();
  TaskStateDb(const TaskStateDb&) = delete;
  TaskStateDb& operator=(const TaskStateDb&) = delete;

  const std::filesystem::path& directory() const { return directory_; }
  // Throws StateError for a store the task did not declare.
  BufferedStore& store(std::string_view name);
  std::vector<std::string> store_names() const;

  // The changelog offset the store's content corresponds to; nullopt = never restored here
  // (a task new to this instance), which means restore the whole changelog.
  std::optional<int64_t> changelog_offset(std::string_view store) const;

  // After the Kafka transaction committed: writes every store's pending writes and the new
  // changelog offsets (only for stores that wrote to their changelog) in one atomic batch,
  // then empties the buffers.
  void apply_committed(const std::map<std::string, int64_t, std::less<>>& changelog_offsets);
  // Committed state only (never the write buffer of an open transaction), safe to call from
  // any thread while the task's thread commits: the value of `key`, or the keys in
  // [from, to] (at most `limit`), with the changelog offset of the same snapshot.
  CommittedRead read_committed(std::string_view store, std::string_view key) const;
  CommittedRead scan_committed(std::string_view store, std::string_view from, std::string_view to,
                               std::size_t limit) const;

  // After an abort: forgets the buffers; RocksDB keeps the last committed state.
  void discard_pending();
  bool has_pending() const;

  // Restore: writes changelog records straight into the store together with the offset of
  // the next record to read, atomically.
  void apply_restored(std::string_view store, const std::vector<RestoredRecord>& records,
                      int64_t next_offset);

  // The fast path of a full restore (ChangelogRestorer). Records are staged in a RestoreBatch
  // and written with their offset by write_restored, atomically but without the write-ahead
  // log: a crash before the memtables are flushed loses the batch and its offset together, so
  // the state on disk stays a consistent prefix of the changelog and the next start replays
  // from the offset that prefix records. Flushes are atomic across all column families
  // (atomic_flush), so a flush never writes the data of a batch without its offset or the
  // other way round. A logged write must never land on top of unflushed unlogged writes (WAL
  // recovery would replay it onto a state missing what came before it), so apply_committed
  // and apply_restored first call make_restore_durable, as does closing.
  // `store` must stay valid until the batch is written; a wipe() invalidates open batches.
  RestoreBatch restore_batch(std::string_view store);
  // Writes the batch and `next_offset` (the next changelog offset to read) and empties the
  // batch. Returns the bytes written, which sit in memtables until a flush.
  std::size_t write_restored(RestoreBatch& batch, int64_t next_offset);
  // Starts (wait = false) or completes a flush of all unlogged restore writes; with wait, they
  // are in table files on return. Does nothing when there are none.
  void make_restore_durable(bool wait = true);
  bool has_unlogged_writes() const { return unlogged_; }

  // Deletes all local state (all stores and offsets), e.g. when it is ahead of its changelog
  // because the changelog topic was recreated.
  void wipe();

 private:
  void open();
  // `flush`: write the memtables to table files first, so the WAL can go (a clean close).
  void close(bool flush);
  // After a write of `bytes`: starts a flush once max_wal_bytes were written since the last.
  void written(std::size_t bytes);
  rocksdb::ColumnFamilyHandle* family_of(std::string_view store) const;
  std::optional<int64_t> offset_at(std::string_view store, const void* snapshot) const;
  // "store 'NAME' in DIRECTORY", for errors.
  std::string where(std::string_view store) const;

  std::filesystem::path directory_;
  StateDbOptions options_;
  std::vector<std::string> store_names_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> families_;  // [0] = default, then stores in order
  std::map<std::string, std::unique_ptr<BufferedStore>, std::less<>> stores_;
  std::size_t unflushed_bytes_ = 0;
  bool unlogged_ = false;  // write_restored wrote since the last completed flush
};

}  // namespace leifeng::runtime
