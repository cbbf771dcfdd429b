// Readiness on the real broker, seen as an orchestrator sees it (GET /readyz): not ready until
// the group assigned the partitions and their stores are restored, not ready while a second
// instance joining makes the group rebalance, ready again after, and not ready once stopping.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "counting_processor.hpp"
#include "kafka_test_support.hpp"
#include "leifeng/runtime/metrics.hpp"
#include "leifeng/runtime/metrics_server.hpp"
#include "leifeng/runtime/readiness.hpp"
#include "leifeng/runtime/stream_runtime.hpp"

namespace leifeng::runtime::testing {
namespace {

using Clock = std::chrono::steady_clock;
// (HTTP status, body) of one GET /readyz.
using Answer = std::pair<int, std::string>;

const Answer kReady{200, "ready\n"};
const Answer kRebalancing{503, "rebalancing\n"};
const Answer kRestoring{503, "restoring\n"};
const Answer kStopped{503, "stopped\n"};
// How long the test's processor takes to start (see the topology below).
constexpr auto kTaskStart = std::chrono::milliseconds(300);

// Asks GET /readyz every millisecond and keeps each answer that differs from the one before.
class ReadyzProbe {
 public:
  explicit ReadyzProbe(int port) : port_(port), thread_([this] { poll(); }) {}
  ~ReadyzProbe() {
    done_ = true;
    thread_.join();
  }

  // Waits up to `timeout` until `done` holds for the answers seen so far.
  bool wait_until(const std::function<bool(const std::vector<Answer>&)>& done,
                  std::chrono::seconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return done(answers_); });
  }
  std::vector<Answer> answers() {
    std::lock_guard lock(mutex_);
    return answers_;
  }

 private:
  void poll() {
    httplib::Client client("127.0.0.1", port_);
    client.set_keep_alive(true);
    while (!done_) {
      auto response = client.Get("/readyz");
      Answer answer = response ? Answer{response->status, response->body} : Answer{-1, ""};
      {
        std::lock_guard lock(mutex_);
        if (answers_.empty() || answers_.back() != answer) answers_.push_back(std::move(answer));
      }
      changed_.notify_all();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  int port_;
  std::atomic<bool> done_{false};
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Answer> answers_;
  std::thread thread_;
};

// The index of the first `answer` at or after `from`, or -1.
int find(const std::vector<Answer>& answers, const Answer& answer, std::size_t from = 0) {
  for (std::size_t i = from; i < answers.size(); ++i) {
    if (answers[i] == answer) return static_cast<int>(i);
  }
  return -1;
}

// One runtime instance with its metrics server (port 0) and readiness, running in a thread.
class Instance {
 public:
  Instance(const Topology& topology, RuntimeOptions options)
      : server_(metrics_, &readiness_),
        runtime_(topology, std::move(options), &metrics_, &readiness_) {
    port_ = server_.start("127.0.0.1", 0);
  }
  ~Instance() { stop(); }

  void start() {
    thread_ = std::thread([this] {
      try {
        runtime_.run(stop_);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "the runtime failed: " << e.what();
      }
    });
  }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }
  const StreamRuntime& runtime() const { return runtime_; }

 private:
  Metrics metrics_;
  Readiness readiness_;
  MetricsServer server_;
  StreamRuntime runtime_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  int port_ = 0;
};

TEST(ReadinessOnKafka, ReadyAfterAssignmentAndRestoreNotDuringARebalanceNorAfterStop) {
  const std::string bootstrap = test_bootstrap_servers();
  const std::string app = unique_name("readiness");
  create_topic(bootstrap, app + ".events", 4);
  create_topic(bootstrap, app + ".counts", 4);
  std::vector<KeyedRecord> records;
  for (int i = 0; i < 2000; ++i) records.push_back({"k" + std::to_string(i % 97), "e"});
  produce_all(bootstrap, app + ".events", records);

  Topology topology(app);
  topology.input("events", app + ".events")
      .output("counts", app + ".counts")
      .processor("counter", {"events"}, {"counts"}, [](TaskContext& context) {
        // A task starts between its restore and readiness: a slow start keeps each assignment
        // restoring for a while, long enough for the poll to see it on a busy machine (a
        // rebalance whose stores were current took 18 ms end to end, and the poll missed it).
        std::this_thread::sleep_for(kTaskStart);
        return std::make_unique<CountingProcessor>(context, false);
      });
  const auto root = std::filesystem::temp_directory_path() / app;
  RuntimeOptions options;
  options.application_id = app;
  options.bootstrap_servers = bootstrap;
  options.partitions = 4;
  options.state_dir = (root / "a").string();
  Instance first(topology, options);
  options.state_dir = (root / "b").string();
  Instance second(topology, options);
  // Each state directory gave its instance its own id: they do not fence each other.
  ASSERT_NE(first.runtime().transactional_id(), second.runtime().transactional_id());

  ReadyzProbe probe(first.port());
  ASSERT_TRUE(
      probe.wait_until([](const auto& seen) { return !seen.empty(); }, std::chrono::seconds(10)));
  EXPECT_EQ(probe.answers().front(), kStopped);  // not started yet

  // Alone in the group: every partition assigned, the (empty) stores restored, ready.
  first.start();
  ASSERT_TRUE(probe.wait_until([](const auto& seen) { return find(seen, kReady) >= 0; },
                               std::chrono::seconds(60)))
      << ::testing::PrintToString(probe.answers());
  {
    const auto seen = probe.answers();
    const int ready = find(seen, kReady);
    // Before it: only not-ready answers, the instance's way through joining and restoring.
    for (int i = 0; i < ready; ++i) EXPECT_EQ(seen[i].first, 503) << seen[i].second;
    EXPECT_NE(find(seen, Answer{503, "not_assigned\n"}), -1) << ::testing::PrintToString(seen);
  }

  // A second instance joins: the group rebalances, the first instance is not ready from the
  // revocation (rebalancing) until its new assignment is restored (restoring), then ready
  // again. The poll may miss the short rebalancing part on a busy machine; restoring lasts
  // at least kTaskStart.
  const std::size_t before_join = probe.answers().size();
  second.start();
  ASSERT_TRUE(probe.wait_until(
      [&](const auto& seen) {
        for (const Answer& not_ready : {kRebalancing, kRestoring}) {
          const int at = find(seen, not_ready, before_join);
          if (at >= 0 && find(seen, kReady, at) >= 0) return true;
        }
        return false;
      },
      std::chrono::seconds(60)))
      << ::testing::PrintToString(probe.answers());
  {
    // Nothing but those two between the first readiness and the next.
    const auto seen = probe.answers();
    for (std::size_t i = before_join; i < seen.size(); ++i) {
      EXPECT_TRUE(seen[i] == kReady || seen[i] == kRebalancing || seen[i] == kRestoring)
          << seen[i].first << " " << seen[i].second;
    }
  }
  {
    httplib::Client client("127.0.0.1", second.port());
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    int status = 0;
    while (status != 200 && Clock::now() < deadline) {
      auto response = client.Get("/readyz");
      status = response ? response->status : -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(status, 200);
  }

  // Stopping: not ready while it commits and closes, and after (the server still answers).
  const std::size_t before_stop = probe.answers().size();
  first.stop();
  ASSERT_TRUE(
      probe.wait_until([&](const auto& seen) { return find(seen, kStopped, before_stop) >= 0; },
                       std::chrono::seconds(10)));
  EXPECT_EQ(probe.answers().back(), kStopped);
  second.stop();
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace leifeng::runtime::testing
