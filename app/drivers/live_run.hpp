// Running the processors against Kafka (`leifeng run`, the demo): topics first, then the
// exactly-once runtime over the composed topology, with the metrics endpoint when configured.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "kafka/cluster.hpp"
#include "leifeng/runtime/stream_runtime.hpp"
#include "settings.hpp"

namespace leifeng::app {

// What became of the records of one input in committed transactions of this run:
// consumed = applied + duplicates + dead_lettered (SPEC §4 "nothing is lost").
struct InputAccount {
  int64_t consumed = 0;
  int64_t applied = 0;
  int64_t duplicates = 0;
  int64_t dead_lettered = 0;
};

struct PipelineRun {
  bool caught_up = false;  // until_caught_up: everything present at the start was committed
  runtime::StreamRuntimeStats stats;
  std::map<std::string, InputAccount> inputs;  // by logical input: hours, activities, needs
};

// Creates missing topics, then processes until `stop` is set — or, with `until_caught_up`,
// until everything that was on the input topics at the start is processed and committed.
// Throws on fatal errors (fenced producer, a processor that threw, an unusable metrics port).
// A `progress_interval` above zero logs a progress line that often (drivers/run_progress.hpp).
PipelineRun run_pipeline(const Settings& settings, KafkaCluster& cluster, bool until_caught_up,
                         const std::atomic<bool>& stop,
                         std::chrono::milliseconds progress_interval = {});

}  // namespace leifeng::app
