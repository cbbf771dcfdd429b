// Logging: key=value lines, quoting, and the level from the environment variable the caller
// names.
#include "leifeng/runtime/logging.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace leifeng::runtime {
namespace {

TEST(Logging, ValuesAreQuotedOnlyWhenNeeded) {
  EXPECT_EQ(log_value("leifeng.hours.v1"), "leifeng.hours.v1");
  EXPECT_EQ(log_value("127.0.0.1:9092"), "127.0.0.1:9092");
  EXPECT_EQ(log_value(""), "\"\"");
  EXPECT_EQ(log_value("two words"), "\"two words\"");
  EXPECT_EQ(log_value("a=b"), "\"a=b\"");
  EXPECT_EQ(log_value("say \"hi\"\\\nnext"), "\"say \\\"hi\\\"\\\\\\nnext\"");
}

TEST(Logging, ParsesLevelNames) {
  EXPECT_EQ(parse_log_level("debug"), spdlog::level::debug);
  EXPECT_EQ(parse_log_level("error"), spdlog::level::err);
  EXPECT_EQ(parse_log_level("off"), spdlog::level::off);
  EXPECT_THROW(parse_log_level("verbose"), std::invalid_argument);
}

TEST(Logging, EventsAreKeyValueLines) {
  std::ostringstream out;
  auto logger = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger->set_pattern("level=%l %v");
  logger->set_level(spdlog::level::info);
  spdlog::set_default_logger(logger);
  log_event(spdlog::level::info, "task started", "partition", 3, "topic", "leifeng.hours.v1");
  log_event(spdlog::level::debug, "not shown", "x", 1);
  EXPECT_EQ(out.str(), "level=info msg=\"task started\" partition=3 topic=leifeng.hours.v1\n");
}

TEST(Logging, LevelFromEnvironment) {
  ::setenv("RUNTIME_TEST_LOG_LEVEL", "warn", 1);
  setup_logging("RUNTIME_TEST_LOG_LEVEL", "info");
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::warn);
  // Another program's variable is not read.
  setup_logging("OTHER_TEST_LOG_LEVEL", "error");
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::err);
  ::setenv("RUNTIME_TEST_LOG_LEVEL", "loud", 1);
  EXPECT_THROW(setup_logging("RUNTIME_TEST_LOG_LEVEL", "info"), std::invalid_argument);
  ::unsetenv("RUNTIME_TEST_LOG_LEVEL");
  setup_logging("RUNTIME_TEST_LOG_LEVEL", "debug");
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::debug);
  setup_logging("RUNTIME_TEST_LOG_LEVEL", "info");  // a second setup replaces the first
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::info);
}

}  // namespace
}  // namespace leifeng::runtime
