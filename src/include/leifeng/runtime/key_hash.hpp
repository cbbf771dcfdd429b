// The hash of a key (volunteer, need and activity ids, mostly 8 to 24 bytes) for the in-memory
// tables: eight bytes a step, then murmur3's final mix, so that the low bits the tables index
// by depend on every byte. std::hash (libstdc++'s murmur2, a call per key) was 2 % of a
// replay's instructions. Never persisted: only tables in memory and the replay's shards use it.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace leifeng::runtime {

namespace detail {
inline uint64_t load_word(const char* p) {
  uint64_t word = 0;
  std::memcpy(&word, p, sizeof word);
  return word;
}
inline uint32_t load_half(const char* p) {
  uint32_t half = 0;
  std::memcpy(&half, p, sizeof half);
  return half;
}
inline uint64_t absorb(uint64_t hash, uint64_t word) {
  hash = (hash ^ word) * 0xBF58476D1CE4E5B9ull;
  return hash ^ (hash >> 31);
}
}  // namespace detail

inline uint64_t key_hash(std::string_view key) {
  const char* p = key.data();
  const size_t n = key.size();
  uint64_t hash = n * 0x9E3779B97F4A7C15ull;
  if (n >= 8) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) hash = detail::absorb(hash, detail::load_word(p + i));
    // The last bytes as the word that ends the key (it overlaps the one before).
    if (i < n) hash = detail::absorb(hash, detail::load_word(p + n - 8));
  } else if (n >= 4) {
    hash =
        detail::absorb(hash, uint64_t{detail::load_half(p)} << 32 | detail::load_half(p + n - 4));
  } else if (n > 0) {
    uint64_t word = 0;
    for (size_t i = 0; i < n; ++i) word = word << 8 | static_cast<unsigned char>(p[i]);
    hash = detail::absorb(hash, word);
  }
  hash ^= hash >> 33;
  hash *= 0xFF51AFD7ED558CCDull;
  hash ^= hash >> 33;
  hash *= 0xC4CEB9FE1A85EC53ull;
  return hash ^ (hash >> 33);
}

}  // namespace leifeng::runtime
