#include "leifeng/processors/wiring.hpp"

#include <memory>

#include "leifeng/processors/activities.hpp"
#include "leifeng/processors/county_stats.hpp"
#include "leifeng/processors/ledger.hpp"
#include "leifeng/processors/matching.hpp"
#include "leifeng/processors/needs.hpp"

namespace leifeng::processors {

std::string kafka_topic_name(std::string_view prefix, std::string_view logical_name) {
  std::string name;
  name.reserve(prefix.size() + logical_name.size() + 4);
  name.append(prefix).append(".").append(logical_name).append(".v1");
  return name;
}

const OutputSpec* find_output(std::string_view logical_name) {
  for (const OutputSpec& output : kOutputs) {
    if (output.name == logical_name) return &output;
  }
  return nullptr;
}

bool is_table_output(std::string_view logical_name) {
  const OutputSpec* output = find_output(logical_name);
  return output != nullptr && output->kind == OutputKind::table;
}

std::string_view input_of(schemas::InputTopic topic) {
  switch (topic) {
    case schemas::InputTopic::hours:
      return inputs::kHours;
    case schemas::InputTopic::activities:
      return inputs::kActivities;
    case schemas::InputTopic::needs:
      return inputs::kNeeds;
  }
  return inputs::kHours;
}

bool matching_on(const ProcessorOptions& options) {
  return options.config.max_candidates > 0;
}

namespace {
// A processor reading `input` and owning the store named after it.
template <class P>
void add_processor(runtime::Topology& topology, std::string_view input,
                   const ProcessorOptions& options) {
  const std::string store = P::kStoreName;
  topology.processor(store, {std::string(input)}, {store},
                     [options, store](runtime::TaskContext& task) {
                       return std::make_unique<P>(options, task.store(store));
                     });
}
}  // namespace

runtime::Topology topology(const ProcessorOptions& options, const std::string& application_id) {
  const std::string& prefix = options.source.topic_prefix;
  runtime::Topology topology(application_id);
  for (const std::string_view input : {inputs::kHours, inputs::kActivities, inputs::kNeeds})
    topology.input(std::string(input), kafka_topic_name(prefix, input));
  for (const OutputSpec& output : kOutputs) {
    // Tables (compacted topics) get one record per key and transaction, streams every record.
    std::string topic = kafka_topic_name(prefix, output.name);
    if (output.kind == OutputKind::table) {
      topology.table_output(std::string(output.name), std::move(topic));
    } else {
      topology.output(std::string(output.name), std::move(topic));
    }
  }
  topology.repartition(std::string(outputs::kCountyDeltas));
  // The ledger owns a second store, its volunteers' star history (kept for queries).
  const std::vector<std::string> ledger_stores = {LedgerProcessor::kStoreName,
                                                  LedgerProcessor::kHistoryStoreName};
  topology.processor(LedgerProcessor::kStoreName, {std::string(inputs::kHours)}, ledger_stores,
                     [options, ledger_stores](runtime::TaskContext& task) {
                       return std::make_unique<LedgerProcessor>(
                           options, task.store(ledger_stores[0]), task.store(ledger_stores[1]));
                     });
  add_processor<ActivitiesProcessor>(topology, inputs::kActivities, options);
  add_processor<NeedsProcessor>(topology, inputs::kNeeds, options);
  {
    const std::vector<std::string> stores = {CountyStatsProcessor::kStoreName,
                                             CountyStatsProcessor::kStationsStore};
    topology.processor(CountyStatsProcessor::kStoreName, {std::string(inputs::kCountyDeltas)},
                       stores, [options, stores](runtime::TaskContext& task) {
                         return std::make_unique<CountyStatsProcessor>(
                             options, task.store(stores[0]), task.store(stores[1]));
                       });
  }
  if (matching_on(options)) {
    topology.repartition(std::string(outputs::kMatchChanges));
    const std::vector<std::string> stores = {MatchingProcessor::kNeedsStore,
                                             MatchingProcessor::kPoolsStore,
                                             MatchingProcessor::kOpenNeedsStore};
    topology.processor("matching", {std::string(inputs::kMatchChanges)}, stores,
                       [options, stores](runtime::TaskContext& task) {
                         return std::make_unique<MatchingProcessor>(options, task.store(stores[0]),
                                                                    task.store(stores[1]),
                                                                    task.store(stores[2]));
                       });
  }
  topology.validate();
  return topology;
}

}  // namespace leifeng::processors
