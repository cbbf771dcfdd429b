// The in-process driver of a topology: repartition streams routed to their consumer as bytes,
// before emit() returns; other outputs out; state in the processors or in MemoryStores that a
// restart finds again; before_commit(), flush() and finish() in commit order: producers of
// repartition streams before their consumers, otherwise declaration order.
#include "leifeng/runtime/in_memory_runner.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "counting_processor.hpp"

namespace leifeng::runtime::testing {
namespace {

struct Recorded {
  std::string topic, key, value;
  friend bool operator==(const Recorded&, const Recorded&) = default;
};

class Recorder : public Emitter {
 public:
  void emit(std::string_view topic, std::string_view key, std::string_view value) override {
    records.push_back({std::string(topic), std::string(key), std::string(value)});
  }
  std::vector<Recorded> records;
};

// Emits "<name> done" on finish(), so the order of finish() calls shows.
class FinishingProcessor final : public Processor {
 public:
  explicit FinishingProcessor(std::string name) : name_(std::move(name)) {}
  Outcome process(const InputRecord&, Emitter&) override { return Outcome::applied; }
  void finish(Emitter& out) override { out.emit("done", name_, "done"); }

 private:
  std::string name_;
};

// in -> counts (counts, forwarded) ; forwarded (repartition) -> tally (tallies)
Topology counting_topology() {
  Topology topology("app");
  topology.input("in", "in-topic")
      .output("counts", "counts-topic")
      .output("tallies", "tallies-topic")
      .repartition("forwarded")
      .processor("counts", {"in"}, {"counts"},
                 [](TaskContext& task) { return std::make_unique<CountingProcessor>(task, true); })
      .processor("tally", {"forwarded"}, {"tally"},
                 [](TaskContext& task) { return std::make_unique<TallyProcessor>(task); });
  return topology;
}

InputRecord in(std::string_view key, int64_t offset) {
  return InputRecord{"in", 0, offset, key, "x"};
}

TEST(InMemoryRunner, RoutesARepartitionStreamToItsConsumerBeforeEmitReturns) {
  Recorder out;
  InMemoryRunner runner(counting_topology(), out);
  EXPECT_EQ(runner.process(in("k1", 1)), Outcome::applied);
  EXPECT_EQ(runner.process(in("k1", 2)), Outcome::applied);
  EXPECT_EQ(runner.process(in("k2", 3)), Outcome::applied);
  // The tally ran inside the counter's emit("forwarded"): its output follows each count.
  const std::vector<Recorded> expected = {
      {"counts", "k1", "1"},  {"tallies", "k1", "1"}, {"counts", "k1", "2"},
      {"tallies", "k1", "2"}, {"counts", "k2", "1"},  {"tallies", "k2", "1"},
  };
  EXPECT_EQ(out.records, expected);
  EXPECT_EQ(runner.routed("forwarded"), 3);
  EXPECT_EQ(runner.routed("in"), 0);  // an external input is not routed
}

TEST(InMemoryRunner, KeepsStateInTheProcessorsByDefault) {
  Recorder out;
  InMemoryRunner runner(counting_topology(), out);
  runner.process(in("k", 1));
  runner.flush();  // nothing to write back to, and nothing lost
  runner.process(in("k", 2));
  EXPECT_EQ(out.records.back(), (Recorded{"tallies", "k", "2"}));
  EXPECT_EQ(runner.store("counts"), nullptr);
  EXPECT_THROW(runner.restart(), std::logic_error);
}

TEST(InMemoryRunner, RestartFindsTheFlushedStateInTheStores) {
  Recorder out;
  InMemoryRunner runner(counting_topology(), out, InMemoryRunner::State::in_stores);
  runner.process(in("k", 1));
  runner.restart();  // flushes, then new processors over the same stores
  ASSERT_NE(runner.store("counts"), nullptr);
  EXPECT_EQ(runner.store("counts")->data().size(), 1u);
  EXPECT_EQ(runner.store("tally")->data().size(), 1u);
  runner.process(in("k", 2));
  EXPECT_EQ(out.records[out.records.size() - 2], (Recorded{"counts", "k", "2"}));
  EXPECT_EQ(out.records.back(), (Recorded{"tallies", "k", "2"}));  // routed to the new tally
  EXPECT_EQ(runner.store("missing"), nullptr);
}

TEST(InMemoryRunner, FinishesProcessorsOfOutsideInputsInDeclarationOrder) {
  Topology topology("app");
  topology.input("a", "a-topic").input("b", "b-topic").output("done", "done-topic");
  topology.processor("second", {"b"}, {},
                     [](TaskContext&) { return std::make_unique<FinishingProcessor>("second"); });
  topology.processor("first", {"a"}, {},
                     [](TaskContext&) { return std::make_unique<FinishingProcessor>("first"); });
  Recorder out;
  InMemoryRunner runner(std::move(topology), out);
  runner.finish();
  const std::vector<Recorded> expected = {{"done", "second", "done"}, {"done", "first", "done"}};
  EXPECT_EQ(out.records, expected);
}

// Sums its inputs and sends the sum to a repartition stream only in before_commit().
class DeferringProcessor final : public Processor {
 public:
  Outcome process(const InputRecord&, Emitter&) override {
    ++sum_;
    return Outcome::applied;
  }
  void before_commit(Emitter& out) override {
    if (sum_ > 0) out.emit("sums", "k", std::to_string(sum_));
    sum_ = 0;
  }

 private:
  int sum_ = 0;
};

// Renders in before_commit() what reached it since the last commit, and on finish() the total.
class RenderingProcessor final : public Processor {
 public:
  Outcome process(const InputRecord& record, Emitter&) override {
    received_ += std::stoi(std::string(record.value));
    return Outcome::applied;
  }
  void before_commit(Emitter& out) override {
    if (received_ > 0) out.emit("rendered", "k", std::to_string(received_));
    total_ += received_;
    received_ = 0;
  }
  void finish(Emitter& out) override { out.emit("rendered", "total", std::to_string(total_)); }

 private:
  int received_ = 0;
  int total_ = 0;
};

// The consumer of the repartition stream is declared first: flush() and finish() still let the
// producer send what it deferred before the consumer renders (commit order).
Topology deferring_topology() {
  Topology topology("app");
  topology.input("in", "in-topic").output("rendered", "rendered-topic").repartition("sums");
  topology.processor("render", {"sums"}, {},
                     [](TaskContext&) { return std::make_unique<RenderingProcessor>(); });
  topology.processor("sum", {"in"}, {},
                     [](TaskContext&) { return std::make_unique<DeferringProcessor>(); });
  return topology;
}

TEST(InMemoryRunner, CommitsProducersOfRepartitionStreamsBeforeTheirConsumers) {
  Recorder out;
  InMemoryRunner runner(deferring_topology(), out);
  runner.process(in("k", 1));
  runner.process(in("k", 2));
  EXPECT_TRUE(out.records.empty());
  runner.flush();
  EXPECT_EQ(out.records, (std::vector<Recorded>{{"rendered", "k", "2"}}));
  EXPECT_EQ(runner.routed("sums"), 1);
  runner.process(in("k", 3));
  runner.finish();  // a last commit, then finish()
  const std::vector<Recorded> expected = {
      {"rendered", "k", "2"}, {"rendered", "k", "1"}, {"rendered", "total", "3"}};
  EXPECT_EQ(out.records, expected);
}

TEST(InMemoryRunner, RejectsAnInputNoProcessorReads) {
  Recorder out;
  InMemoryRunner runner(counting_topology(), out);
  EXPECT_THROW(runner.process(InputRecord{"nowhere", 0, 0, "k", "v"}), TopologyError);
  EXPECT_THROW(runner.processor_of("counts"), TopologyError);  // an output, not an input
}

TEST(InMemoryRunner, ValidatesTheTopology) {
  Topology topology("app");
  topology.input("in", "in-topic").repartition("orphan");
  topology.processor("p", {"in"}, {},
                     [](TaskContext&) { return std::make_unique<FinishingProcessor>("p"); });
  Recorder out;
  EXPECT_THROW(InMemoryRunner(std::move(topology), out), TopologyError);
}

}  // namespace
}  // namespace leifeng::runtime::testing
