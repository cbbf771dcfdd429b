// What `leifeng generate` is asked for, and the city size that follows from it.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace leifeng::generator {

struct GeneratorOptions {
  uint64_t seed = 1;
  int32_t start_date = 20878;  // days since 1970-01-01: 2027-03-01 (学雷锋月 starts)
  int32_t days = 31;
  // Sizes; absent = the default for `days`, or scaled to `events` when that is given.
  std::optional<int64_t> volunteers;
  std::optional<int64_t> activities;
  std::optional<int64_t> needs;
  std::optional<int64_t> events;   // aim for about this many lines in total
  double bad_share = 0.01;         // share of lines that are bad input
  double duplicate_share = 0.005;  // share of lines that are upstream re-sends
  // County-level GB/T 2260 codes; the default is the ten units of 平顶山市 (SPEC §1).
  std::vector<uint32_t> areas = {410402, 410403, 410404, 410411, 410421,
                                 410422, 410423, 410425, 410481, 410482};
};

// The number of each entity the plan creates.
struct CitySize {
  int64_t volunteers = 0;
  int64_t activities = 0;
  int64_t needs = 0;
};

// Throws std::invalid_argument with a message naming the flag when an option is unusable.
void validate(const GeneratorOptions& options);

// Defaults: 3000 volunteers (a city's active registrants), 48 activities and 130 needs per
// day of the period. With `events`, every size not given explicitly is scaled so that the
// output has about that many lines.
CitySize resolve_size(const GeneratorOptions& options);

// Expected number of output lines for a size (the estimate `events` scaling relies on).
int64_t estimate_lines(const CitySize& size, const GeneratorOptions& options);

}  // namespace leifeng::generator
