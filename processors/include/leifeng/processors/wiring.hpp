// The one description of the application (docs/architecture.md, "Dataflow"): which input feeds
// which processor, the store each owns, and every output. The live runtime runs it on Kafka;
// the in-process drivers (replays, audit, tests) run the same description through
// runtime::InMemoryRunner.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "leifeng/processors/event_processor.hpp"
#include "leifeng/runtime/stream_topology.hpp"
#include "leifeng/schemas/events.hpp"

namespace leifeng::processors {

namespace inputs {
inline constexpr std::string_view kHours = "hours";
inline constexpr std::string_view kActivities = "activities";
inline constexpr std::string_view kNeeds = "needs";
// Internal repartition stream keyed by area code: <application.id>-county-deltas.
inline constexpr std::string_view kCountyDeltas = "county-deltas";
// Internal repartition stream keyed by area code: <application.id>-match-changes (SPEC §8).
inline constexpr std::string_view kMatchChanges = "match-changes";
}  // namespace inputs

namespace outputs {
inline constexpr std::string_view kStars = "stars";
inline constexpr std::string_view kStarChanges = "star-changes";
inline constexpr std::string_view kNeedsStatus = "needs-status";
inline constexpr std::string_view kCountyStats = "county-stats";
inline constexpr std::string_view kDeadLetter = "dead-letter";
inline constexpr std::string_view kNeedMatches = "need-matches";
inline constexpr std::string_view kStations = "stations";                 // SPEC §9, as built
inline constexpr std::string_view kCountyDeltas = inputs::kCountyDeltas;  // internal
inline constexpr std::string_view kMatchChanges = inputs::kMatchChanges;  // internal
}  // namespace outputs

// What an output holds, which decides its Kafka topic's configuration and the order of its
// replay file.
enum class OutputKind : uint8_t {
  table,         // compacted topic, one latest value per key; file sorted by key
  keyed_stream,  // every record; file stable-sorted by key (each key's records in order)
  stream,        // every record; file in the order emitted (dead letters: input order)
};

struct OutputSpec {
  std::string_view name;  // logical name: topic <prefix>.<name>.v1, replay file <name>.jsonl
  OutputKind kind;
};

// Every public output (SPEC §2, §6), in the order replay writes and audit compares them.
inline constexpr std::array<OutputSpec, 7> kOutputs{{
    {outputs::kStars, OutputKind::table},
    {outputs::kStarChanges, OutputKind::keyed_stream},
    {outputs::kNeedsStatus, OutputKind::table},
    {outputs::kCountyStats, OutputKind::table},
    {outputs::kDeadLetter, OutputKind::stream},
    {outputs::kNeedMatches, OutputKind::table},
    {outputs::kStations, OutputKind::table},
}};

// The Kafka topic of a public logical name: <prefix>.<name>.v1 (SPEC §2). Internal streams
// (county-deltas, changelogs) are <application.id>-<name> and named by the runtime.
std::string kafka_topic_name(std::string_view prefix, std::string_view logical_name);
// The declaration of an output by its logical name; nullptr for a name kOutputs lacks.
const OutputSpec* find_output(std::string_view logical_name);
// True for outputs that are tables (compacted topics: one latest value per key).
bool is_table_output(std::string_view logical_name);

std::string_view input_of(schemas::InputTopic topic);

// Whether the matching processor runs ([matching] max_candidates > 0).
bool matching_on(const ProcessorOptions& options);

// The whole application: ledger (hours), activities, needs, county stats fed by the
// county-deltas repartition stream, and matching fed by the match-changes repartition stream
// (left out when [matching] max_candidates is 0); each event processor owns one store named
// after it, the ledger a second one (star-history), matching three (matching.hpp). Public
// topics are <options.source.topic_prefix>.<name>.v1, internal ones <application_id>-<name>.
// Throws runtime::TopologyError for an unusable prefix or id.
runtime::Topology topology(const ProcessorOptions& options, const std::string& application_id);

}  // namespace leifeng::processors
