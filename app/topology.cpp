#include "topology.hpp"

#include "leifeng/processors/wiring.hpp"

namespace leifeng::app {

processors::ProcessorOptions live_processor_options(const Settings& settings) {
  processors::ProcessorOptions options;
  options.config = settings.domain;
  options.source.topic_prefix = settings.runtime().topic_prefix;
  options.source.application_id = settings.runtime().application_id;
  options.emit_table_updates = true;
  return options;
}

runtime::Topology build_topology(const Settings& settings) {
  return processors::topology(live_processor_options(settings), settings.runtime().application_id);
}

}  // namespace leifeng::app
