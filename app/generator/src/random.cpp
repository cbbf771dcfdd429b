#include "leifeng/generator/random.hpp"

#include <stdexcept>

namespace leifeng::generator {
namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

}  // namespace

Random::Random(uint64_t seed) {
  for (auto& word : state_) word = splitmix64(seed);
}

Random Random::stream(uint64_t seed, uint64_t stream_id) {
  uint64_t mixed = seed ^ (stream_id * 0xd1342543de82ef95ULL);
  return Random(splitmix64(mixed));
}

uint64_t Random::next() {
  const uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

uint64_t Random::below(uint64_t bound) {
  if (bound == 0) throw std::invalid_argument("Random::below: bound must be positive");
  // Rejection keeps the result exactly uniform (no modulo bias).
  const uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    const uint64_t r = next();
    if (r >= threshold) return r % bound;
  }
}

int64_t Random::between(int64_t lo, int64_t hi) {
  if (hi < lo) throw std::invalid_argument("Random::between: empty range");
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
  if (span == 0) return static_cast<int64_t>(next());  // the whole int64 range
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + below(span));
}

size_t Random::weighted(std::span<const uint32_t> weights) {
  uint64_t total = 0;
  for (uint32_t w : weights) total += w;
  if (total == 0) throw std::invalid_argument("Random::weighted: all weights are zero");
  uint64_t pick = below(total);
  for (size_t i = 0; i < weights.size(); ++i) {
    if (pick < weights[i]) return i;
    pick -= weights[i];
  }
  return weights.size() - 1;  // unreachable: pick < total
}

}  // namespace leifeng::generator
