#include "kafka/reset.hpp"

#include <algorithm>
#include <map>

#include "leifeng/runtime/instance_directory.hpp"
#include "leifeng/runtime/stream_runtime.hpp"
#include "leifeng/runtime/topic_inspection.hpp"

namespace leifeng::app {

ResetPlan plan_reset(const KafkaCluster& cluster, const runtime::Topology& topology) {
  ResetPlan plan;
  plan.group = runtime::consumer_group_id(topology);
  runtime::GroupAdmin groups(cluster.properties());
  plan.members = groups.describe(plan.group).members;

  runtime::TopicInspector inspector(cluster.properties());
  const auto existing = inspector.summaries();
  std::vector<std::string> internal;
  for (const runtime::InternalTopic& topic : topology.internal_topics())
    internal.push_back(topic.name);
  // The query servers' directory of instances (made by `run` with [serve] port) is internal
  // too, though no processor reads it.
  internal.push_back(runtime::InstanceDirectory::topic_name(topology.application_id()));
  for (const std::string& name : internal) {
    (existing.count(name) > 0 ? plan.internal_topics : plan.missing_internal_topics)
        .push_back(name);
  }

  // The first offset of every partition of the inputs from outside the application: where
  // the next run starts once the group and its offsets are gone (auto.offset.reset=earliest).
  std::map<std::pair<std::string, int32_t>, int64_t> beginnings;
  for (const std::string& input : topology.external_source_topics()) {
    if (existing.count(input) == 0) continue;
    if (const auto description = inspector.describe(input)) {
      for (const auto& partition : description->partitions)
        beginnings[{input, partition.partition}] = partition.beginning;
    }
  }
  // The group commits offsets of what it reads: the inputs and the repartition streams.
  const std::vector<std::string> read = topology.all_source_topics();
  for (const runtime::CommittedOffset& offset : groups.committed_offsets(plan.group, read)) {
    ResetPlan::Offset entry{offset.topic, offset.partition, offset.offset, std::nullopt};
    if (auto it = beginnings.find({offset.topic, offset.partition}); it != beginnings.end())
      entry.restart_at = it->second;
    plan.offsets.push_back(std::move(entry));
  }

  plan.state_dir = runtime::application_state_dir(topology, cluster.options());
  plan.state_dir_exists = std::filesystem::exists(plan.state_dir);
  return plan;
}

ResetOutcome execute_reset(const KafkaCluster& cluster, const ResetPlan& plan) {
  ResetOutcome outcome;
  // The group first: the broker refuses to delete a group with members, so an instance that
  // started since the plan stops the reset before anything is gone.
  outcome.group_deleted = runtime::GroupAdmin(cluster.properties()).delete_group(plan.group);
  if (!plan.internal_topics.empty()) {
    outcome.deleted_topics =
        runtime::TopicAdmin(cluster.properties()).delete_topics(plan.internal_topics);
  }
  if (std::filesystem::exists(plan.state_dir)) {
    std::filesystem::remove_all(plan.state_dir);
    outcome.state_dir_removed = true;
  }
  return outcome;
}

}  // namespace leifeng::app
