// TopicInspector on cluster metadata, DescribeConfigs and the runtime's offset lookup.
#include "leifeng/runtime/topic_inspection.hpp"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>

#include "admin_request.hpp"
#include "leifeng/runtime/kafka_client.hpp"
#include "offset_lookup.hpp"

namespace leifeng::runtime {

namespace {

using ConfigResourcePtr =
    std::unique_ptr<rd_kafka_ConfigResource_t, RdKafkaDeleter<rd_kafka_ConfigResource_destroy>>;

MetadataPtr all_topics(rd_kafka_t* client, std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* raw = nullptr;
  // all_topics=1: asking for one topic by name could auto-create it on some brokers.
  if (auto err = rd_kafka_metadata(client, 1, nullptr, &raw, static_cast<int>(timeout.count())))
    throw KafkaAdminError(fmt::format("cluster metadata: {}", rd_kafka_err2str(err)));
  return MetadataPtr(raw);
}

}  // namespace

TopicInspector::TopicInspector(const KafkaProperties& kafka, std::chrono::milliseconds timeout)
    : timeout_(timeout) {
  // A producer: its connections have no fetch in flight to delay offset requests.
  const NewKafkaClient client =
      new_kafka_client(KafkaClientKind::producer, kafka, "Kafka admin client");
  if (client.handle == nullptr) throw KafkaAdminError(client.error);
  handle_ = client.handle;
}

TopicInspector::~TopicInspector() {
  if (handle_ != nullptr) rd_kafka_destroy(handle_);
}

std::map<std::string, TopicSummary> TopicInspector::summaries() {
  const MetadataPtr metadata = all_topics(handle_, timeout_);
  std::map<std::string, TopicSummary> topics;
  for (int t = 0; t < metadata->topic_cnt; ++t) {
    const rd_kafka_metadata_topic_t& topic = metadata->topics[t];
    if (topic.err != RD_KAFKA_RESP_ERR_NO_ERROR || std::string_view(topic.topic).starts_with("__"))
      continue;
    TopicSummary summary{topic.partition_cnt, 0};
    for (int p = 0; p < topic.partition_cnt; ++p) {
      if (topic.partitions[p].id == 0) summary.replication = topic.partitions[p].replica_cnt;
    }
    topics[topic.topic] = summary;
  }
  return topics;
}

std::optional<TopicDescription> TopicInspector::describe(const std::string& topic) {
  const MetadataPtr metadata = all_topics(handle_, timeout_);
  const rd_kafka_metadata_topic_t* found = nullptr;
  for (int t = 0; t < metadata->topic_cnt; ++t) {
    if (metadata->topics[t].topic == topic && metadata->topics[t].err == RD_KAFKA_RESP_ERR_NO_ERROR)
      found = &metadata->topics[t];
  }
  if (found == nullptr) return std::nullopt;

  TopicDescription description{topic, {}, configs(topic)};
  std::vector<TopicPartitionId> ids;
  for (int p = 0; p < found->partition_cnt; ++p) {
    const rd_kafka_metadata_partition_t& partition = found->partitions[p];
    description.partitions.push_back(
        {partition.id, partition.leader,
         std::vector<int32_t>(partition.replicas, partition.replicas + partition.replica_cnt),
         std::vector<int32_t>(partition.isrs, partition.isrs + partition.isr_cnt), 0, 0});
  }
  std::sort(description.partitions.begin(), description.partitions.end(),
            [](const auto& a, const auto& b) { return a.partition < b.partition; });
  for (const PartitionDescription& partition : description.partitions)
    ids.emplace_back(topic, partition.partition);
  try {
    const int ms = static_cast<int>(timeout_.count());
    const std::vector<int64_t> beginnings = list_offsets(handle_, ids, OffsetBound::beginning, ms);
    const std::vector<int64_t> ends = list_offsets(handle_, ids, OffsetBound::end, ms);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      description.partitions[i].beginning = beginnings[i];
      description.partitions[i].end = ends[i];
    }
  } catch (const OffsetLookupError& e) {
    throw KafkaAdminError(e.what());
  }
  return description;
}

std::map<std::string, std::string> TopicInspector::configs(const std::string& topic) {
  const std::string what = "configs of topic " + topic;
  const AdminRequest request(handle_, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout_, what);
  ConfigResourcePtr resource(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
  rd_kafka_ConfigResource_t* resources[] = {resource.get()};
  rd_kafka_DescribeConfigs(handle_, resources, 1, request.options(), request.queue());
  const EventPtr event = request.await();
  std::size_t count = 0;
  const rd_kafka_ConfigResource_t** described = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(event.get()), &count);
  std::map<std::string, std::string> configs;
  for (std::size_t r = 0; r < count; ++r) {
    if (auto err = rd_kafka_ConfigResource_error(described[r]))
      throw KafkaAdminError(
          fmt::format("{}: {}", what,
                      admin_error_text(err, rd_kafka_ConfigResource_error_string(described[r]))));
    std::size_t entries = 0;
    const rd_kafka_ConfigEntry_t** list = rd_kafka_ConfigResource_configs(described[r], &entries);
    for (std::size_t e = 0; e < entries; ++e) {
      const char* value = rd_kafka_ConfigEntry_value(list[e]);
      configs[rd_kafka_ConfigEntry_name(list[e])] = value != nullptr ? value : "";
    }
  }
  return configs;
}

}  // namespace leifeng::runtime
