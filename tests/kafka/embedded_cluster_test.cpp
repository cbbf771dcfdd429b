// The embedded (mock) cluster: what works on it and what does not, as documented in
// embedded_cluster.hpp. No broker needed.
#include "leifeng/runtime/embedded_cluster.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>

#include "kafka_scenarios.hpp"
#include "leifeng/runtime/topic_admin.hpp"

namespace leifeng::kafka_test {
namespace {

using runtime::EmbeddedCluster;
using runtime::KafkaAdminError;
using runtime::TopicAdmin;
using runtime::TopicSpec;
using ::testing::HasSubstr;

TEST(EmbeddedCluster, ServesIdempotentCompressedProduce) {
  EmbeddedCluster cluster;
  ASSERT_THAT(cluster.bootstrap_servers(), HasSubstr("127.0.0.1:"));
  const auto topic = unique_name("embedded");
  cluster.create_topics({TopicSpec{topic, 3, 1, {}}});
  cluster.create_topics({TopicSpec{topic, 3, 1, {}}});  // idempotent

  TopicAdmin admin({{"bootstrap.servers", cluster.bootstrap_servers()}});
  EXPECT_EQ(admin.partition_count(topic), 3);
  for (const char* compression : {"lz4", "zstd"}) {
    ASSERT_EQ(produce_idempotent(cluster.bootstrap_servers(), topic, compression, 300, compression),
              300);
  }
  const auto records = read_all(cluster.bootstrap_servers(), topic, 3, "read_committed", 600);
  EXPECT_EQ(records.size(), 600u);
}

TEST(EmbeddedCluster, HasNoAdminApi) {
  EmbeddedCluster cluster;
  // The mock never answers CreateTopics: the call runs into its timeout.
  TopicAdmin admin({{"bootstrap.servers", cluster.bootstrap_servers()}},
                   std::chrono::milliseconds(500));
  EXPECT_THROW(admin.create_topics({TopicSpec{unique_name("admin"), 1, 1, {}}}), KafkaAdminError);
}

TEST(EmbeddedCluster, CreatesUnknownTopicsOnFirstUse) {
  EmbeddedCluster cluster;
  const auto topic = unique_name("auto");
  ASSERT_EQ(produce_idempotent(cluster.bootstrap_servers(), topic, "none", 5, "a"), 5);
  TopicAdmin admin({{"bootstrap.servers", cluster.bootstrap_servers()}});
  EXPECT_EQ(admin.partition_count(topic), 4);  // the mock's default partition count
}

TEST(EmbeddedCluster, KeepsAboutFiveMebibytesPerPartitionAndTellsWhichLostRecords) {
  EmbeddedCluster cluster;
  const auto topic = unique_name("retention");
  const auto small = unique_name("small");
  const std::vector<TopicSpec> specs{TopicSpec{topic, 1, 1, {{"retention.ms", "-1"}}},  // ignored
                                     TopicSpec{small, 2, 1, {}}};
  cluster.create_topics(specs);
  constexpr std::size_t kValueBytes = 10 * 1024;
  ASSERT_EQ(produce_idempotent(cluster.bootstrap_servers(), topic, "none", 800, "r", kValueBytes),
            800);
  ASSERT_EQ(produce_idempotent(cluster.bootstrap_servers(), small, "none", 50, "s"), 50);
  const auto [low, high] = watermarks(cluster.bootstrap_servers(), topic, 0);
  EXPECT_EQ(high, 800);
  EXPECT_GT(low, 0) << "the oldest records are gone";
  const double kept_mib = static_cast<double>(high - low) * kValueBytes / (1024 * 1024);
  EXPECT_GT(kept_mib, 4.0);
  EXPECT_LT(kept_mib, 6.0);

  const auto trimmed = cluster.trimmed_partitions(specs);
  ASSERT_EQ(trimmed.size(), 1u);  // not the small topic's partitions
  EXPECT_EQ(trimmed[0].topic, topic);
  EXPECT_EQ(trimmed[0].partition, 0);
  EXPECT_EQ(trimmed[0].first_offset, low);
}

TEST(EmbeddedCluster, TransactionsCommitButAbortedRecordsStayVisible) {
  EmbeddedCluster cluster;
  const auto topic = unique_name("txn");
  cluster.create_topics({TopicSpec{topic, 1, 1, {}}});
  // The transactional API calls all succeed on the mock ...
  ASSERT_NO_THROW(produce_transactions(cluster.bootstrap_servers(), topic, 10, 7));
  // ... but it writes no abort markers: a read_committed reader sees the aborted records.
  const auto records = read_all(cluster.bootstrap_servers(), topic, 1, "read_committed", 18,
                                std::chrono::seconds(10));
  EXPECT_EQ(records.size(), 18u);
  EXPECT_EQ(std::count_if(records.begin(), records.end(),
                          [](const Record& r) { return r.value.starts_with("aborted-"); }),
            7);
}

TEST(EmbeddedCluster, ConsumerGroupResumesAfterCommittedOffsets) {
  EmbeddedCluster cluster;
  const auto topic = unique_name("group");
  cluster.create_topics({TopicSpec{topic, 2, 1, {}}});
  ASSERT_EQ(produce_idempotent(cluster.bootstrap_servers(), topic, "none", 20, "g"), 20);
  const auto group = unique_name("group");
  // The mock keeps a closed member until its session times out, so the next member's join
  // waits session.timeout.ms (default 45 s): keep it short here.
  const std::map<std::string, std::string> short_session{{"session.timeout.ms", "6000"}};
  const auto first =
      consume_and_commit(cluster.bootstrap_servers(), topic, group, 8, short_session);
  ASSERT_EQ(first.size(), 8u);
  const auto second =
      consume_and_commit(cluster.bootstrap_servers(), topic, group, 12, short_session);
  ASSERT_EQ(second.size(), 12u);
  std::set<std::string> seen;
  for (const auto& r : first) seen.insert(r.value);
  for (const auto& r : second) EXPECT_TRUE(seen.insert(r.value).second) << r.value;
  EXPECT_EQ(seen.size(), 20u);
}

// Why the runtime runs at-least-once on the mock (ProcessingGuarantee): it acknowledges
// offsets sent with a transaction but never stores them as the group's committed offsets.
TEST(EmbeddedCluster, OffsetsSentWithATransactionAreNotStored) {
  EmbeddedCluster cluster;
  const auto topic = unique_name("txn-offsets");
  cluster.create_topics({TopicSpec{topic, 1, 1, {}}});
  ASSERT_EQ(produce_idempotent(cluster.bootstrap_servers(), topic, "none", 5, "o"), 5);
  const auto group = unique_name("txn-offsets");

  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  ASSERT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", cluster.bootstrap_servers().c_str(), error,
                              sizeof error),
            RD_KAFKA_CONF_OK);
  ASSERT_EQ(rd_kafka_conf_set(conf, "transactional.id", group.c_str(), error, sizeof error),
            RD_KAFKA_CONF_OK);
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  ASSERT_NE(producer, nullptr) << error;
  auto succeeded = [](rd_kafka_error_t* failure) {
    const bool ok = failure == nullptr;
    if (!ok) ADD_FAILURE() << rd_kafka_error_string(failure);
    if (!ok) rd_kafka_error_destroy(failure);
    return ok;
  };
  rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(offsets, topic.c_str(), 0)->offset = 5;
  rd_kafka_consumer_group_metadata_t* metadata =
      rd_kafka_consumer_group_metadata_new(group.c_str());
  // Every call of the exactly-once commit succeeds ...
  EXPECT_TRUE(succeeded(rd_kafka_init_transactions(producer, 10000)) &&
              succeeded(rd_kafka_begin_transaction(producer)) &&
              succeeded(rd_kafka_send_offsets_to_transaction(producer, offsets, metadata, 10000)) &&
              succeeded(rd_kafka_commit_transaction(producer, 10000)));
  rd_kafka_consumer_group_metadata_destroy(metadata);
  rd_kafka_topic_partition_list_destroy(offsets);
  rd_kafka_destroy(producer);

  // ... yet the group has no committed offset.
  EXPECT_EQ(committed_offsets(cluster.bootstrap_servers(), topic, 1, group).at(0),
            RD_KAFKA_OFFSET_INVALID);
}

}  // namespace
}  // namespace leifeng::kafka_test
