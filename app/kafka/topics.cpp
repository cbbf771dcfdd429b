#include "kafka/topics.hpp"

#include <spdlog/spdlog.h>

#include "leifeng/processors/wiring.hpp"
#include "leifeng/runtime/logging.hpp"

namespace leifeng::app {

namespace {

const std::map<std::string, std::string> kKeepForever{{"retention.ms", "-1"}};
const std::map<std::string, std::string> kCompacted{{"cleanup.policy", "compact"}};

}  // namespace

std::vector<runtime::TopicSpec> leifeng_topics(const runtime::RuntimeOptions& options,
                                               const runtime::Topology& topology) {
  namespace inputs = processors::inputs;
  namespace outputs = processors::outputs;
  std::vector<runtime::TopicSpec> specs;
  auto add = [&](std::string name, const std::map<std::string, std::string>& configs) {
    specs.push_back({std::move(name), options.partitions, options.replication_factor, configs});
  };
  for (const std::string_view input : {inputs::kHours, inputs::kActivities, inputs::kNeeds})
    add(processors::kafka_topic_name(options.topic_prefix, input), kKeepForever);
  for (const std::string_view output :
       {outputs::kStars, outputs::kStarChanges, outputs::kNeedsStatus, outputs::kCountyStats,
        outputs::kDeadLetter}) {
    add(processors::kafka_topic_name(options.topic_prefix, output),
        processors::is_table_output(output) ? kCompacted : kKeepForever);
  }
  // Every input topic has the configured partition count, so a changelog (one partition per
  // task of its processor) has it too.
  for (const runtime::InternalTopic& internal : topology.internal_topics())
    add(internal.name, internal.compacted ? kCompacted : kKeepForever);
  return specs;
}

runtime::TopicCreation ensure_topics(KafkaCluster& cluster, const runtime::Topology& topology) {
  runtime::TopicCreation creation =
      cluster.create_topics(leifeng_topics(cluster.options(), topology));
  for (const auto& name : creation.created)
    runtime::log_event(spdlog::level::debug, "topic created", "topic", name);
  runtime::log_event(spdlog::level::info, "topics ready", "created", creation.created.size(),
                     "already_existed", creation.already_existed.size());
  return creation;
}

}  // namespace leifeng::app
