// The composition root of the live pipeline: the domain processors (processors::topology())
// wired to Kafka topics as a runtime::Topology. `run`, `topics create` and replay from topics
// build it the same way, so they agree on every topic name.
#pragma once

#include "leifeng/processors/event_processor.hpp"
#include "leifeng/runtime/stream_topology.hpp"
#include "settings.hpp"

namespace leifeng::app {

// Processor options for the live runtime: the domain rules, dead-letter sources named by
// Kafka topic, a table record after every update.
processors::ProcessorOptions live_processor_options(const Settings& settings);

// Inputs hours/activities/needs and every public output on <topic_prefix>.<name>.v1, the
// county deltas as the repartition stream <application_id>-county-deltas, one store per
// processor (named after it). Throws runtime::TopologyError for an unusable prefix or id.
runtime::Topology build_topology(const Settings& settings);

}  // namespace leifeng::app
