#include "leifeng/runtime/stream_topology.hpp"

#include <gtest/gtest.h>

#include "counting_processor.hpp"

namespace leifeng::runtime {
namespace {

ProcessorFactory counting() {
  return [](TaskContext& context) {
    return std::make_unique<testing::CountingProcessor>(context, true);
  };
}

Topology two_stage() {
  Topology topology("app");
  topology.input("events", "in.v1")
      .output("counts", "counts.v1")
      .output("tallies", "tallies.v1")
      .repartition("forwarded")
      .processor("counter", {"events"}, {"counts"}, counting())
      .processor("tally", {"forwarded"}, {"tally"}, [](TaskContext& context) {
        return std::make_unique<testing::TallyProcessor>(context);
      });
  return topology;
}

TEST(StreamTopology, NamesInternalTopicsAfterTheApplication) {
  const Topology topology = two_stage();
  EXPECT_NO_THROW(topology.validate());
  EXPECT_EQ(topology.changelog_topic("counts"), "app-counts-changelog");
  EXPECT_EQ(topology.repartition_topic("forwarded"), "app-forwarded");
  const auto internal = topology.internal_topics();
  ASSERT_EQ(internal.size(), 3u);
  EXPECT_EQ(internal[0].name, "app-counts-changelog");
  EXPECT_TRUE(internal[0].compacted);
  EXPECT_EQ(internal[2].name, "app-forwarded");
  EXPECT_FALSE(internal[2].compacted);
  EXPECT_EQ(topology.external_source_topics(), std::vector<std::string>{"in.v1"});
  EXPECT_EQ(topology.repartition_source_topics(), std::vector<std::string>{"app-forwarded"});
  EXPECT_EQ(topology.outputs().at("forwarded"), "app-forwarded");
  const auto sources = topology.sources();
  EXPECT_EQ(sources.at("app-forwarded").subtopology, 1u);
  EXPECT_EQ(sources.at("in.v1").logical_name, "events");
}

TEST(StreamTopology, RejectsWiringMistakes) {
  EXPECT_THROW(Topology("bad id"), TopologyError);
  EXPECT_THROW(Topology("app").input("a", "t").input("a", "u"), TopologyError);
  EXPECT_THROW(Topology("app").validate(), TopologyError);  // no processor

  Topology undeclared("app");
  undeclared.processor("p", {"missing"}, {}, counting());
  EXPECT_THROW(undeclared.validate(), TopologyError);

  Topology shared_store("app");
  shared_store.input("a", "ta").input("b", "tb");
  shared_store.processor("p", {"a"}, {"s"}, counting()).processor("q", {"b"}, {"s"}, counting());
  EXPECT_THROW(shared_store.validate(), TopologyError);

  Topology two_readers("app");
  two_readers.input("a", "ta");
  two_readers.processor("p", {"a"}, {}, counting()).processor("q", {"a"}, {}, counting());
  EXPECT_THROW(two_readers.validate(), TopologyError);

  Topology unread("app");
  unread.input("a", "ta").repartition("r").processor("p", {"a"}, {}, counting());
  EXPECT_THROW(unread.validate(), TopologyError);

  EXPECT_THROW(Topology("app").processor("p", {}, {}, counting()), TopologyError);
  EXPECT_THROW(Topology("app").processor("p", {"a"}, {}, nullptr), TopologyError);
}

}  // namespace
}  // namespace leifeng::runtime
