// The progress line of `leifeng run` (app/drivers/run_progress.hpp): its fields, the interval
// chosen by where stderr goes, and --progress-interval's checks.
#include "drivers/run_progress.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace leifeng::app {
namespace {

const std::vector<ProgressInput> kInputs{
    {"hours", "vm.hours.v1"}, {"activities", "vm.activities.v1"}, {"needs", "vm.needs.v1"}};

TEST(RunProgress, LineNamesProcessedRateCommitsAndLagPerInputTopic) {
  runtime::StreamRuntimeStats before;
  before.processed = 2000;
  before.commits = 10;
  before.inputs = {{"hours", {800, 800, 0, 0}}, {"activities", {200, 190, 5, 5}}};
  runtime::StreamRuntimeStats now;
  now.processed = 3000;  // inputs and internal topics: not what the line counts
  now.commits = 14;
  now.inputs = {{"hours", {1200, 1200, 0, 0}},
                {"activities", {300, 290, 5, 5}},
                {"county-deltas", {900, 900, 0, 0}}};
  now.lag = {{"vm.hours.v1", 250}, {"vm.activities.v1", 0}, {"vm.repartition.v1", 9}};
  EXPECT_EQ(format_run_progress(now, before, 5.0, kInputs),
            "msg=\"run progress\" processed=1500 per_second=100 commits=14 lag_hours=250 "
            "lag_activities=0 lag_needs=-");
}

TEST(RunProgress, FirstLineCountsFromZero) {
  runtime::StreamRuntimeStats now;
  now.processed = 90;
  now.commits = 1;
  now.inputs = {{"hours", {60, 60, 0, 0}}, {"needs", {30, 30, 0, 0}}};
  EXPECT_EQ(format_run_progress(now, {}, 60.0, {{"hours", "h"}}),
            "msg=\"run progress\" processed=60 per_second=1 commits=1 lag_hours=-");
  EXPECT_EQ(format_run_progress(now, {}, 0.0, {{"hours", "h"}, {"needs", "n"}}),
            "msg=\"run progress\" processed=90 per_second=0 commits=1 lag_hours=- lag_needs=-");
}

TEST(RunProgress, EveryFewSecondsOnATerminalEveryMinuteOtherwise) {
  EXPECT_EQ(default_progress_interval(true), std::chrono::seconds(5));
  EXPECT_EQ(default_progress_interval(false), std::chrono::seconds(60));
  EXPECT_EQ(progress_interval(std::nullopt, true), std::chrono::seconds(5));
  EXPECT_EQ(progress_interval(std::nullopt, false), std::chrono::seconds(60));
  // The flag wins wherever stderr goes; 0 turns the lines off.
  EXPECT_EQ(progress_interval(2, false), std::chrono::seconds(2));
  EXPECT_EQ(progress_interval(0, true), std::chrono::seconds(0));
  try {
    progress_interval(-1, true);
    ADD_FAILURE() << "a negative interval was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--progress-interval must be 0"), std::string::npos);
  }
}

}  // namespace
}  // namespace leifeng::app
