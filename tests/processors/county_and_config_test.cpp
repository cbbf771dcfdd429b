// The county delta format, the county-stats fold and the domain configuration.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "harness.hpp"

namespace leifeng::processors::testing {
namespace {

TEST(CountyDelta, RoundTripsAndRejectsGarbage) {
  CountyDelta delta{schemas::AreaCode{410402},
                    "2027-03-05T09:30:00+08:00",
                    {{day("2027-03-05"), Metric::minutes_verified, -90},
                     {Period::total(), starred_metric(5), 1}}};
  const std::string bytes = encode_county_delta(delta);
  EXPECT_EQ(decode_county_delta(bytes), delta);
  EXPECT_FALSE(decode_county_delta(bytes.substr(0, bytes.size() - 1)));
  EXPECT_FALSE(decode_county_delta(bytes + "x"));
  EXPECT_FALSE(decode_county_delta("{\"json\":1}"));
}

TEST(Period, Text) {
  EXPECT_EQ(day("2027-03-05").str(), "2027-03-05");
  EXPECT_EQ(month("2027-12-31").str(), "2027-12");
  EXPECT_EQ(month("1969-12-31").str(), "1969-12");
  EXPECT_EQ(day("2028-02-29").str(), "2028-02-29");
  EXPECT_EQ(Period::total().str(), "total");
  EXPECT_EQ(metric_name(starred_metric(3)), "volunteers.starred.3");
  EXPECT_EQ(metric_name(metric_for_category(Metric::activities_published_by_category,
                                            schemas::Category::online_campaign)),
            "activities.published.online_campaign");
}

TEST(CountyStats, FoldsDeltasWithRevisionAndAsOf) {
  Pipeline pipeline;
  CountyStatsProcessor& county = pipeline.county();
  pipeline.send_deltas({schemas::AreaCode{410402},
                        "t1",
                        {{day("2027-03-05"), Metric::logs_submitted, 1},
                         {month("2027-03-05"), Metric::logs_submitted, 1},
                         {Period::total(), Metric::logs_submitted, 1}}});
  pipeline.send_deltas(
      {schemas::AreaCode{410402}, "t2", {{Period::total(), Metric::logs_submitted, 2}}});
  const CountyCell* total = county.find(schemas::AreaCode{410402}, Period::total());
  ASSERT_NE(total, nullptr);
  EXPECT_EQ(total->revision, 2);
  EXPECT_EQ(total->as_of, "t2");
  auto record = CountyStatsProcessor::record_of(*total);
  EXPECT_EQ(record.key(), "410402/total");
  EXPECT_EQ(record.metrics.at("hours.logs_submitted"), 3);
  EXPECT_EQ(record.metrics.size(), 1u);  // zero metrics are left out
  // Records wait for the commit: then one per cell changed since the last, at its latest value.
  EXPECT_TRUE(pipeline.on(outputs::kCountyStats).empty());
  pipeline.flush();
  auto stats = pipeline.on(outputs::kCountyStats);
  ASSERT_EQ(stats.size(), 3u);
  EXPECT_EQ(stats.back().key, "410402/total");
  EXPECT_NE(stats.back().value.find("\"hours.logs_submitted\":3"), std::string::npos);
  EXPECT_NE(stats.back().value.find("\"revision\":2"), std::string::npos);
  pipeline.flush();  // nothing changed since
  EXPECT_EQ(pipeline.on(outputs::kCountyStats).size(), 3u);

  runtime::InputRecord garbage{inputs::kCountyDeltas, 0, 7, "410402", "garbage"};
  EXPECT_EQ(county.process(garbage, pipeline), runtime::Outcome::dead_lettered);
  const auto letter = pipeline.last_dead_letter();
  ASSERT_TRUE(letter.has_value());
  EXPECT_EQ(letter->reason, schemas::Reason::malformed);
  // The stream is internal: <application.id>-county-deltas, not <prefix>.county-deltas.v1.
  const auto* source = std::get_if<schemas::KafkaSource>(&letter->source);
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->topic, "leifeng-county-deltas");
  EXPECT_EQ(pipeline.county_deltas_dead_lettered, 1);
}

std::filesystem::path source_dir() {
  const char* dir = std::getenv("LEIFENG_SOURCE_DIR");
  return dir != nullptr ? dir : LEIFENG_SOURCE_DIR_FALLBACK;
}

// The configuration as leifeng loads it (app::config_defaults): variables LEIFENG_<TABLE>_<KEY>.
runtime::ConfigDefaults leifeng_defaults() {
  runtime::ConfigDefaults defaults;
  defaults.environment_prefix = "LEIFENG_";
  return defaults;
}
const runtime::ConfigDefaults kLeifeng = leifeng_defaults();

TEST(DomainConfig, ShippedFilesEqualTheBuiltInDefaults) {
  const DomainConfig loaded =
      load_domain_config(kLeifeng, source_dir() / "config" / "leifeng.toml");
  const DomainConfig defaults;
  EXPECT_EQ(loaded.star_thresholds_hours, defaults.star_thresholds_hours);
  EXPECT_EQ(loaded.min_quality_x100, 300);
  EXPECT_EQ(loaded.zone.minutes, 480);
  EXPECT_EQ(loaded.areas.size(), 10u);
  EXPECT_TRUE(loaded == defaults);
}

TEST(DomainConfig, OverridesAndErrors) {
  const auto config = domain_config_from_toml(
      "[rules]\nstar_thresholds_hours = [1, 2, 3, 4, 5]\nmin_quality = 2.75\n"
      "time_zone = \"-05:30\"\nareas_file = \"\"\n",
      ".");
  EXPECT_EQ(config.star_thresholds_hours[4], 5);
  EXPECT_EQ(config.min_quality_x100, 275);
  EXPECT_EQ(config.zone.minutes, -330);
  EXPECT_TRUE(config.areas.empty());
  EXPECT_TRUE(domain_config_from_toml("[app]\nx = 1\n", ".") == DomainConfig{});
  const auto bounds =
      domain_config_from_toml("[rules]\nmax_nesting_depth = 4\nmax_line_bytes = 2048\n", ".");
  EXPECT_EQ(bounds.max_nesting_depth, 4);
  EXPECT_EQ(bounds.validation_rules().max_nesting_depth, 4);
  EXPECT_EQ(bounds.max_line_bytes, 2048);
  EXPECT_EQ(DomainConfig{}.validation_rules().max_nesting_depth, 16);
  EXPECT_EQ(DomainConfig{}.max_line_bytes, 1'000'000);
  EXPECT_EQ(DomainConfig{}.dead_letter_payload_bytes, 512 * 1024);
  EXPECT_EQ(domain_config_from_toml("[rules]\ndead_letter_payload_bytes = 4096\n", ".")
                .dead_letter_payload_bytes,
            4096);
  for (const char* bad :
       {"[rules]\nstar_thresholds_hours = [1, 2, 3]\n",
        "[rules]\nstar_thresholds_hours = [5, 4, 3, 2, 1]\n", "[rules]\nmin_quality = 3.005\n",
        "[rules]\nmin_quality = \"3\"\n", "[rules]\ntime_zone = \"Asia/Shanghai\"\n",
        "[rules]\nareas_file = \"no-such-file.csv\"\n", "[rules\n",
        "[rules]\nmax_nesting_depth = 1\n", "[rules]\nmax_nesting_depth = \"16\"\n",
        "[rules]\nmax_line_bytes = 100\n", "[rules]\nmax_line_bytes = 2147483648\n",
        "[rules]\ndead_letter_payload_bytes = 1000\n",
        "[rules]\ndead_letter_payload_bytes = 900001\n"}) {
    EXPECT_THROW(domain_config_from_toml(bad, "."), runtime::ConfigError) << bad;
  }
  EXPECT_THROW(load_domain_config(kLeifeng, "/no/such/leifeng.toml"), runtime::ConfigError);
}

// A configuration file in a fresh directory, and an areas file next to it.
class DomainConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("leifeng-domain-config-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "two-areas.csv") << "area_code,name\n410402,新华区\n410403,卫东区\n";
    std::ofstream(file()) << "[rules]\nstar_thresholds_hours = [100, 300, 600, 1000, 1500]\n"
                             "min_quality = 3.00\ntime_zone = \"+08:00\"\n"
                             "areas_file = \"two-areas.csv\"\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path file() const { return dir_ / "leifeng.toml"; }

  std::string error_of(const runtime::Environment& environment) const {
    try {
      load_domain_config(kLeifeng, file(), environment);
    } catch (const runtime::ConfigError& e) {
      return e.what();
    }
    return "no error";
  }

  std::filesystem::path dir_;
};

TEST_F(DomainConfigFile, EnvironmentBeatsTheFile) {
  const DomainConfig from_file = load_domain_config(kLeifeng, file(), {});
  EXPECT_EQ(from_file.min_quality_x100, 300);
  EXPECT_EQ(from_file.areas.size(), 2u);

  const DomainConfig config =
      load_domain_config(kLeifeng, file(),
                         {{"LEIFENG_RULES_MIN_QUALITY", "3.5"},
                          {"LEIFENG_RULES_STAR_THRESHOLDS_HOURS", "10, 20,30,40,50"},
                          {"LEIFENG_RULES_TIME_ZONE", "-05:30"},
                          {"LEIFENG_RULES_AREAS_FILE", ""}});
  EXPECT_EQ(config.min_quality_x100, 350);
  EXPECT_EQ(config.star_thresholds_hours, (std::array<int64_t, kStarLevels>{10, 20, 30, 40, 50}));
  EXPECT_EQ(config.zone.minutes, -330);
  EXPECT_TRUE(config.areas.empty());  // any county-level code

  // A relative areas file from the environment is relative to the working directory.
  const auto relative = std::filesystem::relative(dir_ / "two-areas.csv");
  const DomainConfig areas = domain_config_from(runtime::load_config(
      kLeifeng, "", "", {{"LEIFENG_RULES_AREAS_FILE", relative.string()}}, kDomainTables));
  EXPECT_EQ(areas.areas, (std::vector<schemas::AreaCode>{{410402}, {410403}}));
  EXPECT_EQ(areas.min_quality_x100, 300);
}

TEST_F(DomainConfigFile, ProcessEnvironmentIsRead) {
  ASSERT_EQ(::setenv("LEIFENG_RULES_MIN_QUALITY", "3.5", 1), 0);
  ASSERT_EQ(::setenv("LEIFENG_RULES_STAR_THRESHOLDS_HOURS", "1,2,3,4,5", 1), 0);
  ASSERT_EQ(::setenv("LEIFENG_RULES_TIME_ZONE", "+09:00", 1), 0);
  DomainConfig from_file, without_file;
  try {
    from_file = load_domain_config(kLeifeng, file());
    without_file = domain_config_from(runtime::load_config(kLeifeng, "", "", kDomainTables));
  } catch (...) {
    ADD_FAILURE() << "unexpected exception";
  }
  ::unsetenv("LEIFENG_RULES_MIN_QUALITY");
  ::unsetenv("LEIFENG_RULES_STAR_THRESHOLDS_HOURS");
  ::unsetenv("LEIFENG_RULES_TIME_ZONE");
  for (const DomainConfig& config : {from_file, without_file}) {
    EXPECT_EQ(config.min_quality_x100, 350);
    EXPECT_EQ(config.star_thresholds_hours, (std::array<int64_t, kStarLevels>{1, 2, 3, 4, 5}));
    EXPECT_EQ(config.zone.minutes, 540);
  }
  EXPECT_EQ(from_file.areas.size(), 2u);
  EXPECT_EQ(without_file.areas, DomainConfig::default_areas());
  // Unset again: the file's values.
  EXPECT_EQ(load_domain_config(kLeifeng, file()).min_quality_x100, 300);
}

TEST_F(DomainConfigFile, BadEnvironmentValuesNameTheVariable) {
  EXPECT_EQ(error_of({{"LEIFENG_RULES_MIN_QUALITY", "3,5"}}),
            "environment variable LEIFENG_RULES_MIN_QUALITY: [rules] min_quality must be a "
            "number, not '3,5'");
  EXPECT_EQ(error_of({{"LEIFENG_RULES_MIN_QUALITY", "7"}}),
            "environment variable LEIFENG_RULES_MIN_QUALITY: [rules] min_quality must be a "
            "number from 0 to 5");
  EXPECT_EQ(error_of({{"LEIFENG_RULES_MIN_QUALITY", "3.005"}}),
            "environment variable LEIFENG_RULES_MIN_QUALITY: [rules] min_quality has more than "
            "two decimals");
  EXPECT_EQ(error_of({{"LEIFENG_RULES_STAR_THRESHOLDS_HOURS", "100;300"}}),
            "environment variable LEIFENG_RULES_STAR_THRESHOLDS_HOURS: [rules] "
            "star_thresholds_hours must be integers separated by commas, not '100;300'");
  EXPECT_EQ(error_of({{"LEIFENG_RULES_STAR_THRESHOLDS_HOURS", "1,2,3"}}),
            "environment variable LEIFENG_RULES_STAR_THRESHOLDS_HOURS: [rules] "
            "star_thresholds_hours must be an array of five integers");
  EXPECT_EQ(error_of({{"LEIFENG_RULES_STAR_THRESHOLDS_HOURS", "5,4,3,2,1"}}),
            "environment variable LEIFENG_RULES_STAR_THRESHOLDS_HOURS: [rules] "
            "star_thresholds_hours must be five ascending positive integers");
  EXPECT_EQ(error_of({{"LEIFENG_RULES_TIME_ZONE", "Asia/Shanghai"}}),
            "environment variable LEIFENG_RULES_TIME_ZONE: [rules] time_zone must be a UTC "
            "offset such as \"+08:00\"");
  EXPECT_THAT(error_of({{"LEIFENG_RULES_AREAS_FILE", "/no/such/areas.csv"}}),
              ::testing::StartsWith("environment variable LEIFENG_RULES_AREAS_FILE: [rules] "
                                    "areas_file = \"/no/such/areas.csv\": cannot read area list"));
  EXPECT_THAT(error_of({{"LEIFENG_RULES_MIN_QUALTY", "3"}}),
              ::testing::StartsWith("environment variable LEIFENG_RULES_MIN_QUALTY: unknown key "
                                    "'min_qualty' in [rules] (known: star_thresholds_hours, "
                                    "min_quality, time_zone, areas_file, max_nesting_depth, "
                                    "max_line_bytes, dead_letter_payload_bytes)"));
}

TEST_F(DomainConfigFile, BadFileValuesNameTheLine) {
  std::ofstream(file()) << "[rules]\nmin_quality = 3.00\ntime_zone = \"Asia/Shanghai\"\n";
  EXPECT_EQ(error_of({}),
            file().string() + ":3:13: [rules] time_zone must be a UTC offset such as \"+08:00\"");
  std::ofstream(file()) << "[rules]\nmin_quality = nan\n";
  EXPECT_EQ(error_of({}),
            file().string() + ":2:15: [rules] min_quality must be a number from 0 to 5");
}

TEST(Wiring, FindsEachOutputByItsLogicalName) {
  using processors::OutputKind;
  for (const processors::OutputSpec& output : processors::kOutputs) {
    ASSERT_EQ(processors::find_output(output.name), &output) << output.name;
    EXPECT_EQ(processors::is_table_output(output.name), output.kind == OutputKind::table);
  }
  EXPECT_EQ(processors::find_output("stars")->kind, OutputKind::table);
  EXPECT_EQ(processors::find_output("star-changes")->kind, OutputKind::keyed_stream);
  EXPECT_EQ(processors::find_output("county-deltas"), nullptr);  // internal, not an output
  EXPECT_EQ(processors::find_output("star"), nullptr);
  EXPECT_FALSE(processors::is_table_output("star"));
}

}  // namespace
}  // namespace leifeng::processors::testing
