// The county delta format, the county-stats fold and the domain configuration.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

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
  county.apply({schemas::AreaCode{410402},
                "t1",
                {{day("2027-03-05"), Metric::logs_submitted, 1},
                 {month("2027-03-05"), Metric::logs_submitted, 1},
                 {Period::total(), Metric::logs_submitted, 1}}},
               pipeline);
  county.apply({schemas::AreaCode{410402}, "t2", {{Period::total(), Metric::logs_submitted, 2}}},
               pipeline);
  const CountyCell* total = county.find(schemas::AreaCode{410402}, Period::total());
  ASSERT_NE(total, nullptr);
  EXPECT_EQ(total->revision, 2);
  EXPECT_EQ(total->as_of, "t2");
  auto record = CountyStatsProcessor::record_of(*total);
  EXPECT_EQ(record.key(), "410402/total");
  EXPECT_EQ(record.metrics.at("hours.logs_submitted"), 3);
  EXPECT_EQ(record.metrics.size(), 1u);  // zero metrics are left out
  auto stats = pipeline.on(outputs::kCountyStats);
  ASSERT_EQ(stats.size(), 4u);  // one record per updated cell
  EXPECT_EQ(stats.back().key, "410402/total");

  runtime::InputRecord garbage{inputs::kCountyDeltas, 0, 7, "410402", "garbage"};
  EXPECT_EQ(county.process(garbage, pipeline), runtime::Outcome::dead_lettered);
  EXPECT_EQ(pipeline.last_dead_letter()->reason, schemas::Reason::malformed);
}

std::filesystem::path source_dir() {
  const char* dir = std::getenv("LEIFENG_SOURCE_DIR");
  return dir != nullptr ? dir : LEIFENG_SOURCE_DIR_FALLBACK;
}

TEST(DomainConfig, ShippedFilesEqualTheBuiltInDefaults) {
  const DomainConfig loaded = load_domain_config(source_dir() / "config" / "leifeng.toml");
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
  for (const char* bad :
       {"[rules]\nstar_thresholds_hours = [1, 2, 3]\n",
        "[rules]\nstar_thresholds_hours = [5, 4, 3, 2, 1]\n", "[rules]\nmin_quality = 3.005\n",
        "[rules]\nmin_quality = \"3\"\n", "[rules]\ntime_zone = \"Asia/Shanghai\"\n",
        "[rules]\nareas_file = \"no-such-file.csv\"\n", "[rules\n"}) {
    EXPECT_THROW(domain_config_from_toml(bad, "."), runtime::ConfigError) << bad;
  }
  EXPECT_THROW(load_domain_config("/no/such/leifeng.toml"), runtime::ConfigError);
}

}  // namespace
}  // namespace leifeng::processors::testing
