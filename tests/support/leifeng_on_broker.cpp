#include "leifeng/test_support/leifeng_on_broker.hpp"

#include "../runtime/kafka_test_support.hpp"

namespace leifeng::test_support {

namespace fs = std::filesystem;

LeifengOnBroker::LeifengOnBroker(const std::string& stem)
    : bootstrap_(runtime::testing::test_bootstrap_servers()),
      prefix_(runtime::testing::unique_name(stem)),
      dir_("leifeng-" + prefix_),
      // Three partitions and a short commit interval keep the broker tests quick.
      command_(dir_.path(), {{"LEIFENG_APP_TOPIC_PREFIX", prefix_},
                             {"LEIFENG_APP_APPLICATION_ID", prefix_},
                             {"LEIFENG_APP_STATE_DIR", "state"},
                             {"LEIFENG_TOPICS_PARTITIONS", "3"},
                             {"LEIFENG_RUNTIME_COMMIT_INTERVAL_MS", "200"}}) {}

std::vector<std::string> LeifengOnBroker::arguments(const std::string& args,
                                                    bool with_kafka) const {
  std::vector<std::string> argv;
  if (fs::exists(dir() / "leifeng.toml")) argv.insert(argv.end(), {"-c", "leifeng.toml"});
  if (with_kafka) argv.insert(argv.end(), {"--bootstrap-servers", bootstrap_});
  for (std::string& word : split_arguments(args)) argv.push_back(std::move(word));
  return argv;
}

CommandResult LeifengOnBroker::run(const std::string& args, bool with_kafka) const {
  return command_.run(arguments(args, with_kafka));
}

pid_t LeifengOnBroker::start(const std::string& args, const std::string& out,
                             const std::string& err) const {
  return command_.start(arguments(args, true), out, err);
}

}  // namespace leifeng::test_support
