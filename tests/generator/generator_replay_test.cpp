// `leifeng generate` followed by `leifeng replay --input`: the replay must dead-letter every
// generated bad line for exactly the reason it was made for, drop every re-send as a
// duplicate and apply everything else (SPEC §4: read = applied + duplicates + dead-lettered).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "leifeng/generator/generator.hpp"
#include "leifeng/test_support/files.hpp"
#include "leifeng/test_support/leifeng_command.hpp"

namespace leifeng::generator {
namespace {

namespace fs = std::filesystem;

using test_support::LeifengCommand;
using test_support::read_file;

TEST(GeneratorReplayTest, ReplayDeadLettersEveryReasonAndLosesNothing) {
  const test_support::ScratchDir dir("leifeng-generator-replay");
  const LeifengCommand cli(dir.path());
  const fs::path events = dir.path() / "events.jsonl";
  const fs::path out = dir.path() / "replay";

  ASSERT_EQ(cli.run("generate --seed 21 --events 30000 -o events.jsonl").code, 0);
  // The command writes exactly what the library generates for the same options.
  GeneratorOptions options;
  options.seed = 21;
  options.events = 30'000;
  std::ostringstream expected;
  const GenerationReport report = generate(options, expected);
  const std::string text = read_file(events);
  ASSERT_EQ(text, expected.str());

  const auto replay = cli.run("replay --input events.jsonl --out replay");
  ASSERT_EQ(replay.code, 0) << replay.err;
  const std::string summary_text = read_file(out / "summary.json");
  rapidjson::Document summary;
  summary.Parse(summary_text.c_str(), summary_text.size());
  ASSERT_TRUE(summary.IsObject()) << summary_text;

  const int64_t read = summary["events_read"].GetInt64();
  const int64_t applied = summary["applied"].GetInt64();
  const int64_t duplicates = summary["duplicates"].GetInt64();
  const int64_t dead_lettered = summary["dead_lettered"].GetInt64();
  EXPECT_EQ(read, report.lines);
  EXPECT_EQ(read, applied + duplicates + dead_lettered);
  EXPECT_EQ(applied, report.valid);
  EXPECT_EQ(duplicates, report.duplicates);
  EXPECT_EQ(dead_lettered, report.bad);

  const auto& by_reason = summary["by_reason"];
  ASSERT_TRUE(by_reason.IsObject()) << summary_text;
  for (int r = 0; r < schemas::kReasonCount; ++r) {
    const std::string name(schemas::to_string(static_cast<Reason>(r)));
    ASSERT_TRUE(by_reason.HasMember(name.c_str())) << name << " missing in " << summary_text;
    EXPECT_GT(by_reason[name.c_str()].GetInt64(), 0) << name;
    EXPECT_EQ(by_reason[name.c_str()].GetInt64(), report.bad_by_reason[r]) << name;
  }
}

}  // namespace
}  // namespace leifeng::generator
