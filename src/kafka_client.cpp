#include "leifeng/runtime/kafka_client.hpp"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <stdexcept>

#include "leifeng/runtime/logging.hpp"

namespace leifeng::runtime {

namespace {

extern "C" void log_callback(const rd_kafka_t* handle, int level, const char* facility,
                             const char* message) {
  log_from_librdkafka(level, handle != nullptr ? rd_kafka_name(handle) : "", facility, message);
}

// A property whose value must never reach a log or an error text (passwords, keys, JAAS).
bool is_secret_property(const std::string& name) {
  for (const char* word : {"password", "secret", "jaas", "key.pem", "oauthbearer.config"}) {
    if (name.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string shown_value(const std::string& name, const std::string& value) {
  return is_secret_property(name) ? std::string("(hidden)") : value;
}

}  // namespace

void log_from_librdkafka(int level, std::string_view client, std::string_view facility,
                         std::string_view message) {
  // librdkafka uses syslog levels: 0 emergency ... 3 error, 4 warning, 5 notice, 6 info, 7 debug.
  spdlog::level::level_enum spd = spdlog::level::debug;
  if (level <= 2) {
    spd = spdlog::level::critical;
  } else if (level == 3) {
    spd = spdlog::level::err;
  } else if (level == 4) {
    spd = spdlog::level::warn;
  } else if (level <= 6) {
    spd = spdlog::level::info;
  }
  // The [kafka] table goes to producers and consumers alike, so a property meant for one kind
  // (queued.min.messages, fetch.wait.max.ms) is ignored by the other as intended.
  if (facility == "CONFWARN" &&
      message.find("property and will be ignored by this") != std::string_view::npos)
    spd = spdlog::level::debug;
  log_event(spd, message, "source", "librdkafka", "client", client, "facility", facility);
}

bool is_connection_error(int error) {
  return error == RD_KAFKA_RESP_ERR__TRANSPORT || error == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
         error == RD_KAFKA_RESP_ERR__RESOLVE;
}

void log_librdkafka_event(const RdKafka::Event& event, std::string_view client) {
  switch (event.type()) {
    case RdKafka::Event::EVENT_LOG: {
      // "FAIL": a connection attempt failed or a connection closed, once per retry.
      const int level = event.fac() == "FAIL" ? 7 : static_cast<int>(event.severity());
      log_from_librdkafka(level, client, event.fac(), event.str());
      return;
    }
    case RdKafka::Event::EVENT_ERROR: {
      int level = 4;
      if (event.fatal()) {
        level = 3;
      } else if (is_connection_error(event.err())) {
        level = 7;
      }
      log_from_librdkafka(level, client, "ERROR", event.str());
      return;
    }
    default:
      return;
  }
}

void route_librdkafka_logs(rd_kafka_conf_s* conf) {
  rd_kafka_conf_set_log_cb(conf, &log_callback);
}

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
      return {nullptr,
              fmt::format("kafka property {}={}: {}", name, shown_value(name, value), error)};
    }
  }
  route_librdkafka_logs(conf);
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
  // Clients made from it that set an event_cb get their log lines there instead.
  route_librdkafka_logs(conf->c_ptr_global());
  return conf;
}

}  // namespace leifeng::runtime
