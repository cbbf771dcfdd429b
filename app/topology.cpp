#include "topology.hpp"

#include <string>

#include "leifeng/processors/wiring.hpp"

namespace leifeng::app {

namespace inputs = processors::inputs;
namespace outputs = processors::outputs;

processors::ProcessorOptions live_processor_options(const Settings& settings) {
  processors::ProcessorOptions options;
  options.config = settings.domain;
  options.source.topic_prefix = settings.runtime().topic_prefix;
  options.emit_table_updates = true;
  return options;
}

runtime::Topology build_topology(const Settings& settings) {
  const std::string& prefix = settings.runtime().topic_prefix;
  runtime::Topology topology(settings.runtime().application_id);
  for (const std::string_view input : {inputs::kHours, inputs::kActivities, inputs::kNeeds})
    topology.input(std::string(input), processors::kafka_topic_name(prefix, input));
  for (const std::string_view output :
       {outputs::kStars, outputs::kStarChanges, outputs::kNeedsStatus, outputs::kCountyStats,
        outputs::kDeadLetter}) {
    // Tables (compacted topics) get one record per key and transaction, streams every record.
    std::string topic = processors::kafka_topic_name(prefix, output);
    if (processors::is_table_output(output)) {
      topology.table_output(std::string(output), std::move(topic));
    } else {
      topology.output(std::string(output), std::move(topic));
    }
  }
  topology.repartition(std::string(outputs::kCountyDeltas));
  for (processors::ProcessorSpec& spec : processors::topology(live_processor_options(settings))) {
    // Each processor owns one store, named after it (processors open it by that name).
    topology.processor(spec.name, {spec.input}, {spec.name}, std::move(spec.factory));
  }
  topology.validate();
  return topology;
}

}  // namespace leifeng::app
