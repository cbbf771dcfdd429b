// The rebalance callback (src/rebalance.hpp): it hands assignments and revocations to the
// runtime and completes them on the consumer.
#include "rebalance.hpp"

#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include <memory>
#include <string>
#include <vector>

namespace leifeng::runtime {
namespace {

struct RecordingListener final : RebalanceListener {
  bool on_assigned(const std::vector<RdKafka::TopicPartition*>& partitions) override {
    assigned += static_cast<int>(partitions.size());
    return !hold;
  }
  void on_revoked(bool lost) override {
    ++revoked;
    lost_any = lost_any || lost;
  }
  bool hold = false;  // answer "not yet" to assignments
  int assigned = 0;
  int revoked = 0;
  bool lost_any = false;
};

// A consumer that never connects: assign() and assignment() are local to it.
std::unique_ptr<RdKafka::KafkaConsumer> idle_consumer() {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  EXPECT_EQ(conf->set("bootstrap.servers", "127.0.0.1:1", error), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(conf->set("group.id", "rebalance-test", error), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(conf->set("log_level", "0", error), RdKafka::Conf::CONF_OK);
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf.get(), error));
  EXPECT_NE(consumer, nullptr) << error;
  return consumer;
}

struct Partitions {
  std::vector<std::unique_ptr<RdKafka::TopicPartition>> owned;
  std::vector<RdKafka::TopicPartition*> list;
  explicit Partitions(int count) {
    for (int p = 0; p < count; ++p) {
      owned.emplace_back(RdKafka::TopicPartition::create("events", p));
      list.push_back(owned.back().get());
    }
  }
};

int assignment_size(RdKafka::KafkaConsumer& consumer) {
  std::vector<RdKafka::TopicPartition*> current;
  EXPECT_EQ(consumer.assignment(current), RdKafka::ERR_NO_ERROR);
  const int size = static_cast<int>(current.size());
  RdKafka::TopicPartition::destroy(current);
  return size;
}

TEST(Rebalance, AnAssignmentOpensTasksAndARevocationClosesThem) {
  RecordingListener listener;
  RebalanceHandler handler(listener);
  auto consumer = idle_consumer();
  Partitions partitions(3);
  handler.rebalance_cb(consumer.get(), RdKafka::ERR__ASSIGN_PARTITIONS, partitions.list);
  EXPECT_EQ(listener.assigned, 3);
  EXPECT_EQ(assignment_size(*consumer), 3);
  handler.rebalance_cb(consumer.get(), RdKafka::ERR__REVOKE_PARTITIONS, partitions.list);
  EXPECT_EQ(listener.revoked, 1);
  EXPECT_FALSE(listener.lost_any);
  EXPECT_EQ(assignment_size(*consumer), 0);
  consumer->close();
}

TEST(Rebalance, AHeldAssignmentFetchesNothingUntilTheListenerAssignsIt) {
  RecordingListener listener;
  listener.hold = true;
  RebalanceHandler handler(listener);
  auto consumer = idle_consumer();
  Partitions partitions(3);
  handler.rebalance_cb(consumer.get(), RdKafka::ERR__ASSIGN_PARTITIONS, partitions.list);
  EXPECT_EQ(listener.assigned, 3);
  EXPECT_EQ(assignment_size(*consumer), 0);
  // The revocation that a held assignment waits for closes nothing and leaves nothing.
  handler.rebalance_cb(consumer.get(), RdKafka::ERR__REVOKE_PARTITIONS, partitions.list);
  EXPECT_EQ(listener.revoked, 1);
  EXPECT_EQ(assignment_size(*consumer), 0);
  consumer->close();
}

}  // namespace
}  // namespace leifeng::runtime
