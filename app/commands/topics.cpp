// `leifeng topics create` (SPEC §7): every topic of SPEC §2 plus the runtime's internal
// topics, with the configured partitions and replication; idempotent.
#include <cstdio>
#include <iostream>

#include "commands/commands.hpp"
#include "kafka/cluster.hpp"
#include "kafka/topics.hpp"
#include "product.hpp"
#include "settings.hpp"
#include "topology.hpp"

namespace leifeng::app {

namespace {

void run_topics_create(const GlobalOptions& global) {
  setup_logging();
  const Settings settings = load_settings(global);
  KafkaCluster cluster(settings, "topics create");
  const runtime::Topology topology = build_topology(settings);
  const runtime::TopicCreation creation = ensure_topics(cluster, topology);
  for (const auto& name : creation.created) std::printf("created %s\n", name.c_str());
  for (const auto& name : creation.already_existed) std::printf("exists  %s\n", name.c_str());
  std::printf("%zu topics created, %zu already existed\n", creation.created.size(),
              creation.already_existed.size());
}

}  // namespace

void register_topics(CLI::App& cli, const GlobalOptions& global) {
  CLI::App* topics = cli.add_subcommand("topics", "manage leifeng's Kafka topics");
  topics->require_subcommand(1);
  CLI::App* create = topics->add_subcommand(
      "create", "create every topic with its partitions and configs (idempotent)");
  create->callback([&global] {
    try {
      run_topics_create(global);
    } catch (const std::exception& e) {
      std::cerr << "leifeng topics create: " << e.what() << '\n';
      throw CLI::RuntimeError(2);
    }
  });
  add_topics_inspection(*topics, global);
}

}  // namespace leifeng::app
