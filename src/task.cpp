#include "task.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <utility>

#include "leifeng/runtime/stored_chunks.hpp"
#include "table_buffer.hpp"

namespace leifeng::runtime {

// Maps a processor's logical output names to Kafka topics; records are partitioned by key.
// Records of table outputs wait for the commit, the last value of each key replacing the
// earlier ones: a compacted topic keeps only that one anyway, and a key that changes with
// every input (e.g. a running total) would otherwise write a record per input.
class StreamTask::TaskEmitter final : public Emitter {
 public:
  TaskEmitter(const Topology& topology, RecordSink& sink) : topology_(topology), sink_(sink) {}

  void emit(std::string_view topic, std::string_view key, std::string_view value) override {
    auto it = topics_.find(topic);
    if (it == topics_.end()) {
      auto declared = topology_.outputs().find(topic);
      if (declared == topology_.outputs().end())
        throw TopologyError("a processor emitted to undeclared output '" + std::string(topic) +
                            "'");
      it = topics_
               .emplace(std::string(topic),
                        Output{declared->second, topology_.is_table_output(topic)})
               .first;
    }
    const Output& output = it->second;
    if (!output.table) {
      sink_.send(output.kafka_topic, -1, key, value, nullptr);
      return;
    }
    tables_.put(&output.kafka_topic, key, value);
  }

  // Sends the waiting table records, each key once in the order keys first came.
  void send_tables() {
    tables_.for_each([&](const TableBuffer::Record& record) {
      sink_.send(*record.topic, -1, record.key, record.value, nullptr);
    });
    discard_tables();
  }
  void discard_tables() { tables_.clear(); }

 private:
  struct Output {
    std::string kafka_topic;
    bool table = false;
  };
  const Topology& topology_;
  RecordSink& sink_;
  std::map<std::string, Output, std::less<>> topics_;  // cache of topology_.outputs()
  TableBuffer tables_;  // the table records' kafka_topic: in topics_, whose nodes do not move
};

std::string StreamTask::name_of(const Topology& topology, TaskId id) {
  return topology.subtopologies().at(id.subtopology).name + "_" + std::to_string(id.partition);
}

StreamTask::StreamTask(TaskId id, const Topology& topology, const std::filesystem::path& state_root,
                       RecordSink& sink)
    : id_(id),
      topology_(topology),
      sub_(topology.subtopologies().at(id.subtopology)),
      name_(name_of(topology, id)),
      sink_(&sink),
      state_(std::make_unique<TaskStateDb>(state_root / name_, sub_.stores)),
      emitter_(std::make_unique<TaskEmitter>(topology, sink)) {
  for (const auto& store : sub_.stores) {
    changelogs_.emplace(store, topology.changelog_topic(store));
    delivered_.emplace(store, -1);
  }
}

namespace {

// A store's pending writes in the order their changelog records go out. A large value's new
// pieces go before its manifest, and removals (replaced pieces among them) after every write
// (stored_chunks.hpp), so that a reader stopping anywhere in the changelog (a standby copy
// between two polls, an interrupted restore) finds every piece a manifest names.
std::vector<BufferedStore::PendingWrites::const_pointer> changelog_order(
    const BufferedStore::PendingWrites& pending) {
  std::vector<BufferedStore::PendingWrites::const_pointer> order;
  order.reserve(pending.size());
  std::set<std::string_view> sent;  // the new pieces of this commit's manifests
  for (const auto& [key, value] : pending) {
    if (!value || !stored_chunks::is_manifest(*value)) continue;
    for (const std::string& piece : stored_chunks::piece_keys(key, *value)) {
      const auto it = pending.find(piece);
      if (it == pending.end() || !it->second || !sent.insert(it->first).second) continue;
      order.push_back(&*it);
    }
  }
  for (const auto& entry : pending) {
    if (entry.second && !sent.contains(entry.first)) order.push_back(&entry);
  }
  for (const auto& entry : pending) {
    if (!entry.second) order.push_back(&entry);
  }
  return order;
}

}  // namespace

StreamTask::~StreamTask() = default;

KeyValueStore* StreamTask::store(std::string_view name) {
  return &state_->store(name);
}

void StreamTask::set_committed_offset(const std::string& topic, int64_t offset) {
  Position& position = positions_[topic];
  position.committed = offset < 0 ? -1 : offset;
  position.next = position.committed;
}

std::map<std::string, int64_t> StreamTask::committed_offsets() const {
  std::map<std::string, int64_t> offsets;
  for (const auto& [topic, position] : positions_) offsets.emplace(topic, position.committed);
  return offsets;
}

void StreamTask::start() {
  processor_ = sub_.factory(*this);
}

void StreamTask::move_to(RecordSink& sink) {
  sink_ = &sink;
  emitter_ = std::make_unique<TaskEmitter>(topology_, sink);  // committed: no table waits
}

std::optional<Outcome> StreamTask::process(const std::string& kafka_topic,
                                           const InputRecord& record) {
  if (!processor_) throw std::logic_error("task " + name_ + " processed before start()");
  if (last_.counts == nullptr || *last_.kafka_topic != kafka_topic ||
      *last_.topic != record.topic) {
    auto position = positions_.try_emplace(kafka_topic).first;
    auto counts = counts_.find(record.topic);
    if (counts == counts_.end())
      counts = counts_.emplace(std::string(record.topic), InputCounts{}).first;
    last_ = {&position->first, &counts->first, &position->second, &counts->second};
  }
  if (record.offset < last_.position->next) return std::nullopt;
  const Outcome outcome = processor_->process(record, *emitter_);
  last_.position->next = record.offset + 1;
  InputCounts& counts = *last_.counts;
  ++counts.consumed;
  switch (outcome) {
    case Outcome::applied:
      ++counts.applied;
      break;
    case Outcome::duplicate:
      ++counts.duplicates;
      break;
    case Outcome::dead_lettered:
      ++counts.dead_lettered;
      break;
  }
  return outcome;
}

bool StreamTask::reached_end(const std::string& topic, int64_t end_offset) {
  Position& position = positions_[topic];
  const int64_t before = position.next;
  position.next = std::max(position.next, end_offset);
  return position.next > before && position.next > position.committed;
}

bool StreamTask::has_uncommitted() const {
  if (state_->has_pending()) return true;
  return std::any_of(positions_.begin(), positions_.end(),
                     [](const auto& entry) { return entry.second.next > entry.second.committed; });
}

void StreamTask::prepare_commit() {
  before_commit();
  flush_caches();
  send_tables();
  send_changelogs(ChangelogRecords::all);
}

void StreamTask::before_commit() {
  if (processor_) processor_->before_commit(*emitter_);
}

void StreamTask::flush_caches() {
  if (processor_) processor_->flush();
  // Worked out here, so that the first records of all the tasks' changelogs can go out together.
  changelog_orders_.clear();
  for (const auto& [store, topic] : changelogs_)
    changelog_orders_.push_back(changelog_order(state_->store(store).pending()));
}

void StreamTask::send_tables() {
  emitter_->send_tables();
}

void StreamTask::send_changelogs(ChangelogRecords which) {
  if (changelog_orders_.size() != changelogs_.size())
    throw std::logic_error("task " + name_ + " sent its changelogs before flush_caches()");
  std::size_t n = 0;
  for (const auto& [store, topic] : changelogs_) {
    int64_t* delivered = &delivered_.find(store)->second;
    const auto& records = changelog_orders_[n++];
    const std::size_t from = which == ChangelogRecords::rest ? 1 : 0;
    const std::size_t to = which == ChangelogRecords::first
                               ? std::min<std::size_t>(1, records.size())
                               : records.size();
    for (std::size_t i = from; i < to; ++i) {
      const auto& [key, value] = *records[i];
      sink_->send(topic, id_.partition, key,
                  value ? std::optional<std::string_view>(*value) : std::nullopt, delivered);
    }
  }
  if (which != ChangelogRecords::first) changelog_orders_.clear();
}

std::map<std::string, int64_t> StreamTask::offsets_to_commit() const {
  std::map<std::string, int64_t> offsets;
  for (const auto& [topic, position] : positions_) {
    if (position.next > position.committed) offsets.emplace(topic, position.next);
  }
  return offsets;
}

void StreamTask::committed() {
  changelog_orders_.clear();
  std::map<std::string, int64_t, std::less<>> offsets;
  for (auto& [store, delivered] : delivered_) {
    if (delivered >= 0) offsets.emplace(store, delivered);
    delivered = -1;
  }
  state_->apply_committed(offsets);
  for (auto& [topic, position] : positions_) position.committed = position.next;
}

void StreamTask::aborted() {
  changelog_orders_.clear();
  emitter_->discard_tables();
  state_->discard_pending();
  for (auto& [store, delivered] : delivered_) delivered = -1;
  for (auto& [topic, position] : positions_) position.next = position.committed;
  // Counts of the aborted records are taken back: they will be consumed again.
  counts_.clear();
  last_ = {};
  processor_ = sub_.factory(*this);
}

std::map<std::string, InputCounts, std::less<>> StreamTask::take_counts() {
  last_ = {};
  return std::exchange(counts_, {});
}

}  // namespace leifeng::runtime
