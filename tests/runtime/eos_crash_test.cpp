// Exactly-once under crashes, against the real broker: counting_worker processes are SIGKILLed
// at random moments and restarted, an instance dies and another takes over its partitions,
// and a restart replays only the changelog tail since the last flush. Every check reads the output
// read_committed and requires each key's counts to be exactly 1, 2, ..., n: a lost input
// leaves n short, a record processed twice (or an output written twice) repeats a number.
// The crash loop runs with one stream thread and with two ([runtime] threads).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>
#include <set>
#include <thread>

#include "kafka_test_support.hpp"
#include "leifeng/runtime/group_admin.hpp"

namespace leifeng::runtime::testing {
namespace {

struct Worker {
  std::string bootstrap;
  std::string app;
  std::string input;
  std::string output;
  int threads = 1;  // stream threads of each worker

  pid_t start(const std::filesystem::path& state, const std::string& instance,
              const std::string& mode, const std::string& stats = {},
              const std::string& commit_ms = "100", const std::string& delay_us = "0") const {
    std::vector<std::string> args{"--bootstrap",
                                  bootstrap,
                                  "--app",
                                  app,
                                  "--input",
                                  input,
                                  "--output",
                                  output,
                                  "--state",
                                  state,
                                  "--instance",
                                  instance,
                                  "--mode",
                                  mode,
                                  "--commit-ms",
                                  commit_ms,
                                  "--record-delay-us",
                                  delay_us,
                                  "--threads",
                                  std::to_string(threads)};
    if (!stats.empty()) {
      args.push_back("--stats");
      args.push_back(stats);
    }
    return spawn(COUNTING_WORKER, args);
  }
};

Worker make_worker(const std::string& stem, int partitions) {
  Worker worker{test_bootstrap_servers(), unique_name(stem), "", ""};
  worker.input = worker.app + ".events";
  worker.output = worker.app + ".counts";
  create_topic(worker.bootstrap, worker.input, partitions);
  create_topic(worker.bootstrap, worker.output, partitions);
  return worker;
}

std::vector<KeyedRecord> events(int first, int count, int keys,
                                std::map<std::string, int64_t>& expected) {
  std::vector<KeyedRecord> records;
  records.reserve(static_cast<std::size_t>(count));
  for (int i = first; i < first + count; ++i) {
    // Appended: GCC 12 at -O3 reports a false -Wrestrict for "v" + std::to_string(...).
    std::string key = "v";
    key += std::to_string((static_cast<int64_t>(i) * 7919) % keys);
    records.push_back({key, std::to_string(i)});
    ++expected[key];
  }
  return records;
}

std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / name;
  std::filesystem::remove_all(dir);
  return dir;
}

class ExactlyOnceCrashLoop : public ::testing::TestWithParam<int> {};

TEST_P(ExactlyOnceCrashLoop, SigkilledWorkerRestartedManyTimesCountsEveryEventOnce) {
  Worker worker = make_worker("eos-crash", 4);
  worker.threads = GetParam();
  const auto state = temp_dir(worker.app);
  const unsigned seed = std::random_device{}();
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> lifetime_ms(1200, 3000);
  SCOPED_TRACE("seed " + std::to_string(seed));
  const std::string record_delay_us = worker.threads == 1 ? "20" : "100";

  // All 200,000 events up front; short lives and short transactions put the kills in the
  // middle of processing and often between a commit and its local apply.
  std::map<std::string, int64_t> expected;
  produce_all(worker.bootstrap, worker.input, events(0, 200000, 3000, expected));
  int kills = 0;
  for (int run = 0; run < 8; ++run) {
    // A sleep per event and stream thread keeps the kills before the end of the input: with
    // 20 us, one thread counted 42-73 k events in the eight lives and two threads up to all
    // 200,000 (sleeps round up to the timer's slack); with 100 us, two counted 91-111 k.
    const pid_t pid = worker.start(state, "solo", "run", {}, "20", record_delay_us);
    std::this_thread::sleep_for(std::chrono::milliseconds(lifetime_ms(random)));
    kill_and_wait(pid, SIGKILL);
    ++kills;
  }
  // The killed workers made progress that the restarts resumed from.
  const std::size_t before_final = read_committed(worker.bootstrap, worker.output).size();
  std::cout << "counted before the final run: " << before_final << " of 200000\n";
  EXPECT_GT(before_final, 0u);
  EXPECT_LT(before_final, 200000u);  // the kills interrupted the work
  const std::string stats = (state / "stats.txt").string();
  const pid_t final_run = worker.start(state, "solo", "caught-up", stats);
  ASSERT_EQ(wait_for(final_run), 0);
  EXPECT_GE(kills, 5);
  const auto output = read_committed(worker.bootstrap, worker.output);
  EXPECT_EQ(output.size(), 200000u);
  EXPECT_EQ(count_sequence_errors(output, expected), "");
  std::filesystem::remove_all(state);
}

INSTANTIATE_TEST_SUITE_P(StreamThreads, ExactlyOnceCrashLoop, ::testing::Values(1, 2),
                         [](const auto& info) { return std::to_string(info.param) + "Threads"; });

// [runtime] threads = 2: two members of the group, the second with the instance id's thread
// suffix, sharing the partitions; a clean stop and a caught-up run count every event once.
TEST(ExactlyOnceCrash, TwoStreamThreadsAreTwoGroupMembersOfOneInstance) {
  Worker worker = make_worker("eos-threads", 4);
  worker.threads = 2;
  const auto state = temp_dir(worker.app);
  std::map<std::string, int64_t> expected;
  produce_all(worker.bootstrap, worker.input, events(0, 20000, 500, expected));
  // 200 us a record: long enough for both threads to join before the input is done.
  const pid_t running = worker.start(state, "solo", "run", {}, "100", "200");
  GroupAdmin groups({{"bootstrap.servers", worker.bootstrap}});
  std::set<std::string> members;
  for (int attempt = 0; attempt < 150 && members.size() < 2; ++attempt) {
    members.clear();
    for (const GroupMember& member : groups.describe(worker.app).members)
      members.insert(member.instance_id);
    if (members.size() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(members, (std::set<std::string>{"solo", "solo-thread-2"}));
  kill(running, SIGTERM);
  ASSERT_EQ(wait_for(running), 0);
  produce_all(worker.bootstrap, worker.input, events(20000, 5000, 500, expected));
  const std::string stats = state.string() + "-stats.txt";
  ASSERT_EQ(wait_for(worker.start(state, "solo", "caught-up", stats)), 0);
  const auto output = read_committed(worker.bootstrap, worker.output);
  EXPECT_EQ(output.size(), 25000u);
  EXPECT_EQ(count_sequence_errors(output, expected), "");
  EXPECT_GE(read_stats(stats).at("processed"), 5000);  // the events produced after the stop
  std::filesystem::remove_all(state);
  std::filesystem::remove(stats);
}

TEST(ExactlyOnceCrash, SurvivorTakesOverAKilledInstanceAndRestoresItsState) {
  const Worker worker = make_worker("eos-takeover", 4);
  const auto state_a = temp_dir(worker.app + "-a");
  const auto state_b = temp_dir(worker.app + "-b");
  std::map<std::string, int64_t> expected;
  produce_all(worker.bootstrap, worker.input, events(0, 20000, 500, expected));
  // 200 us a record: the first half takes seconds, so both have joined and counted part of it
  // before `a` dies (unthrottled, whichever joins first may count all of it alone).
  const pid_t a = worker.start(state_a, "a", "run", {}, "100", "200");
  const std::string stats_b = (state_b.string() + "-stats.txt");
  const pid_t b = worker.start(state_b, "b", "run", stats_b, "100", "200");

  // Both have state once the first half is counted; then `a` dies.
  auto wait_for_output = [&](std::size_t records) {
    for (int i = 0; i < 240; ++i) {
      if (read_committed(worker.bootstrap, worker.output).size() >= records) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return false;
  };
  ASSERT_TRUE(wait_for_output(20000));
  kill_and_wait(a, SIGKILL);
  produce_all(worker.bootstrap, worker.input, events(20000, 20000, 500, expected));
  // `b` gets a's partitions after a's session times out and restores their changelogs.
  ASSERT_TRUE(wait_for_output(40000));
  kill(b, SIGTERM);
  ASSERT_EQ(wait_for(b), 0);
  const auto output = read_committed(worker.bootstrap, worker.output);
  EXPECT_EQ(output.size(), 40000u);
  EXPECT_EQ(count_sequence_errors(output, expected), "");
  const auto stats = read_stats(stats_b);
  // a's partitions hold about half of the 500 keys; b had none of them locally.
  EXPECT_GE(stats.at("restored_records"), 100);
  std::filesystem::remove_all(state_a);
  std::filesystem::remove_all(state_b);
  std::filesystem::remove(stats_b);
}

TEST(ExactlyOnceCrash, RestartReplaysOnlyTheChangelogTailAndAFreshStateReplaysAll) {
  const Worker worker = make_worker("eos-incremental", 4);
  const auto state = temp_dir(worker.app);
  const std::string stats = state.string() + "-stats.txt";
  constexpr int kKeys = 20000;
  std::map<std::string, int64_t> expected;

  // 1. Build the state: 20,000 keys.
  produce_all(worker.bootstrap, worker.input, events(0, 40000, kKeys, expected));
  ASSERT_EQ(wait_for(worker.start(state, "solo", "caught-up", stats)), 0);
  EXPECT_EQ(read_stats(stats).at("restored_records"), 0);

  // The changelog of step 1; its clean stop flushed all of it into RocksDB.
  const std::size_t built =
      read_committed(worker.bootstrap, worker.app + "-counts-changelog").size();
  ASSERT_GE(built, static_cast<std::size_t>(kKeys));

  // 2. Crash in the middle of more work. Commits reach RocksDB without a write-ahead log, so
  // the crash loses what the crashed run committed since its last flush, offsets included; the
  // restart reads the changelog from the offsets on disk: some of step 2's records, none of
  // step 1's.
  produce_all(worker.bootstrap, worker.input, events(40000, 40000, kKeys, expected));
  // 100 us a record: 40,000 records take seconds, so the kill lands in the middle of them.
  const pid_t crashed = worker.start(state, "solo", "run", {}, "100", "100");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  kill_and_wait(crashed, SIGKILL);
  ASSERT_EQ(wait_for(worker.start(state, "solo", "caught-up", stats)), 0);
  const int64_t tail = read_stats(stats).at("restored_records");
  std::cout << "changelog tail restored after the crash: " << tail << " records\n";
  EXPECT_LT(tail, static_cast<int64_t>(built));
  EXPECT_EQ(count_sequence_errors(read_committed(worker.bootstrap, worker.output), expected), "");

  // 3. Without local state everything is restored, and counting continues from it exactly.
  std::filesystem::remove_all(state);
  produce_all(worker.bootstrap, worker.input, events(80000, 10000, kKeys, expected));
  ASSERT_EQ(wait_for(worker.start(state, "solo", "caught-up", stats)), 0);
  EXPECT_GE(read_stats(stats).at("restored_records"), kKeys);
  EXPECT_EQ(count_sequence_errors(read_committed(worker.bootstrap, worker.output), expected), "");
  std::filesystem::remove_all(state);
  std::filesystem::remove(stats);
}

}  // namespace
}  // namespace leifeng::runtime::testing
