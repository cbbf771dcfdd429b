// A consumer group as the cluster sees it, through librdkafka's Admin API: its members, its
// committed offsets, and its deletion (which drops the committed offsets with it). Generic:
// which group is the caller's business.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "leifeng/runtime/topic_admin.hpp"

struct rd_kafka_s;

namespace leifeng::runtime {

struct GroupMember {
  std::string instance_id;  // group.instance.id of a static member, else ""
  std::string client_id;
  std::string host;
};

struct GroupDescription {
  // The broker's name for the group's state: "Stable", "PreparingRebalance", "Empty", "Dead"
  // (no such group), ...
  std::string state;
  std::vector<GroupMember> members;
};

struct CommittedOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;  // the next offset the group reads
};

// The group still has members, so the broker refused to delete it.
class GroupNotEmptyError : public KafkaAdminError {
 public:
  using KafkaAdminError::KafkaAdminError;
};

class GroupAdmin {
 public:
  // Throws KafkaAdminError for a property librdkafka rejects.
  explicit GroupAdmin(const KafkaProperties& kafka,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~GroupAdmin();
  GroupAdmin(const GroupAdmin&) = delete;
  GroupAdmin& operator=(const GroupAdmin&) = delete;

  // State and members; a group that does not exist is "Dead" with no members.
  GroupDescription describe(const std::string& group);
  // The group's committed offsets on the partitions of `topics` that exist (transactional ones
  // once committed), sorted by topic and partition; partitions without one are left out.
  std::vector<CommittedOffset> committed_offsets(const std::string& group,
                                                 const std::vector<std::string>& topics);
  // Deletes the group and its committed offsets. False when there was no such group; throws
  // GroupNotEmptyError while it has members.
  bool delete_group(const std::string& group);

 private:
  // One request each; nullopt while the group's coordinator is not ready (retried).
  std::optional<GroupDescription> describe_once(const std::string& group, const std::string& what);
  std::optional<bool> delete_group_once(const std::string& group, const std::string& what);

  KafkaProperties kafka_;
  rd_kafka_s* handle_ = nullptr;
  std::chrono::milliseconds timeout_;
};

}  // namespace leifeng::runtime
