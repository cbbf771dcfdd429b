#include "leifeng/runtime/offset_lookup.hpp"

#include <chrono>
#include <memory>
#include <thread>

namespace leifeng::runtime {

bool transient_offset_error(int err) {
  switch (static_cast<RdKafka::ErrorCode>(err)) {
    case RdKafka::ERR_NOT_LEADER_FOR_PARTITION:
    case RdKafka::ERR_LEADER_NOT_AVAILABLE:
    case RdKafka::ERR_UNKNOWN_TOPIC_OR_PART:
    case RdKafka::ERR__UNKNOWN_PARTITION:
    case RdKafka::ERR_OFFSET_NOT_AVAILABLE:
    case RdKafka::ERR_REPLICA_NOT_AVAILABLE:
    case RdKafka::ERR_NOT_COORDINATOR:
    case RdKafka::ERR__TRANSPORT:
    case RdKafka::ERR__TIMED_OUT:
      return true;
    default:
      return false;
  }
}

std::vector<int64_t> list_offsets(RdKafka::Handle& client,
                                  const std::vector<TopicPartitionId>& partitions,
                                  OffsetBound bound, int timeout_ms) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  const int64_t logical = bound == OffsetBound::beginning ? RdKafka::Topic::OFFSET_BEGINNING
                                                          : RdKafka::Topic::OFFSET_END;
  for (auto backoff = std::chrono::milliseconds(10);;
       backoff = std::min(backoff * 2, std::chrono::milliseconds(500))) {
    std::vector<std::unique_ptr<RdKafka::TopicPartition>> owned;
    std::vector<RdKafka::TopicPartition*> list;
    for (const auto& [topic, partition] : partitions) {
      owned.emplace_back(RdKafka::TopicPartition::create(topic, partition, logical));
      list.push_back(owned.back().get());
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    const RdKafka::ErrorCode err =
        client.offsetsForTimes(list, static_cast<int>(std::max<int64_t>(left.count(), 1)));
    std::vector<int64_t> offsets;
    RdKafka::ErrorCode failed = err;
    std::string where = "the request";
    for (const auto* tp : list) {
      if (failed != RdKafka::ERR_NO_ERROR) break;
      if (tp->err() != RdKafka::ERR_NO_ERROR || tp->offset() < 0) {
        failed = tp->err() != RdKafka::ERR_NO_ERROR ? tp->err() : RdKafka::ERR_OFFSET_NOT_AVAILABLE;
        where = tp->topic() + "[" + std::to_string(tp->partition()) + "]";
        break;
      }
      offsets.push_back(tp->offset());
    }
    if (failed == RdKafka::ERR_NO_ERROR) return offsets;
    if (!transient_offset_error(failed) || Clock::now() + backoff >= deadline) {
      throw OffsetLookupError("cannot list the " +
                              std::string(bound == OffsetBound::beginning ? "first" : "end") +
                              " offset of " + where + ": " + RdKafka::err2str(failed));
    }
    std::this_thread::sleep_for(backoff);
  }
}

}  // namespace leifeng::runtime
