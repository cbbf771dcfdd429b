// Two `leifeng run` instances of one application on one host, each in its own working
// directory (so its own state directory), through the real binary on the fixture broker: each
// gets its own instance id (so its own transactional.id), a restart keeps it, and GET /readyz
// on the metrics port is 200 once an instance is assigned and restored, 503 while the second
// one joining makes the group rebalance. GET /healthz answers 200 throughout.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <utility>

#include "../runtime/kafka_test_support.hpp"
#include "leifeng/test_support/files.hpp"
#include "leifeng/test_support/leifeng_command.hpp"
#include "leifeng/test_support/leifeng_on_broker.hpp"

namespace {

namespace fs = std::filesystem;
namespace support = leifeng::runtime::testing;
using Clock = std::chrono::steady_clock;
using leifeng::test_support::LeifengCommand;
using leifeng::test_support::read_file;
using support::free_port;

int status_of(int port, const char* path, const std::string& host = "127.0.0.1") {
  httplib::Client client(host, port);
  client.set_connection_timeout(std::chrono::seconds(1));
  auto response = client.Get(path);
  return response ? response->status : -1;
}

// Waits up to a minute for GET /readyz to answer 200.
bool becomes_ready(int port) {
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    if (status_of(port, "/readyz") == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// Waits up to a minute for GET /healthz on `host` to answer 200.
bool becomes_alive(int port, const std::string& host) {
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    if (status_of(port, "/healthz", host) == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// One `leifeng run` in its own directory with its own metrics port (and `extra` environment).
struct RunInstance {
  RunInstance(const leifeng::test_support::LeifengOnBroker& cli, const std::string& name,
              std::map<std::string, std::string> extra = {})
      : dir(cli.dir() / name),
        port(free_port()),
        command((fs::create_directories(dir), dir),
                with(std::move(extra), {{"LEIFENG_APP_TOPIC_PREFIX", cli.prefix()},
                                        {"LEIFENG_APP_APPLICATION_ID", cli.prefix()},
                                        {"LEIFENG_APP_STATE_DIR", "state"},
                                        {"LEIFENG_TOPICS_PARTITIONS", "3"},
                                        {"LEIFENG_RUNTIME_COMMIT_INTERVAL_MS", "200"},
                                        {"LEIFENG_RUNTIME_METRICS_PORT", std::to_string(port)}})),
        bootstrap(cli.bootstrap()) {}

  static std::map<std::string, std::string> with(std::map<std::string, std::string> extra,
                                                 std::map<std::string, std::string> base) {
    extra.merge(base);
    return extra;
  }

  void start(const std::string& log) {
    err = log;
    pid = command.start({"--bootstrap-servers", bootstrap, "run"}, log + ".out", log);
  }
  int stop() {
    ::kill(pid, SIGTERM);
    return support::wait_for(pid);
  }
  std::string instance_id() const { return read_file(dir / "state" / "instance-id"); }
  std::string log() const { return read_file(dir / err); }

  fs::path dir;
  int port;
  LeifengCommand command;
  std::string bootstrap;
  std::string err;
  pid_t pid = -1;
};

// Waits up to ten seconds for the instance's log to contain `text`: the endpoint answers as
// soon as it listens, and run logs its address just after.
bool logs(const RunInstance& instance, const std::string& text) {
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (instance.log().find(text) == std::string::npos) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

TEST(RunInstances, OwnIdsKeptOnRestartAndReadinessFlipsDuringARebalance) {
  leifeng::test_support::LeifengOnBroker cli("instances");
  ASSERT_EQ(cli.run("topics create").code, 0);
  RunInstance first(cli, "first");
  RunInstance second(cli, "second");

  first.start("run-1.err");
  ASSERT_TRUE(becomes_ready(first.port)) << first.log();
  EXPECT_EQ(status_of(first.port, "/healthz"), 200);
  const std::string first_id = first.instance_id();
  ASSERT_FALSE(first_id.empty());
  ASSERT_EQ(first_id.back(), '\n');
  const std::string transactional_id = cli.prefix() + "-" + first_id.substr(0, first_id.size() - 1);
  EXPECT_NE(first.log().find(transactional_id), std::string::npos) << first.log();

  // The second instance joins; meanwhile the first one's /readyz is watched every millisecond.
  std::atomic<bool> watching{true};
  std::atomic<int> not_ready_seen{0};
  std::thread watcher([&] {
    httplib::Client client("127.0.0.1", first.port);
    client.set_keep_alive(true);
    while (watching) {
      auto response = client.Get("/readyz");
      if (response && response->status == 503) ++not_ready_seen;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  second.start("run-2.err");
  const bool second_ready = becomes_ready(second.port);
  const bool first_ready_again = becomes_ready(first.port);
  watching = false;
  watcher.join();
  ASSERT_TRUE(second_ready) << second.log();
  EXPECT_TRUE(first_ready_again) << first.log();
  EXPECT_GT(not_ready_seen.load(), 0) << "the first instance stayed ready through the rebalance";
  const std::string second_id = second.instance_id();
  EXPECT_FALSE(second_id.empty());
  EXPECT_NE(second_id, first_id);
  EXPECT_EQ(second.log().find(transactional_id), std::string::npos) << second.log();

  // A restart of the first instance keeps its id.
  EXPECT_EQ(first.stop(), 0) << first.log();
  first.start("run-1-again.err");
  ASSERT_TRUE(becomes_ready(first.port)) << first.log();
  EXPECT_EQ(first.instance_id(), first_id);
  EXPECT_NE(first.log().find(transactional_id), std::string::npos) << first.log();

  EXPECT_EQ(first.stop(), 0) << first.log();
  EXPECT_EQ(second.stop(), 0) << second.log();
}

// The endpoint listens on 127.0.0.1 only unless [runtime] metrics_address says otherwise:
// 127.0.0.2 is loopback too, but a socket bound to 127.0.0.1 does not answer there.
TEST(RunInstances, MetricsListenOnLoopbackUnlessAnAddressIsConfigured) {
  leifeng::test_support::LeifengOnBroker cli("metrics-address");
  ASSERT_EQ(cli.run("topics create").code, 0);

  RunInstance local(cli, "local");
  local.start("run-local.err");
  ASSERT_TRUE(becomes_alive(local.port, "127.0.0.1")) << local.log();
  EXPECT_EQ(status_of(local.port, "/metrics", "127.0.0.1"), 200);
  EXPECT_EQ(status_of(local.port, "/healthz", "127.0.0.2"), -1);
  EXPECT_TRUE(logs(local, "http://127.0.0.1:" + std::to_string(local.port) + "/metrics"))
      << local.log();
  EXPECT_EQ(local.stop(), 0) << local.log();

  RunInstance other(cli, "other", {{"LEIFENG_RUNTIME_METRICS_ADDRESS", "127.0.0.2"}});
  other.start("run-other.err");
  ASSERT_TRUE(becomes_alive(other.port, "127.0.0.2")) << other.log();
  EXPECT_EQ(status_of(other.port, "/metrics", "127.0.0.2"), 200);
  EXPECT_EQ(status_of(other.port, "/healthz", "127.0.0.1"), -1);
  EXPECT_TRUE(logs(other, "http://127.0.0.2:" + std::to_string(other.port) + "/metrics"))
      << other.log();
  EXPECT_EQ(other.stop(), 0) << other.log();
}

}  // namespace
