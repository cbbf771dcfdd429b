// Beginning, end or time offsets of many partitions in one ListOffsets request per broker, for
// the runtime's caught-up check, the changelog restore and the topic reader. (Not
// rd_kafka_query_watermark_offsets: with librdkafka 2.0.2 it now and then gave low = high for
// a partition with records when its answers were retried, and the partition went unread.)
// Ask through a client whose connection has no long-polling fetch in flight (a producer, or a
// consumer with nothing assigned): the broker answers a connection's requests in order.
#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace leifeng::runtime {

using TopicPartitionId = std::pair<std::string, int32_t>;

// The broker did not tell the offsets; what() names the partition. `timed_out`: the errors
// were all ones that go away once leadership settles, and the timeout came first.
class OffsetLookupError : public std::runtime_error {
 public:
  OffsetLookupError(const std::string& what, bool timed_out)
      : std::runtime_error(what), timed_out_(timed_out) {}
  bool timed_out() const { return timed_out_; }

 private:
  bool timed_out_;
};

enum class OffsetBound { beginning, end };

// The pause before asking again after a transient error, `elapsed` after the first attempt:
// 10 ms for the first kQuickLookupRetries, since a topic created a moment ago gets its leader
// 0.1-0.3 s later on a one-node KRaft broker and pauses doubling from 10 ms found it up to
// 150 ms late (a fresh application's first restore took 105-205 ms for no record); then
// doubling from 20 ms up to 500 ms, for leaders that move for longer.
inline constexpr std::chrono::milliseconds kQuickLookupRetries{300};
std::chrono::milliseconds next_lookup_pause(std::chrono::milliseconds pause,
                                            std::chrono::milliseconds elapsed);

// The longest wait of the next attempt after one with `limit`, `elapsed` after the first:
// kQuickAttempt at first, doubled after an attempt that the limit cut short (a broker further
// away, a connection still being made); after kQuickLookupRetries none (nullopt) but the
// caller's timeout. Within one long call librdkafka 2.0.2 asks again for a leader the broker
// did not know yet only 100, 200, 300... ms after its last question: a fresh application's
// restore of nothing took 150 ms (median of 12 starts; up to 206), 60 ms with attempts cut at
// 100 ms (up to 107). Cut at 20 ms the lookups that would have taken 2-30 ms took 30-50.
inline constexpr std::chrono::milliseconds kQuickAttempt{100};
std::optional<std::chrono::milliseconds> next_attempt_limit(std::chrono::milliseconds limit,
                                                            bool cut_short,
                                                            std::chrono::milliseconds elapsed);

// The first offset (beginning) or the offset after the last readable record (end: the last
// stable offset under read_committed, the default isolation level) of each partition, in
// order. Retries while leaders move (e.g. just after the topics were created). Throws
// OffsetLookupError.
std::vector<int64_t> list_offsets(rd_kafka_t* client,
                                  const std::vector<TopicPartitionId>& partitions,
                                  OffsetBound bound, int timeout_ms);
std::vector<int64_t> list_offsets(RdKafka::Handle& client,
                                  const std::vector<TopicPartitionId>& partitions,
                                  OffsetBound bound, int timeout_ms);

// The first offset of each partition whose record has a timestamp at or after `timestamp_ms`,
// in order; -1 where there is none. Retries like list_offsets.
std::vector<int64_t> offsets_for_time(rd_kafka_t* client,
                                      const std::vector<TopicPartitionId>& partitions,
                                      int64_t timestamp_ms, int timeout_ms);

}  // namespace leifeng::runtime
