#include "drivers/live_run.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>

#include "drivers/run_progress.hpp"
#include "kafka/topics.hpp"
#include "leifeng/processors/wiring.hpp"
#include "leifeng/runtime/instance_directory.hpp"
#include "leifeng/runtime/logging.hpp"
#include "leifeng/runtime/metrics.hpp"
#include "leifeng/runtime/metrics_server.hpp"
#include "leifeng/runtime/queryable_state.hpp"
#include "serve/query_server.hpp"
#include "topology.hpp"

namespace leifeng::app {

PipelineRun run_pipeline(const Settings& settings, KafkaCluster& cluster, bool until_caught_up,
                         const std::atomic<bool>& stop,
                         std::chrono::milliseconds progress_interval) {
  runtime::Topology topology = build_topology(settings);
  ensure_topics(cluster, topology);

  runtime::Metrics metrics;
  runtime::Readiness readiness;
  std::unique_ptr<runtime::MetricsServer> server;
  const runtime::RuntimeOptions& options = cluster.options();
  if (options.metrics_port != 0) {
    server = std::make_unique<runtime::MetricsServer>(metrics, &readiness);
    const std::string& address = options.metrics_address;
    const int port = server->start(address, options.metrics_port);
    const bool ipv6 = address.find(':') != std::string::npos;
    const std::string base =
        "http://" + (ipv6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
    runtime::log_event(spdlog::level::info, "metrics endpoint listening", "url", base + "/metrics",
                       "health", base + "/healthz", "readiness", base + "/readyz");
  }
  runtime::log_event(spdlog::level::info, "starting the processors", "application_id",
                     options.application_id, "topic_prefix", options.topic_prefix, "state_dir",
                     options.state_dir, "threads", runtime::stream_threads(options),
                     "until_caught_up", until_caught_up);

  const auto started = std::chrono::steady_clock::now();
  runtime::QueryableState queries(&readiness);
  runtime::StreamRuntime stream(std::move(topology), options, &metrics, &readiness);
  // Interactive queries ([serve] port): the server, and the directory through which the
  // instances learn who serves which partition (stopped before the runtime goes).
  std::unique_ptr<runtime::InstanceDirectory> directory;
  std::unique_ptr<QueryServer> query_server;
  if (options.serve_port != 0) {
    stream.serve_queries(queries);
    const std::string address = options.serve_advertised.empty()
                                    ? options.serve_bind + ":" + std::to_string(options.serve_port)
                                    : options.serve_advertised;
    std::map<std::string, std::string> kafka = options.kafka;
    kafka["bootstrap.servers"] = options.bootstrap_servers;
    directory = std::make_unique<runtime::InstanceDirectory>(kafka, options.application_id,
                                                             stream.instance_id(), address, queries,
                                                             options.replication_factor);
    directory->start();
    query_server = std::make_unique<QueryServer>(
        queries, QueryIdentity{stream.instance_id(), address}, directory.get(),
        options.standby_replicas > 0 ? &queries.standby() : nullptr);
    query_server->start(options.serve_bind, options.serve_port);
    runtime::log_event(
        spdlog::level::info, "query server listening", "url",
        "http://" + options.serve_bind + ":" + std::to_string(options.serve_port) + "/v1/metadata",
        "advertised", address, "directory",
        runtime::InstanceDirectory::topic_name(options.application_id));
  }
  if (progress_interval.count() > 0) {
    std::vector<ProgressInput> inputs;
    for (const std::string_view input :
         {processors::inputs::kHours, processors::inputs::kActivities,
          processors::inputs::kNeeds}) {
      inputs.push_back(
          {std::string(input), processors::kafka_topic_name(options.topic_prefix, input)});
    }
    stream.on_progress(progress_interval, RunProgress(std::move(inputs)));
  }
  PipelineRun result;
  if (until_caught_up) {
    result.caught_up = stream.run_until_caught_up(stop);
  } else {
    stream.run(stop);
  }
  if (query_server) query_server->stop();
  if (directory) directory->stop();
  result.stats = stream.stats();
  for (const std::string_view input :
       {processors::inputs::kHours, processors::inputs::kActivities, processors::inputs::kNeeds}) {
    const auto counted = result.stats.inputs.find(std::string(input));
    const runtime::InputCounts counts =
        counted == result.stats.inputs.end() ? runtime::InputCounts{} : counted->second;
    InputAccount& account = result.inputs[std::string(input)];
    account.consumed = counts.consumed;
    account.applied = counts.applied;
    account.duplicates = counts.duplicates;
    account.dead_lettered = counts.dead_lettered;
    runtime::log_event(spdlog::level::info, "input processed", "input", input, "consumed",
                       account.consumed, "applied", account.applied, "duplicates",
                       account.duplicates, "dead_lettered", account.dead_lettered);
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  runtime::log_event(spdlog::level::info, "processors stopped", "processed", result.stats.processed,
                     "commits", result.stats.commits, "aborts", result.stats.aborts,
                     "kafka_client_rebuilds", result.stats.client_rebuilds, "redelivered_skipped",
                     result.stats.redelivered_skipped, "restored_records",
                     result.stats.restored_records, "caught_up", result.caught_up, "elapsed_ms",
                     elapsed.count());
  if (server) server->stop();
  return result;
}

}  // namespace leifeng::app
