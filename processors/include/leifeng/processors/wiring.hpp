// Which logical inputs feed which processor, and the logical output names (SPEC §2,
// ARCHITECTURE.md "Dataflow"). Drivers map logical names to Kafka topics or files.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leifeng/processors/event_processor.hpp"
#include "leifeng/runtime/processor.hpp"
#include "leifeng/schemas/events.hpp"

namespace leifeng::processors {

namespace inputs {
inline constexpr std::string_view kHours = "hours";
inline constexpr std::string_view kActivities = "activities";
inline constexpr std::string_view kNeeds = "needs";
// Internal repartition stream keyed by area code: <application.id>-county-deltas.
inline constexpr std::string_view kCountyDeltas = "county-deltas";
}  // namespace inputs

namespace outputs {
inline constexpr std::string_view kStars = "stars";                       // compacted, volunteer_id
inline constexpr std::string_view kStarChanges = "star-changes";          // stream, volunteer_id
inline constexpr std::string_view kNeedsStatus = "needs-status";          // compacted, need_id
inline constexpr std::string_view kCountyStats = "county-stats";          // compacted, area/period
inline constexpr std::string_view kDeadLetter = "dead-letter";            // stream, original key
inline constexpr std::string_view kCountyDeltas = inputs::kCountyDeltas;  // internal
}  // namespace outputs

// The Kafka topic of a public logical name: <prefix>.<name>.v1 (SPEC §2). Internal streams
// (county-deltas, changelogs) are <application.id>-<name> and named by the runtime.
std::string kafka_topic_name(std::string_view prefix, std::string_view logical_name);
// True for outputs that are tables (compacted topics: one latest value per key).
bool is_table_output(std::string_view logical_name);

std::string_view input_of(schemas::InputTopic topic);

struct ProcessorSpec {
  std::string name;                  // also names its state store
  std::string input;                 // logical input name
  bool internal_input = false;       // input is the internal repartition stream
  std::vector<std::string> outputs;  // logical output names it may emit to
  runtime::ProcessorFactory factory;
};

// The whole topology: ledger (hours), activities, needs, county stats (county-deltas).
std::vector<ProcessorSpec> topology(const ProcessorOptions& options);

}  // namespace leifeng::processors
