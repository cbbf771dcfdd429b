// Whether the bootstrap servers answer at all, asked once before a command starts: a wrong or
// down address is then one sentence within a bound ([runtime] connect_timeout_ms), not
// librdkafka's endless retries and its raw connection errors.
#pragma once

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace leifeng::runtime {

class KafkaUnreachable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Asks the cluster of `properties` (librdkafka properties with bootstrap.servers) for its
// brokers, for up to `timeout`. Throws KafkaUnreachable:
//   "cannot reach Kafka at 127.0.0.1:1 (connection refused) within 5 s"
// and std::runtime_error when librdkafka refuses the properties.
void check_kafka_reachable(const std::map<std::string, std::string>& properties,
                           std::chrono::milliseconds timeout);

// The "why" of that sentence from a librdkafka error text, e.g. "connection refused" from
// "127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused (after 0ms in
// state CONNECT)".
std::string unreachable_reason(std::string_view librdkafka_error);

// "5 s", "0.5 s": a timeout as the sentence gives it.
std::string seconds_text(std::chrono::milliseconds duration);

}  // namespace leifeng::runtime
