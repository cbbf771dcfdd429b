// `leifeng generate` (SPEC §7): deterministic synthetic events of a city as JSON Lines.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "leifeng/generator/calendar.hpp"
#include "leifeng/generator/generator.hpp"

namespace leifeng::app {
namespace {

// Outputs at least this large report progress on stderr.
constexpr int64_t kProgressFrom = 500'000;

struct GenerateFlags {
  uint64_t seed = 1;
  std::string start = "2027-03-01";
  int32_t days = 31;
  int64_t volunteers = 0;
  int64_t activities = 0;
  int64_t needs = 0;
  int64_t events = 0;
  double bad_share = 0.01;
  double duplicate_share = 0.005;
  std::vector<std::string> areas;
  std::string output = "-";
};

// Area codes from "410402 410403" or "410402,410403" (CLI11 splits on spaces already).
std::vector<uint32_t> parse_areas(const std::vector<std::string>& items) {
  std::vector<uint32_t> codes;
  for (const std::string& item : items) {
    std::stringstream parts(item);
    for (std::string part; std::getline(parts, part, ',');) {
      if (part.empty()) continue;
      if (part.size() != 6 || part.find_first_not_of("0123456789") != std::string::npos) {
        throw std::invalid_argument("--areas: '" + part + "' is not a six-digit area code");
      }
      codes.push_back(static_cast<uint32_t>(std::stoul(part)));
    }
  }
  return codes;
}

void run_generate(const GenerateFlags& flags, const CLI::App& command) {
  generator::GeneratorOptions options;
  options.seed = flags.seed;
  const auto start = generator::parse_iso_date(flags.start);
  if (!start) throw std::invalid_argument("--start must be a date YYYY-MM-DD, got " + flags.start);
  options.start_date = *start;
  options.days = flags.days;
  if (command.count("--volunteers") > 0) options.volunteers = flags.volunteers;
  if (command.count("--activities") > 0) options.activities = flags.activities;
  if (command.count("--needs") > 0) options.needs = flags.needs;
  if (command.count("--events") > 0) options.events = flags.events;
  options.bad_share = flags.bad_share;
  options.duplicate_share = flags.duplicate_share;
  if (!flags.areas.empty()) options.areas = parse_areas(flags.areas);

  const auto progress = [](int64_t written, int64_t expected) {
    if (expected >= kProgressFrom) {
      std::fprintf(stderr, "generate: %lld of about %lld lines\n", static_cast<long long>(written),
                   static_cast<long long>(expected));
    }
  };
  if (flags.output == "-") {
    generator::generate(options, std::cout, progress);
    return;
  }
  std::ofstream file(flags.output, std::ios::binary | std::ios::trunc);
  if (!file) {
    throw std::runtime_error("cannot write " + flags.output + ": " + std::strerror(errno));
  }
  generator::generate(options, file, progress);
  file.close();
  if (!file) throw std::runtime_error("cannot write " + flags.output);
}

}  // namespace

void register_generate(CLI::App& cli, const GlobalOptions& /*global: needs no Kafka*/) {
  auto flags = std::make_shared<GenerateFlags>();
  CLI::App* command = cli.add_subcommand(
      "generate", "deterministic synthetic events (JSON Lines) of a city's volunteer service");
  command
      ->add_option("--seed", flags->seed,
                   "random seed; the same flags and seed give the same bytes")
      ->capture_default_str();
  command->add_option("--start", flags->start, "first day, YYYY-MM-DD")->capture_default_str();
  command->add_option("--days", flags->days, "length of the period in days")->capture_default_str();
  command->add_option("--volunteers", flags->volunteers, "volunteers (default 3000)");
  command->add_option("--activities", flags->activities, "activities (default 48 per day)");
  command->add_option("--needs", flags->needs, "residents' needs (default 130 per day)");
  command->add_option("--events", flags->events,
                      "scale the sizes not given to about this many lines in total");
  command->add_option("--bad-share", flags->bad_share, "share of lines that are bad input")
      ->capture_default_str();
  command
      ->add_option("--duplicate-share", flags->duplicate_share,
                   "share of lines that are upstream re-sends")
      ->capture_default_str();
  command->add_option("--areas", flags->areas,
                      "county-level area codes (default: the ten units of 平顶山市)");
  command->add_option("-o,--output", flags->output, "output file; - for stdout")
      ->capture_default_str();
  command->callback([flags, command] { run_generate(*flags, *command); });
}

}  // namespace leifeng::app
