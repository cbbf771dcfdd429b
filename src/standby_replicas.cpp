#include "standby_replicas.hpp"

#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <utility>

#include "leifeng/runtime/queryable_state.hpp"
#include "offset_lookup.hpp"

namespace leifeng::runtime {
namespace {

using Clock = std::chrono::steady_clock;

// Records are applied in batches: at least this often, and at most this many per store.
constexpr auto kApplyInterval = std::chrono::milliseconds(50);
constexpr std::size_t kChunkRecords = 20000;
// consume() waits at most this long, so release() and stop() are served quickly.
constexpr int kPollMs = 20;
constexpr int kOffsetsTimeoutMs = 30000;
// How often a copy left closed because its state was ahead of the changelog is tried again.
constexpr auto kRetryInterval = std::chrono::milliseconds(200);

}  // namespace

struct StandbyReplicas::Copy {
  struct Store {
    std::string name;
    std::string topic;
    std::optional<int64_t> recorded;  // the offset the local state records
    int64_t next = 0;                 // the next offset to apply (recorded + chunk)
    std::vector<RestoredRecord> chunk;
  };
  StandbyTask task;
  std::unique_ptr<TaskStateDb> state;
  std::vector<Store> stores;
};

StandbyReplicas::StandbyReplicas(std::map<std::string, std::string> kafka_config,
                                 std::string group_id, std::filesystem::path state_root,
                                 QueryableState* queries, std::chrono::milliseconds markers_wait)
    : state_root_(std::move(state_root)),
      queries_(queries),
      markers_wait_(markers_wait),
      consumer_(std::move(kafka_config), std::move(group_id), 100, "standby") {}

StandbyReplicas::~StandbyReplicas() {
  stop();
}

void StandbyReplicas::warm(std::vector<StandbyTask> tasks) {
  std::lock_guard lock(mutex_);
  wanted_.clear();
  for (auto& task : tasks) {
    std::string name = task.name;
    wanted_.emplace(std::move(name), std::move(task));
  }
  ++requested_;
  if (!thread_.joinable() && !stopping_) thread_ = std::thread([this] { loop(); });
  changed_.notify_all();
}

void StandbyReplicas::release(const std::vector<std::string>& names) {
  std::unique_lock lock(mutex_);
  bool any = false;
  for (const auto& name : names) {
    any = wanted_.erase(name) > 0 || any;
    any = any || copies_.contains(name);
  }
  if (!any || !thread_.joinable()) return;
  const uint64_t generation = ++requested_;
  changed_.notify_all();
  changed_.wait(lock, [&] { return done_ >= generation || stopping_; });
}

void StandbyReplicas::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    changed_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

std::vector<std::string> StandbyReplicas::warm_tasks() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [name, copy] : copies_) names.push_back(name);
  return names;
}

std::map<std::string, int64_t> StandbyReplicas::applied_offsets(const std::string& name) const {
  std::lock_guard lock(mutex_);
  std::map<std::string, int64_t> offsets;
  auto it = copies_.find(name);
  if (it == copies_.end()) return offsets;
  for (const auto& store : it->second->stores) {
    if (auto offset = it->second->state->changelog_offset(store.name))
      offsets[store.name] = *offset;
  }
  return offsets;
}

void StandbyReplicas::loop() {
  uint64_t synced = 0;
  auto next_apply = Clock::now() + kApplyInterval;
  auto next_retry = Clock::now() + kRetryInterval;
  for (;;) {
    std::optional<std::map<std::string, StandbyTask>> wanted;
    uint64_t generation = 0;
    {
      std::unique_lock lock(mutex_);
      if (copies_.empty() && requested_ == synced && !stopping_)
        changed_.wait_for(lock, kRetryInterval);
      if (stopping_) break;
      const bool retry = !ahead_since_.empty() && Clock::now() >= next_retry;
      if (requested_ != synced || retry) {
        wanted = wanted_;
        generation = requested_;
        next_retry = Clock::now() + kRetryInterval;
      }
    }
    if (wanted) {
      try {
        sync(*wanted);
      } catch (const std::exception& e) {
        // The copies that could not be opened stay cold: their owner restores from the start.
        spdlog::warn("standby replicas: {}", e.what());
      }
      synced = generation;
      std::lock_guard lock(mutex_);
      done_ = generation;
      changed_.notify_all();
    }
    if (copies_.empty()) continue;
    try {
      std::unique_ptr<RdKafka::Message> message(consumer_.get().consume(kPollMs));
      const auto err = message->err();
      if (err == RdKafka::ERR_NO_ERROR || err == RdKafka::ERR__PARTITION_EOF) {
        for (auto& [name, copy] : copies_) {
          if (copy->task.partition != message->partition()) continue;
          for (std::size_t i = 0; i < copy->stores.size(); ++i) {
            Copy::Store& store = copy->stores[i];
            if (store.topic != message->topic_name()) continue;
            if (err == RdKafka::ERR_NO_ERROR) {
              RestoredRecord record;
              if (message->key() != nullptr) record.key = *message->key();
              if (message->payload() != nullptr)
                record.value.emplace(static_cast<const char*>(message->payload()), message->len());
              store.chunk.push_back(std::move(record));
              store.next = message->offset() + 1;
              if (store.chunk.size() >= kChunkRecords) apply(*copy, i);
            } else {
              // The end of committed data: past control records and aborted batches too.
              store.next = std::max(store.next, message->offset());
              apply(*copy, i);
            }
          }
        }
      } else if (err != RdKafka::ERR__TIMED_OUT) {
        spdlog::debug("standby replicas: {}", message->errstr());
      }
      if (Clock::now() >= next_apply) {
        apply_pending();
        next_apply = Clock::now() + kApplyInterval;
      }
    } catch (const std::exception& e) {
      spdlog::warn("standby replicas: {}", e.what());
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  try {
    apply_pending();
  } catch (const std::exception& e) {
    spdlog::warn("standby replicas: {}", e.what());
  }
  for (auto& [name, copy] : copies_) close_copy(*copy);
  {
    std::lock_guard lock(mutex_);
    copies_.clear();
  }
  consumer_.close();
}

void StandbyReplicas::sync(const std::map<std::string, StandbyTask>& wanted) {
  // Everything read so far goes into the state first: a reassignment drops what was fetched.
  apply_pending();
  std::erase_if(ahead_since_, [&](const auto& entry) { return !wanted.contains(entry.first); });
  bool changed = false;
  for (auto it = copies_.begin(); it != copies_.end();) {
    auto want = wanted.find(it->first);
    if (want != wanted.end() && want->second == it->second->task) {
      ++it;
      continue;
    }
    close_copy(*it->second);
    std::lock_guard lock(mutex_);
    it = copies_.erase(it);
    changed = true;
  }
  std::vector<StandbyTask> opening;
  for (const auto& [name, task] : wanted) {
    if (!copies_.contains(name)) opening.push_back(task);
  }
  if (!opening.empty()) changed = open_copies(opening) || changed;
  if (changed) reassign();
}

bool StandbyReplicas::open_copies(const std::vector<StandbyTask>& tasks) {
  std::vector<std::unique_ptr<Copy>> opened;
  std::vector<TopicPartitionId> partitions;
  for (const StandbyTask& task : tasks) {
    auto copy = std::make_unique<Copy>();
    copy->task = task;
    std::vector<std::string> stores;
    for (const auto& [store, topic] : task.changelogs) stores.push_back(store);
    copy->state = std::make_unique<TaskStateDb>(state_root_ / task.name, stores);
    for (const auto& [store, topic] : task.changelogs) {
      Copy::Store entry{store, topic, copy->state->changelog_offset(store), 0, {}};
      copy->stores.push_back(std::move(entry));
      partitions.emplace_back(topic, task.partition);
    }
    opened.push_back(std::move(copy));
  }
  // Local state ahead of its changelog's end: an owner here committed and the markers are not
  // written yet, so the copy stays closed and is tried again (its owner-to-be may open it
  // meanwhile); still ahead after markers_wait_, the topic was recreated and the copy is
  // rebuilt from the changelog alone, as the restorer does.
  const std::vector<int64_t> ends =
      list_offsets(consumer_.get(), partitions, OffsetBound::end, kOffsetsTimeoutMs);
  std::size_t at = 0;
  for (auto it = opened.begin(); it != opened.end();) {
    Copy& copy = **it;
    bool ahead = false;
    for (const auto& store : copy.stores) {
      ahead = ahead || (store.recorded && *store.recorded > ends[at]);
      ++at;
    }
    const std::string& name = copy.task.name;
    if (!ahead) {
      ahead_since_.erase(name);
      ++it;
      continue;
    }
    const auto [entry, first] = ahead_since_.try_emplace(name, Clock::now());
    if (Clock::now() - entry->second < markers_wait_) {
      if (first)
        spdlog::info(
            "standby state {} is past its changelog's end: waiting up to {} s for the "
            "markers of a committed transaction",
            copy.state->directory().string(), markers_wait_.count() / 1000);
      copy.state.reset();  // not published to queries yet
      it = opened.erase(it);
      continue;
    }
    spdlog::warn("standby state {} is still ahead of its changelog; rebuilding it",
                 copy.state->directory().string());
    ahead_since_.erase(name);
    copy.state->wipe();
    for (auto& store : copy.stores) store.recorded.reset();
    ++it;
  }
  // A store with no local state starts at its changelog's first offset, asked here: assigned
  // the logical "beginning", librdkafka 2.0.2 can defer that query by 500 ms (as in the
  // ChangelogRestorer).
  std::vector<TopicPartitionId> unrestored;
  for (auto& copy : opened) {
    for (const auto& store : copy->stores) {
      if (!store.recorded) unrestored.emplace_back(store.topic, copy->task.partition);
    }
  }
  const std::vector<int64_t> beginnings =
      unrestored.empty()
          ? std::vector<int64_t>{}
          : list_offsets(consumer_.get(), unrestored, OffsetBound::beginning, kOffsetsTimeoutMs);
  std::size_t next_beginning = 0;
  for (auto& copy : opened) {
    for (auto& store : copy->stores)
      store.next = store.recorded ? *store.recorded : beginnings[next_beginning++];
    if (queries_ != nullptr) {
      for (const auto& store : copy->stores)
        queries_->publish_standby(store.name, copy->task.partition, *copy->state);
    }
    spdlog::info("standby copy of {} opened", copy->task.name);
    std::lock_guard lock(mutex_);
    copies_.emplace(copy->task.name, std::move(copy));
  }
  return !opened.empty();
}

void StandbyReplicas::close_copy(Copy& copy) {
  // Queries stop before the state closes; withdraw_standby waits for running reads.
  if (queries_ != nullptr) {
    for (const auto& store : copy.stores)
      queries_->withdraw_standby(store.name, copy.task.partition);
  }
  std::string offsets;
  for (const auto& store : copy.stores) {
    offsets += (offsets.empty() ? "" : ", ") + store.name + " " +
               (store.recorded ? std::to_string(*store.recorded) : std::string("none"));
  }
  spdlog::info("standby copy of {} closed at changelog offsets {}", copy.task.name, offsets);
  std::lock_guard lock(mutex_);
  copy.state.reset();
}

void StandbyReplicas::reassign() {
  std::vector<std::unique_ptr<RdKafka::TopicPartition>> owned;
  std::vector<RdKafka::TopicPartition*> partitions;
  for (const auto& [name, copy] : copies_) {
    for (const auto& store : copy->stores) {
      // Pending records were applied first (sync), so `next` is the offset recorded, or the
      // changelog's first offset for a store with nothing recorded yet.
      owned.emplace_back(
          RdKafka::TopicPartition::create(store.topic, copy->task.partition, store.next));
      partitions.push_back(owned.back().get());
    }
  }
  const RdKafka::ErrorCode err =
      partitions.empty() ? consumer_.get().unassign() : consumer_.get().assign(partitions);
  if (err != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("cannot assign the standby changelogs: " + RdKafka::err2str(err));
}

void StandbyReplicas::apply_pending() {
  for (auto& [name, copy] : copies_) {
    for (std::size_t i = 0; i < copy->stores.size(); ++i) apply(*copy, i);
  }
}

void StandbyReplicas::apply(Copy& copy, std::size_t index) {
  Copy::Store& store = copy.stores[index];
  if (!store.chunk.empty() || store.next != store.recorded.value_or(0)) {
    copy.state->apply_restored(store.name, store.chunk, store.next);
    applied_.fetch_add(static_cast<int64_t>(store.chunk.size()), std::memory_order_relaxed);
    store.chunk.clear();
    store.recorded = store.next;
  }
  if (queries_ == nullptr) return;
  // The end of the changelog as of the latest fetch (cached: no broker round trip).
  int64_t low = 0;
  int64_t high = -1;
  if (!consumer_.created() ||
      consumer_.get().get_watermark_offsets(store.topic, copy.task.partition, &low, &high) !=
          RdKafka::ERR_NO_ERROR)
    high = -1;
  queries_->standby_progress(store.name, copy.task.partition, high);
}

}  // namespace leifeng::runtime
