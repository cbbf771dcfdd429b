#include "leifeng/runtime/queryable_state.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>

#include "state_db.hpp"

namespace leifeng::runtime {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string rfc3339_ms(int64_t epoch_ms) {
  const auto seconds = std::chrono::sys_seconds(std::chrono::seconds(epoch_ms / 1000));
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", seconds, epoch_ms % 1000);
}

}  // namespace

int32_t partition_for_key(std::string_view key, int32_t partitions) {
  if (partitions <= 0) return -1;
  // The plain murmur2 partitioner uses neither the topic handle nor the opaques; murmur2_random
  // differs from it only for records without a key.
  return rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(), partitions, nullptr,
                                          nullptr);
}

struct QueryableState::Served {
  TaskStateDb* state = nullptr;
  std::atomic<int64_t> as_of_ms{0};
  std::atomic<int64_t> end_offset{-1};  // standby copies: the changelog's end, -1 = not known
};

class QueryableState::StandbyView final : public StateReader {
 public:
  explicit StandbyView(const QueryableState& state) : state_(state) {}
  int32_t partitions(std::string_view store) const override { return state_.partitions(store); }
  QueryResult get(std::string_view store, int32_t partition, std::string_view key) const override {
    return read(store, partition,
                [&](const TaskStateDb& state) { return state.read_committed(store, key); });
  }
  QueryResult range(std::string_view store, int32_t partition, std::string_view from,
                    std::string_view to, std::size_t limit) const override {
    return read(store, partition, [&](const TaskStateDb& state) {
      return state.scan_committed(store, from, to, limit);
    });
  }
  std::map<std::string, std::vector<int32_t>> owned() const override {
    std::map<std::string, std::vector<int32_t>> copies;
    std::shared_lock lock(state_.mutex_);
    for (const auto& [key, served] : state_.standby_) copies[key.first].push_back(key.second);
    return copies;
  }
  ReadinessState readiness() const override { return state_.readiness(); }

 private:
  QueryResult read(std::string_view store, int32_t partition,
                   const std::function<CommittedRead(const TaskStateDb&)>& reader) const {
    QueryResult result;
    result.partition = partition;
    result.standby = true;
    std::shared_lock lock(state_.mutex_);
    result.readiness = state_.readiness();
    auto it = state_.standby_.find({std::string(store), partition});
    if (it == state_.standby_.end()) {
      result.status = QueryStatus::not_here;
      return result;
    }
    CommittedRead read = reader(*it->second->state);
    result.entries = std::move(read.entries);
    result.changelog_offset = read.changelog_offset.value_or(-1);
    const int64_t end = it->second->end_offset.load(std::memory_order_relaxed);
    if (end >= 0)
      result.standby_lag =
          std::max<int64_t>(0, end - std::max<int64_t>(0, result.changelog_offset));
    result.as_of = rfc3339_ms(it->second->as_of_ms.load(std::memory_order_relaxed));
    result.status = QueryStatus::ok;
    return result;
  }

  const QueryableState& state_;
};

QueryableState::QueryableState(const Readiness* readiness)
    : readiness_(readiness), standby_view_(std::make_unique<StandbyView>(*this)) {}

QueryableState::~QueryableState() = default;

int32_t QueryableState::partitions(std::string_view store) const {
  std::shared_lock lock(mutex_);
  auto it = partitions_.find(store);
  return it == partitions_.end() ? 0 : it->second;
}

ReadinessState QueryableState::readiness() const {
  return readiness_ == nullptr ? ReadinessState::ready : readiness_->state();
}

QueryResult QueryableState::read(
    std::string_view store, int32_t partition,
    const std::function<void(const TaskStateDb&, QueryResult&)>& reader) const {
  QueryResult result;
  result.partition = partition;
  std::shared_lock lock(mutex_);
  result.readiness = readiness();
  if (!partitions_.contains(store)) {
    // Before the first assignment the runtime has declared nothing yet.
    result.status = partitions_.empty() ? QueryStatus::not_ready : QueryStatus::unknown_store;
    return result;
  }
  // Readiness first: a partition published a moment before a revocation is not served once the
  // rebalance began, and a restore in progress is never served.
  if (result.readiness != ReadinessState::ready) {
    result.status = QueryStatus::not_ready;
    return result;
  }
  auto it = served_.find({std::string(store), partition});
  if (it == served_.end()) {
    result.status = QueryStatus::not_here;
    return result;
  }
  reader(*it->second->state, result);
  result.as_of = rfc3339_ms(it->second->as_of_ms.load(std::memory_order_relaxed));
  result.status = QueryStatus::ok;
  return result;
}

QueryResult QueryableState::get(std::string_view store, int32_t partition,
                                std::string_view key) const {
  return read(store, partition, [&](const TaskStateDb& state, QueryResult& result) {
    CommittedRead read = state.read_committed(store, key);
    result.entries = std::move(read.entries);
    result.changelog_offset = read.changelog_offset.value_or(-1);
  });
}

QueryResult QueryableState::range(std::string_view store, int32_t partition, std::string_view from,
                                  std::string_view to, std::size_t limit) const {
  return read(store, partition, [&](const TaskStateDb& state, QueryResult& result) {
    CommittedRead read = state.scan_committed(store, from, to, limit);
    result.entries = std::move(read.entries);
    result.changelog_offset = read.changelog_offset.value_or(-1);
  });
}

std::map<std::string, std::vector<int32_t>> QueryableState::owned() const {
  std::map<std::string, std::vector<int32_t>> owned;
  std::shared_lock lock(mutex_);
  if (readiness() != ReadinessState::ready) return owned;
  for (const auto& [store, count] : partitions_) owned[store];
  for (const auto& [key, served] : served_) owned[key.first].push_back(key.second);
  return owned;
}

void QueryableState::declare_store(const std::string& store, int32_t partitions) {
  std::unique_lock lock(mutex_);
  partitions_[store] = partitions;
}

void QueryableState::publish(const std::string& store, int32_t partition, TaskStateDb& state) {
  auto served = std::make_unique<Served>();
  served->state = &state;
  served->as_of_ms = now_ms();
  std::unique_lock lock(mutex_);
  served_[{store, partition}] = std::move(served);
}

void QueryableState::withdraw_all() {
  std::unique_lock lock(mutex_);
  served_.clear();
}

void QueryableState::withdraw(const std::vector<const TaskStateDb*>& states) {
  std::unique_lock lock(mutex_);
  std::erase_if(served_, [&](const auto& entry) {
    return std::find(states.begin(), states.end(), entry.second->state) != states.end();
  });
}

void QueryableState::committed(const std::vector<const TaskStateDb*>& states) {
  const int64_t now = now_ms();
  std::shared_lock lock(mutex_);
  for (auto& [key, served] : served_) {
    if (std::find(states.begin(), states.end(), served->state) != states.end())
      served->as_of_ms.store(now, std::memory_order_relaxed);
  }
}

void QueryableState::committed() {
  const int64_t now = now_ms();
  std::shared_lock lock(mutex_);
  for (auto& [key, served] : served_) served->as_of_ms.store(now, std::memory_order_relaxed);
}

}  // namespace leifeng::runtime

namespace leifeng::runtime {

void QueryableState::publish_standby(const std::string& store, int32_t partition,
                                     TaskStateDb& state) {
  auto served = std::make_unique<Served>();
  served->state = &state;
  served->as_of_ms = now_ms();
  std::unique_lock lock(mutex_);
  standby_[{store, partition}] = std::move(served);
}

void QueryableState::standby_progress(const std::string& store, int32_t partition,
                                      int64_t end_offset) {
  std::shared_lock lock(mutex_);
  auto it = standby_.find({store, partition});
  if (it == standby_.end()) return;
  it->second->end_offset.store(end_offset, std::memory_order_relaxed);
  it->second->as_of_ms.store(now_ms(), std::memory_order_relaxed);
}

void QueryableState::withdraw_standby(const std::string& store, int32_t partition) {
  std::unique_lock lock(mutex_);
  standby_.erase({store, partition});
}

const StateReader& QueryableState::standby() const {
  return *standby_view_;
}

}  // namespace leifeng::runtime
