// The small, stable surface a processor sees (ARCHITECTURE.md, "The one idea"): one input
// record in, state through stores it owns, output records through an emitter. The same
// processor runs under the live Kafka runtime, replay from topics and replay from a file.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace leifeng::runtime {

// One consumed message. `topic` is the logical input name the wiring gave (e.g. "hours"),
// not the Kafka topic name. For file replay `partition` is 0 and `offset` the 1-based line.
struct InputRecord {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<std::string_view> key;
  std::string_view value;
};

// What became of one input: read = applied + duplicates + dead-lettered.
enum class Outcome : uint8_t { applied, duplicate, dead_lettered };

// Output records. `topic` is a logical output name the wiring maps to a Kafka topic.
class Emitter {
 public:
  virtual ~Emitter() = default;
  virtual void emit(std::string_view topic, std::string_view key, std::string_view value) = 0;
};

// A task's byte-level key-value store. Writes are read-your-writes; when they become durable
// is the driver's business (live: after the Kafka transaction commits).
class KeyValueStore {
 public:
  virtual ~KeyValueStore() = default;
  virtual std::optional<std::string> get(std::string_view key) = 0;
  virtual void put(std::string_view key, std::string_view value) = 0;
  virtual void remove(std::string_view key) = 0;
};

// What a processor may ask of the task that runs it.
class TaskContext {
 public:
  virtual ~TaskContext() = default;
  virtual int32_t partition() const = 0;
  // The named store of this task; created on first use and the same object afterwards. Null
  // when the task keeps its state in the processors' memory only (an in-process replay of a
  // bounded input: nothing outlives the run, so a TypedStore over it writes nothing back).
  virtual KeyValueStore* store(std::string_view name) = 0;
};

class Processor {
 public:
  virtual ~Processor() = default;
  virtual Outcome process(const InputRecord& record, Emitter& out) = 0;
  // The live runtime polls a few records ahead of the one it processes and calls this for
  // each of them with steps 0, 1 and 2 as it comes nearer (`key_hash` is the processor's to
  // keep between the steps), so that the cache misses of the state a record will read overlap
  // with the work on the records before it. A hint: nothing may change.
  virtual void prefetch_key(std::string_view /*key*/, int /*step*/, size_t& /*key_hash*/) const {}
  // Write cached state into the task's stores. Called before every commit; a processor
  // without a cache does nothing.
  virtual void flush() {}
  // Called before every commit, ahead of flush(): emit the table records deferred since the
  // last commit (the latest value of each key changed), so that a key changed many times in
  // one commit interval is rendered once. A processor that emits as it goes does nothing.
  virtual void before_commit(Emitter& /*out*/) {}
  // The input is bounded and has ended (an in-process replay): emit what the processor
  // deferred, e.g. the final value of every key of its tables when it was configured not to
  // emit one per update. The live runtime never ends its input and never calls this.
  virtual void finish(Emitter& /*out*/) {}
};

using ProcessorFactory = std::function<std::unique_ptr<Processor>(TaskContext&)>;

}  // namespace leifeng::runtime
