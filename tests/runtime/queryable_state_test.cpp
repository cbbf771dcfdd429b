// Interactive queries over task state without Kafka: only committed state is served, with its
// changelog offset and as_of; nothing while the instance is not ready; other partitions are
// "not here"; range scans; the key partitioner.
#include "leifeng/runtime/queryable_state.hpp"

#include "leifeng/runtime/instance_directory.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <regex>
#include <set>
#include <thread>

#include "state_db.hpp"

namespace leifeng::runtime {
namespace {

class QueryableStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("leifeng-queryable-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    readiness_.starting();
    readiness_.assigned();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  Readiness readiness_;
};

TEST_F(QueryableStateTest, ServesOnlyCommittedStateWithItsChangelogOffset) {
  TaskStateDb state(dir_ / "counts_1", {"counts"});
  QueryableState queries(&readiness_);
  queries.declare_store("counts", 3);
  state.store("counts").put("a", "1");
  state.apply_committed({{"counts", 7}});
  queries.publish("counts", 1, state);
  readiness_.restored();

  // An open transaction's write is in the buffer, not in what queries read.
  state.store("counts").put("a", "2");
  state.store("counts").put("b", "uncommitted");
  QueryResult a = queries.get("counts", 1, "a");
  ASSERT_EQ(a.status, QueryStatus::ok);
  ASSERT_EQ(a.entries.size(), 1u);
  EXPECT_EQ(a.entries[0].second, "1");
  EXPECT_EQ(a.changelog_offset, 7);
  EXPECT_TRUE(std::regex_match(a.as_of, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << a.as_of;
  QueryResult b = queries.get("counts", 1, "b");
  EXPECT_EQ(b.status, QueryStatus::ok);
  EXPECT_TRUE(b.entries.empty());

  // Once the transaction committed, both are there, with the new offset.
  state.apply_committed({{"counts", 9}});
  queries.committed();
  a = queries.get("counts", 1, "a");
  ASSERT_EQ(a.entries.size(), 1u);
  EXPECT_EQ(a.entries[0].second, "2");
  EXPECT_EQ(a.changelog_offset, 9);
  b = queries.get("counts", 1, "b");
  ASSERT_EQ(b.entries.size(), 1u);
  EXPECT_EQ(b.entries[0].second, "uncommitted");
}

TEST_F(QueryableStateTest, NotReadyWhileRestoringOrRebalancingAndNotHereForOtherPartitions) {
  TaskStateDb state(dir_ / "counts_0", {"counts"});
  QueryableState queries(&readiness_);
  EXPECT_EQ(queries.get("counts", 0, "a").status, QueryStatus::not_ready);  // nothing declared
  queries.declare_store("counts", 2);
  state.store("counts").put("a", "1");
  state.apply_committed({{"counts", 1}});
  queries.publish("counts", 0, state);
  // Published, but readiness still says restoring.
  EXPECT_EQ(queries.get("counts", 0, "a").status, QueryStatus::not_ready);
  EXPECT_TRUE(queries.owned().empty());
  readiness_.restored();
  EXPECT_EQ(queries.get("counts", 0, "a").status, QueryStatus::ok);
  EXPECT_EQ(queries.get("counts", 1, "a").status, QueryStatus::not_here);
  EXPECT_EQ(queries.get("other", 0, "a").status, QueryStatus::unknown_store);
  EXPECT_EQ(queries.partitions("counts"), 2);
  EXPECT_EQ(queries.owned().at("counts"), std::vector<int32_t>{0});

  readiness_.revoked();
  EXPECT_EQ(queries.get("counts", 0, "a").status, QueryStatus::not_ready);
  queries.withdraw_all();
  readiness_.assigned();
  readiness_.restored();
  EXPECT_EQ(queries.get("counts", 0, "a").status, QueryStatus::not_here);
}

// Stream threads share one QueryableState: each withdraws only its own tasks' partitions.
TEST_F(QueryableStateTest, WithdrawingSomeStatesLeavesTheOthersServed) {
  TaskStateDb first(dir_ / "counts_0", {"counts"});
  TaskStateDb second(dir_ / "counts_1", {"counts"});
  QueryableState queries(&readiness_);
  queries.declare_store("counts", 2);
  queries.publish("counts", 0, first);
  queries.publish("counts", 1, second);
  readiness_.restored();
  EXPECT_EQ(queries.owned().at("counts"), (std::vector<int32_t>{0, 1}));
  queries.withdraw({&second});
  EXPECT_EQ(queries.owned().at("counts"), std::vector<int32_t>{0});
  EXPECT_EQ(queries.get("counts", 0, "a").status, QueryStatus::ok);
  EXPECT_EQ(queries.get("counts", 1, "a").status, QueryStatus::not_here);
  queries.withdraw({&first});
  EXPECT_TRUE(queries.owned().at("counts").empty());
}

TEST_F(QueryableStateTest, RangeScansKeysInOrderUpToTheLimit) {
  TaskStateDb state(dir_ / "cells_0", {"cells"});
  for (const char* key : {"a/1", "a/2", "a/3", "a/4", "b/1"}) state.store("cells").put(key, key);
  state.apply_committed({{"cells", 5}});
  QueryableState queries(&readiness_);
  queries.declare_store("cells", 1);
  queries.publish("cells", 0, state);
  readiness_.restored();
  QueryResult range = queries.range("cells", 0, "a/2", "a/4", 100);
  ASSERT_EQ(range.status, QueryStatus::ok);
  ASSERT_EQ(range.entries.size(), 3u);
  EXPECT_EQ(range.entries[0].first, "a/2");
  EXPECT_EQ(range.entries[2].first, "a/4");
  EXPECT_EQ(range.changelog_offset, 5);
  EXPECT_EQ(queries.range("cells", 0, "a/0", "z", 2).entries.size(), 2u);
  EXPECT_TRUE(queries.range("cells", 0, "c", "d", 10).entries.empty());
}

TEST_F(QueryableStateTest, QueriesFromOtherThreadsWhileTheRuntimeCommitsAndWithdraws) {
  auto state = std::make_unique<TaskStateDb>(dir_ / "counts_0", std::vector<std::string>{"counts"});
  QueryableState queries(&readiness_);
  queries.declare_store("counts", 1);
  state->store("counts").put("n", "0");
  state->apply_committed({{"counts", 1}});
  queries.publish("counts", 0, *state);
  readiness_.restored();
  std::atomic<bool> done{false};
  std::atomic<int> mismatches{0};
  std::thread reader([&] {
    while (!done) {
      QueryResult r = queries.get("counts", 0, "n");
      if (r.status != QueryStatus::ok) continue;
      // Value n was committed with offset n + 1: one snapshot holds both.
      if (r.entries.size() != 1 || std::stoll(r.entries[0].second) + 1 != r.changelog_offset)
        ++mismatches;
    }
  });
  for (int n = 1; n <= 2000; ++n) {
    state->store("counts").put("n", std::to_string(n));
    state->apply_committed({{"counts", n + 1}});
    queries.committed();
  }
  queries.withdraw_all();
  state.reset();  // closing the task's state once withdrawn is safe
  done = true;
  reader.join();
  EXPECT_EQ(mismatches.load(), 0);
}

// Standby copies ([runtime] standby_replicas) are served only through standby(), marked as
// such with their lag, whatever the readiness; never through the owner's view or owned().
TEST_F(QueryableStateTest, StandbyCopiesAreServedOnlyThroughTheStandbyViewWithTheirLag) {
  TaskStateDb copy(dir_ / "counts_2", {"counts"});
  copy.apply_restored("counts", {{"a", std::string("9")}}, 40);
  QueryableState queries(&readiness_);
  queries.declare_store("counts", 3);
  queries.publish_standby("counts", 2, copy);

  // Not ready (a rebalance): the owner's view answers not_ready, the standby view answers.
  QueryResult owner = queries.get("counts", 2, "a");
  EXPECT_EQ(owner.status, QueryStatus::not_ready);
  QueryResult standby = queries.standby().get("counts", 2, "a");
  ASSERT_EQ(standby.status, QueryStatus::ok);
  EXPECT_TRUE(standby.standby);
  ASSERT_EQ(standby.entries.size(), 1u);
  EXPECT_EQ(standby.entries[0].second, "9");
  EXPECT_EQ(standby.changelog_offset, 40);
  EXPECT_EQ(standby.standby_lag, -1);  // no fetch has told the changelog's end yet
  EXPECT_EQ(queries.standby().get("counts", 1, "a").status, QueryStatus::not_here);

  // Ready: the owner's view still does not serve the copy, nor count it as owned.
  readiness_.restored();
  EXPECT_EQ(queries.get("counts", 2, "a").status, QueryStatus::not_here);
  EXPECT_TRUE(queries.owned()["counts"].empty());
  EXPECT_EQ(queries.standby().owned()["counts"], std::vector<int32_t>{2});

  // The changelog's end as of the latest fetch gives the lag.
  queries.standby_progress("counts", 2, 45);
  EXPECT_EQ(queries.standby().get("counts", 2, "a").standby_lag, 5);
  copy.apply_restored("counts", {{"b", std::string("1")}}, 45);
  const QueryResult range = queries.standby().range("counts", 2, "a", "z", 10);
  EXPECT_EQ(range.entries.size(), 2u);
  EXPECT_EQ(range.standby_lag, 0);

  queries.withdraw_standby("counts", 2);
  EXPECT_EQ(queries.standby().get("counts", 2, "a").status, QueryStatus::not_here);
  EXPECT_TRUE(queries.standby().owned().empty());
}

TEST(PartitionForKey, IsKafkasMurmur2SpreadOverThePartitions) {
  // Kafka's Utils.murmur2 of "21", "foobar" and "abc" is -973932308, -790332482 and 479470107
  // (its own unit test); the partition is (hash & 0x7fffffff) % partitions.
  EXPECT_EQ(partition_for_key("21", 1000), 340);
  EXPECT_EQ(partition_for_key("foobar", 1000), 166);
  EXPECT_EQ(partition_for_key("abc", 1000), 107);
  std::set<int32_t> seen;
  for (int i = 0; i < 200; ++i) {
    const int32_t p = partition_for_key("volunteer-" + std::to_string(i), 6);
    ASSERT_GE(p, 0);
    ASSERT_LT(p, 6);
    seen.insert(p);
    EXPECT_EQ(p, partition_for_key("volunteer-" + std::to_string(i), 6));
  }
  EXPECT_EQ(seen.size(), 6u);
  EXPECT_EQ(partition_for_key("x", 0), -1);
}

TEST(InstanceDirectory, RecordsRoundTripAndTheLatestClaimOwnsAPartition) {
  const InstanceInfo a{"a", "10.0.0.1:8080", {{"volunteers", {0, 2}}, {"needs", {1}}}, 1000};
  const std::string text = encode_instance(a);
  EXPECT_EQ(text,
            "leifeng-instance 1\naddress 10.0.0.1:8080\nupdated_ms 1000\n"
            "store needs 1\nstore volunteers 0 2\n");
  EXPECT_EQ(decode_instance("a", text), a);
  EXPECT_FALSE(decode_instance("a", "something else"));
  EXPECT_FALSE(decode_instance("a", "leifeng-instance 1\nupdated_ms 5\n"));  // no address
  EXPECT_FALSE(decode_instance("a", "leifeng-instance 1\naddress h:1\nstore v x\n"));

  // b took partition 2 over after a crashed a's last record.
  const InstanceInfo b{"b", "10.0.0.2:8080", {{"volunteers", {1, 2}}}, 2000};
  EXPECT_EQ(owner_of({a, b}, "volunteers", 0)->instance_id, "a");
  EXPECT_EQ(owner_of({a, b}, "volunteers", 2)->instance_id, "b");
  EXPECT_EQ(owner_of({b, a}, "volunteers", 2)->instance_id, "b");
  EXPECT_FALSE(owner_of({a, b}, "volunteers", 3));
  EXPECT_FALSE(owner_of({a, b}, "county-stats", 0));
}

}  // namespace
}  // namespace leifeng::runtime
