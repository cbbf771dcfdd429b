// Copying the short texts that decoding and the processors store per event (ids, timestamps)
// into strings that are reused from event to event.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace leifeng::schemas {

namespace detail {
// n bytes, kBlock <= n <= 2 * kBlock, as two fixed-size copies that overlap in the middle.
template <size_t kBlock>
void copy_ends(char* out, const char* in, size_t n) {
  std::memcpy(out, in, kBlock);
  std::memcpy(out + n - kBlock, in + n - kBlock, kBlock);
}
}  // namespace detail

// to = from. The string is reused, so its size usually stays or its capacity suffices: a
// resize and a copy, ids (8 to 16 bytes) and timestamps (16 to 32) as two overlapping
// fixed-size blocks, instead of std::string::assign's general replace, which showed in the
// replay profile (docs/performance-history.md). `from` must not point into `to`.
inline void copy_text(std::string& to, std::string_view from) {
  const size_t n = from.size();
  if (to.size() != n) to.resize(n);
  if (n >= 8 && n <= 16) {
    detail::copy_ends<8>(to.data(), from.data(), n);
  } else if (n > 16 && n <= 32) {
    detail::copy_ends<16>(to.data(), from.data(), n);
  } else if (n != 0) {
    std::memcpy(to.data(), from.data(), n);
  }
}

}  // namespace leifeng::schemas
