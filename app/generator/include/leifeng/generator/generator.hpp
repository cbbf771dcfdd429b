// `leifeng generate`: a deterministic month (or any period) of a city's volunteer-service
// events as JSON Lines (SPEC §7). The same options give the same bytes.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <ostream>

#include "leifeng/generator/bad_input.hpp"
#include "leifeng/generator/options.hpp"

namespace leifeng::generator {

struct GenerationReport {
  int64_t lines = 0;       // everything written
  int64_t valid = 0;       // events of the plan, each written once
  int64_t duplicates = 0;  // exact re-sends of valid events
  int64_t bad = 0;         // lines that must be dead-lettered
  std::array<int64_t, schemas::kReasonCount> bad_by_reason{};
};

// Called every `kProgressEvery` lines with the lines written and the expected total.
using ProgressCallback = std::function<void(int64_t written, int64_t expected)>;
inline constexpr int64_t kProgressEvery = 100'000;

// Writes the events, one JSON object per line, in file order: sorted by occurred_at (ties in
// a fixed order), so every key sees its events in a valid order. Bad lines take the time of
// the event before them; duplicates follow their original within a few dozen lines.
// Throws std::invalid_argument for unusable options and std::runtime_error when writing
// fails.
GenerationReport generate(const GeneratorOptions& options, std::ostream& out,
                          const ProgressCallback& progress = {});

}  // namespace leifeng::generator
