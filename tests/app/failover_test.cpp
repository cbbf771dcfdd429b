// `leifeng run` through broker failures on the three-broker cluster (issue 14): replication 3,
// min ISR 2, the fixture's cluster (scripts/kafka.sh start --brokers 3). Each test publishes a
// third of its events, starts `run`, breaks the cluster while run processes and while the next
// third arrives, heals it, publishes the last third, waits until the group has committed
// everything, stops run with SIGTERM and compares every output table with a replay of the
// events file: 0 differences. Run must never exit on its own (it is checked between steps).
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../runtime/kafka_test_support.hpp"
#include "leifeng/schemas/records.hpp"
#include "leifeng/test_support/comparable_lines.hpp"
#include "leifeng/test_support/files.hpp"
#include "leifeng/test_support/leifeng_on_broker.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using leifeng::test_support::CommandResult;
using leifeng::test_support::read_file;
using leifeng::test_support::read_lines;
using leifeng::test_support::without_revision;
using leifeng::test_support::without_source;
using Leifeng = leifeng::test_support::LeifengOnBroker;

// scripts/kafka.sh on the fixture's cluster, e.g. kafka("kill-node 2").
// The cluster's directory: LEIFENG_TEST_CLUSTER_DIR, else the one holding the bootstrap file.
void kafka(const std::string& command) {
  const char* cluster = std::getenv("LEIFENG_TEST_CLUSTER_DIR");
  const char* bootstrap = std::getenv("LEIFENG_TEST_BOOTSTRAP_FILE");
  ASSERT_TRUE(cluster != nullptr || bootstrap != nullptr)
      << "LEIFENG_TEST_BOOTSTRAP_FILE is not set (run through ctest)";
  const std::string dir = cluster != nullptr ? cluster : fs::path(bootstrap).parent_path().string();
  const std::string line = (leifeng::test_support::source_dir() / "scripts" / "kafka.sh").string() +
                           " " + command + " " + dir;
  ASSERT_EQ(std::system(line.c_str()), 0) << line;
}

// A client of the cluster for metadata, watermarks and the group's committed offsets.
class ClusterView {
 public:
  explicit ClusterView(const std::string& bootstrap) {
    char error[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof error);
    handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    if (handle_ == nullptr) throw std::runtime_error(error);
  }
  ~ClusterView() { rd_kafka_destroy(handle_); }
  ClusterView(const ClusterView&) = delete;
  ClusterView& operator=(const ClusterView&) = delete;

  // Partition -> leader node id (the node ids are scripts/kafka.sh's node numbers); empty when
  // the metadata is not available.
  std::vector<int32_t> leaders(const std::string& topic) {
    std::vector<int32_t> leaders;
    rd_kafka_topic_t* handle = rd_kafka_topic_new(handle_, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* metadata = nullptr;
    if (rd_kafka_metadata(handle_, 0, handle, &metadata, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      for (int t = 0; t < metadata->topic_cnt; ++t) {
        for (int p = 0; p < metadata->topics[t].partition_cnt; ++p) {
          const auto& partition = metadata->topics[t].partitions[p];
          if (leaders.size() <= static_cast<std::size_t>(partition.id))
            leaders.resize(partition.id + 1, -1);
          leaders[partition.id] = partition.leader;
        }
      }
      rd_kafka_metadata_destroy(metadata);
    }
    rd_kafka_topic_destroy(handle);
    return leaders;
  }

  // Records the group has not committed yet on `topics` (kafka_test_support.hpp); -1 when the
  // cluster does not answer.
  int64_t group_lag(const std::string& group, const std::vector<std::string>& topics) {
    std::map<std::string, int> partitions;
    for (const auto& topic : topics) partitions[topic] = static_cast<int>(leaders(topic).size());
    return leifeng::runtime::testing::group_lag(bootstrap_of_view(), group, partitions);
  }

 private:
  std::string bootstrap_of_view() {
    char value[1024];
    size_t size = sizeof value;
    rd_kafka_conf_get(rd_kafka_conf(handle_), "bootstrap.servers", value, &size);
    return value;
  }

  rd_kafka_t* handle_ = nullptr;
};

// Java's String.hashCode and Kafka's Utils.abs: the broker keeps transactional id `id` in
// __transaction_state partition abs(hash) % partitions, whose leader is its coordinator.
int32_t transaction_state_partition(const std::string& id, int32_t partitions) {
  int32_t hash = 0;
  for (const unsigned char c : id)
    hash = static_cast<int32_t>(31u * static_cast<uint32_t>(hash) + c);
  const int32_t positive = hash == INT32_MIN ? 0 : (hash < 0 ? -hash : hash);
  return positive % partitions;
}

// Fences `transactional_id`'s producer the way a newer instance would: init_transactions with
// the same id bumps its epoch, and the older producer's next transactional call is fatal.
void fence_producer(const std::string& bootstrap, const std::string& transactional_id) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof error);
  rd_kafka_conf_set(conf, "transactional.id", transactional_id.c_str(), error, sizeof error);
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  ASSERT_NE(producer, nullptr) << error;
  rd_kafka_error_t* failed = rd_kafka_init_transactions(producer, 60000);
  EXPECT_EQ(failed, nullptr) << (failed != nullptr ? rd_kafka_error_string(failed) : "");
  if (failed != nullptr) rd_kafka_error_destroy(failed);
  rd_kafka_destroy(producer);
}

// Fences the static consumer `instance_id` of `group`: a member joining with the same
// group.instance.id replaces it (KIP-345), and the older member's next heartbeat fails with
// FENCED_INSTANCE_ID. Polls until `fenced()` says the older member noticed (its replacement
// may in turn replace this member before it ever sees an assignment), at most 60 s. A member
// that joined while the older one was itself still joining can lose that race and be the one
// fenced (a fatal error for it); a new member then joins again.
void fence_consumer(const std::string& bootstrap, const std::string& group,
                    const std::string& instance_id, const std::vector<std::string>& topics,
                    const std::function<bool()>& fenced) {
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (!fenced() && Clock::now() < deadline) {
    char error[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    for (const auto& [name, value] :
         std::map<std::string, std::string>{{"bootstrap.servers", bootstrap},
                                            {"group.id", group},
                                            {"group.instance.id", instance_id},
                                            {"partition.assignment.strategy", "range"},
                                            {"enable.auto.commit", "false"},
                                            {"session.timeout.ms", "10000"}})
      rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof error);
    rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
    ASSERT_NE(consumer, nullptr) << error;
    rd_kafka_poll_set_consumer(consumer);
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(4);
    for (const auto& topic : topics)
      rd_kafka_topic_partition_list_add(list, topic.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(consumer, list);
    rd_kafka_topic_partition_list_destroy(list);
    while (!fenced() && Clock::now() < deadline &&
           rd_kafka_fatal_error(consumer, nullptr, 0) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer, 200);
      if (message != nullptr) rd_kafka_message_destroy(message);
    }
    // Gone without leaving the group (a static member does not): run's new consumer replaces it.
    rd_kafka_destroy_flags(consumer, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  }
}

class Failover : public ::testing::Test {
 protected:
  // Generates the events, replays them, creates the topics (replication 3) and publishes the
  // first third.
  void prepare(const std::string& stem) {
    cli_ = std::make_unique<Leifeng>(stem);
    // Low star thresholds, so that star-changes has records to compare.
    std::ofstream(dir() / "leifeng.toml")
        << "[topics]\nreplication_factor = 3\n"
           "[rules]\nstar_thresholds_hours = [5, 10, 20, 40, 80]\n";
    const CommandResult generated = cli_->run(
        "generate --seed 14 --days 20 --volunteers 200 --events 24000 --bad-share 0.02 "
        "--duplicate-share 0.02 -o events.jsonl",
        false);
    ASSERT_EQ(generated.code, 0) << generated.err;
    const auto lines = read_lines(dir() / "events.jsonl");
    ASSERT_GT(lines.size(), 20000u);
    for (int part = 0; part < 3; ++part) {
      std::ofstream out(dir() / ("part" + std::to_string(part) + ".jsonl"));
      for (std::size_t i = lines.size() * part / 3; i < lines.size() * (part + 1) / 3; ++i)
        out << lines[i] << '\n';
    }
    const CommandResult replay = cli_->run("replay --input events.jsonl --out replay", false);
    ASSERT_EQ(replay.code, 0) << replay.err;
    const CommandResult topics = cli_->run("topics create");
    ASSERT_EQ(topics.code, 0) << topics.err;
    publish(0);
  }

  void publish(int part) {
    const CommandResult published = cli_->run("publish part" + std::to_string(part) + ".jsonl");
    ASSERT_EQ(published.code, 0) << "part " << part << ": " << published.err;
  }

  // Starts `run` and waits until it has committed a transaction (it processes then).
  void start_run() {
    run_ = cli_->start("run --progress-interval 1", "run.out", "run.err");
    const auto deadline = Clock::now() + std::chrono::seconds(90);
    const std::regex committed(R"(commits=[1-9])");
    while (Clock::now() < deadline) {
      if (!expect_running("starting")) FAIL();
      if (std::regex_search(read_file(dir() / "run.err"), committed)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    FAIL() << "run committed nothing within 90 s:\n" << read_file(dir() / "run.err");
  }

  // Run is still running (it never exits on its own); records a fatal failure and returns
  // false when it is not.
  bool expect_running(const std::string& when) {
    int status = 0;
    const pid_t done = ::waitpid(run_, &status, WNOHANG);
    if (done != run_) return true;
    run_ = -1;
    ADD_FAILURE() << "run exited " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1) << " " << when
                  << ":\n"
                  << read_file(dir() / "run.err");
    return false;
  }

  // Waits (checking that run keeps running) until the group has committed every input and
  // repartition record, then stops run with SIGTERM; it must exit 0.
  void finish_run() {
    ClusterView view(cli_->bootstrap());
    const std::vector<std::string> topics{cli_->topic("hours"), cli_->topic("activities"),
                                          cli_->topic("needs"), cli_->prefix() + "-county-deltas"};
    const auto deadline = Clock::now() + std::chrono::seconds(240);
    int64_t lag = -1;
    while (Clock::now() < deadline) {
      if (!expect_running("before catching up")) FAIL();
      lag = view.group_lag(cli_->prefix(), topics);
      if (lag == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    EXPECT_EQ(lag, 0) << "the group did not catch up within 240 s:\n"
                      << read_file(dir() / "run.err");
    ::kill(run_, SIGTERM);
    int status = 0;
    ::waitpid(run_, &status, 0);
    run_ = -1;
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_file(dir() / "run.err");
    // What run went through, for the test log: aborts, rebuilds and the closing line.
    std::istringstream log(read_file(dir() / "run.err"));
    for (std::string line; std::getline(log, line);) {
      if (line.find("transaction aborted") != std::string::npos ||
          line.find("Kafka clients lost") != std::string::npos ||
          line.find("processors stopped") != std::string::npos)
        std::cout << "  run: " << line.substr(0, 300) << '\n';
    }
    // Before the next fork: a child's freopen would write what is still buffered again.
    std::cout.flush();
  }

  // Every output table equals the replay's.
  void expect_tables_equal_replay() {
    fs::create_directories(dir() / "live");
    for (const char* table :
         {"stars", "star-changes", "needs-status", "county-stats", "dead-letter", "stations"}) {
      const CommandResult exported =
          cli_->run(std::string("export ") + table + " -o live/" + table + ".jsonl");
      ASSERT_EQ(exported.code, 0) << table << ": " << exported.err;
    }
    for (const char* table : {"stars.jsonl", "star-changes.jsonl", "needs-status.jsonl"}) {
      const auto expected = read_lines(dir() / "replay" / table);
      const auto actual = read_lines(dir() / "live" / table);
      EXPECT_GT(expected.size(), 50u) << table;
      EXPECT_EQ(actual.size(), expected.size()) << table;
      EXPECT_TRUE(actual == expected) << table << " differs between live and replay";
    }
    auto compare = [&](const char* table, std::string (*normal)(const std::string&), bool sort) {
      auto expected = read_lines(dir() / "replay" / table);
      auto actual = read_lines(dir() / "live" / table);
      std::transform(expected.begin(), expected.end(), expected.begin(), normal);
      std::transform(actual.begin(), actual.end(), actual.begin(), normal);
      if (sort) {
        std::sort(expected.begin(), expected.end());
        std::sort(actual.begin(), actual.end());
      }
      EXPECT_FALSE(expected.empty()) << table;
      EXPECT_EQ(actual.size(), expected.size()) << table;
      EXPECT_TRUE(actual == expected) << table << " differs between live and replay";
    };
    compare("county-stats.jsonl", without_revision, false);
    compare("dead-letter.jsonl", without_source, true);
    compare(
        "stations.jsonl", [](const std::string& line) { return line; }, false);
  }

  void TearDown() override {
    if (run_ > 0) {
      ::kill(run_, SIGKILL);
      ::waitpid(run_, nullptr, 0);
    }
    // The next test needs every node: start any that a failed test left down.
    for (int node = 1; node <= 3; ++node) kafka("start-node " + std::to_string(node));
  }

  const fs::path& dir() const { return cli_->dir(); }

  std::unique_ptr<Leifeng> cli_;
  pid_t run_ = -1;
};

TEST_F(Failover, LeaderOfTheBusiestPartitionKilledMidRunAndRestartedLater) {
  ASSERT_NO_FATAL_FAILURE(prepare("failover-leader"));
  ASSERT_NO_FATAL_FAILURE(start_run());
  // hours carries most events; its partitions are about equal, so partition 0 stands for them.
  ClusterView view(cli_->bootstrap());
  const auto leaders = view.leaders(cli_->topic("hours"));
  ASSERT_FALSE(leaders.empty());
  const int32_t node = leaders[0];
  ASSERT_GE(node, 1);
  ASSERT_NO_FATAL_FAILURE(kafka("kill-node " + std::to_string(node)));
  ASSERT_NO_FATAL_FAILURE(publish(1));  // acks=all with min ISR 2: two nodes take it
  std::this_thread::sleep_for(std::chrono::seconds(5));
  ASSERT_TRUE(expect_running("with a node down"));
  ASSERT_NO_FATAL_FAILURE(kafka("start-node " + std::to_string(node)));
  ASSERT_NO_FATAL_FAILURE(publish(2));
  ASSERT_NO_FATAL_FAILURE(finish_run());
  expect_tables_equal_replay();
}

TEST_F(Failover, RollingRestartOfAllThreeBrokersWhileProcessing) {
  ASSERT_NO_FATAL_FAILURE(prepare("failover-rolling"));
  ASSERT_NO_FATAL_FAILURE(start_run());
  for (int node = 1; node <= 3; ++node) {
    ASSERT_NO_FATAL_FAILURE(kafka("stop-node " + std::to_string(node)));
    if (node <= 2) {
      ASSERT_NO_FATAL_FAILURE(publish(node));
    }
    ASSERT_TRUE(expect_running("with node " + std::to_string(node) + " stopped"));
    ASSERT_NO_FATAL_FAILURE(kafka("start-node " + std::to_string(node)));
  }
  ASSERT_NO_FATAL_FAILURE(finish_run());
  expect_tables_equal_replay();
}

TEST_F(Failover, TransactionCoordinatorKilledMidCommit) {
  ASSERT_NO_FATAL_FAILURE(prepare("failover-coordinator"));
  ASSERT_NO_FATAL_FAILURE(start_run());
  // The coordinator of run's transactional.id (<application id>-<instance id>) leads its
  // __transaction_state partition. Run commits every 200 ms while it has input, and a commit
  // (AddOffsetsToTxn, TxnOffsetCommit, EndTxn) takes a good part of that, so a kill while it
  // processes nearly always lands in a commit, and always in an open transaction.
  std::string instance = read_file(dir() / "state" / "instance-id");
  while (!instance.empty() && std::isspace(static_cast<unsigned char>(instance.back())))
    instance.pop_back();
  ASSERT_FALSE(instance.empty());
  ClusterView view(cli_->bootstrap());
  const auto leaders = view.leaders("__transaction_state");
  ASSERT_FALSE(leaders.empty());
  const int32_t node = leaders[transaction_state_partition(cli_->prefix() + "-" + instance,
                                                           static_cast<int32_t>(leaders.size()))];
  ASSERT_GE(node, 1);
  ASSERT_NO_FATAL_FAILURE(publish(1));
  ASSERT_NO_FATAL_FAILURE(kafka("kill-node " + std::to_string(node)));
  std::this_thread::sleep_for(std::chrono::seconds(5));
  ASSERT_TRUE(expect_running("with the transaction coordinator down"));
  ASSERT_NO_FATAL_FAILURE(kafka("start-node " + std::to_string(node)));
  ASSERT_NO_FATAL_FAILURE(publish(2));
  ASSERT_NO_FATAL_FAILURE(finish_run());
  expect_tables_equal_replay();
}

// The rebuild itself, made certain: a newer producer with run's transactional.id fences run's
// producer, then a consumer with run's group.instance.id fences its consumer. Run builds new
// clients each time (it used to exit 2) and the tables stay exact.
TEST_F(Failover, FencedProducerAndFencedStaticConsumerAreRebuiltNotFatal) {
  ASSERT_NO_FATAL_FAILURE(prepare("failover-fenced"));
  ASSERT_NO_FATAL_FAILURE(start_run());
  std::string instance = read_file(dir() / "state" / "instance-id");
  while (!instance.empty() && std::isspace(static_cast<unsigned char>(instance.back())))
    instance.pop_back();
  ASSERT_FALSE(instance.empty());
  auto rebuilds = [&] {
    const std::string log = read_file(dir() / "run.err");
    int count = 0;
    for (std::size_t at = log.find("Kafka clients rebuilt"); at != std::string::npos;
         at = log.find("Kafka clients rebuilt", at + 1))
      ++count;
    return count;
  };
  auto wait_for_rebuilds = [&](int count) {
    const auto deadline = Clock::now() + std::chrono::seconds(90);
    while (rebuilds() < count && Clock::now() < deadline) {
      if (!expect_running("after being fenced")) FAIL();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    EXPECT_GE(rebuilds(), count) << read_file(dir() / "run.err");
  };
  ASSERT_NO_FATAL_FAILURE(fence_producer(cli_->bootstrap(), cli_->prefix() + "-" + instance));
  ASSERT_NO_FATAL_FAILURE(publish(1));
  ASSERT_NO_FATAL_FAILURE(wait_for_rebuilds(1));
  ASSERT_NO_FATAL_FAILURE(fence_consumer(cli_->bootstrap(), cli_->prefix(), instance,
                                         {cli_->topic("hours"), cli_->topic("activities"),
                                          cli_->topic("needs"), cli_->prefix() + "-county-deltas"},
                                         [&] { return rebuilds() >= 2; }));
  ASSERT_NO_FATAL_FAILURE(wait_for_rebuilds(2));
  ASSERT_NO_FATAL_FAILURE(publish(2));
  ASSERT_NO_FATAL_FAILURE(finish_run());
  const std::string log = read_file(dir() / "run.err");
  EXPECT_NE(log.find("Kafka clients lost"), std::string::npos) << log;
  expect_tables_equal_replay();
}

}  // namespace
