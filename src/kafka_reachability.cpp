#include "leifeng/runtime/kafka_reachability.hpp"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

#include "leifeng/runtime/kafka_client.hpp"

namespace leifeng::runtime {
namespace {

using Clock = std::chrono::steady_clock;

// The first error librdkafka reported that says why (not only that all brokers are down).
struct ProbeErrors {
  std::mutex mutex;
  std::string first_reason;
  bool all_brokers_down = false;
  // The first authentication or TLS failure: retrying cannot help, so the probe stops on it.
  int security_error = 0;
  std::string security_reason;
};

bool is_security_error(int err) {
  return err == RD_KAFKA_RESP_ERR__AUTHENTICATION || err == RD_KAFKA_RESP_ERR__SSL;
}

std::string property_or(const std::map<std::string, std::string>& properties,
                        const std::string& name, std::string fallback) {
  const auto it = properties.find(name);
  return it != properties.end() && !it->second.empty() ? it->second : std::move(fallback);
}

extern "C" void on_probe_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
  auto* errors = static_cast<ProbeErrors*>(opaque);
  const std::lock_guard<std::mutex> lock(errors->mutex);
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    errors->all_brokers_down = true;
    return;
  }
  if (errors->first_reason.empty() && reason != nullptr) errors->first_reason = reason;
  if (errors->security_error == 0 && is_security_error(err)) {
    errors->security_error = err;
    errors->security_reason = reason != nullptr ? reason : "";
  }
}

// The probe reports the failure itself; librdkafka's lines about it are for debugging only.
extern "C" void on_probe_log(const rd_kafka_t* handle, int, const char* facility,
                             const char* message) {
  log_from_librdkafka(7, handle != nullptr ? rd_kafka_name(handle) : "", facility, message);
}

}  // namespace

std::string seconds_text(std::chrono::milliseconds duration) {
  return fmt::format("{:g} s", static_cast<double>(duration.count()) / 1000.0);
}

std::string unreachable_reason(std::string_view error) {
  std::string_view reason = error;
  // "<broker>/<id>: " in front of the text.
  if (const auto slash = reason.find('/'); slash != std::string_view::npos) {
    if (const auto colon = reason.find(": ", slash); colon != std::string_view::npos)
      reason.remove_prefix(colon + 2);
  }
  // "Connect to ipv4#127.0.0.1:1 failed: Connection refused": the cause after "failed: ".
  if (const auto failed = reason.find("failed: "); failed != std::string_view::npos)
    reason.remove_prefix(failed + 8);
  // " (after 0ms in state CONNECT)" and similar bookkeeping.
  if (const auto after = reason.find(" (after "); after != std::string_view::npos)
    reason = reason.substr(0, after);
  std::string text(reason);
  // "Connection refused" reads "connection refused" inside a sentence; "SASL ..." stays.
  if (text.size() > 1 && std::islower(static_cast<unsigned char>(text[1])) != 0)
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

std::string security_failure_text(int error, std::string_view librdkafka_reason,
                                  const std::map<std::string, std::string>& properties) {
  std::string reason = unreachable_reason(librdkafka_reason);
  const std::string servers = property_or(properties, "bootstrap.servers", "");
  if (error == RD_KAFKA_RESP_ERR__AUTHENTICATION) {
    // "SASL authentication error: Authentication failed during authentication due to invalid
    // credentials with SASL mechanism SCRAM-SHA-512": the part after the first colon.
    if (const auto colon = reason.find("error: "); colon != std::string::npos)
      reason.erase(0, colon + 7);
    return fmt::format("authentication failed for user {} (SASL {}) at Kafka {}: {}",
                       property_or(properties, "sasl.username", "(none)"),
                       property_or(properties, "sasl.mechanisms", "GSSAPI"), servers, reason);
  }
  // "error:0A000086:SSL routines::certificate verify failed: ...": OpenSSL's code is noise.
  if (const auto routines = reason.find("routines::"); routines != std::string::npos)
    reason.erase(0, routines + 10);
  // A plaintext listener hangs up on a TLS hello.
  if (reason.find("unexpected eof") != std::string::npos ||
      reason.find("wrong version number") != std::string::npos)
    reason += " (does this listener speak TLS? check security.protocol)";
  return fmt::format("TLS handshake failed with Kafka at {} (security.protocol={}): {}", servers,
                     property_or(properties, "security.protocol", "plaintext"), reason);
}

void check_kafka_reachable(const std::map<std::string, std::string>& properties,
                           std::chrono::milliseconds timeout) {
  ProbeErrors errors;
  NewKafkaClient client = new_kafka_client(KafkaClientKind::producer, properties, "Kafka client",
                                           [&errors](rd_kafka_conf_t* conf) {
                                             rd_kafka_conf_set_error_cb(conf, &on_probe_error);
                                             rd_kafka_conf_set_log_cb(conf, &on_probe_log);
                                             rd_kafka_conf_set_opaque(conf, &errors);
                                           });
  if (client.handle == nullptr) throw std::runtime_error(client.error);
  const std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> handle(client.handle, &rd_kafka_destroy);

  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    const struct rd_kafka_metadata* metadata = nullptr;
    // Short slices, so that errors are served and the bound holds.
    const rd_kafka_resp_err_t err = rd_kafka_metadata(
        handle.get(), 0, nullptr, &metadata, static_cast<int>(std::min<int64_t>(left, 250)));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_metadata_destroy(metadata);
      return;
    }
    rd_kafka_poll(handle.get(), 0);
    const std::lock_guard<std::mutex> lock(errors.mutex);
    if (errors.security_error != 0)
      throw KafkaSecurityError(
          security_failure_text(errors.security_error, errors.security_reason, properties));
  }
  rd_kafka_poll(handle.get(), 0);
  std::string reason;
  {
    const std::lock_guard<std::mutex> lock(errors.mutex);
    reason = errors.first_reason.empty() ? std::string("no answer")
                                         : unreachable_reason(errors.first_reason);
  }
  const auto servers = properties.find("bootstrap.servers");
  throw KafkaUnreachable(fmt::format("cannot reach Kafka at {} ({}) within {}",
                                     servers != properties.end() ? servers->second : "", reason,
                                     seconds_text(timeout)));
}

}  // namespace leifeng::runtime
