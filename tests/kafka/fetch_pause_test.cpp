// The readers that apply records as fast as they come (TopicReader for replays, exports and
// audits; ChangelogConsumer for restores and standby copies) must not stop fetching at
// librdkafka's default queued.min.messages. librdkafka 2.0.2 stops fetching while the
// consumer's local queue holds that many messages (100,000 by default) and looks again only when
// its fetcher wakes, up to a second later; a reader that applies a few hundred thousand records
// a second then idled for most of each second. Here each reader holds the first of 120,000
// records for a while, so that the fetcher runs as far ahead as the queue lets it, and
// librdkafka's fetch log must never say that it stopped at that count. Embedded cluster.
#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "../runtime/captured_log.hpp"
#include "changelog_consumer.hpp"
#include "kafka_scenarios.hpp"
#include "leifeng/runtime/embedded_cluster.hpp"
#include "leifeng/runtime/topic_reader.hpp"

namespace leifeng::kafka_test {
namespace {

using runtime::EmbeddedCluster;
using runtime::TopicSpec;

constexpr int kRecords = 120000;
constexpr auto kHold = std::chrono::milliseconds(1500);

class FetchPause : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.create_topics({TopicSpec{topic_, 1, 1, {}}});
    ASSERT_EQ(produce_idempotent(cluster_.bootstrap_servers(), topic_, "lz4", kRecords, "r"),
              kRecords);
  }

  // The reader's librdkafka properties: the cluster, and the fetcher's decisions logged.
  std::map<std::string, std::string> properties() const {
    return {{"bootstrap.servers", cluster_.bootstrap_servers()}, {"debug", "fetch"}};
  }

  void expect_no_stop_at_the_queue_count() const {
    ASSERT_TRUE(log_.contains("Fetch topic " + topic_)) << "no fetch log captured";
    EXPECT_FALSE(log_.contains("queued.min.messages exceeded"))
        << "the fetcher stopped at queued.min.messages";
  }

  runtime::testing::CapturedLog log_;  // outlives the cluster and the readers
  EmbeddedCluster cluster_;
  const std::string topic_ = unique_name("fetch-pause");
};

TEST_F(FetchPause, TheTopicReaderKeepsFetchingPastAHundredThousandQueuedRecords) {
  int64_t read = 0;
  {
    runtime::TopicReaderOptions options;
    options.timeout = std::chrono::seconds(10);
    runtime::TopicReader reader(properties(), options);
    read = reader.read(topic_, [](const runtime::TopicRecord& record) {
      if (record.offset == 0) std::this_thread::sleep_for(kHold);
    });
  }
  EXPECT_EQ(read, kRecords);
  expect_no_stop_at_the_queue_count();
}

TEST_F(FetchPause, TheChangelogConsumerKeepsFetchingPastAHundredThousandQueuedRecords) {
  int64_t read = 0;
  {
    runtime::ChangelogConsumer changelog(properties(), unique_name("restore"), 10, "restore");
    RdKafka::KafkaConsumer& consumer = changelog.get();
    std::unique_ptr<RdKafka::TopicPartition> partition(
        RdKafka::TopicPartition::create(topic_, 0, RdKafka::Topic::OFFSET_BEGINNING));
    ASSERT_EQ(consumer.assign({partition.get()}), RdKafka::ERR_NO_ERROR);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (read < kRecords && std::chrono::steady_clock::now() < deadline) {
      const std::unique_ptr<RdKafka::Message> message(consumer.consume(100));
      if (message->err() != RdKafka::ERR_NO_ERROR) continue;
      if (read++ == 0) std::this_thread::sleep_for(kHold);
    }
  }
  EXPECT_EQ(read, kRecords);
  expect_no_stop_at_the_queue_count();
}

}  // namespace
}  // namespace leifeng::kafka_test
