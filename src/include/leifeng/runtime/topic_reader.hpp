// Reads a whole topic once, as it is at the time of the call: every committed record from the
// beginning of each partition up to the end offset the partition had when reading started.
// No consumer group, no committed offsets: exports and audits must not disturb the live
// application. Consumers are read_committed, so records of open or aborted transactions are
// never seen (the end offset is the last stable offset).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "leifeng/runtime/topic_admin.hpp"

namespace leifeng::runtime {

// One record as read. `key` or `value` is nullopt when the message has none (a tombstone has
// no value).
struct TopicRecord {
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  // The message timestamp (CreateTime or LogAppendTime) in ms since the epoch; -1 when none.
  int64_t timestamp_ms = -1;
};

// A time window [from_ms, to_ms) over message timestamps; an absent bound is open.
struct TimestampRange {
  std::optional<int64_t> from_ms;
  std::optional<int64_t> to_ms;
  bool contains(int64_t timestamp_ms) const {
    return (!from_ms || timestamp_ms >= *from_ms) && (!to_ms || timestamp_ms < *to_ms);
  }
  bool unbounded() const { return !from_ms && !to_ms; }
};

// The topic does not exist, or the cluster did not answer in time; what() says which.
class TopicReadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What the caller calls things, and how long the reader waits.
struct TopicReaderOptions {
  // librdkafka's group.id when `kafka` sets none: only a name, since no group is joined.
  std::string group_id = "topic-reader";
  // Added to the error for a topic that does not exist, in parentheses, e.g. "run `tool topics
  // create`"; empty: none.
  std::string missing_topic_hint;
  // Longest wait for an answer or for the next record.
  std::chrono::milliseconds timeout = std::chrono::seconds(60);
};

class TopicReader {
 public:
  // `kafka`: librdkafka properties (bootstrap.servers, security, ...). Throws TopicReadError
  // for a property librdkafka rejects.
  explicit TopicReader(const KafkaProperties& kafka, TopicReaderOptions options = {});
  ~TopicReader();
  TopicReader(const TopicReader&) = delete;
  TopicReader& operator=(const TopicReader&) = delete;

  // Calls `on_record` for every record of `topic`, partition 0 first, each partition in offset
  // order; the views are valid during the call only. Returns the number of records.
  // Throws TopicReadError (missing topic, timeout, broker error).
  int64_t read(const std::string& topic, const std::function<void(const TopicRecord&)>& on_record);
  // The same, only records whose timestamp is in `range`: each partition starts at the offset
  // offsets_for_times gives for `from_ms` (the first record at or after it), and every record
  // is checked against both bounds, since producers may set timestamps out of order.
  int64_t read(const std::string& topic, const TimestampRange& range,
               const std::function<void(const TopicRecord&)>& on_record);

 private:
  struct Handle;
  Handle* handle_ = nullptr;
  std::chrono::milliseconds timeout_;
  std::string missing_topic_hint_;
};

}  // namespace leifeng::runtime
