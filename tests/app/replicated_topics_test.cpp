// [topics] replication_factor and min_insync_replicas on the three-broker cluster (fixture
// kafka_cluster: default.replication.factor 3, min.insync.replicas 2), through the real
// binary: every topic `topics create` makes, internal ones included, has the configured
// replicas on distinct brokers and the configured min.insync.replicas as its own config; more
// replicas than brokers is a clear error at once.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../runtime/kafka_test_support.hpp"
#include "leifeng/runtime/topic_admin.hpp"
#include "leifeng/runtime/topic_inspection.hpp"
#include "leifeng/test_support/leifeng_on_broker.hpp"

namespace {

namespace support = leifeng::runtime::testing;
using leifeng::test_support::CommandResult;
using Leifeng = leifeng::test_support::LeifengOnBroker;

// Every topic of the application: SPEC §2's and the runtime's internal ones.
std::vector<std::string> application_topics(const Leifeng& cli) {
  std::vector<std::string> topics;
  for (const char* name : {"hours", "activities", "needs", "stars", "star-changes", "needs-status",
                           "county-stats", "dead-letter"})
    topics.push_back(cli.topic(name));
  topics.push_back(cli.prefix() + "-county-deltas");
  topics.push_back(cli.prefix() + "-volunteers-changelog");
  return topics;
}

// The replicas may take a moment to be in sync: the checks below ask until they are (or 30 s
// pass).
std::optional<leifeng::runtime::TopicDescription> described_everywhere(
    leifeng::runtime::TopicInspector& inspector, const std::string& bootstrap,
    const std::string& topic) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    try {
      auto description = inspector.describe(topic);
      support::topic_overrides(bootstrap, topic);
      if (description && !description->partitions.empty() &&
          description->partitions.front().leader >= 0)
        return description;
    } catch (const std::exception&) {
      // not known to the broker asked yet
    }
    if (std::chrono::steady_clock::now() >= deadline) return inspector.describe(topic);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// Checks each partition of `topic` has `replicas` replicas on distinct brokers, all in sync.
void expect_replicas(leifeng::runtime::TopicInspector& inspector, const std::string& bootstrap,
                     const std::string& topic, std::size_t replicas) {
  const auto description = described_everywhere(inspector, bootstrap, topic);
  ASSERT_TRUE(description.has_value()) << topic;
  ASSERT_EQ(description->partitions.size(), 3U) << topic;
  for (const auto& partition : description->partitions) {
    EXPECT_EQ(partition.replicas.size(), replicas) << topic << " " << partition.partition;
    EXPECT_EQ(std::set<int32_t>(partition.replicas.begin(), partition.replicas.end()).size(),
              replicas)
        << topic;
    EXPECT_EQ(partition.in_sync.size(), replicas) << topic << " " << partition.partition;
  }
}

TEST(ReplicatedTopics, CreateAppliesReplicationAndMinInsyncReplicasToEveryTopic) {
  Leifeng cli("replicated");
  std::ofstream(cli.dir() / "leifeng.toml")
      << "[topics]\nreplication_factor = 3\nmin_insync_replicas = 2\n";
  const CommandResult created = cli.run("topics create");
  ASSERT_EQ(created.code, 0) << created.err;

  leifeng::runtime::TopicInspector inspector({{"bootstrap.servers", cli.bootstrap()}});
  for (const std::string& topic : application_topics(cli)) {
    expect_replicas(inspector, cli.bootstrap(), topic, 3);
    const auto configs = support::topic_overrides(cli.bootstrap(), topic);
    EXPECT_EQ(configs.count("min.insync.replicas") ? configs.at("min.insync.replicas") : "unset",
              "2")
        << topic;
  }
  const CommandResult described = cli.run("topics describe hours");
  ASSERT_EQ(described.code, 0) << described.err;
  EXPECT_NE(described.out.find(": input, 3 partitions, replication 3\n"), std::string::npos)
      << described.out;
  EXPECT_NE(described.out.find(" min.insync.replicas=2"), std::string::npos) << described.out;
}

// Partitions with a leader of each topic, as the one broker at `address` answers (the only
// broker a client bootstrapped with it is connected to).
std::map<std::string, int> led_partitions_on(const std::string& address) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", address.c_str(), error, sizeof error);
  rd_kafka_t* client = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (client == nullptr) throw std::runtime_error(error);
  std::map<std::string, int> led;
  const rd_kafka_metadata_t* metadata = nullptr;
  if (rd_kafka_metadata(client, 1, nullptr, &metadata, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int t = 0; t < metadata->topic_cnt; ++t) {
      int& count = led[metadata->topics[t].topic];
      for (int p = 0; p < metadata->topics[t].partition_cnt; ++p)
        count += metadata->topics[t].partitions[p].leader >= 0 ? 1 : 0;
    }
    rd_kafka_metadata_destroy(metadata);
  }
  rd_kafka_destroy(client);
  return led;
}

// A producer that asks a broker still without a new topic drops the partitions it knew and
// fails their records (the Failover tests' publish did): `topics create` returns only once
// every broker lists every topic with a leader for each partition.
TEST(ReplicatedTopics, CreateReturnsOnceEveryBrokerListsTheTopics) {
  Leifeng cli("every-broker");
  const CommandResult created = cli.run("topics create");
  ASSERT_EQ(created.code, 0) << created.err;
  std::istringstream addresses(cli.bootstrap());
  int brokers = 0;
  for (std::string address; std::getline(addresses, address, ',');) {
    ++brokers;
    const auto led = led_partitions_on(address);
    for (const std::string& topic : application_topics(cli)) {
      EXPECT_EQ(led.count(topic) ? led.at(topic) : 0, 3) << topic << " on " << address;
    }
  }
  EXPECT_EQ(brokers, 3) << cli.bootstrap();
}

// Unset (-1), the settings are the brokers' own: replication 3 from default.replication.factor,
// and no min.insync.replicas on the topic (the brokers' 2 applies).
TEST(ReplicatedTopics, UnsetSettingsAreTheBrokersDefaults) {
  Leifeng cli("broker-defaults");
  const CommandResult created = cli.run("topics create");
  ASSERT_EQ(created.code, 0) << created.err;
  leifeng::runtime::TopicInspector inspector({{"bootstrap.servers", cli.bootstrap()}});
  for (const std::string& topic : application_topics(cli)) {
    expect_replicas(inspector, cli.bootstrap(), topic, 3);
    EXPECT_EQ(support::topic_overrides(cli.bootstrap(), topic).count("min.insync.replicas"), 0U)
        << topic;
  }
}

TEST(ReplicatedTopics, MoreReplicasThanBrokersIsAClearErrorAtOnce) {
  Leifeng cli("overreplicated");
  std::ofstream(cli.dir() / "leifeng.toml") << "[topics]\nreplication_factor = 4\n";
  const auto started = std::chrono::steady_clock::now();
  const CommandResult refused = cli.run("topics create");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("cannot create topic " + cli.topic("hours") +
                             " with replication factor 4: the cluster has 3 brokers"),
            std::string::npos)
      << refused.err;
  leifeng::runtime::TopicAdmin admin({{"bootstrap.servers", cli.bootstrap()}});
  for (const std::string& topic : admin.list_topics())
    EXPECT_FALSE(topic.starts_with(cli.prefix())) << topic << " was created";
}

}  // namespace
