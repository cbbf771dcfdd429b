// leifeng's names for what the generic runtime leaves to its caller (app/product): the
// configuration defaults, which config/leifeng.toml states, and the names users rely on.
#include "product.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "leifeng/runtime/config.hpp"

namespace leifeng::app {
namespace {

namespace fs = std::filesystem;

std::string source_dir() {
  const char* dir = std::getenv("LEIFENG_SOURCE_DIR");
  return dir != nullptr ? dir : LEIFENG_SOURCE_DIR_FALLBACK;
}

TEST(Product, ShippedFileEqualsBuiltInDefaults) {
  const auto path = source_dir() + "/config/leifeng.toml";
  const runtime::ConfigDefaults defaults = config_defaults();
  runtime::Config config = runtime::load_config(defaults, path, "", runtime::Environment{});
  EXPECT_EQ(config.runtime, defaults.runtime);
  EXPECT_EQ(config.directory, fs::absolute(path).parent_path());
  // The domain's table is kept for the layer that owns it.
  ASSERT_NE(config.document["rules"].as_table(), nullptr);
  EXPECT_EQ(config.document["rules"]["areas_file"].value<std::string>(), "areas.csv");
  EXPECT_TRUE(fs::exists(config.resolve("areas.csv")));
}

// Names in the README, in deployments' environments and in users' tooling.
TEST(Product, NamesUsersRelyOn) {
  const runtime::ConfigDefaults defaults = config_defaults();
  EXPECT_EQ(defaults.runtime.application_id, "leifeng");
  EXPECT_EQ(defaults.runtime.topic_prefix, "leifeng");
  EXPECT_EQ(defaults.runtime.state_dir, ".leifeng/state");
  EXPECT_EQ(defaults.runtime.metric_prefix, "leifeng_");  // leifeng_records_consumed_total, ...
  EXPECT_EQ(defaults.environment_prefix, "LEIFENG_");
  const runtime::TopicReaderOptions reader = topic_reader_options();
  EXPECT_EQ(reader.group_id, "leifeng-topic-reader");
  EXPECT_EQ(reader.missing_topic_hint, "run `leifeng topics create`");
}

TEST(Product, LogLevelFromLeifengLogLevel) {
  ::setenv("LEIFENG_LOG_LEVEL", "warn", 1);
  setup_logging("info");
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::warn);
  ::unsetenv("LEIFENG_LOG_LEVEL");
  setup_logging("debug");
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::debug);
  setup_logging();
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::info);
}

}  // namespace
}  // namespace leifeng::app
