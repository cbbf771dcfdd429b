// Processor options of a run inside this process (file replay, volunteer audit), as opposed
// to the live topology's (topology.hpp).
#pragma once

#include <utility>

#include "leifeng/processors/event_processor.hpp"

namespace leifeng::app {

// Tables are taken once at the end (Processor::finish): the same final values as the live
// per-update records, without formatting one per event. County deltas and match changes go one
// message each (their consumer runs before emit() returns: nothing to save by batching them).
inline processors::ProcessorOptions in_process_options(const processors::DomainConfig& config,
                                                       processors::SourceNaming source) {
  processors::ProcessorOptions options;
  options.config = config;
  options.source = std::move(source);
  options.emit_table_updates = false;
  options.sum_county_deltas = false;
  options.pack_match_changes = false;
  return options;
}

}  // namespace leifeng::app
