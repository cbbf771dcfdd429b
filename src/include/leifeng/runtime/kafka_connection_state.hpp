// Whether a running client can talk to Kafka, as the operator reads it in the log: one line when
// the connection is lost and one when it is back, however many retries lie between. librdkafka
// retries by itself (nothing is lost or duplicated: the transaction waits); what it reports is
// an error per failed attempt, which this turns into those two lines.
#pragma once

#include <atomic>
#include <string>
#include <string_view>

namespace leifeng::runtime {

class KafkaConnectionState {
 public:
  enum class Change { none, lost, reconnected };

  explicit KafkaConnectionState(std::string bootstrap_servers);

  // A librdkafka error (error_cb / EVENT_ERROR): RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN means the
  // connection is lost. Others, e.g. __TRANSPORT for one broker of several or an idle
  // connection the broker closed, do not. Logs "lost connection to Kafka at <servers>;
  // retrying" (warn) on the first loss only, and returns Change::lost then.
  Change on_error(int error, std::string_view reason);

  // Evidence that the cluster answers: a fetch, a commit, a metadata response. Logs
  // "reconnected to Kafka" (info) only after a loss, and returns Change::reconnected then.
  // One relaxed load while connected: cheap enough for every consumed record.
  Change on_progress();

  bool connected() const;

 private:
  std::string bootstrap_servers_;
  std::atomic<bool> connected_{true};  // errors may arrive on librdkafka's threads
};

}  // namespace leifeng::runtime
