// The at-least-once guarantee of the embedded cluster (ProcessingGuarantee::at_least_once): the
// outputs commit in a transaction, then a plain consumer commit stores the input offsets. A
// group that refuses that second commit (a rebalance under way) loses nothing: the runtime
// offers the offsets again and the run goes on. An error every later commit would meet again
// stops it.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "captured_log.hpp"
#include "counting_processor.hpp"
#include "kafka_test_support.hpp"
#include "leifeng/runtime/embedded_cluster.hpp"
#include "leifeng/runtime/stream_runtime.hpp"

namespace leifeng::runtime::testing {
namespace {

constexpr int kRecords = 3000;
constexpr int kKeys = 30;

class AtLeastOnce : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<TopicSpec> topics{{input_, 2, 1, {}}, {counts_, 2, 1, {}}};
    for (const InternalTopic& internal : topology().internal_topics())
      topics.push_back({internal.name, 2, 1, {}});
    cluster_.create_topics(topics);
    std::vector<KeyedRecord> records;
    for (int i = 0; i < kRecords; ++i)
      records.push_back({"k" + std::to_string(i % kKeys), "e" + std::to_string(i)});
    produce_all(cluster_.bootstrap_servers(), input_, records);
  }
  void TearDown() override { std::filesystem::remove_all(state_dir()); }

  std::filesystem::path state_dir() const { return std::filesystem::temp_directory_path() / app_; }

  Topology topology() const {
    Topology topology(app_);
    topology.input("events", input_)
        .output("counts", counts_)
        .processor("counter", {"events"}, {"counts"}, [](TaskContext& context) {
          return std::make_unique<CountingProcessor>(context, false);
        });
    return topology;
  }

  RuntimeOptions options() const {
    RuntimeOptions options;
    options.application_id = app_;
    options.state_dir = state_dir().string();
    options.bootstrap_servers = cluster_.bootstrap_servers();
    options.instance_id = "one";
    options.threads = 1;
    options.guarantee = ProcessingGuarantee::at_least_once;
    return options;
  }

  // Each key's last count on the output topic.
  std::map<std::string, int64_t> last_counts() const {
    std::map<std::string, int64_t> last;
    for (const ReadRecord& record : read_committed(cluster_.bootstrap_servers(), counts_))
      last[record.key] = std::stoll(record.value);
    return last;
  }

  CapturedLog log_;  // outlives the cluster and the runtime's clients
  EmbeddedCluster cluster_;
  const std::string app_ = unique_name("at-least-once");
  const std::string input_ = app_ + ".events";
  const std::string counts_ = app_ + ".counts";
};

TEST_F(AtLeastOnce, OffsetsRefusedDuringARebalanceAreOfferedAgainAndTheRunGoesOn) {
  cluster_.fail_next_offset_commits({RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS});
  // Offsets never offered again would leave the run waiting for them for ever.
  std::atomic<bool> stop{false};
  const std::jthread watchdog([&stop](std::stop_token cancelled) {
    std::mutex mutex;
    std::unique_lock lock(mutex);
    std::condition_variable_any().wait_for(lock, cancelled, std::chrono::seconds(60),
                                           [] { return false; });
    stop = true;
  });
  {
    StreamRuntime runtime(topology(), options());
    ASSERT_TRUE(runtime.run_until_caught_up(stop));
    EXPECT_GE(runtime.stats().processed, kRecords);
  }
  EXPECT_TRUE(
      log_.contains("transaction committed, but not its input offsets (Broker: Group "
                    "rebalance in progress)"))
      << log_.text();
  EXPECT_TRUE(log_.contains("input offsets committed after an earlier refusal")) << log_.text();
  // Every record counted, some perhaps twice (at least once), none lost.
  const auto counts = last_counts();
  ASSERT_EQ(counts.size(), static_cast<std::size_t>(kKeys));
  for (const auto& [key, count] : counts) EXPECT_GE(count, kRecords / kKeys) << key;
  // A later commit stored the offsets: a second run finds nothing left to process.
  {
    StreamRuntime runtime(topology(), options());
    ASSERT_TRUE(runtime.run_until_caught_up(stop));
    EXPECT_EQ(runtime.stats().processed, 0);
  }
}

TEST_F(AtLeastOnce, AnOffsetCommitRefusedForWantOfAuthorisationStopsTheRun) {
  cluster_.fail_next_offset_commits({RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED});
  std::atomic<bool> stop{false};
  StreamRuntime runtime(topology(), options());
  try {
    runtime.run_until_caught_up(stop);
    ADD_FAILURE() << "the run went on without its offsets";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("transaction committed, but not its input offsets"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace leifeng::runtime::testing
