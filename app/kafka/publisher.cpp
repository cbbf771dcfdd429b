#include "kafka/publisher.hpp"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <stdexcept>

#include "leifeng/runtime/kafka_client.hpp"

namespace leifeng::app {

KafkaPublisher::KafkaPublisher(const runtime::KafkaProperties& kafka) {
  runtime::KafkaProperties properties{{"linger.ms", "20"}};
  for (const auto& [name, value] : kafka) properties[name] = value;
  // What publishing upstream events needs, whatever the [kafka] table says.
  properties["enable.idempotence"] = "true";
  properties["acks"] = "all";
  properties["compression.type"] = "lz4";
  properties["partitioner"] = "murmur2_random";

  const runtime::NewKafkaClient client =
      runtime::new_kafka_client(runtime::KafkaClientKind::producer, properties, "Kafka producer",
                                [this](rd_kafka_conf_t* conf) {
                                  rd_kafka_conf_set_dr_msg_cb(conf, &KafkaPublisher::on_delivery);
                                  rd_kafka_conf_set_opaque(conf, this);
                                });
  if (client.handle == nullptr) throw std::runtime_error(client.error);
  handle_ = client.handle;
}

KafkaPublisher::~KafkaPublisher() {
  if (handle_ == nullptr) return;
  rd_kafka_flush(handle_, 10000);
  rd_kafka_destroy(handle_);
}

void KafkaPublisher::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* self = static_cast<KafkaPublisher*>(opaque);
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++self->outcome_.delivered;
    return;
  }
  if (self->outcome_.failed++ == 0) {
    self->outcome_.first_error =
        fmt::format("{}: {}", rd_kafka_topic_name(message->rkt), rd_kafka_err2str(message->err));
  }
}

void KafkaPublisher::send(const std::string& topic, std::optional<std::string_view> key,
                          std::string_view value) {
  // librdkafka's macros cast their arguments unparenthesised: plain variables only.
  const char* key_data = key ? key->data() : nullptr;
  const std::size_t key_size = key ? key->size() : 0;
  const char* value_data = value.data();
  const std::size_t value_size = value.size();
  for (;;) {
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        handle_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(key_data, key_size),
        RD_KAFKA_V_VALUE(const_cast<char*>(value_data), value_size), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
      throw std::runtime_error(
          fmt::format("cannot publish to {}: {}", topic, rd_kafka_err2str(err)));
    rd_kafka_poll(handle_, 50);  // the local queue is full: serve deliveries, then retry
  }
}

void KafkaPublisher::poll() {
  rd_kafka_poll(handle_, 0);
}

DeliveryOutcome KafkaPublisher::flush(std::chrono::milliseconds timeout) {
  rd_kafka_flush(handle_, static_cast<int>(timeout.count()));
  const int outstanding = rd_kafka_outq_len(handle_);
  if (outstanding > 0) {
    if (outcome_.failed == 0)
      outcome_.first_error =
          fmt::format("{} records not delivered within {} ms", outstanding, timeout.count());
    outcome_.failed += outstanding;
  }
  return outcome_;
}

}  // namespace leifeng::app
