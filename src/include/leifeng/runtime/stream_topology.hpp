// What the streaming runtime runs: logical inputs and outputs mapped to Kafka topics, groups of
// co-partitioned inputs each feeding one processor (a sub-topology, run as one task per
// partition), the stores each processor owns and the internal topics that back them.
//
// Internal topics are named <application_id>-<name>: a store's changelog is
// <application_id>-<store>-changelog (compacted), a repartition stream declared with
// repartition("deltas") is <application_id>-deltas and is both an output (any processor may
// emit to it) and an input (exactly one sub-topology consumes it).
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "leifeng/runtime/processor.hpp"

namespace leifeng::runtime {

// A topology that cannot run; what() names the offending input, output, store or processor.
class TopologyError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// One group of co-partitioned inputs and the processor they feed.
struct SubTopology {
  std::string name;
  std::vector<std::string> inputs;  // logical input names
  std::vector<std::string> stores;  // store names the processor may open
  ProcessorFactory factory;
};

// A Kafka topic the runtime consumes: which sub-topology it feeds under which logical name.
struct SourceTopic {
  std::size_t subtopology = 0;
  std::string logical_name;
  bool repartition = false;  // an internal topic written by this application
};

struct InternalTopic {
  std::string name;
  bool compacted = false;  // changelogs are compacted, repartition streams are not
};

// The topic configs of every changelog: compacted, in segments small enough to roll. The broker
// compacts only segments that have rolled, and at its default of 1 GiB a changelog's segment
// hardly ever rolls, so a full restore would read every version of every key ever written;
// with 16 MiB segments it reads the compacted log and at most the uncleaned tail.
const std::map<std::string, std::string>& changelog_topic_configs();

class Topology {
 public:
  explicit Topology(std::string application_id);

  // Declarations; each returns *this so a wiring reads as one expression. They throw
  // TopologyError on a name declared twice.
  Topology& input(std::string logical_name, std::string kafka_topic);
  Topology& output(std::string logical_name, std::string kafka_topic);
  // An output whose records are a table's new value per key (a compacted topic): only the
  // last value of each key in a transaction is sent, when the transaction commits.
  Topology& table_output(std::string logical_name, std::string kafka_topic);
  Topology& repartition(std::string logical_name);
  Topology& processor(std::string name, std::vector<std::string> inputs,
                      std::vector<std::string> stores, ProcessorFactory factory);

  // Checks that every processor's inputs are declared and consumed once, store names are
  // unique and there is at least one processor. Throws TopologyError.
  void validate() const;

  const std::string& application_id() const { return application_id_; }
  const std::vector<SubTopology>& subtopologies() const { return subtopologies_; }
  // Kafka topic -> who consumes it (inputs no processor reads are left out).
  std::map<std::string, SourceTopic, std::less<>> sources() const;
  // Logical output name (including repartition streams) -> Kafka topic.
  const std::map<std::string, std::string, std::less<>>& outputs() const { return outputs_; }
  bool is_table_output(std::string_view logical_name) const {
    return table_outputs_.count(logical_name) > 0;
  }
  // True for a stream declared with repartition(): an output that is also an input.
  bool is_repartition(std::string_view logical_name) const;

  std::string changelog_topic(std::string_view store) const;
  std::string repartition_topic(std::string_view logical_name) const;
  // Every changelog and repartition topic, for topic creation.
  std::vector<InternalTopic> internal_topics() const;
  // Kafka topics of the inputs that come from outside the application (run_until_caught_up
  // snapshots their end offsets).
  std::vector<std::string> external_source_topics() const;
  std::vector<std::string> repartition_source_topics() const;
  std::vector<std::string> all_source_topics() const;

 private:
  void require_new_name(const std::string& logical_name) const;

  std::string application_id_;
  std::map<std::string, std::string, std::less<>> inputs_;  // logical -> Kafka topic
  std::map<std::string, std::string, std::less<>> outputs_;
  std::set<std::string, std::less<>> table_outputs_;
  std::vector<std::string> repartitions_;
  std::vector<SubTopology> subtopologies_;
};

}  // namespace leifeng::runtime
