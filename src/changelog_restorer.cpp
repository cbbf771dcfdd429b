#include "changelog_restorer.hpp"

#include "offset_lookup.hpp"
#include "restore_chunk.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace leifeng::runtime {
namespace {

// Applied in chunks so memory stays bounded and an interrupted restore keeps its progress
// (each chunk records the offset it reaches, so the state stays a prefix of the changelog).
// Large chunks skip more superseded versions of a key (restore_chunk.hpp).
constexpr std::size_t kChunkRecords = 100000;
// Bytes of keys and values held in all chunks: past this, the largest chunk is written.
constexpr std::size_t kHeldBytes = std::size_t{128} << 20;
// Restored bytes in memtables across all tasks: past this, the task holding the most starts a
// flush (the restore writes bypass TaskStateDb's flush_bytes, so nothing else flushes them
// before RocksDB's 64 MB per store).
constexpr std::size_t kUnflushedBytes = std::size_t{128} << 20;

// The messages of one call to the consumer's queue; destroys them when the next call or the
// end of the restore comes.
class FetchedBatch {
 public:
  explicit FetchedBatch(rd_kafka_t* consumer) : queue_(rd_kafka_queue_get_consumer(consumer)) {}
  ~FetchedBatch() {
    clear();
    rd_kafka_queue_destroy(queue_);
  }
  FetchedBatch(const FetchedBatch&) = delete;
  FetchedBatch& operator=(const FetchedBatch&) = delete;

  // Takes what is queued, or waits up to `timeout_ms` for one message when nothing is (a batch
  // call itself would wait for its batch to fill).
  void next(int timeout_ms) {
    clear();
    const ssize_t taken =
        rd_kafka_consume_batch_queue(queue_, 0, messages_.data(), messages_.size());
    if (taken > 0) {
      count_ = static_cast<std::size_t>(taken);
    } else if (rd_kafka_message_t* one = rd_kafka_consume_queue(queue_, timeout_ms)) {
      messages_[0] = one;
      count_ = 1;
    }
  }
  rd_kafka_message_t* const* begin() const { return messages_.data(); }
  rd_kafka_message_t* const* end() const { return messages_.data() + count_; }

 private:
  void clear() {
    for (std::size_t k = 0; k < count_; ++k) rd_kafka_message_destroy(messages_[k]);
    count_ = 0;
  }
  rd_kafka_queue_t* queue_;
  std::array<rd_kafka_message_t*, 1000> messages_{};
  std::size_t count_ = 0;
};

}  // namespace

ChangelogRestorer::ChangelogRestorer(std::map<std::string, std::string> kafka_config,
                                     std::string group_id,
                                     std::chrono::milliseconds end_offsets_attempt,
                                     std::chrono::milliseconds markers_wait)
    // An empty changelog partition should report its end at once, not after the broker's wait.
    : consumer_(std::move(kafka_config), std::move(group_id), 10, "changelog restore"),
      end_offsets_attempt_(end_offsets_attempt),
      markers_wait_(markers_wait) {}

RestoreResult ChangelogRestorer::restore(const std::vector<RestoreTarget>& targets,
                                         const std::atomic<bool>& stop, const ProgressFn& progress,
                                         int timeout_ms) {
  RestoreResult result;
  if (targets.empty()) return result;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);

  // One request for all ends rather than two round trips per partition (24 tasks have ~100
  // store partitions).
  std::vector<TopicPartitionId> partitions_to_query;
  for (const RestoreTarget& target : targets)
    partitions_to_query.emplace_back(target.topic, target.partition);
  std::optional<std::vector<int64_t>> ends =
      offsets(partitions_to_query, OffsetBound::end, stop, deadline);
  if (!ends || !wait_for_markers(targets, partitions_to_query, *ends, stop, deadline)) {
    result.interrupted = true;
    return result;
  }
  const std::vector<int64_t>& highs = *ends;
  RdKafka::KafkaConsumer& reader = consumer_.get();

  // Local state still ahead of its changelog means the topic was recreated: the local data
  // describes records that no longer exist, so that task is rebuilt from the changelog alone.
  std::map<TaskStateDb*, bool> wiped;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const RestoreTarget& target = targets[i];
    const auto local = target.state->changelog_offset(target.store);
    if (local && *local > highs[i] && !wiped[target.state]) {
      spdlog::warn("state {} is at changelog offset {} but {}[{}] ends at {}; rebuilding it",
                   target.state->directory().string(), *local, target.topic, target.partition,
                   highs[i]);
      target.state->wipe();
      wiped[target.state] = true;
      ++result.wiped_tasks;
    }
  }

  struct Progress {
    std::optional<int64_t> local;     // the offset recorded before the restore
    std::optional<int64_t> recorded;  // the offset recorded now
    int64_t next = 0;
    RestoreChunk chunk;
    RestoreProgress report;
    bool done = false;
  };
  // Where a store has no local state, reading starts at the changelog's first offset, asked
  // here rather than left to the consumer: librdkafka 2.0.2 defers the query of a logical
  // offset by 500 ms when the partition's leader is not delegated yet at assignment, which
  // happened to one of two restoring threads in most runs.
  std::vector<TopicPartitionId> unrestored;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (!targets[i].state->changelog_offset(targets[i].store))
      unrestored.push_back(partitions_to_query[i]);
  }
  std::optional<std::vector<int64_t>> beginnings;
  if (!unrestored.empty()) {
    beginnings = offsets(unrestored, OffsetBound::beginning, stop, deadline);
    if (!beginnings) {
      result.interrupted = true;
      return result;
    }
  }
  std::size_t next_beginning = 0;

  std::vector<Progress> states(targets.size());
  std::map<TaskStateDb*, int> unfinished;  // store partitions of the task not at their end yet
  std::map<std::pair<std::string, int32_t>, std::size_t> index;
  std::vector<std::unique_ptr<RdKafka::TopicPartition>> owned;
  std::vector<RdKafka::TopicPartition*> partitions;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const RestoreTarget& target = targets[i];
    Progress& p = states[i];
    p.local = target.state->changelog_offset(target.store);
    p.recorded = p.local;
    p.next = p.local ? *p.local : (*beginnings)[next_beginning++];
    p.report =
        RestoreProgress{target.store, target.partition, 0, std::max<int64_t>(0, highs[i] - p.next)};
    if (!index.emplace(std::make_pair(target.topic, target.partition), i).second)
      throw std::logic_error("changelog " + target.topic + " restored twice at once");
    if (highs[i] <= p.next) {
      // Nothing committed past the local state (e.g. a new store with an empty changelog):
      // done without fetching, which would cost a fetch round trip or more to see the end.
      p.done = true;
      continue;
    }
    // An offset no longer in the log (records deleted since) resets to the earliest one.
    owned.emplace_back(RdKafka::TopicPartition::create(target.topic, target.partition, p.next));
    partitions.push_back(owned.back().get());
    ++unfinished[target.state];
  }
  if (!partitions.empty()) {
    if (auto err = reader.assign(partitions); err != RdKafka::ERR_NO_ERROR)
      throw std::runtime_error("cannot assign changelogs: " + RdKafka::err2str(err));
  }

  std::size_t held_total = 0;
  std::map<TaskStateDb*, std::size_t> unflushed;
  std::size_t unflushed_total = 0;
  // The tasks that took changelog records. The others wrote at most their changelog offsets: a
  // crash that loses those unflushed only restores the same nothing again, so they are not
  // flushed here (for a fresh application 30 tasks' flushes, 30-60 ms of every start).
  std::set<TaskStateDb*> restored_into;
  auto apply_chunk = [&](std::size_t i) {
    Progress& p = states[i];
    p.report.restored += static_cast<int64_t>(p.chunk.records());
    if (p.chunk.records() > 0) restored_into.insert(targets[i].state);
    held_total -= p.chunk.bytes();
    const std::size_t bytes = p.chunk.write(*targets[i].state, targets[i].store, p.next);
    p.recorded = p.next;
    p.report.remaining = p.done ? 0 : std::max<int64_t>(0, highs[i] - p.next);
    if (progress) progress(p.report);
    unflushed[targets[i].state] += bytes;
    unflushed_total += bytes;
    if (unflushed_total < kUnflushedBytes) return;
    auto largest =
        std::max_element(unflushed.begin(), unflushed.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
    largest->first->make_durable(false);
    unflushed_total -= largest->second;
    largest->second = 0;
  };

  // Messages come in runs of one partition (a fetch response holds a batch per partition), so
  // the last match answers most look-ups without building the topic's name.
  const rd_kafka_topic_t* last_topic = nullptr;
  int32_t last_partition = -1;
  std::size_t last_index = 0;
  auto target_of = [&](const rd_kafka_message_t& message) -> std::optional<std::size_t> {
    if (message.rkt == last_topic && message.partition == last_partition) return last_index;
    auto it = index.find({rd_kafka_topic_name(message.rkt), message.partition});
    if (it == index.end()) return std::nullopt;
    last_topic = message.rkt;
    last_partition = message.partition;
    last_index = it->second;
    return last_index;
  };

  std::size_t remaining = partitions.size();
  auto handle = [&](const rd_kafka_message_t& message) {
    const auto err = message.err;
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      spdlog::warn("restoring changelogs: {}", rd_kafka_message_errstr(&message));
      return;
    }
    const auto i = target_of(message);
    if (!i) return;
    Progress& p = states[*i];
    if (p.done) return;
    if (err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      // The end of committed data: past control records and aborted batches too.
      p.next = std::max(p.next, message.offset);
      p.done = true;
      --remaining;
      if (p.chunk.records() > 0 || p.recorded != p.next) apply_chunk(*i);
      // The task's flush can run while the other changelogs are still read.
      TaskStateDb* state = targets[*i].state;
      if (--unfinished[state] == 0 && restored_into.contains(state)) {
        state->make_durable(false);
        unflushed_total -= unflushed[state];
        unflushed[state] = 0;
      }
      return;
    }
    // Below the next offset: left in the queue by an earlier assignment of the partition.
    if (message.offset < p.next) return;
    const std::string_view key =
        message.key == nullptr
            ? std::string_view()
            : std::string_view(static_cast<const char*>(message.key), message.key_len);
    std::optional<std::string_view> value;
    if (message.payload != nullptr)
      value.emplace(static_cast<const char*>(message.payload), message.len);
    held_total -= p.chunk.bytes();
    p.chunk.add(key, value);
    held_total += p.chunk.bytes();
    p.next = message.offset + 1;
    if (p.chunk.records() >= kChunkRecords) {
      apply_chunk(*i);
    } else if (held_total >= kHeldBytes) {
      std::size_t largest = *i;
      for (std::size_t j = 0; j < states.size(); ++j) {
        if (states[j].chunk.bytes() > states[largest].chunk.bytes()) largest = j;
      }
      apply_chunk(largest);
    }
  };

  // librdkafka's C API hands out the queued messages in batches, one lock and no wake-up per
  // message (the C++ consume() takes one at a time).
  FetchedBatch fetched(reader.c_ptr());
  auto next_note = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (remaining > 0) {
    if (stop.load()) {
      result.interrupted = true;
      break;
    }
    fetched.next(200);
    for (const rd_kafka_message_t* message : fetched) {
      handle(*message);
      if (remaining == 0) break;
    }
    const auto now = std::chrono::steady_clock::now();
    if (remaining > 0 && now > deadline)
      throw std::runtime_error("restoring changelogs did not reach their end within " +
                               std::to_string(timeout_ms) + " ms");
    if (remaining > 0 && now > next_note) {
      spdlog::info(
          "restoring: {} changelog partitions not at their end yet (an open "
          "transaction of a stopped instance holds the end back until the broker "
          "aborts it)",
          remaining);
      next_note = now + std::chrono::seconds(5);
    }
  }
  for (std::size_t i = 0; i < targets.size(); ++i) {
    Progress& p = states[i];
    // Also records the offset for a store new here whose changelog is empty, so the next
    // start knows the state exists.
    if (p.chunk.records() > 0 || p.recorded != p.next) apply_chunk(i);
    result.records += p.report.restored;
  }
  // Into table files before the tasks process anything, so that a crash soon after does not
  // repeat the restore: all flushes start first so that they run side by side, then each is
  // waited for.
  for (TaskStateDb* state : restored_into) state->make_durable(false);
  for (TaskStateDb* state : restored_into) state->make_durable(true);
  if (!partitions.empty()) reader.unassign();
  return result;
}

std::optional<std::vector<int64_t>> ChangelogRestorer::offsets(
    const std::vector<TopicPartitionId>& partitions, OffsetBound bound,
    const std::atomic<bool>& stop, std::chrono::steady_clock::time_point deadline) {
  using Clock = std::chrono::steady_clock;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    const auto attempt = std::clamp(left, std::chrono::milliseconds(1), end_offsets_attempt_);
    try {
      return list_offsets(consumer_.get(), partitions, bound, static_cast<int>(attempt.count()));
    } catch (const OffsetLookupError& e) {
      if (!e.timed_out() || Clock::now() >= deadline)
        throw std::runtime_error(std::string(e.what()) +
                                 " (the internal changelog topics must exist)");
      if (stop.load()) return std::nullopt;
      spdlog::warn("restoring changelogs: {}; asking again through a new consumer", e.what());
      consumer_.close();
    }
  }
}

bool ChangelogRestorer::wait_for_markers(const std::vector<RestoreTarget>& targets,
                                         const std::vector<TopicPartitionId>& partitions,
                                         std::vector<int64_t>& ends, const std::atomic<bool>& stop,
                                         std::chrono::steady_clock::time_point deadline) {
  using Clock = std::chrono::steady_clock;
  const auto until = std::min(deadline, Clock::now() + markers_wait_);
  auto first_ahead = [&]() -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < targets.size(); ++i) {
      const auto local = targets[i].state->changelog_offset(targets[i].store);
      if (local && *local > ends[i]) return i;
    }
    return std::nullopt;
  };
  bool told = false;
  for (;;) {
    const std::optional<std::size_t> ahead = first_ahead();
    if (!ahead || Clock::now() >= until) return true;
    if (!told) {
      const RestoreTarget& target = targets[*ahead];
      spdlog::info(
          "state {} is at changelog offset {}, past the end of {}[{}] ({}): waiting up to {} s "
          "for the markers of a committed transaction",
          target.state->directory().string(), *target.state->changelog_offset(target.store),
          target.topic, target.partition, ends[*ahead], markers_wait_.count() / 1000);
      told = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (stop.load()) return false;
    std::optional<std::vector<int64_t>> again =
        offsets(partitions, OffsetBound::end, stop, deadline);
    if (!again) return false;
    ends = std::move(*again);
  }
}

}  // namespace leifeng::runtime
