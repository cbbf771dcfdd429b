// Standby replicas through the real binary on the fixture broker (issue 15): two `leifeng run`
// instances with [runtime] standby_replicas = 1 and [serve] port; the owner of a volunteer's
// partition is killed with SIGKILL while it processes. The survivor answers that volunteer
// from its standby copy (marked as such) while the group has not moved the partition yet,
// then takes the partition over restoring only the changelog tail (far fewer records than the
// changelogs hold), and every output table equals a replay of the events (exactly-once). Run
// with one stream thread per instance and with two (the copies are then the partitions no
// thread of the instance owns).
#include <gtest/gtest.h>
#include <httplib.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "../runtime/kafka_test_support.hpp"
#include "leifeng/test_support/comparable_lines.hpp"
#include "leifeng/test_support/files.hpp"
#include "leifeng/test_support/leifeng_command.hpp"
#include "leifeng/test_support/leifeng_on_broker.hpp"

namespace {

namespace fs = std::filesystem;
namespace support = leifeng::runtime::testing;
using Clock = std::chrono::steady_clock;
using leifeng::test_support::CommandResult;
using leifeng::test_support::LeifengCommand;
using leifeng::test_support::read_file;
using leifeng::test_support::read_lines;
using leifeng::test_support::without_revision;
using leifeng::test_support::without_source;

struct Answer {
  int status = -1;
  std::string body;
  std::string forwarded_by;
  std::string standby;
};

Answer query(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(1));
  client.set_read_timeout(std::chrono::seconds(10));
  auto response = client.Get(path);
  if (!response) return {};
  return {response->status, response->body, response->get_header_value("X-Leifeng-Forwarded-By"),
          response->get_header_value("X-Leifeng-Standby")};
}

// `leifeng run` with a standby and a query port, in its own directory.
struct Instance {
  Instance(const leifeng::test_support::LeifengOnBroker& cli, const std::string& name, int threads)
      : dir(cli.dir() / name),
        port(support::free_port()),
        command((fs::create_directories(dir), dir),
                {{"LEIFENG_APP_TOPIC_PREFIX", cli.prefix()},
                 {"LEIFENG_APP_APPLICATION_ID", cli.prefix()},
                 {"LEIFENG_APP_STATE_DIR", "state"},
                 {"LEIFENG_TOPICS_PARTITIONS", "3"},
                 {"LEIFENG_RUNTIME_COMMIT_INTERVAL_MS", "200"},
                 {"LEIFENG_RUNTIME_STANDBY_REPLICAS", "1"},
                 {"LEIFENG_RUNTIME_THREADS", std::to_string(threads)},
                 {"LEIFENG_SERVE_PORT", std::to_string(port)}}),
        bootstrap(cli.bootstrap()) {
    std::ofstream(dir / "leifeng.toml") << "[rules]\nstar_thresholds_hours = [5, 10, 20, 40, 80]\n";
  }
  void start() {
    pid = command.start(
        {"-c", "leifeng.toml", "--bootstrap-servers", bootstrap, "run", "--progress-interval", "0"},
        "run.out", "run.err");
  }
  std::string log() const { return read_file(dir / "run.err"); }

  fs::path dir;
  int port;
  LeifengCommand command;
  std::string bootstrap;
  pid_t pid = -1;
};

// The topics of a prefix, their records, the group's uncommitted records and the open
// transactions on them.
class Cluster {
 public:
  explicit Cluster(const std::string& bootstrap) : bootstrap_(bootstrap) {
    char error[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof error);
    handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    if (handle_ == nullptr) throw std::runtime_error(error);
  }
  ~Cluster() { rd_kafka_destroy(handle_); }
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Topic -> partition count, of the topics named prefix...suffix.
  std::map<std::string, int> topics(const std::string& prefix, const std::string& suffix) {
    std::map<std::string, int> found;
    const rd_kafka_metadata_t* metadata = nullptr;
    if (rd_kafka_metadata(handle_, 1, nullptr, &metadata, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR)
      return found;
    for (int t = 0; t < metadata->topic_cnt; ++t) {
      const std::string name = metadata->topics[t].topic;
      if (name.starts_with(prefix) && name.ends_with(suffix))
        found[name] = metadata->topics[t].partition_cnt;
    }
    rd_kafka_metadata_destroy(metadata);
    return found;
  }

  int64_t records(const std::map<std::string, int>& topics) {
    int64_t total = 0;
    for (const auto& [topic, partitions] : topics) {
      for (int p = 0; p < partitions; ++p) {
        int64_t low = 0;
        int64_t high = 0;
        if (rd_kafka_query_watermark_offsets(handle_, topic.c_str(), p, &low, &high, 10000) ==
            RD_KAFKA_RESP_ERR_NO_ERROR)
          total += high - low;
      }
    }
    return total;
  }

  int64_t group_lag(const std::string& group, const std::map<std::string, int>& topics) {
    return support::group_lag(bootstrap_, group, topics);
  }
  int open_transactions(const std::map<std::string, int>& topics) {
    return support::open_transactions(bootstrap_, topics);
  }

 private:
  std::string bootstrap_;
  rd_kafka_t* handle_ = nullptr;
};

// The records restored by the assignments logged in `log` ("... restored N changelog records").
int64_t restored_in(const std::string& log) {
  static const std::regex line(R"(restored ([0-9]+) changelog records)");
  int64_t total = 0;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator();
       ++it)
    total += std::stoll((*it)[1].str());
  return total;
}

// The parameter: stream threads per instance.
class StandbyTakeover : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    std::ofstream(cli.dir() / "leifeng.toml")
        << "[rules]\nstar_thresholds_hours = [5, 10, 20, 40, 80]\n";
    ASSERT_EQ(cli.run("generate --seed 16 --days 20 --volunteers 300 --events 24000 "
                      "--bad-share 0.02 --duplicate-share 0.02 -o events.jsonl",
                      false)
                  .code,
              0);
    const auto lines = read_lines(cli.dir() / "events.jsonl");
    ASSERT_GT(lines.size(), 20000u);
    for (int part = 0; part < 3; ++part) {
      std::ofstream out(cli.dir() / ("part" + std::to_string(part) + ".jsonl"));
      for (std::size_t i = lines.size() * part / 3; i < lines.size() * (part + 1) / 3; ++i)
        out << lines[i] << '\n';
    }
    ASSERT_EQ(cli.run("replay --input events.jsonl --out replay", false).code, 0);
    ASSERT_EQ(cli.run("topics create").code, 0);
  }

  void publish(int part) {
    const CommandResult published = cli.run("publish -q part" + std::to_string(part) + ".jsonl");
    ASSERT_EQ(published.code, 0) << published.err;
  }

  // Waits until the group has committed every input and repartition record.
  bool caught_up(Cluster& cluster) {
    const std::map<std::string, int> inputs{{cli.topic("hours"), 3},
                                            {cli.topic("activities"), 3},
                                            {cli.topic("needs"), 3},
                                            {cli.prefix() + "-county-deltas", 3}};
    const auto deadline = Clock::now() + std::chrono::seconds(240);
    while (Clock::now() < deadline) {
      if (cluster.group_lag(cli.prefix(), inputs) == 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    return false;
  }

  void TearDown() override {
    for (Instance* instance : {&first, &second}) {
      if (instance->pid > 0) support::kill_and_wait(instance->pid, SIGKILL);
    }
  }

  leifeng::test_support::LeifengOnBroker cli{"standby"};
  Instance first{cli, "first", GetParam()};
  Instance second{cli, "second", GetParam()};
};

TEST_P(StandbyTakeover, KilledOwnersPartitionsAreServedByTheStandbyAndTakenOverWithOnlyTheTail) {
  ASSERT_NO_FATAL_FAILURE(publish(0));
  first.start();
  second.start();
  Cluster cluster(cli.bootstrap());
  ASSERT_TRUE(caught_up(cluster)) << second.log();
  ASSERT_NO_FATAL_FAILURE(publish(1));
  ASSERT_TRUE(caught_up(cluster)) << second.log();

  // A volunteer the second instance owns: the first forwards its query there.
  std::string moved;
  for (const std::string& line : read_lines(cli.dir() / "replay" / "stars.jsonl")) {
    std::smatch match;
    if (!std::regex_search(line, match, std::regex(R"re("volunteer_id":"([^"]+)")re"))) continue;
    const Answer answer = query(first.port, "/v1/volunteers/" + match[1].str());
    if (answer.status == 200 && !answer.forwarded_by.empty()) {
      moved = match[1].str();
      break;
    }
  }
  ASSERT_FALSE(moved.empty()) << "no volunteer is served by the second instance\n" << first.log();
  // The copies open on the standby's own thread, after the assignment.
  const auto warming = Clock::now();
  while (first.log().find("standby copy of") == std::string::npos &&
         Clock::now() - warming < std::chrono::seconds(15))
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_NE(first.log().find("standby copy of"), std::string::npos) << first.log();
  // The standby applies what the owner commits about every 50 ms.
  std::this_thread::sleep_for(std::chrono::seconds(2));

  // SIGKILL while the owner processes the last part.
  ASSERT_NO_FATAL_FAILURE(publish(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::size_t log_before_kill = first.log().size();
  support::kill_and_wait(second.pid, SIGKILL);
  second.pid = -1;
  const auto killed = Clock::now();

  // First answered query: from the survivor's standby copy, marked as such.
  Answer answer;
  while (Clock::now() - killed < std::chrono::seconds(60)) {
    answer = query(first.port, "/v1/volunteers/" + moved);
    if (answer.status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto first_answer = Clock::now() - killed;
  ASSERT_EQ(answer.status, 200) << answer.body << "\n" << first.log();
  EXPECT_EQ(answer.standby, "true") << answer.body;
  EXPECT_NE(answer.body.find(R"("served_by":"standby","standby_lag":)"), std::string::npos)
      << answer.body;
  // Until the group moves the partition (session.timeout.ms, 10 s) only a standby can answer.
  EXPECT_LT(first_answer, std::chrono::seconds(10));

  // Then the survivor owns it: answers without the standby marking.
  while (Clock::now() - killed < std::chrono::seconds(120)) {
    answer = query(first.port, "/v1/volunteers/" + moved);
    if (answer.status == 200 && answer.standby.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto owner_answer = Clock::now() - killed;
  EXPECT_EQ(answer.status, 200);
  EXPECT_TRUE(answer.standby.empty()) << answer.body;
  EXPECT_EQ(answer.body.find("standby"), std::string::npos) << answer.body;
  std::cout << "  kill -9 -> first answer (standby) "
            << std::chrono::duration_cast<std::chrono::milliseconds>(first_answer).count()
            << " ms, -> new owner answers "
            << std::chrono::duration_cast<std::chrono::milliseconds>(owner_answer).count()
            << " ms\n";
  std::cout.flush();  // before the next fork: a child would write what is still buffered

  // The killed owner's open transaction holds back every read_committed reader of the
  // partitions it wrote (the survivor's consumer of the county deltas, export) until the broker
  // aborts it: transaction.timeout.ms (30 s) after it began, at the broker's next check for
  // timed-out transactions (every 10 s). Only then can the survivor finish.
  std::map<std::string, int> written = cluster.topics(cli.prefix() + ".", "");
  written.merge(cluster.topics(cli.prefix() + "-", ""));
  int open = -1;
  while (Clock::now() - killed < std::chrono::seconds(90)) {
    open = cluster.open_transactions(written);
    if (open == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ASSERT_EQ(open, 0) << "an open transaction still holds back readers 90 s after the kill";
  std::cout << "  kill -9 -> the dead owner's transaction aborted "
            << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed).count()
            << " ms\n";
  std::cout.flush();
  ASSERT_TRUE(caught_up(cluster)) << first.log();
  ::kill(first.pid, SIGTERM);
  EXPECT_EQ(support::wait_for(first.pid), 0) << first.log();
  first.pid = -1;

  // The takeover restored only the tail: a full restore of even one of the three partitions
  // the second instance owned would read about a third of the changelogs' records.
  const std::string log = first.log();
  const int64_t restored = restored_in(log.substr(log_before_kill));
  const int64_t changelogs = cluster.records(cluster.topics(cli.prefix() + "-", "-changelog"));
  std::cout << "  takeover restored " << restored << " changelog records; the changelogs hold "
            << changelogs << "\n";
  std::cout.flush();
  EXPECT_GT(changelogs, 3000);
  EXPECT_LT(restored * 30, changelogs) << log.substr(log_before_kill);

  // Exactly-once: every output table equals the replay's.
  fs::create_directories(cli.dir() / "live");
  for (const char* table :
       {"stars", "star-changes", "needs-status", "county-stats", "dead-letter"}) {
    const CommandResult exported =
        cli.run(std::string("export ") + table + " -o live/" + table + ".jsonl");
    ASSERT_EQ(exported.code, 0) << table << ": " << exported.err;
  }
  auto compare = [&](const char* table, std::string (*normal)(const std::string&), bool sort) {
    auto expected = read_lines(cli.dir() / "replay" / table);
    auto actual = read_lines(cli.dir() / "live" / table);
    if (normal != nullptr) {
      std::transform(expected.begin(), expected.end(), expected.begin(), normal);
      std::transform(actual.begin(), actual.end(), actual.begin(), normal);
    }
    if (sort) {
      std::sort(expected.begin(), expected.end());
      std::sort(actual.begin(), actual.end());
    }
    EXPECT_FALSE(expected.empty()) << table;
    EXPECT_EQ(actual.size(), expected.size()) << table;
    EXPECT_TRUE(actual == expected) << table << " differs between live and replay";
  };
  compare("stars.jsonl", nullptr, false);
  compare("star-changes.jsonl", nullptr, false);
  compare("needs-status.jsonl", nullptr, false);
  compare("county-stats.jsonl", without_revision, false);
  compare("dead-letter.jsonl", without_source, true);
}

INSTANTIATE_TEST_SUITE_P(StreamThreads, StandbyTakeover, ::testing::Values(1, 2),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::to_string(info.param) + "Threads";
                         });

}  // namespace
