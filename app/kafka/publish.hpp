// Publishing an events file (JSON Lines) to the input topics, as upstream apps would
// (`leifeng publish`, the demo). Routing rules: event_router.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

#include "kafka/cluster.hpp"
#include "kafka/publisher.hpp"
#include "leifeng/schemas/validation.hpp"
#include "settings.hpp"

namespace leifeng::app {

struct PublishSummary {
  int64_t lines_read = 0;                    // non-blank lines
  std::map<std::string, int64_t> published;  // input topic -> records routed to it
  int64_t dead_lettered = 0;  // unroutable and oversize lines, written to the dead letters
  // Lines over [rules] max_line_bytes (each reported on stderr; among dead_lettered): the
  // command exits 1.
  int64_t oversize_lines = 0;
  // Those unroutable lines by reason (they add up to dead_lettered).
  std::array<int64_t, schemas::kReasonCount> dead_lettered_by_reason{};
  // Routed lines the processor will dead-letter, by reason (warnings, not errors).
  std::array<int64_t, schemas::kReasonCount> invalid_by_reason{};
  DeliveryOutcome delivery;  // every record sent, dead letters included
};

// Reads `in` to its end; `source_name` is what dead letters give as source.file (the path as
// given, "-" for stdin: the same name `replay --input` uses). With `show_progress`, a line on
// stderr about every second. Throws std::runtime_error on a read error or a record that cannot
// be queued; failed deliveries are reported in the summary, not thrown.
PublishSummary publish_events(std::FILE* in, const std::string& source_name,
                              const Settings& settings, KafkaCluster& cluster, bool show_progress);

}  // namespace leifeng::app
