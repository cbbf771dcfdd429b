// Smoke test of librdkafka 2.0.2 against the real Kafka 3.9.1 broker the ctest fixture
// starts: the client features the runtime depends on, end to end.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "kafka_scenarios.hpp"
#include "leifeng/runtime/topic_admin.hpp"

namespace leifeng::kafka_test {
namespace {

using runtime::KafkaAdminError;
using runtime::TopicAdmin;
using runtime::TopicSpec;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

class KafkaSmoke : public ::testing::Test {
 protected:
  void SetUp() override { bootstrap_ = fixture_bootstrap_servers(); }

  std::string create_topic(const std::string& what, int32_t partitions) {
    const auto name = unique_name(what);
    TopicAdmin admin({{"bootstrap.servers", bootstrap_}});
    admin.create_topics({TopicSpec{name, partitions, 1, {}}});
    return name;
  }

  std::string bootstrap_;
};

TEST_F(KafkaSmoke, CreateTopicsIsIdempotent) {
  TopicAdmin admin({{"bootstrap.servers", bootstrap_}});
  const std::vector<TopicSpec> specs{
      {unique_name("input"), 3, 1, {{"retention.ms", "-1"}}},
      {unique_name("table"), 2, 1, {{"cleanup.policy", "compact"}}},
  };
  auto first = admin.create_topics(specs);
  EXPECT_THAT(first.created, UnorderedElementsAreArray({specs[0].name, specs[1].name}));
  EXPECT_TRUE(first.already_existed.empty());

  auto second = admin.create_topics(specs);
  EXPECT_TRUE(second.created.empty());
  EXPECT_THAT(second.already_existed, UnorderedElementsAreArray({specs[0].name, specs[1].name}));

  EXPECT_EQ(admin.partition_count(specs[0].name), 3);
  EXPECT_EQ(admin.partition_count(specs[1].name), 2);
  EXPECT_EQ(admin.partition_count(unique_name("absent")), std::nullopt);
  const auto topics = admin.list_topics();
  EXPECT_NE(std::find(topics.begin(), topics.end(), specs[0].name), topics.end());
  EXPECT_TRUE(std::none_of(topics.begin(), topics.end(),
                           [](const std::string& t) { return t.starts_with("__"); }));
}

TEST_F(KafkaSmoke, CreateTopicsReportsBrokerErrors) {
  TopicAdmin admin({{"bootstrap.servers", bootstrap_}});
  const auto name = unique_name("overreplicated");
  try {
    admin.create_topics({TopicSpec{name, 1, 3, {}}});  // one broker cannot hold 3 replicas
    FAIL() << "expected KafkaAdminError";
  } catch (const KafkaAdminError& e) {
    EXPECT_THAT(e.what(), HasSubstr("create topic " + name));
    EXPECT_THAT(e.what(), HasSubstr("replication factor"));
  }
  EXPECT_THROW(TopicAdmin({{"bootstrap.servers", bootstrap_}, {"no.such.property", "1"}}),
               KafkaAdminError);
}

class CompressedProduce : public KafkaSmoke, public ::testing::WithParamInterface<const char*> {};

TEST_P(CompressedProduce, IdempotentProducerRoundTrip) {
  const std::string compression = GetParam();
  const auto topic = create_topic(compression, 3);
  constexpr int kCount = 2000;
  ASSERT_EQ(produce_idempotent(bootstrap_, topic, compression, kCount, compression), kCount);

  const auto records = read_all(bootstrap_, topic, 3, "read_committed", kCount);
  ASSERT_EQ(records.size(), static_cast<std::size_t>(kCount));
  std::vector<std::string> expected;
  for (int i = 0; i < kCount; ++i) expected.push_back(compression + "-" + std::to_string(i));
  std::vector<std::string> values;
  for (const auto& r : records) values.push_back(r.value);
  EXPECT_THAT(values, UnorderedElementsAreArray(expected));

  // Same key, same partition, in produce order (idempotence keeps order across retries).
  std::map<std::string, std::pair<int32_t, int>> last;  // key -> partition, last index
  for (const auto& r : records) {
    const int index = std::stoi(r.value.substr(compression.size() + 1));
    EXPECT_EQ(r.key, "k" + std::to_string(index % 17));
    auto [it, fresh] = last.try_emplace(r.key, r.partition, index);
    if (!fresh) {
      EXPECT_EQ(it->second.first, r.partition) << r.key;
      EXPECT_LT(it->second.second, index) << r.key;
      it->second.second = index;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, CompressedProduce, ::testing::Values("lz4", "zstd"));

TEST_F(KafkaSmoke, ReadCommittedSkipsAbortedTransaction) {
  const auto topic = create_topic("txn", 1);
  produce_transactions(bootstrap_, topic, 10, 7);

  const auto committed = read_all(bootstrap_, topic, 1, "read_committed", 11);
  std::vector<std::string> values;
  for (const auto& r : committed) values.push_back(r.value);
  std::vector<std::string> expected;
  for (int i = 0; i < 10; ++i) expected.push_back("committed-" + std::to_string(i));
  expected.push_back("end");
  EXPECT_EQ(values, expected);

  // The aborted records are in the log: a read_uncommitted reader sees them.
  const auto everything = read_all(bootstrap_, topic, 1, "read_uncommitted", 18);
  EXPECT_EQ(everything.size(), 18u);
  EXPECT_EQ(std::count_if(everything.begin(), everything.end(),
                          [](const Record& r) { return r.value.starts_with("aborted-"); }),
            7);
}

TEST_F(KafkaSmoke, ConsumerGroupResumesAfterCommittedOffsets) {
  const auto topic = create_topic("group", 2);
  ASSERT_EQ(produce_idempotent(bootstrap_, topic, "none", 40, "g"), 40);
  const auto group = unique_name("group");

  const auto first = consume_and_commit(bootstrap_, topic, group, 15);
  ASSERT_EQ(first.size(), 15u);
  const auto offsets = committed_offsets(bootstrap_, topic, 2, group);
  int64_t committed_total = 0;
  for (const auto& [partition, offset] : offsets) committed_total += std::max<int64_t>(offset, 0);
  EXPECT_EQ(committed_total, 15);

  const auto second = consume_and_commit(bootstrap_, topic, group, 25);
  ASSERT_EQ(second.size(), 25u);
  std::set<std::string> seen;
  for (const auto& r : first) seen.insert(r.value);
  for (const auto& r : second) {
    EXPECT_TRUE(seen.insert(r.value).second) << r.value << " consumed twice";
  }
  EXPECT_EQ(seen.size(), 40u);
}

}  // namespace
}  // namespace leifeng::kafka_test
