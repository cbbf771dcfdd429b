// Every topic leifeng uses (SPEC §2) with its partitions and configs, and their creation.
// Shared by `topics create`, `run` (creates what is missing before it starts) and the demo.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kafka/cluster.hpp"
#include "leifeng/runtime/stream_topology.hpp"
#include "leifeng/runtime/topic_admin.hpp"

namespace leifeng::app {

// Inputs and the star-change and dead-letter streams keep everything (retention.ms=-1: audits
// replay inputs, and nothing is lost); tables are compacted; changelogs compacted; the
// county-deltas repartition stream keeps everything too, since nothing purges consumed
// repartition records yet and a long outage must not lose deltas. Partitions, replication
// and min.insync.replicas from [topics].
std::vector<runtime::TopicSpec> leifeng_topics(const runtime::RuntimeOptions& options,
                                               const runtime::Topology& topology);

// What a topic is to the application, for `topics list` and `topics describe`.
enum class TopicRole { input, output, internal, dead_letter };
std::string_view role_name(TopicRole role);  // "input", "output", "internal", "dead-letter"

struct ApplicationTopic {
  std::string name;
  TopicRole role;
};
// Every topic of leifeng_topics with its role, in the same order.
std::vector<ApplicationTopic> application_topics(const runtime::RuntimeOptions& options,
                                                 const runtime::Topology& topology);

// Creates the missing topics; idempotent. Logs what it created and found.
runtime::TopicCreation ensure_topics(KafkaCluster& cluster, const runtime::Topology& topology);

}  // namespace leifeng::app
