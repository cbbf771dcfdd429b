// Standby replicas on the real broker (issue 15): a warm copy tails a changelog into the task's
// local state, recording the applied offset, is served to queries as a standby's while it is
// warm, and once released the ChangelogRestorer restores only the tail written after it. With
// several stream threads, StandbyPlacement warms the partitions no thread owns.
#include "standby_replicas.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "changelog_restorer.hpp"
#include "kafka_test_support.hpp"
#include "leifeng/runtime/queryable_state.hpp"
#include "standby_placement.hpp"

namespace leifeng::runtime::testing {
namespace {

using Clock = std::chrono::steady_clock;

// A fresh changelog topic of `partitions` partitions and an empty state root for one test,
// removed again at its end.
struct Scratch {
  Scratch(const std::string& stem, int32_t partitions)
      : bootstrap(test_bootstrap_servers()),
        app(unique_name(stem)),
        changelog(app + "-counts-changelog"),
        root(std::filesystem::temp_directory_path() / app) {
    create_topic(bootstrap, changelog, partitions);
    std::filesystem::remove_all(root);
  }
  ~Scratch() { std::filesystem::remove_all(root); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  const std::string bootstrap;
  const std::string app;
  const std::string changelog;
  const std::filesystem::path root;
};

std::vector<KeyedRecord> records(int first, int count) {
  std::vector<KeyedRecord> out;
  for (int i = first; i < first + count; ++i)
    out.push_back({"k" + std::to_string(i % 200), "v" + std::to_string(i)});
  return out;
}

// Waits up to 30 s until the copy has applied the changelog up to `offset`.
bool reaches(const StandbyReplicas& standby, const std::string& task, int64_t offset) {
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    const auto offsets = standby.applied_offsets(task);
    auto it = offsets.find("counts");
    if (it != offsets.end() && it->second >= offset) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST(StandbyReplicas, AWarmCopyLeavesOnlyTheTailToRestore) {
  const Scratch scratch("standby", 1);
  const auto& [bootstrap, app, changelog, root] = scratch;
  produce_all(bootstrap, changelog, records(0, 3000));

  const std::map<std::string, std::string> kafka{{"bootstrap.servers", bootstrap}};
  Readiness readiness;
  QueryableState queries(&readiness);
  queries.declare_store("counts", 1);
  const StandbyTask task{"counter_0", 0, {{"counts", changelog}}};
  {
    StandbyReplicas standby(kafka, app + "-standby", root, &queries);
    standby.warm({task});
    ASSERT_TRUE(reaches(standby, "counter_0", 3000));
    EXPECT_EQ(standby.warm_tasks(), std::vector<std::string>{"counter_0"});
    // Served as a standby's, with the last value of the key; the instance is not even ready.
    const QueryResult read = queries.standby().get("counts", 0, "k7");
    ASSERT_EQ(read.status, QueryStatus::ok);
    EXPECT_TRUE(read.standby);
    ASSERT_EQ(read.entries.size(), 1u);
    EXPECT_EQ(read.entries[0].second, "v2807");
    EXPECT_EQ(read.changelog_offset, 3000);
    EXPECT_EQ(queries.get("counts", 0, "k7").status, QueryStatus::not_ready);

    // It keeps tailing.
    produce_all(bootstrap, changelog, records(3000, 500));
    ASSERT_TRUE(reaches(standby, "counter_0", 3500));
    EXPECT_GE(standby.applied_records(), 3500);

    // Assigned here: released (closed, no longer served) before the owner opens the state.
    standby.release({"counter_0"});
    EXPECT_TRUE(standby.warm_tasks().empty());
    EXPECT_EQ(queries.standby().get("counts", 0, "k7").status, QueryStatus::not_here);
  }
  // Written while nobody tailed: the tail the owner restores.
  produce_all(bootstrap, changelog, records(3500, 40));
  TaskStateDb state(root / "counter_0", {"counts"});
  EXPECT_EQ(state.changelog_offset("counts"), 3500);
  ChangelogRestorer restorer(kafka, app + "-restore");
  std::atomic<bool> stop{false};
  const RestoreResult restored =
      restorer.restore({RestoreTarget{&state, "counts", changelog, 0}}, stop, {});
  EXPECT_EQ(restored.records, 40);
  EXPECT_EQ(state.changelog_offset("counts"), 3540);
  EXPECT_EQ(state.read_committed("counts", "k107").entries.at(0).second, "v3507");
}

// A copy whose task is no longer wanted is closed; warm() with a new set opens the new ones.
TEST(StandbyReplicas, WarmReplacesTheSetOfCopies) {
  const Scratch scratch("standby-set", 2);
  const auto& [bootstrap, app, changelog, root] = scratch;
  produce_all(bootstrap, changelog, records(0, 400));

  StandbyReplicas standby({{"bootstrap.servers", bootstrap}}, app + "-standby", root, nullptr);
  const StandbyTask zero{"counter_0", 0, {{"counts", changelog}}};
  const StandbyTask one{"counter_1", 1, {{"counts", changelog}}};
  standby.warm({zero, one});
  ASSERT_TRUE(reaches(standby, "counter_0", 1));
  ASSERT_TRUE(reaches(standby, "counter_1", 1));
  standby.warm({one});
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (standby.warm_tasks().size() != 1 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(standby.warm_tasks(), std::vector<std::string>{"counter_1"});
  // Its state is closed: the owner can open it.
  TaskStateDb state(root / "counter_0", {"counts"});
  EXPECT_TRUE(state.changelog_offset("counts").has_value());
  standby.stop();
  EXPECT_TRUE(standby.warm_tasks().empty());
}

// A copy with no local state starts at the changelog's first offset (asked before the
// assignment, so that librdkafka 2.0.2 cannot defer a "beginning" query by 500 ms; that delay
// is not asserted here, it depends on timing) and records where it is even when every record
// before it was deleted; records written later are applied on top.
TEST(StandbyReplicas, ACopyOfAChangelogWhoseRecordsWereDeletedStartsAtItsFirstOffset) {
  const Scratch scratch("standby-start", 1);
  const auto& [bootstrap, app, changelog, root] = scratch;
  produce_all(bootstrap, changelog, records(0, 400));
  delete_records_before(bootstrap, changelog, 400);

  StandbyReplicas standby({{"bootstrap.servers", bootstrap}}, app + "-standby", root, nullptr);
  standby.warm({StandbyTask{"counter_0", 0, {{"counts", changelog}}}});
  ASSERT_TRUE(reaches(standby, "counter_0", 400));
  EXPECT_EQ(standby.applied_records(), 0);
  produce_all(bootstrap, changelog, records(400, 10));
  ASSERT_TRUE(reaches(standby, "counter_0", 410));
  EXPECT_EQ(standby.applied_records(), 10);
  standby.stop();
  TaskStateDb state(root / "counter_0", {"counts"});
  EXPECT_EQ(state.changelog_offset("counts"), 410);
  EXPECT_EQ(state.read_committed("counts", "k9").entries.at(0).second, "v409");
  EXPECT_TRUE(state.read_committed("counts", "k199").entries.empty());
}

// The changelog: an open transaction's record (offset 0), then k1 (offset 1); the local state
// of counter_0 holds a key the changelog does not and says it is at offset 2: committed state
// whose transaction's markers are not written yet (the last stable offset is 0).
class StandbyAheadOfTheChangelogEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    open_ = std::make_unique<OpenTransaction>(bootstrap_, changelog_, app_ + "-open");
    produce_all(bootstrap_, changelog_, {{"k1", "v1"}});
    TaskStateDb state(root_ / "counter_0", {"counts"});
    state.store("counts").put("local", "kept");
    state.apply_committed({{"counts", 2}});
  }
  bool local_key_kept() const {
    TaskStateDb state(root_ / "counter_0", {"counts"});
    return !state.read_committed("counts", "local").entries.empty();
  }
  bool opens_within(const StandbyReplicas& standby, std::chrono::milliseconds limit) const {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      if (!standby.warm_tasks().empty()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  StandbyTask task() const { return StandbyTask{"counter_0", 0, {{"counts", changelog_}}}; }

  const Scratch scratch_{"standby-ahead", 1};
  const std::string& bootstrap_ = scratch_.bootstrap;
  const std::string& app_ = scratch_.app;
  const std::string& changelog_ = scratch_.changelog;
  const std::filesystem::path& root_ = scratch_.root;
  std::unique_ptr<OpenTransaction> open_;
};

// The copy stays closed until the markers are written, then goes on from its own offset: the
// state it had is kept, not rebuilt.
TEST_F(StandbyAheadOfTheChangelogEnd, TheCopyWaitsForTheMarkersAndKeepsItsState) {
  StandbyReplicas standby({{"bootstrap.servers", bootstrap_}}, app_ + "-standby", root_, nullptr,
                          std::chrono::milliseconds(20000));
  standby.warm({task()});
  EXPECT_FALSE(opens_within(standby, std::chrono::milliseconds(1000)));
  open_->commit();
  ASSERT_TRUE(opens_within(standby, std::chrono::seconds(30)));
  ASSERT_TRUE(reaches(standby, "counter_0", 3));  // past the commit marker at offset 2
  EXPECT_EQ(standby.applied_records(), 0);
  standby.stop();
  EXPECT_TRUE(local_key_kept());
}

// A changelog that stays behind the state (a recreated topic; here a transaction that stays
// open) has its copy rebuilt from the changelog once the wait is over.
TEST_F(StandbyAheadOfTheChangelogEnd, AStateStillAheadAfterTheWaitIsRebuilt) {
  StandbyReplicas standby({{"bootstrap.servers", bootstrap_}}, app_ + "-standby", root_, nullptr,
                          std::chrono::milliseconds(1000));
  const auto started = Clock::now();
  standby.warm({task()});
  ASSERT_TRUE(opens_within(standby, std::chrono::seconds(30)));
  EXPECT_GE(Clock::now() - started, std::chrono::milliseconds(1000));
  standby.stop();
  EXPECT_FALSE(local_key_kept());
  open_->abort();
}

// Two stream threads of one instance: the copies are the partitions neither owns; a claimed
// task's copy is closed when claim() returns and is not warmed again by the other thread's
// settlement; a thread that closed its tasks leaves them to be warmed.
TEST(StandbyPlacement, CopiesAreThePartitionsNoThreadOwns) {
  const Scratch scratch("standby-placement", 3);
  const auto& [bootstrap, app, changelog, root] = scratch;
  produce_all(bootstrap, changelog, records(0, 600));

  std::vector<StandbyTask> all;
  for (int32_t p = 0; p < 3; ++p)
    all.push_back(StandbyTask{"counter_" + std::to_string(p), p, {{"counts", changelog}}});
  StandbyReplicas* made = nullptr;
  auto make = [&] {
    auto replicas = std::make_unique<StandbyReplicas>(
        std::map<std::string, std::string>{{"bootstrap.servers", bootstrap}}, app + "-standby",
        root, nullptr);
    made = replicas.get();
    return replicas;
  };
  auto warm_becomes = [&](const std::vector<std::string>& expected) {
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (made->warm_tasks() != expected && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return made->warm_tasks() == expected;
  };

  StandbyPlacement placement;
  placement.claim(0, {"counter_0"});
  placement.settle(0, {"counter_0"}, all, make);
  ASSERT_TRUE(warm_becomes({"counter_1", "counter_2"}));
  ASSERT_TRUE(reaches(*made, "counter_1", 1));
  EXPECT_GT(placement.take_applied(), 0);

  // Thread 1 is assigned counter_1: its copy is closed, so the task can open its state.
  placement.claim(1, {"counter_1"});
  EXPECT_EQ(made->warm_tasks(), std::vector<std::string>{"counter_2"});
  {
    TaskStateDb state(root / "counter_1", {"counts"});
    EXPECT_TRUE(state.changelog_offset("counts").has_value());
  }
  // Thread 0 settles again (another assignment): counter_1 is thread 1's, not warmed.
  placement.settle(0, {"counter_0"}, all, make);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(made->warm_tasks(), std::vector<std::string>{"counter_2"});

  // Thread 1 closed its tasks: the next settlement warms counter_1 again.
  placement.forget(1);
  placement.settle(0, {"counter_0"}, all, make);
  EXPECT_TRUE(warm_becomes({"counter_1", "counter_2"}));
  placement.stop();
}

}  // namespace
}  // namespace leifeng::runtime::testing
