// The embedded (mock) cluster: what works on it and what does not, as documented in
// embedded_cluster.hpp. No broker needed.
#include "leifeng/runtime/embedded_cluster.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

TEST(EmbeddedCluster, KeepsAboutFiveMebibytesPerPartition) {
  EmbeddedCluster cluster;
  const auto topic = unique_name("retention");
  cluster.create_topics({TopicSpec{topic, 1, 1, {{"retention.ms", "-1"}}}});  // ignored
  constexpr std::size_t kValueBytes = 10 * 1024;
  ASSERT_EQ(produce_idempotent(cluster.bootstrap_servers(), topic, "none", 800, "r", kValueBytes),
            800);
  const auto [low, high] = watermarks(cluster.bootstrap_servers(), topic, 0);
  EXPECT_EQ(high, 800);
  EXPECT_GT(low, 0) << "the oldest records are gone";
  const double kept_mib = static_cast<double>(high - low) * kValueBytes / (1024 * 1024);
  EXPECT_GT(kept_mib, 4.0);
  EXPECT_LT(kept_mib, 6.0);
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

}  // namespace
}  // namespace leifeng::kafka_test
