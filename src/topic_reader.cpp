// TopicReader on librdkafka's C consumer API: one partition at a time, assigned explicitly
// (no group join, nothing committed), so records reach the caller in partition order without
// buffering a whole topic.
#include "leifeng/runtime/topic_reader.hpp"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "leifeng/runtime/kafka_client.hpp"
#include "offset_lookup.hpp"
#include "rdkafka_ptr.hpp"

namespace leifeng::runtime {
namespace {

constexpr int kPollMs = 200;

// The sentence for a topic the client's principal may not read (Kafka ACLs), naming the user.
std::string not_authorised(rd_kafka_t* kafka, const std::string& topic) {
  char user[256] = {};
  size_t size = sizeof user;
  const bool named =
      rd_kafka_conf_get(rd_kafka_conf(kafka), "sasl.username", user, &size) == RD_KAFKA_CONF_OK &&
      user[0] != '\0';
  return fmt::format(
      "not authorised to read topic {}: the cluster's ACLs do not allow {} to read it (Describe "
      "and Read on the topic; docs/security.md)",
      topic, named ? fmt::format("user {}", user) : std::string("this client"));
}

// A topic missing from the all-topics metadata is either absent or hidden by the ACLs (the
// broker leaves out what the principal may not describe); asked for by name, the broker says
// which. A consumer's metadata request does not create a topic (allow.auto.create.topics) on
// a broker, but the embedded mock cluster creates it regardless: so asked only of a cluster
// reached through TLS or SASL, where principals and ACLs are in play.
bool hidden_by_acls(rd_kafka_t* kafka, const std::string& topic, int timeout_ms) {
  char protocol[64] = {};
  size_t protocol_size = sizeof protocol;
  if (rd_kafka_conf_get(rd_kafka_conf(kafka), "security.protocol", protocol, &protocol_size) !=
          RD_KAFKA_CONF_OK ||
      std::string_view(protocol) == "plaintext")
    return false;
  const std::unique_ptr<rd_kafka_topic_t, void (*)(rd_kafka_topic_t*)> handle(
      rd_kafka_topic_new(kafka, topic.c_str(), nullptr), &rd_kafka_topic_destroy);
  if (!handle) return false;
  const rd_kafka_metadata_t* raw = nullptr;
  if (rd_kafka_metadata(kafka, 0, handle.get(), &raw, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return false;
  const MetadataPtr metadata(raw);
  return metadata->topic_cnt == 1 &&
         metadata->topics[0].err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED;
}

}  // namespace

struct TopicReader::Handle {
  rd_kafka_t* kafka = nullptr;
};

TopicReader::TopicReader(const KafkaProperties& kafka, TopicReaderOptions options)
    : timeout_(options.timeout), missing_topic_hint_(std::move(options.missing_topic_hint)) {
  KafkaProperties properties = kafka;
  // A group id is only a name here: partitions are assigned, offsets never committed.
  if (properties.find("group.id") == properties.end())
    properties["group.id"] = std::move(options.group_id);
  properties["enable.auto.commit"] = "false";
  properties["enable.auto.offset.store"] = "false";
  properties["enable.partition.eof"] = "true";
  properties["isolation.level"] = "read_committed";
  properties["auto.offset.reset"] = "earliest";
  // Partitions are read one after another: a fetch left waiting at the end of the previous
  // partition (default up to 500 ms) would delay the next one each time.
  if (properties.find("fetch.wait.max.ms") == properties.end())
    properties["fetch.wait.max.ms"] = "10";
  if (properties.find("queued.min.messages") == properties.end())
    properties["queued.min.messages"] = kReaderQueuedMinMessages;

  const NewKafkaClient client =
      new_kafka_client(KafkaClientKind::consumer, properties, "Kafka consumer");
  if (client.handle == nullptr) throw TopicReadError(client.error);
  rd_kafka_poll_set_consumer(client.handle);
  handle_ = new Handle{client.handle};
}

TopicReader::~TopicReader() {
  if (handle_ == nullptr) return;
  rd_kafka_consumer_close(handle_->kafka);
  rd_kafka_destroy(handle_->kafka);
  delete handle_;
}

int64_t TopicReader::read(const std::string& topic,
                          const std::function<void(const TopicRecord&)>& on_record) {
  return read(topic, TimestampRange{}, on_record);
}

int64_t TopicReader::read(const std::string& topic, const TimestampRange& range,
                          const std::function<void(const TopicRecord&)>& on_record) {
  rd_kafka_t* kafka = handle_->kafka;
  const int timeout_ms = static_cast<int>(timeout_.count());

  // All-topics metadata: asking for one topic by name could auto-create it on some clusters.
  const rd_kafka_metadata_t* raw = nullptr;
  if (auto err = rd_kafka_metadata(kafka, 1, nullptr, &raw, timeout_ms))
    throw TopicReadError(
        fmt::format("cannot read metadata for {}: {}", topic, rd_kafka_err2str(err)));
  MetadataPtr metadata(raw);
  int32_t partitions = -1;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const auto& candidate = metadata->topics[i];
    if (topic == candidate.topic && candidate.err == RD_KAFKA_RESP_ERR_NO_ERROR)
      partitions = candidate.partition_cnt;
  }
  if (partitions < 0) {
    if (hidden_by_acls(kafka, topic, timeout_ms))
      throw TopicReadError(not_authorised(kafka, topic));
    throw TopicReadError(missing_topic_hint_.empty() ? fmt::format("topic {} does not exist", topic)
                                                     : fmt::format("topic {} does not exist ({})",
                                                                   topic, missing_topic_hint_));
  }

  // Where each partition starts and ends, in one request per broker for all partitions.
  std::vector<TopicPartitionId> all;
  for (int32_t partition = 0; partition < partitions; ++partition)
    all.emplace_back(topic, partition);
  std::vector<int64_t> lows;
  std::vector<int64_t> highs;
  std::vector<int64_t> from_time;
  try {
    lows = list_offsets(kafka, all, OffsetBound::beginning, timeout_ms);
    // read_committed: the end is the last stable offset, past which nothing is readable yet.
    highs = list_offsets(kafka, all, OffsetBound::end, timeout_ms);
    if (range.from_ms) from_time = offsets_for_time(kafka, all, *range.from_ms, timeout_ms);
  } catch (const OffsetLookupError& error) {
    throw TopicReadError(error.what());
  }

  int64_t records = 0;
  for (int32_t partition = 0; partition < partitions; ++partition) {
    const auto p = static_cast<size_t>(partition);
    int64_t low = lows[p];
    const int64_t high = highs[p];
    // From the first offset whose timestamp is at or after `from`; none: nothing to read.
    if (range.from_ms) low = from_time[p] < 0 ? high : std::max(low, from_time[p]);
    if (high <= low) continue;

    PartitionListPtr assignment(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), partition)->offset = low;
    if (auto err = rd_kafka_assign(kafka, assignment.get()))
      throw TopicReadError(fmt::format("cannot assign {} partition {}: {}", topic, partition,
                                       rd_kafka_err2str(err)));
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    for (bool done = false; !done;) {
      MessagePtr message(rd_kafka_consumer_poll(kafka, kPollMs));
      if (!message) {
        if (std::chrono::steady_clock::now() > deadline)
          throw TopicReadError(fmt::format("{} partition {}: no progress within {} ms (end {})",
                                           topic, partition, timeout_ms, high));
        continue;
      }
      if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        // Transaction markers take offsets too: the end of the log can be passed without a
        // record at high - 1.
        if (message->partition == partition && message->offset >= high) done = true;
        continue;
      }
      if (message->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
        throw TopicReadError(not_authorised(kafka, topic));
      // The group is never joined nor committed to, so a principal allowed to read the topic
      // needs no ACL on it; librdkafka still looks up its coordinator and reports the refusal.
      if (message->err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED) continue;
      if (message->err) {
        throw TopicReadError(fmt::format("reading {} partition {}: {}", topic, partition,
                                         rd_kafka_message_errstr(message.get())));
      }
      if (message->partition != partition) continue;
      deadline = std::chrono::steady_clock::now() + timeout_;
      TopicRecord record;
      record.partition = partition;
      record.offset = message->offset;
      if (message->key != nullptr)
        record.key = std::string_view(static_cast<const char*>(message->key), message->key_len);
      if (message->payload != nullptr)
        record.value = std::string_view(static_cast<const char*>(message->payload), message->len);
      record.timestamp_ms = rd_kafka_message_timestamp(message.get(), nullptr);
      if (range.unbounded() || range.contains(record.timestamp_ms)) {
        on_record(record);
        ++records;
      }
      if (message->offset + 1 >= high) done = true;
    }
    rd_kafka_assign(kafka, nullptr);
  }
  return records;
}

}  // namespace leifeng::runtime
