// The buffered, changelog-offset-carrying task state without Kafka.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "leifeng/runtime/stored_chunks.hpp"
#include "restore_chunk.hpp"
#include "rocksdb_log.hpp"
#include "state_db.hpp"

namespace leifeng::runtime {
namespace {

// Bytes of RocksDB write-ahead log files (*.log; the info log is LOG) in `dir`.
std::uintmax_t wal_bytes(const std::filesystem::path& dir) {
  std::uintmax_t bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".log") bytes += entry.file_size();
  }
  return bytes;
}

std::string wal_files(const std::filesystem::path& dir) {
  std::string files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".log")
      files += entry.path().filename().string() + " " + std::to_string(entry.file_size()) + "\n";
  }
  return files;
}

// The files a killed process leaves behind: a copy of the directory while the database is open
// (what it wrote to the WAL and table files is in the copy; its memtables are not).
std::filesystem::path crash_copy(const std::filesystem::path& dir) {
  const std::filesystem::path copy = dir.string() + "-crash";
  std::filesystem::remove_all(copy);
  std::filesystem::copy(dir, copy, std::filesystem::copy_options::recursive);
  return copy;
}

// One commit as the runtime makes them: a record in a store and the offsets in the default
// column family.
void commit_one(TaskStateDb& state, int i) {
  state.store("a").put("key-" + std::to_string(i), std::string(4096, 'x'));
  state.apply_committed({{"a", i + 1}});
}

class StateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("leifeng-state-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(StateStoreTest, ReadsSeeBufferedWritesBeforeCommit) {
  TaskStateDb state(dir_, {"counts"});
  BufferedStore& store = state.store("counts");
  EXPECT_FALSE(store.get("a").has_value());
  store.put("a", "1");
  EXPECT_EQ(store.get("a"), "1");
  store.put("a", "2");
  EXPECT_EQ(store.get("a"), "2");
  store.remove("a");
  EXPECT_FALSE(store.get("a").has_value());
  EXPECT_EQ(store.pending().size(), 1u);
  EXPECT_TRUE(state.has_pending());
}

TEST_F(StateStoreTest, DiscardedWritesNeverReachRocksDb) {
  {
    TaskStateDb state(dir_, {"counts"});
    state.store("counts").put("kept", "1");
    state.apply_committed({{"counts", 5}});
    state.store("counts").put("dropped", "1");
    state.store("counts").put("kept", "2");
    state.discard_pending();
    EXPECT_EQ(state.store("counts").get("kept"), "1");
    EXPECT_FALSE(state.store("counts").get("dropped").has_value());
    state.store("counts").put("lost-in-crash", "1");  // never committed
  }
  TaskStateDb reopened(dir_, {"counts"});
  EXPECT_EQ(reopened.store("counts").get("kept"), "1");
  EXPECT_FALSE(reopened.store("counts").get("dropped").has_value());
  EXPECT_FALSE(reopened.store("counts").get("lost-in-crash").has_value());
  EXPECT_EQ(reopened.changelog_offset("counts"), 5);
}

TEST_F(StateStoreTest, CommitWritesDataAndOffsetsTogetherPerStore) {
  {
    TaskStateDb state(dir_, {"a", "b"});
    EXPECT_FALSE(state.changelog_offset("a").has_value());
    state.store("a").put("k", "va");
    state.store("b").put("k", "vb");
    state.apply_committed({{"a", 10}, {"b", 3}});
    EXPECT_FALSE(state.has_pending());
    state.store("a").remove("k");
    state.apply_committed({{"a", 11}});  // b wrote nothing: its offset stays
  }
  TaskStateDb reopened(dir_, {"a", "b"});
  EXPECT_FALSE(reopened.store("a").get("k").has_value());
  EXPECT_EQ(reopened.store("b").get("k"), "vb");
  EXPECT_EQ(reopened.changelog_offset("a"), 11);
  EXPECT_EQ(reopened.changelog_offset("b"), 3);
}

// Interactive queries and standby copies read committed state: a value stored in pieces is
// answered whole, and a scan answers each value once, never its pieces, while binary keys
// with NUL bytes (county cells begin with the area code's four bytes) are values like others.
TEST_F(StateStoreTest, CommittedReadsAssembleAValueStoredInPieces) {
  TaskStateDb state(dir_, {"volunteers"});
  std::string large;
  for (int i = 0; large.size() < 300'000; ++i) large += "log-" + std::to_string(i * 7919) + ";";
  std::vector<stored_chunks::Piece> pieces;
  stored_chunks::write(state.store("volunteers"), "vol-1", large, pieces);
  state.store("volunteers").put("vol-2", "small");
  const std::string binary("vol-\0\x06\x43\x20", 8);
  state.store("volunteers").put(binary, "binary key");
  ASSERT_GT(state.store("volunteers").pending().size(), 3u);
  state.apply_committed({{"volunteers", 7}});

  const CommittedRead one = state.read_committed("volunteers", "vol-1");
  ASSERT_EQ(one.entries.size(), 1u);
  EXPECT_EQ(one.entries[0].second, large);
  const CommittedRead all = state.scan_committed("volunteers", "vol-", "vol-~", 100);
  ASSERT_EQ(all.entries.size(), 3u);
  EXPECT_EQ(all.entries[0].first, binary);
  EXPECT_EQ(all.entries[0].second, "binary key");
  EXPECT_EQ(all.entries[1].first, "vol-1");
  EXPECT_EQ(all.entries[1].second, large);
  EXPECT_EQ(all.entries[2].second, "small");

  // A missing piece is a StateError naming the store, not a wrong answer.
  state.store("volunteers").remove(stored_chunks::piece_key("vol-1", pieces[0].hash));
  state.apply_committed({{"volunteers", 8}});
  EXPECT_THROW(state.read_committed("volunteers", "vol-1"), StateError);
}

TEST_F(StateStoreTest, RestoredRecordsApplyWithTheirOffset) {
  TaskStateDb state(dir_, {"counts"});
  state.apply_restored("counts", {{"x", "1"}, {"y", "2"}, {"x", std::nullopt}}, 42);
  EXPECT_FALSE(state.store("counts").get("x").has_value());
  EXPECT_EQ(state.store("counts").get("y"), "2");
  EXPECT_EQ(state.changelog_offset("counts"), 42);
  EXPECT_FALSE(state.has_pending());
}

TEST_F(StateStoreTest, UnloggedRestoreIsLostTogetherWithItsOffsetUntilFlushed) {
  TaskStateDb state(dir_, {"counts"});
  RestoreBatch batch = state.restore_batch("counts");
  batch.put("x", "1");
  batch.put("y", "2");
  batch.erase("y");
  EXPECT_EQ(batch.records(), 3u);
  state.write_restored(batch, 42);
  EXPECT_EQ(batch.records(), 0u);
  EXPECT_EQ(state.store("counts").get("x"), "1");
  EXPECT_FALSE(state.store("counts").get("y").has_value());
  EXPECT_EQ(state.changelog_offset("counts"), 42);
  EXPECT_TRUE(state.has_unflushed_writes());
  {
    TaskStateDb crashed(crash_copy(dir_), {"counts"});
    EXPECT_FALSE(crashed.store("counts").get("x").has_value());
    EXPECT_FALSE(crashed.changelog_offset("counts").has_value());
  }
  state.make_durable();
  EXPECT_FALSE(state.has_unflushed_writes());
  TaskStateDb flushed(crash_copy(dir_), {"counts"});
  EXPECT_EQ(flushed.store("counts").get("x"), "1");
  EXPECT_EQ(flushed.changelog_offset("counts"), 42);
  std::filesystem::remove_all(dir_.string() + "-crash");
}

// Commits are not logged either: a crash before the next flush loses a commit together with
// its offset, so what is left is the state at an earlier changelog offset, which the
// changelog brings up to date.
TEST_F(StateStoreTest, ACrashLosesAnUnflushedCommitTogetherWithItsOffset) {
  TaskStateDb state(dir_, {"counts"});
  RestoreBatch batch = state.restore_batch("counts");
  batch.put("restored", "1");
  state.write_restored(batch, 10);
  state.make_durable();
  state.store("counts").put("committed", "2");
  state.store("counts").put("restored", "3");
  state.apply_committed({{"counts", 11}});
  EXPECT_TRUE(state.has_unflushed_writes());
  EXPECT_EQ(wal_bytes(dir_), 0u) << wal_files(dir_);
  {
    TaskStateDb crashed(crash_copy(dir_), {"counts"});
    EXPECT_EQ(crashed.store("counts").get("restored"), "1");
    EXPECT_FALSE(crashed.store("counts").get("committed").has_value());
    EXPECT_EQ(crashed.changelog_offset("counts"), 10);
  }
  state.make_durable();
  EXPECT_FALSE(state.has_unflushed_writes());
  {
    TaskStateDb flushed(crash_copy(dir_), {"counts"});
    EXPECT_EQ(flushed.store("counts").get("restored"), "3");
    EXPECT_EQ(flushed.store("counts").get("committed"), "2");
    EXPECT_EQ(flushed.changelog_offset("counts"), 11);
  }
  std::filesystem::remove_all(dir_.string() + "-crash");
}

TEST_F(StateStoreTest, RestoreChunkKeepsTheLastRecordPerKey) {
  TaskStateDb state(dir_, {"counts"});
  RestoreChunk chunk;
  chunk.add("a", "1");
  chunk.add("b", "22");
  chunk.add("a", "333");
  chunk.add("b", std::nullopt);
  chunk.add("c", "4");
  chunk.add("d", "5");
  chunk.add("d", std::nullopt);
  chunk.add("d", "66");
  EXPECT_EQ(chunk.records(), 8u);
  EXPECT_EQ(chunk.bytes(), std::string("a333bc4d66").size());
  EXPECT_GT(chunk.write(state, "counts", 8), 0u);
  EXPECT_EQ(chunk.records(), 0u);
  EXPECT_EQ(chunk.bytes(), 0u);
  EXPECT_EQ(state.store("counts").get("a"), "333");
  EXPECT_FALSE(state.store("counts").get("b").has_value());
  EXPECT_EQ(state.store("counts").get("c"), "4");
  EXPECT_EQ(state.store("counts").get("d"), "66");
  EXPECT_EQ(state.changelog_offset("counts"), 8);
  // A deletion in a later chunk removes what an earlier one wrote.
  chunk.add("a", std::nullopt);
  chunk.write(state, "counts", 9);
  EXPECT_FALSE(state.store("counts").get("a").has_value());
  EXPECT_EQ(state.changelog_offset("counts"), 9);
}

TEST_F(StateStoreTest, WipeForgetsDataAndOffsets) {
  TaskStateDb state(dir_, {"counts"});
  state.store("counts").put("x", "1");
  state.apply_committed({{"counts", 7}});
  state.wipe();
  EXPECT_FALSE(state.store("counts").get("x").has_value());
  EXPECT_FALSE(state.changelog_offset("counts").has_value());
}

TEST_F(StateStoreTest, StoresAreIsolatedAndUndeclaredStoresAreErrors) {
  TaskStateDb state(dir_, {"a", "b"});
  state.store("a").put("k", "1");
  state.apply_committed({});
  EXPECT_FALSE(state.store("b").get("k").has_value());
  EXPECT_THROW(state.store("c"), StateError);
}

TEST_F(StateStoreTest, ReopeningWithFewerStoresKeepsTheRest) {
  {
    TaskStateDb state(dir_, {"a", "b"});
    state.store("a").put("k", "1");
    state.store("b").put("k", "2");
    state.apply_committed({});
  }
  TaskStateDb reopened(dir_, {"b"});
  EXPECT_EQ(reopened.store("b").get("k"), "2");
  EXPECT_THROW(reopened.store("a"), StateError);
}

// A task moving between two stream threads of one process: the new owner's open waits for the
// old owner to close the directory instead of failing on RocksDB's lock.
TEST_F(StateStoreTest, OpeningWaitsForAnotherThreadToCloseTheDirectory) {
  auto held = std::make_unique<TaskStateDb>(dir_, std::vector<std::string>{"a"});
  held->store("a").put("k", "1");
  held->apply_committed({});
  std::thread closer([&held] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    held.reset();
  });
  std::unique_ptr<TaskStateDb> reopened;
  EXPECT_NO_THROW(reopened = std::make_unique<TaskStateDb>(dir_, std::vector<std::string>{"a"}));
  closer.join();
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->store("a").get("k"), "1");
}

// Past flush_bytes of commits a task flushes in the background, so a crash makes it read
// back at most about that much of its changelogs: here 8 MB of commits against 1 MiB.
TEST_F(StateStoreTest, CommitsAreFlushedEveryFlushBytes) {
  constexpr int kCommits = 2000;  // 4 KiB each
  TaskStateDb state(dir_, {"a", "b"}, StateDbOptions{.flush_bytes = 1 << 20});
  for (int i = 0; i < kCommits; ++i) commit_one(state, i);
  // The flushes (and the compactions of their tables) run in the background; the last flush
  // started about 256 commits before the end.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (state.background_work_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_FALSE(state.background_work_running());
  EXPECT_EQ(wal_bytes(dir_), 0u) << wal_files(dir_);
  {
    // Closed before its directory goes: opening the copy's many L0 files starts a compaction.
    TaskStateDb crashed(crash_copy(dir_), {"a", "b"});
    const int64_t on_disk = crashed.changelog_offset("a").value_or(0);
    EXPECT_GE(on_disk, kCommits - 300);
    EXPECT_LT(on_disk, kCommits);
    // A consistent prefix: every commit up to the offset, none after it.
    EXPECT_TRUE(crashed.store("a").get("key-" + std::to_string(on_disk - 1)).has_value());
    EXPECT_FALSE(crashed.store("a").get("key-" + std::to_string(on_disk)).has_value());
  }
  std::filesystem::remove_all(dir_.string() + "-crash");
}

TEST_F(StateStoreTest, ClosingFlushesEveryCommit) {
  {
    TaskStateDb state(dir_, {"a"});
    for (int i = 0; i < 256; ++i) commit_one(state, i);  // 1 MB, far below the flush bound
    TaskStateDb crashed(crash_copy(dir_), {"a"});
    EXPECT_FALSE(crashed.changelog_offset("a").has_value());
  }
  TaskStateDb reopened(dir_, {"a"});
  EXPECT_EQ(reopened.store("a").get("key-255"), std::string(4096, 'x'));
  EXPECT_EQ(reopened.changelog_offset("a"), 256);
  std::filesystem::remove_all(dir_.string() + "-crash");
}

// RocksDB's errors reach leifeng's log naming the database, its warnings at debug; its
// information and the options dump of every open are dropped, and no LOG file is written in
// the task directory.
TEST_F(StateStoreTest, RocksDbErrorsGoToTheLogAndNoLogFileIsWritten) {
  {
    TaskStateDb state(dir_, {"a", "b"});
    commit_one(state, 0);
  }
  TaskStateDb reopened(dir_, {"a", "b"});
  for (const auto& entry : std::filesystem::directory_iterator(dir_))
    EXPECT_FALSE(entry.path().filename().string().starts_with("LOG")) << entry.path();

  std::ostringstream out;
  auto logger = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger->set_pattern("level=%l %v");
  logger->set_level(spdlog::level::info);
  const auto before = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  auto log = std::make_shared<RocksDbLog>("/state/app/hours_3");
  auto everything = [&] {
    rocksdb::Header(log, "Options.max_open_files: %d", 64);
    rocksdb::Log(rocksdb::InfoLogLevel::INFO_LEVEL, log, "flushing %d memtables", 2);
    rocksdb::Log(rocksdb::InfoLogLevel::WARN_LEVEL, log, "write stall: %d files", 20);
    rocksdb::Log(rocksdb::InfoLogLevel::ERROR_LEVEL, log, "%s", "background error");
  };
  everything();
  const std::string at_info = out.str();
  out.str("");
  logger->set_level(spdlog::level::debug);
  everything();
  const std::string at_debug = out.str();
  spdlog::set_default_logger(before);
  const std::string error =
      "level=error msg=\"background error\" source=rocksdb state=/state/app/hours_3\n";
  EXPECT_EQ(at_info, error);
  EXPECT_EQ(at_debug,
            "level=debug msg=\"write stall: 20 files\" source=rocksdb state=/state/app/hours_3\n" +
                error);
}

}  // namespace
}  // namespace leifeng::runtime
