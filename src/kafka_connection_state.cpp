#include "leifeng/runtime/kafka_connection_state.hpp"

#include <librdkafka/rdkafka.h>

#include "leifeng/runtime/logging.hpp"

namespace leifeng::runtime {

KafkaConnectionState::KafkaConnectionState(std::string bootstrap_servers)
    : bootstrap_servers_(std::move(bootstrap_servers)) {}

KafkaConnectionState::Change KafkaConnectionState::on_error(int error, std::string_view reason) {
  if (error != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) return Change::none;
  if (!connected_.exchange(false)) return Change::none;
  log_event(spdlog::level::warn, "lost connection to Kafka at " + bootstrap_servers_ + "; retrying",
            "reason", reason);
  return Change::lost;
}

KafkaConnectionState::Change KafkaConnectionState::on_progress() {
  if (connected_.load(std::memory_order_relaxed)) return Change::none;
  if (connected_.exchange(true)) return Change::none;
  log_event(spdlog::level::info, "reconnected to Kafka", "bootstrap_servers", bootstrap_servers_);
  return Change::reconnected;
}

bool KafkaConnectionState::connected() const {
  return connected_.load();
}

}  // namespace leifeng::runtime
