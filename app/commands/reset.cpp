// `leifeng reset [--execute]` (SPEC §7): the application reset. A dry run by default: it prints
// what it would delete and says to pass --execute; refuses (exit 2) while the group has members.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "commands/commands.hpp"
#include "kafka/cluster.hpp"
#include "kafka/reset.hpp"
#include "product.hpp"
#include "settings.hpp"
#include "topology.hpp"

namespace leifeng::app {

namespace {

struct ResetOptions {
  bool execute = false;
};

// The error sentence while the group has members. `run` joins as a static member
// (group.instance.id), which does not leave the group when it stops: the broker drops it only
// when its session times out.
std::string refusal(const ResetPlan& plan) {
  std::string names;
  for (const auto& member : plan.members) {
    if (!names.empty()) names += ", ";
    names += member.instance_id.empty() ? member.client_id : member.instance_id;
    if (!member.host.empty()) names += " on " + member.host;
  }
  return "consumer group " + plan.group + " has " + std::to_string(plan.members.size()) +
         " active member(s) (" + names + "); stop every `leifeng run` of this application " +
         "first. A run that just stopped stays a member until its session times out " +
         "(session.timeout.ms, 10 s unless [kafka] sets it), because `run` uses static " +
         "membership; try again then.";
}

void print_plan(const ResetPlan& plan) {
  std::printf("Dry run: nothing was changed. `leifeng reset --execute` would:\n");
  if (plan.internal_topics.empty()) std::printf("  delete no internal topic (none exists)\n");
  for (const auto& topic : plan.internal_topics)
    std::printf("  delete internal topic %s\n", topic.c_str());
  if (plan.offsets.empty()) {
    std::printf("  delete consumer group %s, which has no committed offsets\n", plan.group.c_str());
  } else {
    std::printf(
        "  delete consumer group %s with its %zu committed offsets; the next run reads every "
        "input from its earliest offset:\n",
        plan.group.c_str(), plan.offsets.size());
  }
  for (const auto& offset : plan.offsets) {
    if (offset.restart_at) {
      std::printf("    %s [%d]: committed %lld -> %lld\n", offset.topic.c_str(), offset.partition,
                  static_cast<long long>(offset.committed),
                  static_cast<long long>(*offset.restart_at));
    } else {
      std::printf("    %s [%d]: committed %lld -> gone\n", offset.topic.c_str(), offset.partition,
                  static_cast<long long>(offset.committed));
    }
  }
  std::printf("  delete the local state directory %s%s\n", plan.state_dir.string().c_str(),
              plan.state_dir_exists ? "" : " (it does not exist)");
  std::printf(
      "Input and output topics stay as they are: the next run appends its results to "
      "the output topics again.\n");
}

void print_outcome(const ResetPlan& plan, const ResetOutcome& outcome) {
  for (const auto& topic : outcome.deleted_topics)
    std::printf("deleted internal topic %s\n", topic.c_str());
  if (outcome.group_deleted) {
    std::printf("deleted consumer group %s with its %zu committed offsets\n", plan.group.c_str(),
                plan.offsets.size());
  } else {
    std::printf("consumer group %s did not exist\n", plan.group.c_str());
  }
  if (outcome.state_dir_removed)
    std::printf("deleted the local state directory %s\n", plan.state_dir.string().c_str());
  std::printf(
      "reset done: the next `leifeng run` processes every input from its earliest "
      "offset.\n");
}

int run_reset(const ResetOptions& options, const GlobalOptions& global) {
  setup_logging();
  const Settings settings = load_settings(global);
  if (settings.runtime().bootstrap_servers.empty()) {
    std::cerr << "leifeng reset: no Kafka cluster given: pass --bootstrap-servers HOST:PORT or "
                 "set bootstrap.servers in the [kafka] table of -c FILE\n";
    return 2;
  }
  KafkaCluster cluster(settings, "reset");
  const runtime::Topology topology = build_topology(settings);
  const ResetPlan plan = plan_reset(cluster, topology);
  std::printf("application %s at %s: consumer group %s\n", topology.application_id().c_str(),
              cluster.bootstrap_servers().c_str(), plan.group.c_str());
  if (plan.has_members()) {
    std::cerr << "leifeng reset: " << refusal(plan) << '\n';
    return 2;
  }
  if (!options.execute) {
    print_plan(plan);
    return 0;
  }
  try {
    print_outcome(plan, execute_reset(cluster, plan));
  } catch (const runtime::GroupNotEmptyError&) {
    std::cerr << "leifeng reset: nothing was changed: a member joined consumer group " << plan.group
              << " meanwhile; stop every `leifeng run` of this application and "
              << "try again.\n";
    return 2;
  }
  return 0;
}

}  // namespace

void register_reset(CLI::App& cli, const GlobalOptions& global) {
  auto options = std::make_shared<ResetOptions>();
  CLI::App* command = cli.add_subcommand(
      "reset",
      "start the application over: delete its internal topics, its consumer group's offsets "
      "and its local state (a dry run unless --execute)");
  command->add_flag("--execute", options->execute,
                    "act; without it the command only prints what it would do");
  command->callback([options, &global] {
    int code = 0;
    try {
      code = run_reset(*options, global);
    } catch (const std::exception& e) {
      std::cerr << "leifeng reset: " << e.what() << '\n';
      throw CLI::RuntimeError(2);
    }
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace leifeng::app
