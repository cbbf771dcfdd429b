// Software prefetch of a byte range, for the lookahead of file replay.
#pragma once

#include <cstddef>

namespace leifeng::runtime {

// Asks for the cache lines of [data, data + bytes). The empty asm gives the function an effect:
// GCC's pure-function analysis does not count prefetches, and it deleted calls of functions
// whose only work was prefetching.
inline void prefetch_bytes(const void* data, size_t bytes) {
  const char* first = static_cast<const char*>(data);
  for (size_t offset = 0; offset < bytes; offset += 64) __builtin_prefetch(first + offset);
  if (bytes > 0) __builtin_prefetch(first + bytes - 1);  // the last line when not aligned
  asm volatile("" : : "r"(first));
}

}  // namespace leifeng::runtime
