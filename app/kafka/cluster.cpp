#include "kafka/cluster.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <stdexcept>

#include "leifeng/runtime/kafka_reachability.hpp"
#include "leifeng/runtime/logging.hpp"
#include "product.hpp"

namespace leifeng::app {

namespace {

// Neither a broker nor --embedded, or both: the user's mistake, told with the ways out.
void check_broker_choice(const Settings& settings) {
  const std::string& servers = settings.runtime().bootstrap_servers;
  if (settings.embedded && !servers.empty()) {
    throw std::invalid_argument(
        "--embedded and a Kafka broker (" + servers + ", from " +
        settings.config.kafka_origin("bootstrap.servers") +
        ") exclude each other: drop --embedded to use the broker, or the broker to use the "
        "throwaway in-process cluster");
  }
  if (!settings.embedded && servers.empty()) {
    throw std::invalid_argument(
        "no Kafka broker configured: give one with --bootstrap-servers HOST:PORT, with "
        "bootstrap.servers in the [kafka] table of the -c file, or with " +
        config_defaults().environment_prefix +
        "KAFKA_BOOTSTRAP_SERVERS; or use --embedded for a throwaway in-process cluster");
  }
}

}  // namespace

KafkaCluster::KafkaCluster(const Settings& settings, std::string_view command)
    : options_(settings.runtime()) {
  check_broker_choice(settings);
  if (!settings.embedded) {
    runtime::check_kafka_reachable(properties(),
                                   std::chrono::milliseconds(options_.connect_timeout_ms));
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
  // The mock keeps only about 5 MiB per partition and drops older records; small JSON records
  // compress well, which keeps the demo's month within reach (docs/decisions.md).
  options_.producer_compression = "lz4";
  // One member, so the group never rebalances: the mock refuses every offset commit while its
  // group is joining, and the records of a refused commit are processed a second time, which
  // the county statistics' sums would count twice. A second thread also cost another join.
  if (options_.threads > 1) {
    runtime::log_event(spdlog::level::warn,
                       "the embedded cluster runs one stream thread; [runtime] threads does not "
                       "apply",
                       "threads", options_.threads);
  }
  options_.threads = 1;
  runtime::log_event(spdlog::level::info,
                     "using the embedded in-process Kafka cluster (--embedded); its topics and "
                     "data are gone when this command exits",
                     "command", command, "bootstrap_servers", options_.bootstrap_servers);
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
