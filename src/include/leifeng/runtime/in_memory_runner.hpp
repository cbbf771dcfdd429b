// Runs a Topology inside the process: one task per sub-topology (partition 0), stores in
// memory, no Kafka. It is the driver of the in-process replays (from a file, from the retained
// topics, the audit of one volunteer) and of the processors' tests, so they run the very
// description the live runtime runs, processors made by the same factories.
//
// A record emitted to a repartition stream is delivered, as the bytes the live run would send
// to Kafka, to the sub-topology that consumes the stream before emit() returns: per key, the
// consumer sees the records in the order they were emitted, as it does live. Records to every
// other output go to the driver's Emitter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leifeng/runtime/processor.hpp"
#include "leifeng/runtime/stream_topology.hpp"

namespace leifeng::runtime {

// A KeyValueStore in a std::map (ordered: a test can compare whole stores).
class MemoryStore final : public KeyValueStore {
 public:
  std::optional<std::string> get(std::string_view key) override;
  void put(std::string_view key, std::string_view value) override;
  void remove(std::string_view key) override;
  const std::map<std::string, std::string, std::less<>>& data() const { return data_; }

 private:
  std::map<std::string, std::string, std::less<>> data_;
};

class InMemoryRunner {
 public:
  enum class State {
    // The processors keep their state in their own memory (TaskContext::store() is null):
    // nothing is serialised. For a replay, which ends when its input does.
    in_processors,
    // Every store is a MemoryStore that outlives the processors: flush() writes the state
    // there and restart() builds new processors over it, as after a crash (tests).
    in_stores,
  };

  // Validates `topology` (throws TopologyError) and makes every processor. `outputs` receives
  // the records of every output that is not a repartition stream.
  InMemoryRunner(Topology topology, Emitter& outputs, State state = State::in_processors);
  ~InMemoryRunner();
  InMemoryRunner(const InMemoryRunner&) = delete;
  InMemoryRunner& operator=(const InMemoryRunner&) = delete;

  // Processes one record of the logical input `record.topic` with the sub-topology that
  // consumes it. Throws TopologyError when no sub-topology consumes that input.
  Outcome process(const InputRecord& record);
  // The emitter that routes as process() does, for a driver that calls a processor itself.
  Emitter& emitter();
  // The processor that consumes logical input `input`; throws TopologyError if none does.
  Processor& processor_of(std::string_view input);

  // The input has ended: a last before_commit() of every processor, then finish() of every
  // processor, both in commit order (below); the records they emit are routed as usual.
  void finish();
  // A commit: before_commit() of every processor in commit order, then flush() of every one.
  // Commit order puts the processors that read only outside inputs ahead of those that read a
  // repartition stream, so that what the first defer until the commit (e.g. county deltas
  // summed over the interval) reaches the others before they render their own deferred records.
  void flush();
  // State::in_stores: flushes, then replaces every processor by a new one over the same
  // stores. Throws std::logic_error with State::in_processors.
  void restart();
  const Topology& topology() const { return topology_; }
  // Records delivered through repartition stream `stream` so far.
  int64_t routed(std::string_view stream) const;
  // A store of State::in_stores, or null.
  const MemoryStore* store(std::string_view name) const;

 private:
  class Router;
  class Task;

  void route();  // points the repartition streams at the current processors

  Topology topology_;
  State state_;
  std::unique_ptr<Router> router_;
  std::vector<std::unique_ptr<Task>> tasks_;  // one per sub-topology, in declaration order
  std::vector<Task*> commit_order_;           // the same tasks in commit order (flush())
  std::map<std::string, std::size_t, std::less<>> consumer_of_;  // logical input -> task
};

}  // namespace leifeng::runtime
