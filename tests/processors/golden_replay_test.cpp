// Runs the real `leifeng replay --input` on every scenario under tests/golden and compares
// its outputs with the hand-computed expected files (tests/golden/README.md).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "leifeng/schemas/records.hpp"

namespace {

namespace fs = std::filesystem;

fs::path source_dir() {
  const char* dir = std::getenv("LEIFENG_SOURCE_DIR");
  return dir != nullptr ? dir : LEIFENG_SOURCE_DIR_FALLBACK;
}

std::vector<std::string> read_lines(const fs::path& file) {
  std::ifstream in(file);
  EXPECT_TRUE(in) << "cannot read " << file;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

fs::path fresh_dir(const std::string& name) {
  fs::path dir =
      fs::temp_directory_path() / ("leifeng-golden-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string without_revision(const std::string& line) {
  static const std::regex volatile_fields(R"(,"revision":[0-9]+,"as_of":"[^"]*")");
  return std::regex_replace(line, volatile_fields, "");
}

class GoldenReplay : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenReplay, OutputsEqualTheHandComputedOnes) {
  const fs::path scenario = source_dir() / "tests" / "golden" / GetParam();
  const fs::path expected = scenario / "expected";
  const fs::path out = fresh_dir(GetParam());
  std::string command = "cd '" + scenario.string() + "' && '" LEIFENG_BINARY "'";
  if (fs::exists(scenario / "leifeng.toml")) command += " -c leifeng.toml";
  command += " replay --input events.jsonl --out '" + out.string() + "' 2>/dev/null";
  ASSERT_EQ(run(command), 0) << command;

  for (const char* file :
       {"stars.jsonl", "star-changes.jsonl", "needs-status.jsonl", "summary.json"}) {
    EXPECT_EQ(read_lines(out / file), read_lines(expected / file)) << file;
  }
  // need-matches (SPEC §8): line by line where the scenario has worked them out.
  if (fs::exists(expected / "need-matches.jsonl")) {
    EXPECT_EQ(read_lines(out / "need-matches.jsonl"), read_lines(expected / "need-matches.jsonl"));
  }
  // stations (SPEC §9): line by line where the scenario has worked them out.
  if (fs::exists(expected / "stations.jsonl")) {
    EXPECT_EQ(read_lines(out / "stations.jsonl"), read_lines(expected / "stations.jsonl"));
  }
  std::vector<std::string> county;
  for (const auto& line : read_lines(out / "county-stats.jsonl")) {
    county.push_back(without_revision(line));
  }
  EXPECT_EQ(county, read_lines(expected / "county-stats.jsonl"));

  const auto actual_letters = read_lines(out / "dead-letter.jsonl");
  const auto expected_letters = read_lines(expected / "dead-letter.jsonl");
  ASSERT_EQ(actual_letters.size(), expected_letters.size());
  for (size_t i = 0; i < actual_letters.size(); ++i) {
    auto actual = leifeng::schemas::dead_letter_from_json(actual_letters[i]);
    auto wanted = leifeng::schemas::dead_letter_from_json(expected_letters[i]);
    ASSERT_TRUE(actual && wanted) << actual_letters[i];
    EXPECT_FALSE(actual->detail.empty()) << "a dead letter says why";
    actual->detail.clear();  // free text
    wanted->detail.clear();
    EXPECT_EQ(*actual, *wanted) << actual_letters[i] << "\n" << expected_letters[i];
  }
  fs::remove_all(out);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, GoldenReplay,
                         ::testing::Values("hours_stars", "needs_activities", "bad_input",
                                           "matching", "stations"));

TEST(ReplayCommand, ReadsStandardInputAndCountsEveryLine) {
  const fs::path out = fresh_dir("stdin");
  const fs::path events = source_dir() / "tests" / "golden" / "bad_input" / "events.jsonl";
  const std::string command = "'" LEIFENG_BINARY "' replay --input - --out '" + out.string() +
                              "' < '" + events.string() + "' 2>/dev/null";
  ASSERT_EQ(run(command), 0);
  EXPECT_EQ(read_lines(out / "summary.json"),
            read_lines(events.parent_path() / "expected" / "summary.json"));
  fs::remove_all(out);
}

TEST(ReplayCommand, UnreadableInputOrUnwritableOutputExitsWith2) {
  const fs::path out = fresh_dir("errors");
  EXPECT_EQ(run("'" LEIFENG_BINARY "' replay --input /no/such/events.jsonl --out '" + out.string() +
                "' 2>/dev/null"),
            2);
  const fs::path events = source_dir() / "tests" / "golden" / "bad_input" / "events.jsonl";
  EXPECT_EQ(run("'" LEIFENG_BINARY "' replay --input '" + events.string() +
                "' --out /proc/leifeng-cannot-write 2>/dev/null"),
            2);
  EXPECT_EQ(run("'" LEIFENG_BINARY "' -c /no/such.toml replay --input '" + events.string() +
                "' --out '" + out.string() + "' 2>/dev/null"),
            2);
  fs::remove_all(out);
}

// LEIFENG_RULES_<KEY> overrides [rules] through the binary: hours_stars needs thresholds of
// 1..5 hours (its leifeng.toml), which the environment can give without the file, and the
// environment beats the file.
TEST(ReplayCommand, RulesFromTheEnvironment) {
  const fs::path scenario = source_dir() / "tests" / "golden" / "hours_stars";
  const fs::path out = fresh_dir("rules-env");
  const std::string replay = "'" LEIFENG_BINARY "' replay --input events.jsonl --out '" +
                             out.string() + "' 2>'" + out.string() + ".err'";
  ASSERT_EQ(run("cd '" + scenario.string() +
                "' && LEIFENG_RULES_STAR_THRESHOLDS_HOURS='1, 2, 3, 4, 5' " + replay),
            0);
  EXPECT_EQ(read_lines(out / "stars.jsonl"), read_lines(scenario / "expected" / "stars.jsonl"));
  EXPECT_EQ(read_lines(out / "star-changes.jsonl"),
            read_lines(scenario / "expected" / "star-changes.jsonl"));
  EXPECT_EQ(read_lines(out / "star-changes.jsonl").size(), 4u);

  // The defaults (100 hours for one star) from the environment over the file's 1..5: no stars.
  fs::remove_all(out);
  ASSERT_EQ(run("cd '" + scenario.string() +
                "' && LEIFENG_RULES_STAR_THRESHOLDS_HOURS=100,300,600,1000,1500 '" LEIFENG_BINARY
                "' -c leifeng.toml replay --input events.jsonl --out '" +
                out.string() + "' 2>/dev/null"),
            0);
  EXPECT_TRUE(read_lines(out / "star-changes.jsonl").empty());

  // A malformed value is a configuration error naming the variable.
  fs::remove_all(out);
  EXPECT_EQ(run("cd '" + scenario.string() + "' && LEIFENG_RULES_MIN_QUALITY=high " + replay), 2);
  const auto error = read_lines(out.string() + ".err");
  ASSERT_FALSE(error.empty());
  EXPECT_NE(error.front().find("environment variable LEIFENG_RULES_MIN_QUALITY: [rules] "
                               "min_quality must be a number, not 'high'"),
            std::string::npos)
      << error.front();
  fs::remove_all(out);
  fs::remove(out.string() + ".err");
}

}  // namespace
