#include "leifeng/runtime/kafka_client.hpp"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <stdexcept>

namespace leifeng::runtime {

NewKafkaClient new_kafka_client(KafkaClientKind kind,
                                const std::map<std::string, std::string>& properties,
                                const std::string& description,
                                const std::function<void(rd_kafka_conf_s*)>& prepare) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [name, value] : properties) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof error) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return {nullptr, fmt::format("kafka property {}={}: {}", name, value, error)};
    }
  }
  if (prepare) prepare(conf);
  const rd_kafka_type_t type =
      kind == KafkaClientKind::producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER;
  rd_kafka_t* handle = rd_kafka_new(type, conf, error, sizeof error);
  if (handle == nullptr) {
    rd_kafka_conf_destroy(conf);  // rd_kafka_new owns conf only on success
    return {nullptr, fmt::format("cannot create {}: {}", description, error)};
  }
  return {handle, {}};
}

std::unique_ptr<RdKafka::Conf> new_kafka_conf(
    const std::map<std::string, std::string>& properties) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  for (const auto& [name, value] : properties) {
    if (conf->set(name, value, error) != RdKafka::Conf::CONF_OK) {
      throw std::invalid_argument("kafka property " + name + ": " + error);
    }
  }
  return conf;
}

}  // namespace leifeng::runtime
