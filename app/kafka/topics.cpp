#include "kafka/topics.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>

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
    specs.push_back(
        runtime::replicated_topic(options, std::move(name), options.partitions, configs));
  };
  for (const std::string_view input : {inputs::kHours, inputs::kActivities, inputs::kNeeds})
    add(processors::kafka_topic_name(options.topic_prefix, input), kKeepForever);
  for (const std::string_view output :
       {outputs::kStars, outputs::kStarChanges, outputs::kNeedsStatus, outputs::kCountyStats,
        outputs::kNeedMatches, outputs::kStations}) {
    add(processors::kafka_topic_name(options.topic_prefix, output),
        processors::is_table_output(output) ? kCompacted : kKeepForever);
  }
  // Dead letters carry rejected payloads as they came, personal data included (spec privacy
  // rule): kept only long enough to repair the upstream app, unlike the inputs (audits).
  add(processors::kafka_topic_name(options.topic_prefix, outputs::kDeadLetter),
      {{"retention.ms", std::to_string(options.dead_letter_retention_ms)}});
  // Every input topic has the configured partition count, so a changelog (one partition per
  // task of its processor) has it too.
  for (const runtime::InternalTopic& internal : topology.internal_topics())
    add(internal.name, internal.compacted ? runtime::changelog_topic_configs() : kKeepForever);
  return specs;
}

std::string_view role_name(TopicRole role) {
  switch (role) {
    case TopicRole::input:
      return "input";
    case TopicRole::output:
      return "output";
    case TopicRole::internal:
      return "internal";
    case TopicRole::dead_letter:
      return "dead-letter";
  }
  return "?";
}

std::vector<ApplicationTopic> application_topics(const runtime::RuntimeOptions& options,
                                                 const runtime::Topology& topology) {
  const std::vector<std::string> inputs = topology.external_source_topics();
  std::vector<std::string> internal;
  for (const runtime::InternalTopic& topic : topology.internal_topics())
    internal.push_back(topic.name);
  const std::string dead_letter =
      processors::kafka_topic_name(options.topic_prefix, processors::outputs::kDeadLetter);
  auto contains = [](const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  std::vector<ApplicationTopic> topics;
  for (runtime::TopicSpec& spec : leifeng_topics(options, topology)) {
    const TopicRole role = contains(inputs, spec.name)     ? TopicRole::input
                           : contains(internal, spec.name) ? TopicRole::internal
                           : spec.name == dead_letter      ? TopicRole::dead_letter
                                                           : TopicRole::output;
    topics.push_back({std::move(spec.name), role});
  }
  return topics;
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
