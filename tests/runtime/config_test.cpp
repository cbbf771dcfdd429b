// The config loader: the caller's defaults and environment prefix, the precedence of file,
// environment and flag, and errors that say where and what. (That config/leifeng.toml states
// leifeng's defaults is checked in tests/app/product_test.cpp.)
#include "leifeng/runtime/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <map>
#include <span>
#include <string>

namespace leifeng::runtime {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// The defaults of the application these tests configure: named like leifeng's, so they differ
// from RuntimeOptions{} and show that the loader starts from its caller's defaults.
ConfigDefaults test_defaults() {
  ConfigDefaults defaults;
  defaults.runtime.application_id = "leifeng";
  defaults.runtime.topic_prefix = "leifeng";
  defaults.runtime.state_dir = ".leifeng/state";
  defaults.environment_prefix = "LEIFENG_";
  return defaults;
}

// load_config with those defaults.
Config load_config(const std::string& path, const std::string& bootstrap_servers_flag,
                   const Environment& environment, std::span<const TableKeys> other_tables = {}) {
  return runtime::load_config(test_defaults(), path, bootstrap_servers_flag, environment,
                              other_tables);
}
Config load_config(const std::string& path, const std::string& bootstrap_servers_flag,
                   std::span<const TableKeys> other_tables) {
  return runtime::load_config(test_defaults(), path, bootstrap_servers_flag, other_tables);
}

// A configuration file in a fresh directory, removed afterwards.
class ConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("leifeng-config-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& text) {
    auto path = dir_ / "leifeng.toml";
    std::ofstream(path) << text;
    return path.string();
  }

  std::string error_of(const std::string& text, const Environment& environment = {}) {
    try {
      load_config(write(text), "", environment);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  }

  fs::path dir_;
};

TEST(Config, NoFileMeansDefaults) {
  ASSERT_NE(test_defaults().runtime, RuntimeOptions{});
  Config config = load_config("", "", Environment{});
  EXPECT_EQ(config.runtime, test_defaults().runtime);
  EXPECT_TRUE(config.directory.empty());
  EXPECT_TRUE(config.document.empty());
  EXPECT_EQ(config.resolve("areas.csv"), fs::path("areas.csv"));
}

TEST_F(ConfigFile, FileValuesReplaceDefaults) {
  Config config = load_config(write(R"(
[app]
application_id = "audit-7"
state_dir = "/var/lib/leifeng"
[topics]
partitions = 3
replication_factor = 2
[runtime]
commit_interval_ms = 250
min_commit_interval_ms = 25
max_commit_interval_ms = 2000
metrics_port = 9464
[kafka]
bootstrap.servers = "10.0.0.1:9092"
"linger.ms" = 5
"enable.idempotence" = true
)"),
                              "", Environment{});
  EXPECT_EQ(config.runtime.application_id, "audit-7");
  EXPECT_EQ(config.runtime.topic_prefix, "leifeng");
  EXPECT_EQ(config.runtime.state_dir, "/var/lib/leifeng");
  EXPECT_EQ(config.runtime.partitions, 3);
  EXPECT_EQ(config.runtime.replication_factor, 2);
  EXPECT_EQ(config.runtime.commit_interval_ms, 250);
  EXPECT_EQ(config.runtime.min_commit_interval_ms, 25);
  EXPECT_EQ(config.runtime.max_commit_interval_ms, 2000);
  EXPECT_EQ(config.runtime.metrics_port, 9464);
  EXPECT_EQ(config.runtime.bootstrap_servers, "10.0.0.1:9092");
  EXPECT_EQ(config.runtime.kafka,
            (std::map<std::string, std::string>{{"bootstrap.servers", "10.0.0.1:9092"},
                                                {"enable.idempotence", "true"},
                                                {"linger.ms", "5"}}));
}

// [serve] (issue 15): off by default, on 127.0.0.1; the environment overrides it like the rest.
TEST_F(ConfigFile, ServeTableSetsTheQueryListener) {
  Config defaults = load_config(write(""), "", Environment{});
  EXPECT_EQ(defaults.runtime.serve_port, 0);
  EXPECT_EQ(defaults.runtime.serve_bind, "127.0.0.1");
  EXPECT_EQ(defaults.runtime.serve_advertised, "");
  const auto path =
      write("[serve]\nport = 8080\nbind = \"0.0.0.0\"\nadvertised_address = \"10.0.0.5:8080\"\n");
  Config config = load_config(path, "", Environment{{"LEIFENG_SERVE_PORT", "8081"}});
  EXPECT_EQ(config.runtime.serve_port, 8081);
  EXPECT_EQ(config.runtime.serve_bind, "0.0.0.0");
  EXPECT_EQ(config.runtime.serve_advertised, "10.0.0.5:8080");
  try {
    load_config(write("[serve]\nport = 70000\n"), "", Environment{});
    ADD_FAILURE() << "port 70000 accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("[serve] port"));
  }
  try {
    load_config(write("[serve]\nsocket = 1\n"), "", Environment{});
    ADD_FAILURE() << "unknown key accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("socket"));
  }
}

TEST_F(ConfigFile, EnvironmentBeatsFileAndFlagBeatsBoth) {
  const auto path = write(
      "[app]\nstate_dir = \"from-file\"\n[kafka]\n"
      "\"bootstrap.servers\" = \"file:9092\"\n");
  const Environment environment{{"LEIFENG_APP_STATE_DIR", "from-env"},
                                {"LEIFENG_TOPICS_PARTITIONS", "12"},
                                {"LEIFENG_KAFKA_BOOTSTRAP_SERVERS", "env:9092"},
                                {"LEIFENG_KAFKA_SECURITY_PROTOCOL", "plaintext"},
                                {"LEIFENG_LOG_LEVEL", "debug"},  // not a config table
                                {"leifeng_app_topic_prefix", "ignored"}};
  Config env_only = load_config(path, "", environment);
  EXPECT_EQ(env_only.runtime.state_dir, "from-env");
  EXPECT_EQ(env_only.runtime.partitions, 12);
  EXPECT_EQ(env_only.runtime.topic_prefix, "leifeng");
  EXPECT_EQ(env_only.runtime.bootstrap_servers, "env:9092");
  EXPECT_EQ(env_only.runtime.kafka.at("security.protocol"), "plaintext");

  Config flagged = load_config(path, "flag:9092", environment);
  EXPECT_EQ(flagged.runtime.bootstrap_servers, "flag:9092");
  EXPECT_EQ(flagged.runtime.kafka.at("bootstrap.servers"), "flag:9092");
}

// [app] instance_id: unset by default (the runtime generates one), set by the file or by
// <PREFIX>APP_INSTANCE_ID, and checked as Kafka checks group.instance.id.
TEST_F(ConfigFile, InstanceIdFromFileOrEnvironment) {
  EXPECT_EQ(load_config("", "", Environment{}).runtime.instance_id, "");
  const auto path = write("[app]\ninstance_id = \"worker-1\"\n");
  EXPECT_EQ(load_config(path, "", Environment{}).runtime.instance_id, "worker-1");
  const Environment environment{{"LEIFENG_APP_INSTANCE_ID", "worker-2.east"}};
  EXPECT_EQ(load_config(path, "", environment).runtime.instance_id, "worker-2.east");
}

TEST_F(ConfigFile, InstanceIdThatKafkaRefusesIsAnError) {
  const std::string error = error_of("[app]\ninstance_id = \"worker 1\"\n");
  EXPECT_THAT(error, HasSubstr("leifeng.toml:2:"));
  EXPECT_THAT(error, HasSubstr("[app] instance_id cannot be used"));
  EXPECT_THAT(error, HasSubstr("a-z, A-Z, 0-9"));
  EXPECT_THAT(error_of("[app]\ninstance_id = \"\"\n"), HasSubstr("must not be empty"));
  EXPECT_THAT(error_of("", Environment{{"LEIFENG_APP_INSTANCE_ID", ".."}}),
              HasSubstr("environment variable LEIFENG_APP_INSTANCE_ID: [app] instance_id"));
  EXPECT_THAT(error_of("[app]\ninstance_id = \"" + std::string(250, 'a') + "\"\n"),
              HasSubstr("more than 249"));
}

TEST(Config, FlagWithoutFileSetsBootstrap) {
  Config config = load_config("", "127.0.0.1:1234", Environment{});
  EXPECT_EQ(config.runtime.bootstrap_servers, "127.0.0.1:1234");
  EXPECT_EQ(config.runtime.kafka.at("bootstrap.servers"), "127.0.0.1:1234");
}

TEST(Config, EnvironmentOverridesOfAnotherLayersTable) {
  const Environment environment{{"LEIFENG_RULES_TIME_ZONE", "+09:00"},
                                {"LEIFENG_RULESX_Y", "no"},
                                {"LEIFENG_APP_STATE_DIR", "x"}};
  EXPECT_EQ(environment_overrides(environment, "LEIFENG_", "rules"),
            (std::map<std::string, std::string>{{"time_zone", "+09:00"}}));
}

// Another layer's table as the domain declares [rules]: one key of every kind.
constexpr std::array<KeyKind, 5> kOtherKeys{{{"time_zone", ValueKind::text},
                                             {"days", ValueKind::integer},
                                             {"min_quality", ValueKind::number},
                                             {"star_thresholds_hours", ValueKind::integer_list},
                                             {"areas_file", ValueKind::path}}};
constexpr std::array<TableKeys, 1> kOtherTables{{{"rules", kOtherKeys}}};

TEST(Config, EnvironmentVariablesCarryTheCallersPrefix) {
  ConfigDefaults other = test_defaults();
  other.environment_prefix = "OTHER_";
  const Environment environment{{"OTHER_APP_STATE_DIR", "other-state"},
                                {"OTHER_KAFKA_CLIENT_ID", "other"},
                                {"OTHER_RULES_TIME_ZONE", "-05:00"},
                                {"LEIFENG_TOPICS_PARTITIONS", "12"}};
  Config config = runtime::load_config(other, "", "", environment, kOtherTables);
  EXPECT_EQ(config.runtime.state_dir, "other-state");
  EXPECT_EQ(config.runtime.kafka.at("client.id"), "other");
  EXPECT_EQ(config.runtime.partitions, other.runtime.partitions);
  EXPECT_EQ(config.document["rules"]["time_zone"].value<std::string>(), "-05:00");
  EXPECT_EQ(config.origin("rules", "time_zone"), "environment variable OTHER_RULES_TIME_ZONE");
  EXPECT_EQ(environment_overrides(environment, "OTHER_", "app"),
            (std::map<std::string, std::string>{{"state_dir", "other-state"}}));
  try {
    runtime::load_config(other, "", "", {{"OTHER_TOPICS_PARTITIONS", "six"}});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("environment variable OTHER_TOPICS_PARTITIONS:"));
  }
}

TEST_F(ConfigFile, EnvironmentOverridesOtherLayersTablesByTheKindsOfTheirKeys) {
  const auto path = write(
      "[rules]\ntime_zone = \"+08:00\"\nmin_quality = 3.00\n"
      "star_thresholds_hours = [100, 300, 600, 1000, 1500]\nareas_file = \"areas.csv\"\n");
  const Environment environment{{"LEIFENG_RULES_TIME_ZONE", "+09:00"},
                                {"LEIFENG_RULES_DAYS", "-3"},
                                {"LEIFENG_RULES_MIN_QUALITY", "3.5"},
                                {"LEIFENG_RULES_STAR_THRESHOLDS_HOURS", "10,20, 30 ,40,\t50"},
                                {"LEIFENG_RULES_AREAS_FILE", "env-areas.csv"}};
  Config config = load_config(path, "", environment, kOtherTables);
  const auto rules = config.document["rules"];
  EXPECT_EQ(rules["time_zone"].value<std::string>(), "+09:00");
  EXPECT_EQ(rules["days"].value<int64_t>(), -3);
  ASSERT_TRUE(rules["min_quality"].is_floating_point());
  EXPECT_EQ(rules["min_quality"].value<double>(), 3.5);
  const toml::array* thresholds = rules["star_thresholds_hours"].as_array();
  ASSERT_NE(thresholds, nullptr);
  ASSERT_EQ(thresholds->size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_TRUE((*thresholds)[i].is_integer());
    EXPECT_EQ((*thresholds)[i].value<int64_t>(), static_cast<int64_t>(10 * (i + 1)));
  }
  // A relative path from the environment is relative to the working directory, not the file.
  EXPECT_EQ(rules["areas_file"].value<std::string>(),
            (fs::current_path() / "env-areas.csv").string());
  EXPECT_EQ(config.origin("rules", "min_quality"),
            "environment variable LEIFENG_RULES_MIN_QUALITY");
  EXPECT_EQ(config.runtime, test_defaults().runtime);

  // A whole number is an integer; an empty list is an empty array; what is not overridden keeps
  // the file's value and position.
  config = load_config(path, "",
                       {{"LEIFENG_RULES_MIN_QUALITY", "4"},
                        {"LEIFENG_RULES_STAR_THRESHOLDS_HOURS", ""},
                        {"LEIFENG_RULES_AREAS_FILE", "/abs/areas.csv"}},
                       kOtherTables);
  EXPECT_TRUE(config.document["rules"]["min_quality"].is_integer());
  EXPECT_EQ(config.document["rules"]["min_quality"].value<int64_t>(), 4);
  ASSERT_NE(config.document["rules"]["star_thresholds_hours"].as_array(), nullptr);
  EXPECT_TRUE(config.document["rules"]["star_thresholds_hours"].as_array()->empty());
  EXPECT_EQ(config.document["rules"]["areas_file"].value<std::string>(), "/abs/areas.csv");
  EXPECT_EQ(config.document["rules"]["time_zone"].value<std::string>(), "+08:00");
  EXPECT_EQ(config.origin("rules", "time_zone"), path + ":2:13");
}

TEST(Config, EnvironmentCreatesOtherLayersTablesWithoutAFile) {
  Config config =
      load_config("", "", Environment{{"LEIFENG_RULES_TIME_ZONE", "-05:00"}}, kOtherTables);
  EXPECT_EQ(config.document["rules"]["time_zone"].value<std::string>(), "-05:00");
  EXPECT_EQ(config.origin("rules", "time_zone"), "environment variable LEIFENG_RULES_TIME_ZONE");
  // Without the table's keys the runtime leaves its variables alone.
  EXPECT_TRUE(
      load_config("", "", Environment{{"LEIFENG_RULES_TIME_ZONE", "-05:00"}}).document.empty());
}

TEST(Config, ProcessEnvironmentOverridesOtherLayersTables) {
  ASSERT_EQ(::setenv("LEIFENG_RULES_MIN_QUALITY", "2.25", 1), 0);
  ASSERT_EQ(::setenv("LEIFENG_RULES_STAR_THRESHOLDS_HOURS", "1,2,3,4,5", 1), 0);
  Config config = load_config("", "", kOtherTables);
  ::unsetenv("LEIFENG_RULES_MIN_QUALITY");
  ::unsetenv("LEIFENG_RULES_STAR_THRESHOLDS_HOURS");
  EXPECT_EQ(config.document["rules"]["min_quality"].value<double>(), 2.25);
  ASSERT_NE(config.document["rules"]["star_thresholds_hours"].as_array(), nullptr);
  EXPECT_EQ(config.document["rules"]["star_thresholds_hours"].as_array()->size(), 5u);
}

TEST_F(ConfigFile, BadEnvironmentValuesOfOtherLayersTablesNameTheVariable) {
  const auto error = [&](const std::string& name, const std::string& value) {
    try {
      load_config(write("[rules]\nmin_quality = 3.00\n"), "", {{name, value}}, kOtherTables);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("LEIFENG_RULES_MIN_QUALITY", "3,5"),
            "environment variable LEIFENG_RULES_MIN_QUALITY: [rules] min_quality must be a "
            "number, not '3,5'");
  for (const char* bad : {"", "high", "nan", "inf", "3.5x", " 3.5"}) {
    EXPECT_THAT(error("LEIFENG_RULES_MIN_QUALITY", bad),
                HasSubstr("environment variable LEIFENG_RULES_MIN_QUALITY: [rules] min_quality "
                          "must be a number, not"))
        << bad;
  }
  for (const char* bad : {"100;300", "1,,2", "1,2,", ",1", "1.5,2", "[1, 2]", " "}) {
    EXPECT_THAT(error("LEIFENG_RULES_STAR_THRESHOLDS_HOURS", bad),
                HasSubstr("environment variable LEIFENG_RULES_STAR_THRESHOLDS_HOURS: [rules] "
                          "star_thresholds_hours must be integers separated by commas, not '" +
                          std::string(bad) + "'"))
        << bad;
  }
  EXPECT_THAT(error("LEIFENG_RULES_DAYS", "7d"),
              HasSubstr("LEIFENG_RULES_DAYS: [rules] days must be an integer, not '7d'"));
  EXPECT_EQ(error("LEIFENG_RULES_MIN_QUALTY", "3"),
            "environment variable LEIFENG_RULES_MIN_QUALTY: unknown key 'min_qualty' in [rules] "
            "(known: time_zone, days, min_quality, star_thresholds_hours, areas_file)");
}

TEST_F(ConfigFile, EnvironmentValuesPassTheFilesChecks) {
  // Runtime keys from the environment are checked where file values are, naming the variable.
  EXPECT_THAT(error_of("[app]\nstate_dir = \"x\"\n", {{"LEIFENG_APP_STATE_DIR", ""}}),
              HasSubstr("environment variable LEIFENG_APP_STATE_DIR: [app] state_dir must not be "
                        "empty"));
  Config config =
      load_config(write("[topics]\npartitions = 3\n"), "", {{"LEIFENG_TOPICS_PARTITIONS", "9"}});
  EXPECT_EQ(config.runtime.partitions, 9);
  EXPECT_EQ(config.document["topics"]["partitions"].value<int64_t>(), 9);
  EXPECT_EQ(config.origin("topics", "partitions"),
            "environment variable LEIFENG_TOPICS_PARTITIONS");
}

TEST(Config, MissingFile) {
  try {
    load_config("/nonexistent/leifeng.toml", "", Environment{});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("configuration file '/nonexistent/leifeng.toml' not found"));
  }
}

TEST_F(ConfigFile, SyntaxErrorNamesTheLine) {
  EXPECT_THAT(error_of("[app]\napplication_id = \"a\"\nstate_dir = \n"),
              HasSubstr("leifeng.toml:3:"));
  EXPECT_THAT(error_of("[app]\napplication_id = \"a\"\nstate_dir = \n"),
              HasSubstr("TOML syntax error"));
}

TEST_F(ConfigFile, UnknownKeyInKnownTable) {
  const auto message = error_of("[topics]\npartitions = 3\npartition = 4\n");
  EXPECT_THAT(message, HasSubstr("leifeng.toml:3:1: unknown key 'partition' in [topics]"));
  EXPECT_THAT(message, HasSubstr("known: partitions, replication_factor, min_insync_replicas"));
}

TEST_F(ConfigFile, WrongValueTypes) {
  EXPECT_THAT(error_of("[topics]\npartitions = \"6\"\n"),
              HasSubstr("leifeng.toml:2:14: [topics] partitions must be an integer, not a string"));
  EXPECT_THAT(error_of("[app]\nstate_dir = 5\n"),
              HasSubstr("[app] state_dir must be a string, not an integer"));
  EXPECT_THAT(error_of("[runtime]\ncommit_interval_ms = 100.0\n"),
              HasSubstr("must be an integer, not a floating-point number"));
  EXPECT_THAT(error_of("[kafka]\n\"bootstrap.servers\" = [\"a\", \"b\"]\n"),
              HasSubstr("[kafka] bootstrap.servers must be a string, integer or boolean"));
  EXPECT_THAT(error_of("app = 3\n"), HasSubstr("top-level key 'app' must be a table [app]"));
}

// librdkafka's own list decides: a misspelt property is an error naming the line, not a
// warning and a silent default (bootstrap.server would leave the command without a broker).
TEST_F(ConfigFile, UnknownKafkaPropertyNamesTheLine) {
  const auto message = error_of("[kafka]\n\"linger.ms\" = 5\n\"bootstrap.server\" = \"h:9092\"\n");
  EXPECT_THAT(
      message,
      HasSubstr("leifeng.toml:3:1: unknown librdkafka property 'bootstrap.server' in [kafka]"));
  // Unquoted dotted keys are nested tables in TOML; the line is still the key's.
  EXPECT_THAT(error_of("[kafka]\nbootstrap.server = \"h:9092\"\n"),
              HasSubstr("leifeng.toml:2:1: unknown librdkafka property 'bootstrap.server'"));
  // A value librdkafka refuses is named the same way.
  EXPECT_THAT(error_of("[kafka]\n\"linger.ms\" = \"soon\"\n"),
              HasSubstr("leifeng.toml:2:1: [kafka] linger.ms:"));
  try {
    load_config("", "", Environment{{"LEIFENG_KAFKA_BOOTSTRAP_SERVER", "h:9092"}});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("environment variable LEIFENG_KAFKA_BOOTSTRAP_SERVER: unknown "
                                    "librdkafka property 'bootstrap.server'"));
  }
}

TEST_F(ConfigFile, ConnectTimeout) {
  Config config = load_config(write("[runtime]\nconnect_timeout_ms = 1500\n"), "", Environment{});
  EXPECT_EQ(config.runtime.connect_timeout_ms, 1500);
  EXPECT_EQ(load_config("", "", Environment{}).runtime.connect_timeout_ms, 5000);
  EXPECT_THAT(error_of("[runtime]\nconnect_timeout_ms = 0\n"),
              HasSubstr("[runtime] connect_timeout_ms must be between 1 and"));
}

// [runtime] standby_replicas: 0 (none) by default, 1 = a warm copy of every partition owned
// elsewhere; more is refused with the range.
TEST_F(ConfigFile, StandbyReplicas) {
  EXPECT_EQ(load_config("", "", Environment{}).runtime.standby_replicas, 0);
  EXPECT_EQ(load_config(write("[runtime]\nstandby_replicas = 1\n"), "", Environment{})
                .runtime.standby_replicas,
            1);
  EXPECT_EQ(load_config("", "", Environment{{"LEIFENG_RUNTIME_STANDBY_REPLICAS", "1"}})
                .runtime.standby_replicas,
            1);
  EXPECT_THAT(error_of("[runtime]\nstandby_replicas = 2\n"),
              HasSubstr("[runtime] standby_replicas must be between 0 and 1, not 2"));
  EXPECT_THAT(error_of("[runtime]\nstandby_replicas = -1\n"),
              HasSubstr("[runtime] standby_replicas must be between 0 and 1, not -1"));
  EXPECT_THAT(error_of("[runtime]\nstandby_replicas = \"one\"\n"), HasSubstr("standby_replicas"));
}

// [runtime] threads: 0 (the number of cores) by default; any count goes with standby replicas.
TEST_F(ConfigFile, StreamThreads) {
  EXPECT_EQ(load_config("", "", Environment{}).runtime.threads, 0);
  EXPECT_EQ(load_config(write("[runtime]\nthreads = 4\n"), "", Environment{}).runtime.threads, 4);
  EXPECT_EQ(load_config("", "", Environment{{"LEIFENG_RUNTIME_THREADS", "1"}}).runtime.threads, 1);
  EXPECT_THAT(error_of("[runtime]\nthreads = -1\n"),
              HasSubstr("[runtime] threads must be between 0 and 256, not -1"));
  const Config both =
      load_config(write("[runtime]\nthreads = 2\nstandby_replicas = 1\n"), "", Environment{});
  EXPECT_EQ(both.runtime.threads, 2);
  EXPECT_EQ(both.runtime.standby_replicas, 1);
}

// Replication is left to the broker unless set; -1 says so explicitly.
TEST_F(ConfigFile, ReplicationSettings) {
  const Config defaults = load_config("", "", Environment{});
  EXPECT_EQ(defaults.runtime.replication_factor, -1);
  EXPECT_EQ(defaults.runtime.min_insync_replicas, -1);

  Config file = load_config(write("[topics]\nreplication_factor = 3\nmin_insync_replicas = 2\n"),
                            "", Environment{});
  EXPECT_EQ(file.runtime.replication_factor, 3);
  EXPECT_EQ(file.runtime.min_insync_replicas, 2);

  Config env = load_config(
      write("[topics]\nreplication_factor = 3\n"), "",
      {{"LEIFENG_TOPICS_REPLICATION_FACTOR", "-1"}, {"LEIFENG_TOPICS_MIN_INSYNC_REPLICAS", "2"}});
  EXPECT_EQ(env.runtime.replication_factor, -1);
  EXPECT_EQ(env.runtime.min_insync_replicas, 2);

  EXPECT_THAT(error_of("[topics]\nreplication_factor = 0\n"),
              HasSubstr("leifeng.toml:2:22: [topics] replication_factor must be -1 (the broker's "
                        "default) or between 1 and 32767, not 0"));
  EXPECT_THAT(error_of("[topics]\nmin_insync_replicas = -2\n"),
              HasSubstr("[topics] min_insync_replicas must be -1 (the broker's default) or "
                        "between 1 and 32767, not -2"));
  EXPECT_THAT(error_of("", {{"LEIFENG_TOPICS_MIN_INSYNC_REPLICAS", "two"}}),
              HasSubstr("environment variable LEIFENG_TOPICS_MIN_INSYNC_REPLICAS: [topics] "
                        "min_insync_replicas must be an integer, not 'two'"));
}

TEST_F(ConfigFile, MinInsyncReplicasWithinReplicationFactor) {
  EXPECT_THAT(error_of("[topics]\nreplication_factor = 2\nmin_insync_replicas = 3\n"),
              HasSubstr("leifeng.toml:3:23: [topics] min_insync_replicas (3) must not exceed "
                        "[topics] replication_factor (2)"));
  EXPECT_THAT(
      error_of("[topics]\nreplication_factor = 2\n", {{"LEIFENG_TOPICS_MIN_INSYNC_REPLICAS", "3"}}),
      HasSubstr("environment variable LEIFENG_TOPICS_MIN_INSYNC_REPLICAS: [topics] "
                "min_insync_replicas (3) must not exceed"));
  // Equal is allowed (every replica must confirm), and so is any value with the broker's
  // default replication factor, which the file cannot know.
  EXPECT_EQ(load_config(write("[topics]\nreplication_factor = 2\nmin_insync_replicas = 2\n"), "",
                        Environment{})
                .runtime.min_insync_replicas,
            2);
  EXPECT_EQ(load_config(write("[topics]\nmin_insync_replicas = 3\n"), "", Environment{})
                .runtime.min_insync_replicas,
            3);
}

TEST_F(ConfigFile, MetricsAddress) {
  EXPECT_EQ(load_config("", "", Environment{}).runtime.metrics_address, "127.0.0.1");
  EXPECT_EQ(load_config(write("[runtime]\nmetrics_address = \"0.0.0.0\"\n"), "", Environment{})
                .runtime.metrics_address,
            "0.0.0.0");
  EXPECT_EQ(
      load_config("", "", {{"LEIFENG_RUNTIME_METRICS_ADDRESS", "::"}}).runtime.metrics_address,
      "::");
  EXPECT_THAT(error_of("[runtime]\nmetrics_address = \"metrics.example\"\n"),
              HasSubstr("leifeng.toml:2:19: [runtime] metrics_address cannot be used: "
                        "'metrics.example' is not an IP address"));
  EXPECT_THAT(error_of("[runtime]\nmetrics_address = \"\"\n"),
              HasSubstr("[runtime] metrics_address must not be empty"));
  EXPECT_THAT(error_of("", {{"LEIFENG_RUNTIME_METRICS_ADDRESS", "10.0.0.300"}}),
              HasSubstr("environment variable LEIFENG_RUNTIME_METRICS_ADDRESS: [runtime] "
                        "metrics_address cannot be used: '10.0.0.300' is not an IP address"));
}

TEST_F(ConfigFile, ValuesOutOfRange) {
  EXPECT_THAT(error_of("[topics]\npartitions = 0\n"),
              HasSubstr("[topics] partitions must be between 1 and 2147483647, not 0"));
  EXPECT_THAT(error_of("[runtime]\nmetrics_port = 70000\n"),
              HasSubstr("[runtime] metrics_port must be between 0 and 65535, not 70000"));
  EXPECT_THAT(error_of("[app]\napplication_id = \"\"\n"),
              HasSubstr("[app] application_id must not be empty"));
}

// [topics] dead_letter_retention_ms: 30 days unless set; never zero, negative or "forever".
TEST_F(ConfigFile, DeadLetterRetention) {
  EXPECT_EQ(load_config("", "", Environment{}).runtime.dead_letter_retention_ms, 2592000000);
  const auto path = write("[topics]\ndead_letter_retention_ms = 604800000\n");
  EXPECT_EQ(load_config(path, "", Environment{}).runtime.dead_letter_retention_ms, 604800000);
  EXPECT_EQ(load_config(path, "", {{"LEIFENG_TOPICS_DEAD_LETTER_RETENTION_MS", "86400000"}})
                .runtime.dead_letter_retention_ms,
            86400000);
  EXPECT_THAT(error_of("[topics]\npartitions = 3\ndead_letter_retention_ms = 0\n"),
              HasSubstr("leifeng.toml:3:28: [topics] dead_letter_retention_ms must be between 1 "
                        "and 9223372036854775807, not 0"));
  EXPECT_THAT(error_of("[topics]\ndead_letter_retention_ms = -1\n"),
              HasSubstr("leifeng.toml:2:28: [topics] dead_letter_retention_ms must be between 1 "
                        "and 9223372036854775807, not -1"));
  EXPECT_THAT(error_of("", {{"LEIFENG_TOPICS_DEAD_LETTER_RETENTION_MS", "-1"}}),
              HasSubstr("environment variable LEIFENG_TOPICS_DEAD_LETTER_RETENTION_MS: [topics] "
                        "dead_letter_retention_ms must be between 1"));
  EXPECT_THAT(error_of("[topics]\ndead_letter_retention_ms = \"30d\"\n"),
              HasSubstr("leifeng.toml:2:28: [topics] dead_letter_retention_ms must be an integer"));
}

TEST_F(ConfigFile, BadEnvironmentValues) {
  EXPECT_THAT(error_of("", {{"LEIFENG_TOPICS_PARTITIONS", "six"}}),
              HasSubstr("environment variable LEIFENG_TOPICS_PARTITIONS: [topics] partitions "
                        "must be an integer, not 'six'"));
  EXPECT_THAT(error_of("", {{"LEIFENG_RUNTIME_COMMIT_INTERVAL", "5"}}),
              HasSubstr("environment variable LEIFENG_RUNTIME_COMMIT_INTERVAL: unknown key "
                        "'commit_interval' in [runtime]"));
  EXPECT_THAT(error_of("", {{"LEIFENG_TOPICS_REPLICATION_FACTOR", "40000"}}),
              HasSubstr("must be -1 (the broker's default) or between 1 and 32767, not 40000"));
}

TEST_F(ConfigFile, OtherTablesAreLeftToTheirOwners) {
  Config config =
      load_config(write("[rules]\nanything = [1, 2]\n[report]\nx = 1\n"), "", Environment{});
  EXPECT_EQ(config.runtime, test_defaults().runtime);
  EXPECT_EQ(config.document["report"]["x"].value<int64_t>(), 1);
}

}  // namespace
}  // namespace leifeng::runtime
