// The Kafka cluster a command talks to: the configured one, or — asked for with --embedded —
// the embedded in-process cluster, which lives only as long as this object (topics and data
// vanish when the command exits). Never the embedded one by default: a forgotten flag or a
// misspelt key must not make a command process an empty throwaway cluster.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leifeng/runtime/embedded_cluster.hpp"
#include "leifeng/runtime/options.hpp"
#include "leifeng/runtime/topic_admin.hpp"
#include "settings.hpp"

namespace leifeng::app {

class KafkaCluster {
 public:
  // The broker of `settings` once it answered within [runtime] connect_timeout_ms, or with
  // settings.embedded a fresh embedded cluster. `command` names the command in the log line
  // that says which cluster is used. Throws std::invalid_argument with the sentence for the
  // user when no broker is configured and --embedded was not given, or both were, and
  // runtime::KafkaUnreachable when the broker does not answer in time.
  KafkaCluster(const Settings& settings, std::string_view command);

  bool embedded() const { return embedded_ != nullptr; }
  const std::string& bootstrap_servers() const { return options_.bootstrap_servers; }
  // The runtime options with the cluster's address filled in; for the embedded cluster with
  // the at-least-once guarantee (see runtime::ProcessingGuarantee and EmbeddedCluster) and one
  // stream thread.
  const runtime::RuntimeOptions& options() const { return options_; }
  // librdkafka properties for any client: the [kafka] table plus bootstrap.servers.
  runtime::KafkaProperties properties() const;

  // Creates the topics that are missing; idempotent. The embedded cluster ignores topic
  // configs and cannot tell created from existing: it reports every topic as created.
  runtime::TopicCreation create_topics(const std::vector<runtime::TopicSpec>& specs);

  // The partitions of `specs` whose oldest records the embedded cluster dropped (it keeps about
  // 5 MiB or 100,000 record batches per partition); always empty for a configured cluster, whose
  // retention is the topics' own.
  std::vector<runtime::EmbeddedCluster::TrimmedPartition> trimmed_partitions(
      const std::vector<runtime::TopicSpec>& specs) const;

 private:
  runtime::RuntimeOptions options_;
  std::unique_ptr<runtime::EmbeddedCluster> embedded_;
};

}  // namespace leifeng::app
