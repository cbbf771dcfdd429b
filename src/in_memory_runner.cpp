#include "leifeng/runtime/in_memory_runner.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace leifeng::runtime {

std::optional<std::string> MemoryStore::get(std::string_view key) {
  auto it = data_.find(key);
  if (it == data_.end()) return std::nullopt;
  return it->second;
}

void MemoryStore::put(std::string_view key, std::string_view value) {
  auto it = data_.find(key);
  if (it == data_.end()) {
    data_.emplace(std::string(key), std::string(value));
  } else {
    it->second.assign(value);
  }
}

void MemoryStore::remove(std::string_view key) {
  auto it = data_.find(key);
  if (it != data_.end()) data_.erase(it);
}

// One sub-topology at partition 0: its stores and its processor.
class InMemoryRunner::Task final : public TaskContext {
 public:
  Task(const SubTopology& sub, State state) : sub_(sub), state_(state) {
    for (const std::string& name : sub.stores) stores_.emplace(name, MemoryStore{});
    make_processor();
  }

  int32_t partition() const override { return 0; }
  KeyValueStore* store(std::string_view name) override {
    auto it = stores_.find(name);
    if (it == stores_.end()) {
      throw TopologyError("processor '" + sub_.name + "' opened undeclared store '" +
                          std::string(name) + "'");
    }
    return state_ == State::in_stores ? &it->second : nullptr;
  }

  void make_processor() {
    processor_.reset();  // the old one lets go of its stores first
    processor_ = sub_.factory(*this);
  }
  Processor& processor() { return *processor_; }
  const MemoryStore* find_store(std::string_view name) const {
    auto it = stores_.find(name);
    return it == stores_.end() ? nullptr : &it->second;
  }

 private:
  const SubTopology& sub_;
  State state_;
  std::map<std::string, MemoryStore, std::less<>> stores_;
  std::unique_ptr<Processor> processor_;
};

// The emitter every processor gets: repartition streams back into the runner, the rest out.
class InMemoryRunner::Router final : public Emitter {
 public:
  explicit Router(Emitter& outputs) : outputs_(outputs) {}

  // The stream's records go to `consumer` from now on (a restart replaces the processors;
  // offsets carry on).
  void route(const std::string& name, Processor* consumer) {
    for (Stream& stream : streams_) {
      if (stream.name == name) {
        stream.consumer = consumer;
        return;
      }
    }
    streams_.push_back({name, nullptr, consumer, 0});
  }

  void emit(std::string_view topic, std::string_view key, std::string_view value) override {
    for (Stream& stream : streams_) {
      // Processors name a stream by one constant: the same pointer, mostly.
      const bool same = topic.size() == stream.name.size() &&
                        (topic.data() == stream.name_pointer || topic == stream.name);
      if (!same) continue;
      stream.name_pointer = topic.data();
      // The consumer runs before emit() returns, so the views stay valid (no copies).
      stream.consumer->process(InputRecord{stream.name, 0, stream.next_offset++, key, value},
                               *this);
      return;
    }
    outputs_.emit(topic, key, value);
  }

  int64_t routed(std::string_view stream) const {
    for (const Stream& candidate : streams_) {
      if (candidate.name == stream) return candidate.next_offset;
    }
    return 0;
  }

 private:
  struct Stream {
    std::string name;
    const char* name_pointer = nullptr;  // of the last topic that matched name
    Processor* consumer = nullptr;       // replaced on restart()
    int64_t next_offset = 0;
  };
  Emitter& outputs_;
  std::vector<Stream> streams_;  // a handful: a scan beats a map
};

InMemoryRunner::InMemoryRunner(Topology topology, Emitter& outputs, State state)
    : topology_(std::move(topology)), state_(state), router_(std::make_unique<Router>(outputs)) {
  topology_.validate();
  const std::vector<SubTopology>& subs = topology_.subtopologies();
  for (std::size_t index = 0; index < subs.size(); ++index) {
    for (const std::string& input : subs[index].inputs) consumer_of_.emplace(input, index);
    tasks_.push_back(std::make_unique<Task>(subs[index], state_));
  }
  // Commit order: first the sub-topologies fed from outside only, then the repartition
  // readers, each group in declaration order (one level of repartition, as the domain has).
  for (const bool reads_repartition : {false, true}) {
    for (std::size_t index = 0; index < subs.size(); ++index) {
      const auto& inputs = subs[index].inputs;
      const bool reads = std::any_of(inputs.begin(), inputs.end(), [&](const std::string& input) {
        return topology_.is_repartition(input);
      });
      if (reads == reads_repartition) commit_order_.push_back(tasks_[index].get());
    }
  }
  route();
}

void InMemoryRunner::route() {
  for (const auto& [input, task] : consumer_of_) {
    if (topology_.is_repartition(input)) router_->route(input, &tasks_[task]->processor());
  }
}

InMemoryRunner::~InMemoryRunner() = default;

Processor& InMemoryRunner::processor_of(std::string_view input) {
  auto it = consumer_of_.find(input);
  if (it == consumer_of_.end()) {
    throw TopologyError("no processor consumes input '" + std::string(input) + "'");
  }
  return tasks_[it->second]->processor();
}

Outcome InMemoryRunner::process(const InputRecord& record) {
  return processor_of(record.topic).process(record, *router_);
}

Emitter& InMemoryRunner::emitter() {
  return *router_;
}

void InMemoryRunner::finish() {
  for (Task* task : commit_order_) task->processor().before_commit(*router_);
  for (Task* task : commit_order_) task->processor().finish(*router_);
}

void InMemoryRunner::flush() {
  for (Task* task : commit_order_) task->processor().before_commit(*router_);
  for (Task* task : commit_order_) task->processor().flush();
}

void InMemoryRunner::restart() {
  if (state_ != State::in_stores) {
    throw std::logic_error("InMemoryRunner::restart: the state lives in the processors");
  }
  flush();
  for (auto& task : tasks_) task->make_processor();
  route();
}

int64_t InMemoryRunner::routed(std::string_view stream) const {
  return router_->routed(stream);
}

const MemoryStore* InMemoryRunner::store(std::string_view name) const {
  if (state_ != State::in_stores) return nullptr;
  for (const auto& task : tasks_) {
    if (const MemoryStore* found = task->find_store(name)) return found;
  }
  return nullptr;
}

}  // namespace leifeng::runtime
