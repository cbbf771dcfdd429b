// Copying the short texts that decoding and the processors store per event (ids, timestamps)
// into strings that are reused from event to event.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace leifeng::schemas {

// to = from. The string is reused, so its size usually stays or its capacity suffices: a
// resize and a copy, ids (8 to 16 bytes) and timestamps (16 to 32) as two overlapping
// fixed-size blocks, instead of std::string::assign's general replace, which was ≈ 4 % of the
// instructions of `replay --input`. `from` must not point into `to`.
inline void copy_text(std::string& to, std::string_view from) {
  const size_t n = from.size();
  if (to.size() != n) to.resize(n);
  char* out = to.data();
  const char* in = from.data();
  if (n >= 8 && n <= 16) {
    char head[8];
    char tail[8];
    std::memcpy(head, in, 8);
    std::memcpy(tail, in + n - 8, 8);
    std::memcpy(out, head, 8);
    std::memcpy(out + n - 8, tail, 8);
  } else if (n > 16 && n <= 32) {
    char head[16];
    char tail[16];
    std::memcpy(head, in, 16);
    std::memcpy(tail, in + n - 16, 16);
    std::memcpy(out, head, 16);
    std::memcpy(out + n - 16, tail, 16);
  } else if (n != 0) {
    std::memcpy(out, in, n);
  }
}

}  // namespace leifeng::schemas
