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

// The broker answered but refused the client: wrong SASL credentials, or a failed TLS handshake
// (unknown CA, a TLS client at a plaintext listener). Told at once, not after the timeout.
class KafkaSecurityError : public KafkaUnreachable {
 public:
  using KafkaUnreachable::KafkaUnreachable;
};

// Asks the cluster of `properties` (librdkafka properties with bootstrap.servers) for its
// brokers, for up to `timeout`. Throws KafkaUnreachable:
//   "cannot reach Kafka at 127.0.0.1:1 (connection refused) within 5 s"
// and, as soon as librdkafka reports it, KafkaSecurityError (security_failure_text)
// and std::runtime_error when librdkafka refuses the properties.
void check_kafka_reachable(const std::map<std::string, std::string>& properties,
                           std::chrono::milliseconds timeout);

// The "why" of that sentence from a librdkafka error text, e.g. "connection refused" from
// "127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused (after 0ms in
// state CONNECT)".
std::string unreachable_reason(std::string_view librdkafka_error);

// The sentence for an authentication (RD_KAFKA_RESP_ERR__AUTHENTICATION) or TLS
// (RD_KAFKA_RESP_ERR__SSL) failure, naming the user and mechanism or the TLS cause, e.g.
//   "authentication failed for user leifeng (SASL SCRAM-SHA-512) at Kafka 127.0.0.1:9093: ..."
//   "TLS handshake failed with Kafka at 127.0.0.1:9093 (security.protocol=SSL): certificate
//    verify failed: ..."
// Never the password.
std::string security_failure_text(int librdkafka_error, std::string_view librdkafka_reason,
                                  const std::map<std::string, std::string>& properties);

// "5 s", "0.5 s": a timeout as the sentence gives it.
std::string seconds_text(std::chrono::milliseconds duration);

}  // namespace leifeng::runtime
