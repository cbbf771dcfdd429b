// GroupAdmin on librdkafka's C Admin API (DescribeConsumerGroups and DeleteGroups, both in
// librdkafka 2.0) and, for committed offsets, a consumer that does not join the group.
#include "leifeng/runtime/group_admin.hpp"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <optional>
#include <thread>
#include <tuple>

#include "admin_request.hpp"
#include "leifeng/runtime/kafka_client.hpp"

namespace leifeng::runtime {

namespace {

using DeleteGroupPtr =
    std::unique_ptr<rd_kafka_DeleteGroup_t, RdKafkaDeleter<rd_kafka_DeleteGroup_destroy>>;

std::string text_or_empty(const char* text) {
  return text != nullptr ? text : "";
}

// The one group result of a request about one group, or a KafkaAdminError naming `what`.
// (`count` is read after the call that sets it: not in the same argument list.)
const rd_kafka_group_result_t* only_group(const rd_kafka_group_result_t** groups, std::size_t count,
                                          const std::string& what) {
  if (groups == nullptr || count != 1)
    throw KafkaAdminError(fmt::format("{}: unexpected answer", what));
  return groups[0];
}

// One request about a group waits this long at most before it is sent again: librdkafka 2.0.2
// at times does not look for a group's coordinator again after a first error, and the request
// then only times out.
constexpr std::chrono::milliseconds kAttemptTimeout{5000};

// The group's coordinator is not known or not ready yet (e.g. a fresh broker still creates or
// loads its offsets topic): asking again shortly succeeds.
bool coordinator_settling(rd_kafka_resp_err_t code) {
  return code == RD_KAFKA_RESP_ERR_NOT_COORDINATOR || code == RD_KAFKA_RESP_ERR__TIMED_OUT ||
         code == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE ||
         code == RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS;
}

// Calls `attempt` until it gives an answer (not nullopt, which means the coordinator is still
// settling) or `timeout` passed; then throws KafkaAdminError naming `what`.
template <typename Attempt>
auto once_the_coordinator_answers(Attempt attempt, std::chrono::milliseconds timeout,
                                  const std::string& what) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto answer = attempt()) return *answer;
    if (std::chrono::steady_clock::now() >= deadline)
      throw KafkaAdminError(fmt::format("{}: the group coordinator was not ready within {} ms",
                                        what, timeout.count()));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace

GroupAdmin::GroupAdmin(const KafkaProperties& kafka, std::chrono::milliseconds timeout)
    : kafka_(kafka), timeout_(timeout) {
  const NewKafkaClient client =
      new_kafka_client(KafkaClientKind::producer, kafka, "Kafka admin client");
  if (client.handle == nullptr) throw KafkaAdminError(client.error);
  handle_ = client.handle;
}

GroupAdmin::~GroupAdmin() {
  if (handle_ != nullptr) rd_kafka_destroy(handle_);
}

GroupDescription GroupAdmin::describe(const std::string& group) {
  const std::string what = "describe consumer group " + group;
  return once_the_coordinator_answers([&] { return describe_once(group, what); }, timeout_, what);
}

std::optional<GroupDescription> GroupAdmin::describe_once(const std::string& group,
                                                          const std::string& what) {
  const AdminRequest request(handle_, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS,
                             std::min(timeout_, kAttemptTimeout), what);
  const char* groups[] = {group.c_str()};
  rd_kafka_DescribeConsumerGroups(handle_, groups, 1, request.options(), request.queue());
  const EventPtr event = request.await_unless_timed_out();
  if (!event) return std::nullopt;
  std::size_t count = 0;
  const rd_kafka_ConsumerGroupDescription_t** descriptions =
      rd_kafka_DescribeConsumerGroups_result_groups(
          rd_kafka_event_DescribeConsumerGroups_result(event.get()), &count);
  if (descriptions == nullptr || count != 1)
    throw KafkaAdminError(fmt::format("{}: unexpected answer", what));
  const rd_kafka_ConsumerGroupDescription_t* description = descriptions[0];
  if (const rd_kafka_error_t* error = rd_kafka_ConsumerGroupDescription_error(description)) {
    if (rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND)
      return GroupDescription{"Dead", {}};
    if (coordinator_settling(rd_kafka_error_code(error))) return std::nullopt;
    throw KafkaAdminError(fmt::format("{}: {}", what, rd_kafka_error_string(error)));
  }
  GroupDescription result;
  result.state =
      rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(description));
  const std::size_t members = rd_kafka_ConsumerGroupDescription_member_count(description);
  for (std::size_t i = 0; i < members; ++i) {
    const rd_kafka_MemberDescription_t* member =
        rd_kafka_ConsumerGroupDescription_member(description, static_cast<int>(i));
    result.members.push_back({text_or_empty(rd_kafka_MemberDescription_group_instance_id(member)),
                              text_or_empty(rd_kafka_MemberDescription_client_id(member)),
                              text_or_empty(rd_kafka_MemberDescription_host(member))});
  }
  return result;
}

std::vector<CommittedOffset> GroupAdmin::committed_offsets(const std::string& group,
                                                           const std::vector<std::string>& topics) {
  const std::string what = "committed offsets of consumer group " + group;
  // The partitions of those topics that exist.
  PartitionListPtr partitions(rd_kafka_topic_partition_list_new(0));
  {
    const rd_kafka_metadata_t* raw = nullptr;
    if (auto err = rd_kafka_metadata(handle_, 1, nullptr, &raw, static_cast<int>(timeout_.count())))
      throw KafkaAdminError(fmt::format("{}: cluster metadata: {}", what, rd_kafka_err2str(err)));
    const MetadataPtr metadata(raw);
    for (int t = 0; t < metadata->topic_cnt; ++t) {
      const rd_kafka_metadata_topic_t& topic = metadata->topics[t];
      if (topic.err != RD_KAFKA_RESP_ERR_NO_ERROR ||
          std::find(topics.begin(), topics.end(), topic.topic) == topics.end())
        continue;
      for (int p = 0; p < topic.partition_cnt; ++p)
        rd_kafka_topic_partition_list_add(partitions.get(), topic.topic, topic.partitions[p].id);
    }
  }
  if (partitions->cnt == 0) return {};

  // A consumer of the group that never subscribes, so it never joins; read_committed makes the
  // broker wait for offsets of open transactions. (Not the Admin API's ListConsumerGroupOffsets:
  // in librdkafka 2.0.2 it crashes the process when the coordinator answers NOT_COORDINATOR,
  // e.g. while a fresh broker still loads its offsets topic.)
  KafkaProperties properties = kafka_;
  properties.erase("group.instance.id");
  properties["group.id"] = group;
  properties["enable.auto.commit"] = "false";
  properties["isolation.level"] = "read_committed";
  const NewKafkaClient consumer =
      new_kafka_client(KafkaClientKind::consumer, properties, "Kafka consumer for offsets");
  if (consumer.handle == nullptr) throw KafkaAdminError(consumer.error);
  const std::unique_ptr<rd_kafka_t, RdKafkaDeleter<rd_kafka_destroy>> owned(consumer.handle);
  if (auto err =
          rd_kafka_committed(consumer.handle, partitions.get(), static_cast<int>(timeout_.count())))
    throw KafkaAdminError(fmt::format("{}: {}", what, rd_kafka_err2str(err)));

  std::vector<CommittedOffset> offsets;
  for (int i = 0; i < partitions->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = partitions->elems[i];
    if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw KafkaAdminError(
          fmt::format("{}: {} [{}]: {}", what, p.topic, p.partition, rd_kafka_err2str(p.err)));
    if (p.offset < 0) continue;  // nothing committed there
    offsets.push_back({p.topic, p.partition, p.offset});
  }
  std::sort(offsets.begin(), offsets.end(), [](const auto& a, const auto& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  return offsets;
}

bool GroupAdmin::delete_group(const std::string& group) {
  const std::string what = "delete consumer group " + group;
  return once_the_coordinator_answers([&] { return delete_group_once(group, what); }, timeout_,
                                      what);
}

std::optional<bool> GroupAdmin::delete_group_once(const std::string& group,
                                                  const std::string& what) {
  const AdminRequest request(handle_, RD_KAFKA_ADMIN_OP_DELETEGROUPS,
                             std::min(timeout_, kAttemptTimeout), what);
  DeleteGroupPtr deletion(rd_kafka_DeleteGroup_new(group.c_str()));
  rd_kafka_DeleteGroup_t* deletions[] = {deletion.get()};
  rd_kafka_DeleteGroups(handle_, deletions, 1, request.options(), request.queue());
  const EventPtr event = request.await_unless_timed_out();
  if (!event) return std::nullopt;
  std::size_t count = 0;
  const rd_kafka_group_result_t** results =
      rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(event.get()), &count);
  const rd_kafka_group_result_t* result = only_group(results, count, what);
  const rd_kafka_error_t* error = rd_kafka_group_result_error(result);
  if (error == nullptr) return true;
  if (coordinator_settling(rd_kafka_error_code(error))) return std::nullopt;
  switch (rd_kafka_error_code(error)) {
    case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND:
      return false;
    case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP:
      throw GroupNotEmptyError(fmt::format("{}: the group has members", what));
    default:
      throw KafkaAdminError(fmt::format("{}: {}", what, rd_kafka_error_string(error)));
  }
}

}  // namespace leifeng::runtime
