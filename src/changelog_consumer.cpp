#include "changelog_consumer.hpp"

#include <librdkafka/rdkafkacpp.h>

#include <stdexcept>
#include <utility>

#include "leifeng/runtime/kafka_client.hpp"

namespace leifeng::runtime {
namespace {

class ChangelogConsumerEvents final : public RdKafka::EventCb {
 public:
  explicit ChangelogConsumerEvents(std::string client) : client_(std::move(client)) {}
  void event_cb(RdKafka::Event& event) override { log_librdkafka_event(event, client_); }

 private:
  std::string client_;
};

}  // namespace

ChangelogConsumer::ChangelogConsumer(std::map<std::string, std::string> kafka_config,
                                     std::string group_id, int fetch_wait_ms, std::string role)
    : kafka_config_(std::move(kafka_config)),
      group_id_(std::move(group_id)),
      fetch_wait_ms_(fetch_wait_ms),
      role_(std::move(role)),
      events_(std::make_unique<ChangelogConsumerEvents>(group_id_)) {}

ChangelogConsumer::~ChangelogConsumer() {
  close();
}

RdKafka::KafkaConsumer& ChangelogConsumer::get() {
  if (consumer_) return *consumer_;
  auto properties = kafka_config_;
  properties["group.id"] = group_id_;
  properties["enable.auto.commit"] = "false";
  properties["enable.auto.offset.store"] = "false";
  properties["isolation.level"] = "read_committed";
  properties["enable.partition.eof"] = "true";
  properties["auto.offset.reset"] = "earliest";
  properties["fetch.wait.max.ms"] = std::to_string(fetch_wait_ms_);
  if (properties.find("queued.min.messages") == properties.end())
    properties["queued.min.messages"] = kReaderQueuedMinMessages;
  auto conf = new_kafka_conf(properties);
  std::string error;
  if (conf->set("event_cb", events_.get(), error) != RdKafka::Conf::CONF_OK)
    throw std::runtime_error("cannot set the " + role_ + " consumer's callbacks: " + error);
  consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), error));
  if (!consumer_) throw std::runtime_error("cannot create the " + role_ + " consumer: " + error);
  return *consumer_;
}

void ChangelogConsumer::close() {
  if (!consumer_) return;
  consumer_->close();
  consumer_.reset();
}

}  // namespace leifeng::runtime
