#include "offset_lookup.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include "rdkafka_ptr.hpp"

namespace leifeng::runtime {
namespace {

// Errors of an offset request that go away once metadata and leadership settle, e.g. just
// after the topics were created.
bool transient(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
      return true;
    default:
      return false;
  }
}

std::string topics_of(const std::vector<TopicPartitionId>& partitions) {
  std::vector<std::string> topics;
  for (const auto& [topic, partition] : partitions) {
    if (std::find(topics.begin(), topics.end(), topic) == topics.end()) topics.push_back(topic);
  }
  std::string joined;
  for (const std::string& topic : topics) joined += (joined.empty() ? "" : ", ") + topic;
  return joined;
}

// ListOffsets for every partition with the same `query` (a timestamp, or a logical offset),
// retried while the errors are transient. A partition whose answer is -1 counts as found when
// `none_is_an_answer` (a time after the last record), else as not (yet) available.
std::vector<int64_t> lookup(rd_kafka_t* client, const std::vector<TopicPartitionId>& partitions,
                            int64_t query, bool none_is_an_answer, int timeout_ms,
                            const std::string& what) {
  using Clock = std::chrono::steady_clock;
  using std::chrono::milliseconds;
  const auto started = Clock::now();
  const auto deadline = started + milliseconds(timeout_ms);
  std::optional<milliseconds> limit = kQuickAttempt;
  for (auto backoff = milliseconds(10);;
       backoff = next_lookup_pause(
           backoff, std::chrono::duration_cast<milliseconds>(Clock::now() - started))) {
    PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
    for (const auto& [topic, partition] : partitions)
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = query;
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    const bool limited = limit && *limit < left;
    const auto wait = limited ? *limit : std::max(left, milliseconds(1));
    rd_kafka_resp_err_t failed =
        rd_kafka_offsets_for_times(client, list.get(), static_cast<int>(wait.count()));
    std::string where;  // the partition that failed; empty: the whole request did
    std::vector<int64_t> offsets;
    for (int i = 0; i < list->cnt && failed == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
      const rd_kafka_topic_partition_t& tp = list->elems[i];
      if (tp.err != RD_KAFKA_RESP_ERR_NO_ERROR || (tp.offset < 0 && !none_is_an_answer)) {
        failed =
            tp.err != RD_KAFKA_RESP_ERR_NO_ERROR ? tp.err : RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE;
        where = std::string(tp.topic) + "[" + std::to_string(tp.partition) + "]";
      }
      offsets.push_back(tp.offset < 0 ? -1 : tp.offset);
    }
    if (failed == RD_KAFKA_RESP_ERR_NO_ERROR) return offsets;
    // A new client with no connection yet answers "all brokers down" when its wait ends.
    const bool cut_short = limited && (failed == RD_KAFKA_RESP_ERR__TIMED_OUT ||
                                       failed == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN);
    if (!(transient(failed) || cut_short) || Clock::now() + backoff >= deadline)
      throw OffsetLookupError("cannot list the " + what + " of " +
                                  (where.empty() ? topics_of(partitions) : where) + ": " +
                                  rd_kafka_err2str(failed),
                              transient(failed) || cut_short);
    if (limit) {
      limit = next_attempt_limit(*limit, cut_short,
                                 std::chrono::duration_cast<milliseconds>(Clock::now() - started));
    }
    std::this_thread::sleep_for(backoff);
  }
}

}  // namespace

std::optional<std::chrono::milliseconds> next_attempt_limit(std::chrono::milliseconds limit,
                                                            bool cut_short,
                                                            std::chrono::milliseconds elapsed) {
  if (elapsed >= kQuickLookupRetries) return std::nullopt;
  return cut_short ? limit * 2 : limit;
}

std::chrono::milliseconds next_lookup_pause(std::chrono::milliseconds pause,
                                            std::chrono::milliseconds elapsed) {
  if (elapsed < kQuickLookupRetries) return std::chrono::milliseconds(10);
  return std::clamp(pause * 2, std::chrono::milliseconds(20), std::chrono::milliseconds(500));
}

std::vector<int64_t> list_offsets(rd_kafka_t* client,
                                  const std::vector<TopicPartitionId>& partitions,
                                  OffsetBound bound, int timeout_ms) {
  const bool beginning = bound == OffsetBound::beginning;
  return lookup(client, partitions, beginning ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END,
                false, timeout_ms, beginning ? "first offset" : "end offset");
}

std::vector<int64_t> list_offsets(RdKafka::Handle& client,
                                  const std::vector<TopicPartitionId>& partitions,
                                  OffsetBound bound, int timeout_ms) {
  return list_offsets(client.c_ptr(), partitions, bound, timeout_ms);
}

std::vector<int64_t> offsets_for_time(rd_kafka_t* client,
                                      const std::vector<TopicPartitionId>& partitions,
                                      int64_t timestamp_ms, int timeout_ms) {
  return lookup(client, partitions, timestamp_ms, true, timeout_ms,
                "offset for time " + std::to_string(timestamp_ms));
}

}  // namespace leifeng::runtime
