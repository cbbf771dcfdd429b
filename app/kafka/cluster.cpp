#include "kafka/cluster.hpp"

#include <spdlog/spdlog.h>

#include "leifeng/runtime/logging.hpp"

namespace leifeng::app {

KafkaCluster::KafkaCluster(const runtime::RuntimeOptions& options, std::string_view command,
                           bool embedded_intended)
    : options_(options) {
  if (!options_.bootstrap_servers.empty()) {
    runtime::log_event(spdlog::level::info, "using Kafka", "command", command, "bootstrap_servers",
                       options_.bootstrap_servers);
    return;
  }
  embedded_ = std::make_unique<runtime::EmbeddedCluster>();
  options_.bootstrap_servers = embedded_->bootstrap_servers();
  options_.kafka["bootstrap.servers"] = options_.bootstrap_servers;
  // The mock acknowledges offsets sent to a transaction but never stores them, so committed
  // offsets would stay put and --until-caught-up would wait forever.
  options_.guarantee = runtime::ProcessingGuarantee::at_least_once;
  if (embedded_intended) {
    runtime::log_event(spdlog::level::info, "using the embedded in-process Kafka cluster",
                       "command", command, "bootstrap_servers", options_.bootstrap_servers);
  } else {
    runtime::log_event(spdlog::level::warn,
                       "no bootstrap servers configured (-c FILE or --bootstrap-servers): using "
                       "the embedded in-process Kafka cluster; its topics and data are gone when "
                       "this command exits",
                       "command", command, "bootstrap_servers", options_.bootstrap_servers);
  }
}

runtime::KafkaProperties KafkaCluster::properties() const {
  runtime::KafkaProperties properties = options_.kafka;
  properties["bootstrap.servers"] = options_.bootstrap_servers;
  return properties;
}

runtime::TopicCreation KafkaCluster::create_topics(const std::vector<runtime::TopicSpec>& specs) {
  if (!embedded_) return runtime::create_topics(properties(), specs);
  embedded_->create_topics(specs);
  runtime::TopicCreation creation;
  for (const auto& spec : specs) creation.created.push_back(spec.name);
  return creation;
}

std::vector<runtime::EmbeddedCluster::TrimmedPartition> KafkaCluster::trimmed_partitions(
    const std::vector<runtime::TopicSpec>& specs) const {
  if (!embedded_) return {};
  return embedded_->trimmed_partitions(specs);
}

}  // namespace leifeng::app
