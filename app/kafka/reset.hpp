// The application reset (`leifeng reset`), Kafka Streams' application reset tool for leifeng:
// delete the internal topics (changelogs, repartition streams, the query servers' instances
// topic), delete the consumer group with its committed offsets (so the next run reads every
// input from its earliest offset) and wipe the local state. Input and output topics are left
// as they are.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "kafka/cluster.hpp"
#include "leifeng/runtime/group_admin.hpp"
#include "leifeng/runtime/stream_topology.hpp"

namespace leifeng::app {

struct ResetPlan {
  std::string group;
  // Members the group has now; a reset is refused while there is any.
  std::vector<runtime::GroupMember> members;
  // The internal topics (the topology's and <application_id>-instances) that exist on the
  // cluster (to delete) and those that do not.
  std::vector<std::string> internal_topics;
  std::vector<std::string> missing_internal_topics;

  struct Offset {
    std::string topic;
    int32_t partition = 0;
    int64_t committed = 0;
    // Where the next run starts: the partition's first offset for an input topic; nullopt for
    // an internal topic (deleted) or one the application no longer reads.
    std::optional<int64_t> restart_at;
  };
  std::vector<Offset> offsets;  // the group's committed offsets on the topics it reads

  std::filesystem::path state_dir;  // <state_dir>/<application_id>
  bool state_dir_exists = false;

  bool has_members() const { return !members.empty(); }
};

// Asks the cluster; changes nothing. Throws runtime::KafkaAdminError.
ResetPlan plan_reset(const KafkaCluster& cluster, const runtime::Topology& topology);

struct ResetOutcome {
  bool group_deleted = false;
  std::vector<std::string> deleted_topics;
  bool state_dir_removed = false;
};

// Deletes the group, then the internal topics, then the local state. Throws
// runtime::GroupNotEmptyError when a member joined since the plan was made (nothing changed
// then), runtime::KafkaAdminError or std::filesystem::filesystem_error.
ResetOutcome execute_reset(const KafkaCluster& cluster, const ResetPlan& plan);

}  // namespace leifeng::app
