// `leifeng topics list` and `leifeng topics describe TOPIC` (SPEC §7): the application's topics
// as the cluster has them, and one topic in detail with the application group's lag.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "kafka/cluster.hpp"
#include "kafka/topics.hpp"
#include "leifeng/processors/wiring.hpp"
#include "leifeng/runtime/group_admin.hpp"
#include "leifeng/runtime/stream_runtime.hpp"
#include "leifeng/runtime/topic_inspection.hpp"
#include "product.hpp"
#include "settings.hpp"
#include "topology.hpp"

namespace leifeng::app {

namespace {

// The topic configs an operator of this application looks at first.
const std::vector<std::string> kShownConfigs{"cleanup.policy", "retention.ms", "retention.bytes",
                                             "min.insync.replicas", "max.message.bytes"};

// Rows of text as columns, each as wide as its widest cell.
void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - row[c].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

std::string joined(const std::vector<int32_t>& ids) {
  std::string text;
  for (int32_t id : ids) text += (text.empty() ? "" : ",") + std::to_string(id);
  return text;
}

// The settings, the topology and the cluster of a topics subcommand; exits 2 without a
// configured cluster (the embedded one has no topics before the command starts).
struct Context {
  Settings settings;
  runtime::Topology topology;
  KafkaCluster cluster;
};

std::unique_ptr<Context> connect(const GlobalOptions& global, const char* command) {
  setup_logging();
  Settings settings = load_settings(global);
  if (settings.runtime().bootstrap_servers.empty()) {
    std::cerr << "leifeng " << command
              << ": no Kafka cluster given: pass --bootstrap-servers HOST:PORT or set "
                 "bootstrap.servers in the [kafka] table of -c FILE\n";
    throw CLI::RuntimeError(2);
  }
  runtime::Topology topology = build_topology(settings);
  KafkaCluster cluster(settings, command);
  return std::make_unique<Context>(
      Context{std::move(settings), std::move(topology), std::move(cluster)});
}

void run_topics_list(const GlobalOptions& global) {
  const auto context = connect(global, "topics list");
  runtime::TopicInspector inspector(context->cluster.properties());
  const auto existing = inspector.summaries();
  std::vector<std::vector<std::string>> rows{{"TOPIC", "ROLE", "PARTITIONS", "REPLICATION"}};
  std::size_t missing = 0;
  for (const ApplicationTopic& topic :
       application_topics(context->cluster.options(), context->topology)) {
    const auto it = existing.find(topic.name);
    if (it == existing.end()) {
      ++missing;
      rows.push_back({topic.name, std::string(role_name(topic.role)), "missing", "-"});
    } else {
      rows.push_back({topic.name, std::string(role_name(topic.role)),
                      std::to_string(it->second.partitions),
                      std::to_string(it->second.replication)});
    }
  }
  print_table(rows);
  if (missing > 0)
    std::printf("%zu topics missing: `leifeng topics create` creates them\n", missing);
}

// Returns the exit code: 0, or 2 when the topic does not exist.
int run_topics_describe(const std::string& name, const GlobalOptions& global) {
  const auto context = connect(global, "topics describe");
  const auto topics = application_topics(context->cluster.options(), context->topology);
  runtime::TopicInspector inspector(context->cluster.properties());
  auto description = inspector.describe(name);
  std::string topic = name;
  // A name of SPEC §2 ("hours") stands for the application's topic of that name.
  if (!description) {
    const std::string full =
        processors::kafka_topic_name(context->cluster.options().topic_prefix, name);
    if (std::any_of(topics.begin(), topics.end(), [&](const auto& t) { return t.name == full; })) {
      description = inspector.describe(full);
      topic = full;
    }
  }
  if (!description) {
    std::cerr << "leifeng topics describe: topic " << name << " does not exist"
              << " (`leifeng topics list` shows the application's topics)\n";
    return 2;
  }
  const auto own =
      std::find_if(topics.begin(), topics.end(), [&](const auto& t) { return t.name == topic; });
  const std::string role = own != topics.end()
                               ? std::string(role_name(own->role))
                               : "not a topic of application " + context->topology.application_id();
  const std::size_t partitions = description->partitions.size();
  std::printf("topic %s: %s, %zu partitions, replication %zu\n", topic.c_str(), role.c_str(),
              partitions,
              partitions > 0 ? description->partitions.front().replicas.size() : std::size_t{0});
  std::string configs;
  for (const std::string& config : kShownConfigs) {
    if (auto it = description->configs.find(config); it != description->configs.end())
      configs += " " + config + "=" + it->second;
  }
  std::printf("configs:%s\n", configs.c_str());

  const std::string group = runtime::consumer_group_id(context->topology);
  std::map<int32_t, int64_t> committed;
  for (const auto& offset :
       runtime::GroupAdmin(context->cluster.properties()).committed_offsets(group, {topic})) {
    if (offset.topic == topic) committed[offset.partition] = offset.offset;
  }
  std::printf("consumer group %s: %s\n", group.c_str(),
              committed.empty() ? "no committed offsets on this topic"
                                : "committed offsets and lag (end - committed)");
  std::vector<std::vector<std::string>> rows{
      {"PARTITION", "LEADER", "REPLICAS", "ISR", "BEGINNING", "END", "COMMITTED", "LAG"}};
  int64_t total_lag = 0;
  for (const auto& partition : description->partitions) {
    std::vector<std::string> row{std::to_string(partition.partition),
                                 std::to_string(partition.leader),
                                 joined(partition.replicas),
                                 joined(partition.in_sync),
                                 std::to_string(partition.beginning),
                                 std::to_string(partition.end),
                                 "-",
                                 "-"};
    if (auto it = committed.find(partition.partition); it != committed.end()) {
      const int64_t lag = std::max<int64_t>(0, partition.end - it->second);
      total_lag += lag;
      row[6] = std::to_string(it->second);
      row[7] = std::to_string(lag);
    }
    rows.push_back(std::move(row));
  }
  print_table(rows);
  if (!committed.empty()) std::printf("total lag %lld\n", static_cast<long long>(total_lag));
  return 0;
}

// Runs `body` as a subcommand's callback: its exceptions are error sentences and exit 2.
template <typename Body>
void as_command(const char* command, Body body) {
  int code = 0;
  try {
    code = body();
  } catch (const CLI::RuntimeError&) {
    throw;
  } catch (const std::exception& e) {
    std::cerr << "leifeng " << command << ": " << e.what() << '\n';
    throw CLI::RuntimeError(2);
  }
  if (code != 0) throw CLI::RuntimeError(code);
}

}  // namespace

void add_topics_inspection(CLI::App& topics, const GlobalOptions& global) {
  CLI::App* list = topics.add_subcommand(
      "list",
      "the application's topics (inputs, outputs, internal, dead-letter) on the cluster "
      "with their partitions and replication");
  list->callback([&global] {
    as_command("topics list", [&global] {
      run_topics_list(global);
      return 0;
    });
  });

  auto topic = std::make_shared<std::string>();
  CLI::App* describe = topics.add_subcommand(
      "describe",
      "one topic: partitions, leaders, replicas, configs, end offsets and the application "
      "group's committed offsets and lag");
  describe
      ->add_option("TOPIC", *topic,
                   "a Kafka topic, or a topic's name of SPEC §2 (hours, stars, ...)")
      ->required();
  describe->callback([topic, &global] {
    as_command("topics describe", [&] { return run_topics_describe(*topic, global); });
  });
}

}  // namespace leifeng::app
