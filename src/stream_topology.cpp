// Topology: a declarative description checked once before the runtime starts, so a wiring
// mistake is an error message at start-up instead of a silently idle partition.
#include "leifeng/runtime/stream_topology.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace leifeng::runtime {
namespace {

// Kafka topic names allow [A-Za-z0-9._-]; internal names embed store and stream names.
bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 200) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

void require_valid(std::string_view what, std::string_view name) {
  if (!valid_name(name))
    throw TopologyError(std::string(what) + " name '" + std::string(name) +
                        "' must be 1-200 characters of [A-Za-z0-9._-]");
}

}  // namespace

Topology::Topology(std::string application_id) : application_id_(std::move(application_id)) {
  require_valid("application id", application_id_);
}

void Topology::require_new_name(const std::string& logical_name) const {
  if (inputs_.contains(logical_name) || outputs_.contains(logical_name))
    throw TopologyError("stream '" + logical_name + "' is declared twice");
}

Topology& Topology::input(std::string logical_name, std::string kafka_topic) {
  require_valid("input", logical_name);
  require_valid("topic", kafka_topic);
  require_new_name(logical_name);
  inputs_.emplace(std::move(logical_name), std::move(kafka_topic));
  return *this;
}

Topology& Topology::output(std::string logical_name, std::string kafka_topic) {
  require_valid("output", logical_name);
  require_valid("topic", kafka_topic);
  require_new_name(logical_name);
  outputs_.emplace(std::move(logical_name), std::move(kafka_topic));
  return *this;
}

Topology& Topology::table_output(std::string logical_name, std::string kafka_topic) {
  const std::string name = logical_name;
  output(std::move(logical_name), std::move(kafka_topic));
  table_outputs_.insert(name);
  return *this;
}

Topology& Topology::repartition(std::string logical_name) {
  require_valid("repartition stream", logical_name);
  require_new_name(logical_name);
  const std::string topic = repartition_topic(logical_name);
  inputs_.emplace(logical_name, topic);
  outputs_.emplace(logical_name, topic);
  repartitions_.push_back(std::move(logical_name));
  return *this;
}

Topology& Topology::processor(std::string name, std::vector<std::string> inputs,
                              std::vector<std::string> stores, ProcessorFactory factory) {
  require_valid("processor", name);
  for (const auto& store : stores) require_valid("store", store);
  if (!factory) throw TopologyError("processor '" + name + "' has no factory");
  if (inputs.empty()) throw TopologyError("processor '" + name + "' has no inputs");
  for (const auto& existing : subtopologies_) {
    if (existing.name == name) throw TopologyError("processor '" + name + "' is declared twice");
  }
  subtopologies_.push_back(
      SubTopology{std::move(name), std::move(inputs), std::move(stores), std::move(factory)});
  return *this;
}

void Topology::validate() const {
  if (subtopologies_.empty()) throw TopologyError("the topology has no processor");
  std::set<std::string, std::less<>> stores;
  std::map<std::string, std::string, std::less<>> consumer_of;  // Kafka topic -> processor
  for (const auto& sub : subtopologies_) {
    for (const auto& store : sub.stores) {
      if (!stores.insert(store).second)
        throw TopologyError("store '" + store + "' is declared by two processors");
    }
    for (const auto& logical : sub.inputs) {
      auto it = inputs_.find(logical);
      if (it == inputs_.end())
        throw TopologyError("processor '" + sub.name + "' reads undeclared input '" + logical +
                            "'");
      auto [pos, inserted] = consumer_of.emplace(it->second, sub.name);
      if (!inserted)
        throw TopologyError("topic '" + it->second + "' feeds both '" + pos->second + "' and '" +
                            sub.name + "'; a topic feeds one processor");
    }
  }
  for (const auto& logical : repartitions_) {
    if (!consumer_of.contains(repartition_topic(logical)))
      throw TopologyError("repartition stream '" + logical + "' is consumed by no processor");
  }
}

std::map<std::string, SourceTopic, std::less<>> Topology::sources() const {
  std::map<std::string, SourceTopic, std::less<>> sources;
  for (std::size_t index = 0; index < subtopologies_.size(); ++index) {
    for (const auto& logical : subtopologies_[index].inputs) {
      auto it = inputs_.find(logical);
      if (it == inputs_.end()) continue;
      const bool internal =
          std::find(repartitions_.begin(), repartitions_.end(), logical) != repartitions_.end();
      sources.emplace(it->second, SourceTopic{index, logical, internal});
    }
  }
  return sources;
}

bool Topology::is_repartition(std::string_view logical_name) const {
  return std::find(repartitions_.begin(), repartitions_.end(), logical_name) != repartitions_.end();
}

std::string Topology::changelog_topic(std::string_view store) const {
  return application_id_ + "-" + std::string(store) + "-changelog";
}

std::string Topology::repartition_topic(std::string_view logical_name) const {
  return application_id_ + "-" + std::string(logical_name);
}

const std::map<std::string, std::string>& changelog_topic_configs() {
  static const std::map<std::string, std::string> configs{{"cleanup.policy", "compact"},
                                                          {"segment.bytes", "16777216"}};
  return configs;
}

std::vector<InternalTopic> Topology::internal_topics() const {
  std::vector<InternalTopic> topics;
  for (const auto& sub : subtopologies_) {
    for (const auto& store : sub.stores) topics.push_back({changelog_topic(store), true});
  }
  for (const auto& logical : repartitions_) topics.push_back({repartition_topic(logical), false});
  return topics;
}

std::vector<std::string> Topology::external_source_topics() const {
  std::vector<std::string> topics;
  for (const auto& [topic, source] : sources()) {
    if (!source.repartition) topics.push_back(topic);
  }
  return topics;
}

std::vector<std::string> Topology::repartition_source_topics() const {
  std::vector<std::string> topics;
  for (const auto& [topic, source] : sources()) {
    if (source.repartition) topics.push_back(topic);
  }
  return topics;
}

std::vector<std::string> Topology::all_source_topics() const {
  std::vector<std::string> topics;
  for (const auto& [topic, source] : sources()) topics.push_back(topic);
  return topics;
}

}  // namespace leifeng::runtime
