// The changelog restore on the real broker when the changelogs' end offsets cannot be read:
// each attempt of kEndOffsetsAttempt is followed by one through a new consumer, a stop ends the
// wait, and the restore's timeout still bounds it. And when the end is before the local state
// (the markers of a committed transaction not written yet): the restore waits for them. And a
// changelog whose first records were deleted is read from its first offset. And only the
// tasks that took records are flushed before they start.
#include "changelog_restorer.hpp"

#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "kafka_test_support.hpp"

namespace leifeng::runtime::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class ChangelogRestoreWaits : public ::testing::Test {
 protected:
  void SetUp() override {
    bootstrap_ = test_bootstrap_servers();
    app_ = unique_name("restore-wait");
    root_ = std::filesystem::temp_directory_path() / app_;
    std::filesystem::remove_all(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::string bootstrap_;
  std::string app_;
  std::filesystem::path root_;
};

// A changelog that does not exist yet answers "unknown topic or partition", which librdkafka
// retries until the attempt times out; so does a former leader's "not leader for partition".
TEST_F(ChangelogRestoreWaits, AStopEndsTheWaitForTheEndOffsets) {
  TaskStateDb state(root_ / "counter_0", {"counts"});
  ChangelogRestorer restorer({{"bootstrap.servers", bootstrap_}}, app_ + "-restore",
                             milliseconds(300));
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(1000));
    stop = true;
  });
  const auto started = Clock::now();
  const RestoreResult result =
      restorer.restore({RestoreTarget{&state, "counts", app_ + "-missing-changelog", 0}}, stop, {});
  stopper.join();
  EXPECT_TRUE(result.interrupted);
  EXPECT_EQ(result.records, 0);
  // The next attempt notices the stop: well before the five-minute timeout.
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(30));
}

TEST_F(ChangelogRestoreWaits, TheTimeoutStillBoundsTheAttempts) {
  TaskStateDb state(root_ / "counter_0", {"counts"});
  ChangelogRestorer restorer({{"bootstrap.servers", bootstrap_}}, app_ + "-restore",
                             milliseconds(300));
  std::atomic<bool> stop{false};
  try {
    restorer.restore({RestoreTarget{&state, "counts", app_ + "-missing-changelog", 0}}, stop, {},
                     2000);
    FAIL() << "restored a changelog that does not exist";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("the internal changelog topics must exist"),
              std::string::npos)
        << e.what();
  }
}

// The changelog appears while the restorer asks (several attempts, new consumers): the
// restore then reads it through the consumer of the last attempt.
TEST_F(ChangelogRestoreWaits, AChangelogThatAppearsDuringTheAttemptsIsRestored) {
  const std::string changelog = app_ + "-counts-changelog";
  TaskStateDb state(root_ / "counter_0", {"counts"});
  ChangelogRestorer restorer({{"bootstrap.servers", bootstrap_}}, app_ + "-restore",
                             milliseconds(300));
  std::thread creator([&] {
    std::this_thread::sleep_for(milliseconds(1500));
    create_topic(bootstrap_, changelog, 1);
    produce_all(bootstrap_, changelog, {{"k1", "v1"}, {"k2", "v2"}, {"k1", "v3"}});
  });
  const std::vector<RestoreTarget> targets{RestoreTarget{&state, "counts", changelog, 0}};
  std::atomic<bool> stop{false};
  RestoreResult first;
  try {
    first = restorer.restore(targets, stop, {}, 60000);
  } catch (...) {
    creator.join();
    throw;
  }
  creator.join();
  EXPECT_FALSE(first.interrupted);
  // Created empty, then written: the first restore may have found the end before the records
  // came; a second one reads what is left.
  const RestoreResult second = restorer.restore(targets, stop, {}, 60000);
  EXPECT_EQ(first.records + second.records, 3);
  EXPECT_EQ(state.changelog_offset("counts"), 3);
  EXPECT_EQ(state.read_committed("counts", "k1").entries.at(0).second, "v3");
}

class StateAheadOfTheChangelogEnd : public ChangelogRestoreWaits {
 protected:
  // The changelog: an open transaction's record (offset 0), then k1 (offset 1). The local
  // state holds a key the changelog does not and says it is at offset 2: committed state that
  // the changelog's end (its last stable offset, 0) does not show yet.
  void SetUp() override {
    ChangelogRestoreWaits::SetUp();
    changelog_ = app_ + "-counts-changelog";
    create_topic(bootstrap_, changelog_, 1);
    open_ = std::make_unique<OpenTransaction>(bootstrap_, changelog_, app_ + "-open");
    produce_all(bootstrap_, changelog_, {{"k1", "v1"}});
    state_ = std::make_unique<TaskStateDb>(root_ / "counter_0", std::vector<std::string>{"counts"});
    state_->store("counts").put("local", "kept");
    state_->apply_committed({{"counts", 2}});
  }
  void TearDown() override {
    state_.reset();
    open_.reset();
    ChangelogRestoreWaits::TearDown();
  }
  bool local_key_kept() const { return !state_->read_committed("counts", "local").entries.empty(); }

  std::string changelog_;
  std::unique_ptr<OpenTransaction> open_;
  std::unique_ptr<TaskStateDb> state_;
};

// The failover test saw it after a broker restart: state written after a commit, and the next
// restore a second later listing ends before that commit. Rebuilding then lost the commit.
TEST_F(StateAheadOfTheChangelogEnd, TheRestoreWaitsForTheMarkersAndKeepsTheState) {
  ChangelogRestorer restorer({{"bootstrap.servers", bootstrap_}}, app_ + "-restore",
                             ChangelogRestorer::kEndOffsetsAttempt, milliseconds(20000));
  std::thread committer([&] {
    std::this_thread::sleep_for(milliseconds(1500));
    open_->commit();
  });
  std::atomic<bool> stop{false};
  RestoreResult result;
  try {
    result = restorer.restore({RestoreTarget{state_.get(), "counts", changelog_, 0}}, stop, {});
  } catch (...) {
    committer.join();
    throw;
  }
  committer.join();
  EXPECT_FALSE(result.interrupted);
  EXPECT_EQ(result.wiped_tasks, 0);
  EXPECT_TRUE(local_key_kept());
  EXPECT_GE(state_->changelog_offset("counts").value_or(-1), 2);
}

// A changelog that stays behind the state (a recreated topic; here a transaction that stays
// open) is rebuilt from the changelog once the wait is over, as before.
TEST_F(StateAheadOfTheChangelogEnd, StateStillAheadAfterTheWaitIsRebuilt) {
  ChangelogRestorer restorer({{"bootstrap.servers", bootstrap_}}, app_ + "-restore",
                             ChangelogRestorer::kEndOffsetsAttempt, milliseconds(1000));
  std::atomic<bool> stop{false};
  const auto started = Clock::now();
  const RestoreResult result =
      restorer.restore({RestoreTarget{state_.get(), "counts", changelog_, 0}}, stop, {});
  EXPECT_GE(Clock::now() - started, milliseconds(1000));
  EXPECT_EQ(result.wiped_tasks, 1);
  EXPECT_FALSE(local_key_kept());
  open_->abort();
}

// A store with no local state is read from its changelog's first offset, asked for before the
// assignment (rather than the logical "beginning", whose query librdkafka 2.0.2 sometimes
// delays by 500 ms); beside it, a store with local state goes on from its own offset.
TEST_F(ChangelogRestoreWaits, AChangelogWhoseFirstRecordsWereDeletedIsReadFromItsFirstOffset) {
  const std::string counts = app_ + "-counts-changelog";
  const std::string totals = app_ + "-totals-changelog";
  create_topic(bootstrap_, counts, 1);
  create_topic(bootstrap_, totals, 1);
  produce_all(bootstrap_, counts, {{"k1", "v1"}, {"k2", "v2"}, {"k1", "v3"}, {"k3", "v4"}});
  produce_all(bootstrap_, totals, {{"t1", "old"}, {"t1", "new"}, {"t2", "x"}});
  delete_records_before(bootstrap_, counts, 2);
  TaskStateDb state(root_ / "counter_0", {"counts", "totals"});
  state.apply_committed({{"totals", 1}});
  ChangelogRestorer restorer({{"bootstrap.servers", bootstrap_}}, app_ + "-restore");
  std::atomic<bool> stop{false};
  const RestoreResult result = restorer.restore(
      {RestoreTarget{&state, "totals", totals, 0}, RestoreTarget{&state, "counts", counts, 0}},
      stop, {});
  EXPECT_EQ(result.records, 4);
  EXPECT_EQ(state.changelog_offset("counts"), 4);
  EXPECT_EQ(state.changelog_offset("totals"), 3);
  EXPECT_EQ(state.read_committed("counts", "k1").entries.at(0).second, "v3");
  EXPECT_EQ(state.read_committed("counts", "k3").entries.at(0).second, "v4");
  EXPECT_TRUE(state.read_committed("counts", "k2").entries.empty());
  EXPECT_EQ(state.read_committed("totals", "t1").entries.at(0).second, "new");
  EXPECT_EQ(state.read_committed("totals", "t2").entries.at(0).second, "x");
}

// The restore flushes what it wrote into table files before the tasks start, so that a crash
// soon after does not repeat it; but only for the tasks that took records. A task with an
// empty changelog wrote only its offset, and losing that unflushed restores the same nothing
// again: its flush (30 of them at each fresh start of the application) is left to the close.
TEST_F(ChangelogRestoreWaits, OnlyTheTasksThatTookRecordsAreFlushedBeforeTheyStart) {
  const std::string counts = app_ + "-counts-changelog";
  const std::string totals = app_ + "-totals-changelog";
  create_topic(bootstrap_, counts, 1);
  create_topic(bootstrap_, totals, 1);
  produce_all(bootstrap_, counts, {{"k1", "v1"}, {"k2", "v2"}});
  TaskStateDb filled(root_ / "counter_0", {"counts"});
  TaskStateDb empty(root_ / "totals_0", {"totals"});
  ChangelogRestorer restorer({{"bootstrap.servers", bootstrap_}}, app_ + "-restore");
  std::atomic<bool> stop{false};
  const RestoreResult result = restorer.restore(
      {RestoreTarget{&filled, "counts", counts, 0}, RestoreTarget{&empty, "totals", totals, 0}},
      stop, {});
  EXPECT_EQ(result.records, 2);
  EXPECT_EQ(filled.changelog_offset("counts"), 2);
  EXPECT_FALSE(filled.has_unflushed_writes());
  EXPECT_EQ(empty.changelog_offset("totals"), 0);
  EXPECT_TRUE(empty.has_unflushed_writes());
}

}  // namespace
}  // namespace leifeng::runtime::testing
