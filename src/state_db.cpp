#include "state_db.hpp"

#include "leifeng/runtime/stored_chunks.hpp"
#include "rocksdb_log.hpp"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <functional>
#include <set>
#include <thread>
#include <utility>

namespace leifeng::runtime {
namespace {

constexpr std::string_view kOffsetPrefix = "changelog-offset/";
// How long opening waits for RocksDB's lock on the directory (see TaskStateDb's constructor).
constexpr auto kLockedWait = std::chrono::seconds(30);
// apply_committed() keeps its batch's buffer up to this size.
constexpr std::size_t kKeptCommitBatchBytes = 16 << 20;

std::string offset_key(std::string_view store) {
  return std::string(kOffsetPrefix) + std::string(store);
}

rocksdb::Options db_options(const std::filesystem::path& directory) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.info_log = std::make_shared<RocksDbLog>(directory.string());
  options.create_missing_column_families = true;
  // Many small task databases per instance: keep each one's footprint modest.
  options.max_open_files = 64;
  // An open loads its table files on this many threads. RocksDB's default, 16, started 15
  // threads per column family at every open, with or without files: about 1,700 threads in a
  // fresh run's 60 task opens. The tasks already open in parallel (on_assigned).
  options.max_file_opening_threads = 1;
  options.keep_log_file_num = 2;
  // A flush writes the data and the offsets of the same batches (see apply_committed).
  options.atomic_flush = true;
  // Flushed table files stay uncompressed (writing them was a tenth of a live run's CPU with
  // Snappy); compaction into the last level compresses with LZ4, so the state on disk stays
  // near its data size (docs/performance-history.md, "Commits without RocksDB's WAL").
  options.compression = rocksdb::kNoCompression;
  options.bottommost_compression = rocksdb::kLZ4Compression;
  // The task databases share RocksDB's flush threads, one by default: after a restore every
  // task waits for its flush, and two threads end that wait ~10 % sooner on two cores
  // (BENCHMARKS.md, "Restoring lost state").
  options.max_background_flushes =
      static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 2U, 4U));
  return options;
}

}  // namespace

RestoreBatch::RestoreBatch(rocksdb::ColumnFamilyHandle* family, std::string store)
    : family_(family), store_(std::move(store)), batch_(std::make_unique<rocksdb::WriteBatch>()) {}
RestoreBatch::RestoreBatch(RestoreBatch&&) noexcept = default;
RestoreBatch& RestoreBatch::operator=(RestoreBatch&&) noexcept = default;
RestoreBatch::~RestoreBatch() = default;

void RestoreBatch::put(std::string_view key, std::string_view value) {
  batch_->Put(family_, rocksdb::Slice(key.data(), key.size()),
              rocksdb::Slice(value.data(), value.size()));
  ++records_;
}

void RestoreBatch::erase(std::string_view key) {
  batch_->Delete(family_, rocksdb::Slice(key.data(), key.size()));
  ++records_;
}

TaskStateDb::TaskStateDb(std::filesystem::path directory, const std::vector<std::string>& stores,
                         StateDbOptions options)
    : directory_(std::move(directory)), options_(options), store_names_(stores) {
  open();
}

TaskStateDb::~TaskStateDb() {
  close(true);
}

void TaskStateDb::open() {
  std::error_code error;
  std::filesystem::create_directories(directory_, error);
  if (error)
    throw StateError("cannot create state directory " + directory_.string() + ": " +
                     error.message());
  const rocksdb::Options options = db_options(directory_);
  // RocksDB must be told about every column family that exists, including ones of stores a
  // newer topology dropped; those are opened and left alone.
  std::vector<std::string> names{rocksdb::kDefaultColumnFamilyName};
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(options, directory_.string(), &existing).ok()) {
    for (const auto& name : existing) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  std::vector<std::string> missing;
  for (const auto& store : store_names_) {
    if (std::find(names.begin(), names.end(), store) == names.end() &&
        std::find(missing.begin(), missing.end(), store) == missing.end())
      missing.push_back(store);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names)
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions(options));
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(rocksdb::DBOptions(options), directory_.string(),
                                             descriptors, &handles, &raw);
  // Another stream thread of this process may still hold the task it lost to this one (a
  // revocation it has not served yet, or a task kept open at a revocation that no thread took,
  // closing in the background; kept_tasks.hpp): RocksDB's lock says so; wait for it.
  const auto give_up = std::chrono::steady_clock::now() + kLockedWait;
  while (status.IsIOError() && status.ToString().find("lock") != std::string::npos &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    status = rocksdb::DB::Open(rocksdb::DBOptions(options), directory_.string(), descriptors,
                               &handles, &raw);
  }
  if (!status.ok())
    throw StateError("cannot open state " + directory_.string() + ": " + status.ToString());
  db_.reset(raw);
  families_ = handles;
  // The stores' families are created together, after the open: RocksDB rewrites and re-reads
  // its OPTIONS file for each family created inside DB::Open, which was most of opening a new
  // task (18.7 M instructions per open before, 11.9 M after; docs/performance-history.md).
  if (!missing.empty()) {
    std::vector<rocksdb::ColumnFamilyHandle*> created;
    status = db_->CreateColumnFamilies(rocksdb::ColumnFamilyOptions(options), missing, &created);
    families_.insert(families_.end(), created.begin(), created.end());
    names.insert(names.end(), missing.begin(), missing.end());
    if (!status.ok()) {
      close(false);
      throw StateError("cannot create the stores of " + directory_.string() + ": " +
                       status.ToString());
    }
  }
  for (const auto& store : store_names_) {
    const auto index =
        static_cast<std::size_t>(std::find(names.begin(), names.end(), store) - names.begin());
    stores_.emplace(store, std::make_unique<BufferedStore>(store, *db_, *families_[index]));
  }
}

void TaskStateDb::close(bool flush) {
  stores_.clear();
  if (!db_) return;
  // A stopped or revoked task keeps all its state in table files. Best effort: if the flush
  // fails, the next open reads the changelogs from the offsets that did reach the disk.
  if (flush) static_cast<void>(db_->Flush(rocksdb::FlushOptions(), families_));
  for (auto* handle : families_) db_->DestroyColumnFamilyHandle(handle);
  families_.clear();
  db_->Close();
  db_.reset();
}

BufferedStore& TaskStateDb::store(std::string_view name) {
  auto it = stores_.find(name);
  if (it == stores_.end())
    throw StateError("store '" + std::string(name) + "' is not declared for the task at " +
                     directory_.string());
  return *it->second;
}

std::vector<std::string> TaskStateDb::store_names() const {
  return store_names_;
}

std::optional<int64_t> TaskStateDb::changelog_offset(std::string_view store) const {
  return offset_at(store, nullptr);
}

std::optional<int64_t> TaskStateDb::offset_at(std::string_view store, const void* snapshot) const {
  rocksdb::ReadOptions read;
  read.snapshot = static_cast<const rocksdb::Snapshot*>(snapshot);
  std::string value;
  const rocksdb::Status status = db_->Get(read, families_[0], offset_key(store), &value);
  if (status.IsNotFound()) return std::nullopt;
  if (!status.ok())
    throw StateError("cannot read changelog offset in " + directory_.string() + ": " +
                     status.ToString());
  int64_t offset = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), offset);
  if (ec != std::errc() || end != value.data() + value.size())
    throw StateError("corrupt changelog offset '" + value + "' in " + directory_.string());
  return offset;
}

rocksdb::ColumnFamilyHandle* TaskStateDb::family_of(std::string_view store) const {
  for (auto* handle : families_) {
    if (handle->GetName() == store && stores_.contains(store)) return handle;
  }
  throw StateError("store '" + std::string(store) + "' is not declared for the task at " +
                   directory_.string());
}

namespace {
// A RocksDB snapshot for as long as one query reads: data and offset from the same batch.
class SnapshotRead {
 public:
  explicit SnapshotRead(rocksdb::DB& db) : db_(db), snapshot_(db.GetSnapshot()) {
    options.snapshot = snapshot_;
  }
  ~SnapshotRead() { db_.ReleaseSnapshot(snapshot_); }
  SnapshotRead(const SnapshotRead&) = delete;
  SnapshotRead& operator=(const SnapshotRead&) = delete;
  const rocksdb::Snapshot* snapshot() const { return snapshot_; }
  rocksdb::ReadOptions options;

 private:
  rocksdb::DB& db_;
  const rocksdb::Snapshot* snapshot_;
};

// The whole value of `key` from what is stored under it: itself, or the pieces its manifest
// names, read from the same snapshot. `where` names the store for errors (called only then).
std::string whole_value(rocksdb::DB& db, const SnapshotRead& read,
                        rocksdb::ColumnFamilyHandle* family,
                        const std::function<std::string()>& where, std::string_view key,
                        std::string stored) {
  if (!stored_chunks::is_manifest(stored)) return stored;
  auto get_piece = [&](std::string_view piece_key) -> std::optional<std::string> {
    std::string bytes;
    const rocksdb::Status status =
        db.Get(read.options, family, rocksdb::Slice(piece_key.data(), piece_key.size()), &bytes);
    if (status.IsNotFound()) return std::nullopt;
    if (!status.ok()) throw StateError("cannot read " + where() + ": " + status.ToString());
    return bytes;
  };
  try {
    return stored_chunks::assemble(key, stored, get_piece);
  } catch (const stored_chunks::StoredChunkError& e) {
    throw StateError("cannot read " + where() + ": " + e.what());
  }
}
}  // namespace

std::string TaskStateDb::where(std::string_view store) const {
  return "store '" + std::string(store) + "' in " + directory_.string();
}

CommittedRead TaskStateDb::read_committed(std::string_view store, std::string_view key) const {
  rocksdb::ColumnFamilyHandle* family = family_of(store);
  SnapshotRead read(*db_);
  CommittedRead result;
  std::string value;
  const rocksdb::Status status =
      db_->Get(read.options, family, rocksdb::Slice(key.data(), key.size()), &value);
  const std::function<std::string()> place = [&] { return where(store); };
  if (status.ok()) {
    result.entries.emplace_back(std::string(key),
                                whole_value(*db_, read, family, place, key, std::move(value)));
  } else if (!status.IsNotFound()) {
    throw StateError("cannot read " + place() + ": " + status.ToString());
  }
  result.changelog_offset = offset_at(store, read.snapshot());
  return result;
}

CommittedRead TaskStateDb::scan_committed(std::string_view store, std::string_view from,
                                          std::string_view to, std::size_t limit) const {
  rocksdb::ColumnFamilyHandle* family = family_of(store);
  SnapshotRead read(*db_);
  CommittedRead result;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read.options, family));
  std::set<std::string, std::less<>> pieces;  // of the manifests read so far, still to come
  const std::function<std::string()> place = [&] { return where(store); };
  for (it->Seek(rocksdb::Slice(from.data(), from.size()));
       it->Valid() && result.entries.size() < limit; it->Next()) {
    if (it->key().compare(rocksdb::Slice(to.data(), to.size())) > 0) break;
    const std::string_view key(it->key().data(), it->key().size());
    // The pieces of a value come after it (its key and a NUL): read through its manifest.
    if (const auto piece = pieces.find(key); piece != pieces.end()) {
      pieces.erase(piece);
      continue;
    }
    const std::string_view stored(it->value().data(), it->value().size());
    if (stored_chunks::is_manifest(stored)) {
      for (std::string& piece : stored_chunks::piece_keys(key, stored))
        pieces.insert(std::move(piece));
    }
    result.entries.emplace_back(
        std::string(key), whole_value(*db_, read, family, place, key, it->value().ToString()));
  }
  if (!it->status().ok())
    throw StateError("cannot scan " + place() + ": " + it->status().ToString());
  result.changelog_offset = offset_at(store, read.snapshot());
  return result;
}

void TaskStateDb::apply_committed(
    const std::map<std::string, int64_t, std::less<>>& changelog_offsets) {
  if (!commit_batch_) commit_batch_ = std::make_unique<rocksdb::WriteBatch>();
  rocksdb::WriteBatch& batch = *commit_batch_;
  batch.Clear();  // keeps its buffer
  for (const auto& [name, store] : stores_) store->stage(batch);
  for (const auto& [name, offset] : changelog_offsets) {
    batch.Put(families_[0], offset_key(name), std::to_string(offset));
  }
  if (batch.Count() == 0) return;
  write_unlogged(batch, "committed state");
  discard_pending();
  const std::size_t bytes = batch.GetDataSize();
  written(bytes);
  // The buffer of an unusually large commit is not kept.
  if (bytes > kKeptCommitBatchBytes) commit_batch_.reset();
}

void TaskStateDb::discard_pending() {
  for (auto& [name, store] : stores_) store->discard_pending();
}

bool TaskStateDb::has_pending() const {
  return std::any_of(stores_.begin(), stores_.end(),
                     [](const auto& entry) { return !entry.second->pending().empty(); });
}

void TaskStateDb::apply_restored(std::string_view store, const std::vector<RestoredRecord>& records,
                                 int64_t next_offset) {
  const BufferedStore& target = this->store(store);
  rocksdb::ColumnFamilyHandle* family = nullptr;
  for (auto* handle : families_) {
    if (handle->GetName() == target.name()) family = handle;
  }
  rocksdb::WriteBatch batch;
  for (const auto& record : records) {
    if (record.value) {
      batch.Put(family, record.key, *record.value);
    } else {
      batch.Delete(family, record.key);
    }
  }
  batch.Put(families_[0], offset_key(store), std::to_string(next_offset));
  write_unlogged(batch, "restored state");
  written(batch.GetDataSize());
}

RestoreBatch TaskStateDb::restore_batch(std::string_view store) {
  return RestoreBatch(family_of(store), std::string(store));
}

std::size_t TaskStateDb::write_restored(RestoreBatch& batch, int64_t next_offset) {
  batch.batch_->Put(families_[0], offset_key(batch.store_), std::to_string(next_offset));
  write_unlogged(*batch.batch_, "restored state");
  const std::size_t bytes = batch.batch_->GetDataSize();
  batch.batch_->Clear();
  batch.records_ = 0;
  return bytes;
}

void TaskStateDb::make_durable(bool wait) {
  if (!unflushed_writes_) return;
  rocksdb::FlushOptions flush;
  flush.wait = wait;
  flush.allow_write_stall = true;
  const rocksdb::Status status = db_->Flush(flush, families_);
  if (!status.ok())
    throw StateError("cannot flush state in " + directory_.string() + ": " + status.ToString());
  if (wait) unflushed_writes_ = false;
}

void TaskStateDb::write_unlogged(rocksdb::WriteBatch& batch, std::string_view what) {
  // Without the WAL (see the header): logging every commit cost more than reading the
  // changelog again after a crash (docs/performance-history.md, "Commits without RocksDB's
  // WAL").
  rocksdb::WriteOptions options;
  options.disableWAL = true;
  // By default RocksDB counts every key comparison in a thread-local context that nothing here
  // reads (a tenth of the memtable's insert time in the profile); this thread stops counting.
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  unflushed_writes_ = true;
  const rocksdb::Status status = db_->Write(options, &batch);
  if (!status.ok())
    throw StateError("cannot write " + std::string(what) + " to " + directory_.string() + ": " +
                     status.ToString());
}

bool TaskStateDb::background_work_running() const {
  uint64_t value = 0;
  for (const auto& property : {rocksdb::DB::Properties::kNumRunningFlushes,
                               rocksdb::DB::Properties::kNumRunningCompactions}) {
    if (db_->GetIntProperty(property, &value) && value > 0) return true;
  }
  for (auto* family : families_) {
    for (const auto& property : {rocksdb::DB::Properties::kMemTableFlushPending,
                                 rocksdb::DB::Properties::kCompactionPending}) {
      if (db_->GetIntProperty(family, property, &value) && value > 0) return true;
    }
  }
  return false;
}

void TaskStateDb::written(std::size_t bytes) {
  unflushed_bytes_ += bytes;
  if (unflushed_bytes_ < options_.flush_bytes) return;
  unflushed_bytes_ = 0;
  rocksdb::FlushOptions flush;
  flush.wait = false;
  flush.allow_write_stall = true;
  // Best effort: if the flush fails, the changelogs still hold everything.
  static_cast<void>(db_->Flush(flush, families_));
}

void TaskStateDb::wipe() {
  close(false);
  unflushed_writes_ = false;
  const rocksdb::Status status = rocksdb::DestroyDB(directory_.string(), db_options(directory_));
  if (!status.ok())
    throw StateError("cannot delete state " + directory_.string() + ": " + status.ToString());
  open();
}

}  // namespace leifeng::runtime
