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

// When a task's RocksDB flushes. No write goes through RocksDB's write-ahead log: every write
// carries the changelog offset it reaches, and the changelog rebuilds whatever a crash loses
// from the memtables (see apply_committed).
struct StateDbOptions {
  // Past this many bytes written since the last flush, the task starts a flush in the
  // background (never waiting in a commit). It bounds the task's memtables and what a crash
  // makes it read again from its changelogs.
  uint64_t flush_bytes = uint64_t{16} << 20;
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
  // then empties the buffers. Like every write here, without RocksDB's write-ahead log: a
  // crash loses the writes since the last flush together with their offsets (flushes are
  // atomic across all column families, atomic_flush, so a flush never writes the data of a
  // batch without its offset or the other way round). The state on disk is then a consistent
  // prefix of the changelogs, and the next start reads them from the offsets that prefix
  // records.
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
  // and written with their offset by write_restored, atomically (and, like every write, kept
  // consistent by the changelog rather than a write-ahead log; see apply_committed).
  // `store` must stay valid until the batch is written; a wipe() invalidates open batches.
  RestoreBatch restore_batch(std::string_view store);
  // Writes the batch and `next_offset` (the next changelog offset to read) and empties the
  // batch. Returns the bytes written, which sit in memtables until a flush.
  std::size_t write_restored(RestoreBatch& batch, int64_t next_offset);
  // Starts (wait = false) or completes a flush of all writes since the last completed one;
  // with wait, they are in table files on return. Does nothing when there are none.
  void make_durable(bool wait = true);
  bool has_unflushed_writes() const { return unflushed_writes_; }
  // Whether a flush or compaction is running or waiting to run: a copy of the directory taken
  // meanwhile may hold a table file only in part, or miss one deleted during the copy.
  bool background_work_running() const;

  // Deletes all local state (all stores and offsets), e.g. when it is ahead of its changelog
  // because the changelog topic was recreated.
  void wipe();

 private:
  void open();
  // `flush`: write the memtables to table files first (a clean close keeps every write).
  void close(bool flush);
  // Writes `batch` without the WAL, as every write here; `what` names it in the error.
  void write_unlogged(rocksdb::WriteBatch& batch, std::string_view what);
  // After a write of `bytes`: starts a flush once flush_bytes were written since the last.
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
  // apply_committed()'s batch, kept from one commit to the next: a new one grew by reallocation
  // to each commit's size (megabytes), copying and faulting in fresh pages every time.
  std::unique_ptr<rocksdb::WriteBatch> commit_batch_;
  std::size_t unflushed_bytes_ = 0;
  bool unflushed_writes_ = false;  // written since the last completed flush
};

}  // namespace leifeng::runtime
