#include "leifeng/processors/wiring.hpp"

#include "leifeng/processors/activities.hpp"
#include "leifeng/processors/county_stats.hpp"
#include "leifeng/processors/ledger.hpp"
#include "leifeng/processors/needs.hpp"

namespace leifeng::processors {

std::string kafka_topic_name(std::string_view prefix, std::string_view logical_name) {
  std::string name;
  name.reserve(prefix.size() + logical_name.size() + 4);
  name.append(prefix).append(".").append(logical_name).append(".v1");
  return name;
}

bool is_table_output(std::string_view logical_name) {
  return logical_name == outputs::kStars || logical_name == outputs::kNeedsStatus ||
         logical_name == outputs::kCountyStats;
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

std::vector<ProcessorSpec> topology(const ProcessorOptions& options) {
  const std::string dead_letter(outputs::kDeadLetter);
  const std::string deltas(outputs::kCountyDeltas);
  std::vector<ProcessorSpec> specs;
  specs.push_back(
      {LedgerProcessor::kStoreName,
       std::string(inputs::kHours),
       false,
       {std::string(outputs::kStars), std::string(outputs::kStarChanges), deltas, dead_letter},
       [options](runtime::TaskContext& task) -> std::unique_ptr<runtime::Processor> {
         return std::make_unique<LedgerProcessor>(options,
                                                  &task.store(LedgerProcessor::kStoreName));
       }});
  specs.push_back({ActivitiesProcessor::kStoreName,
                   std::string(inputs::kActivities),
                   false,
                   {deltas, dead_letter},
                   [options](runtime::TaskContext& task) -> std::unique_ptr<runtime::Processor> {
                     return std::make_unique<ActivitiesProcessor>(
                         options, &task.store(ActivitiesProcessor::kStoreName));
                   }});
  specs.push_back({NeedsProcessor::kStoreName,
                   std::string(inputs::kNeeds),
                   false,
                   {std::string(outputs::kNeedsStatus), deltas, dead_letter},
                   [options](runtime::TaskContext& task) -> std::unique_ptr<runtime::Processor> {
                     return std::make_unique<NeedsProcessor>(
                         options, &task.store(NeedsProcessor::kStoreName));
                   }});
  specs.push_back({CountyStatsProcessor::kStoreName,
                   std::string(inputs::kCountyDeltas),
                   true,
                   {std::string(outputs::kCountyStats), dead_letter},
                   [options](runtime::TaskContext& task) -> std::unique_ptr<runtime::Processor> {
                     return std::make_unique<CountyStatsProcessor>(
                         options, &task.store(CountyStatsProcessor::kStoreName));
                   }});
  return specs;
}

}  // namespace leifeng::processors
