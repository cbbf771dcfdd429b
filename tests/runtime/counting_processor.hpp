// A small processor for the runtime's tests and benchmark: counts records per key in the store
// "counts" (through a TypedStore cache, like the domain processors) and emits key -> count to
// the output "counts". A record without a key is dead-lettered, one whose value is "dup" is a
// duplicate. With `forward` set it also emits every counted record to the repartition stream
// "forwarded", which a TallyProcessor adds up in the store "tally" and emits to "tallies".
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "leifeng/runtime/processor.hpp"
#include "leifeng/runtime/typed_store.hpp"

namespace leifeng::runtime::testing {

class CountingProcessor final : public Processor {
 public:
  CountingProcessor(TaskContext& context, bool forward)
      : counts_(context.store("counts")), forward_(forward) {}

  Outcome process(const InputRecord& record, Emitter& out) override {
    if (!record.key) return Outcome::dead_lettered;
    if (record.value == "dup") return Outcome::duplicate;
    const std::string key(*record.key);
    int64_t& count = counts_.upsert(key);
    ++count;
    out.emit("counts", key, std::to_string(count));
    if (forward_) out.emit("forwarded", key, "1");
    return Outcome::applied;
  }

  void flush() override { counts_.flush(); }

 private:
  TypedStore<int64_t> counts_;
  bool forward_;
};

class TallyProcessor final : public Processor {
 public:
  explicit TallyProcessor(TaskContext& context) : tally_(context.store("tally")) {}

  Outcome process(const InputRecord& record, Emitter& out) override {
    const std::string key(record.key.value_or(""));
    int64_t& total = tally_.upsert(key);
    ++total;
    out.emit("tallies", key, std::to_string(total));
    return Outcome::applied;
  }

  void flush() override { tally_.flush(); }

 private:
  TypedStore<int64_t> tally_;
};

}  // namespace leifeng::runtime::testing
