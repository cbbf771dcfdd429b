// Software prefetch of a byte range, for the lookahead of file replay and of a commit's
// encoding (TypedStore::flush).
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

// The first bytes of [data, data + bytes), at most kPrefetchBytesMax: the hardware prefetcher
// follows a sequential read from there, and thousands of prefetches would cost more than they
// save.
inline constexpr size_t kPrefetchBytesMax = 1024;
inline void prefetch_front(const void* data, size_t bytes) {
  prefetch_bytes(data, bytes < kPrefetchBytesMax ? bytes : kPrefetchBytesMax);
}

}  // namespace leifeng::runtime
