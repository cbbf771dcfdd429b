// The generator's only source of randomness: xoshiro256** seeded through splitmix64, with
// integer-only helpers. std:: distributions are avoided on purpose: their results differ
// between standard libraries, and `leifeng generate --seed S` must give the same bytes
// everywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace leifeng::generator {

class Random {
 public:
  explicit Random(uint64_t seed);
  // A generator for one independent part of the plan (volunteers, activities, ...), so that
  // changing the size of one part does not reshuffle the others.
  static Random stream(uint64_t seed, uint64_t stream_id);

  uint64_t next();
  // Uniform in [0, bound); bound must be > 0.
  uint64_t below(uint64_t bound);
  // Uniform in [lo, hi]; lo <= hi.
  int64_t between(int64_t lo, int64_t hi);
  // True with probability percent / 100.
  bool percent(uint32_t percent) { return below(100) < percent; }
  // True with probability ppm / 1'000'000.
  bool chance_ppm(uint32_t ppm) { return below(1'000'000) < ppm; }
  // An index chosen with probability proportional to its weight; the weights must not all
  // be zero.
  size_t weighted(std::span<const uint32_t> weights);

 private:
  uint64_t state_[4];
};

}  // namespace leifeng::generator
