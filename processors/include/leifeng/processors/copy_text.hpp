// Copying the short texts a processor stores per event (timestamps, ~25 bytes).
#pragma once

#include <cstring>
#include <string>
#include <string_view>

namespace leifeng::processors {

// to = from. Texts of 16 to 32 bytes into a string of the same size (a timestamp replacing
// the previous one) are copied as two overlapping 16-byte blocks, without the library call of
// std::string::assign: county statistics copy a timestamp into every cell an event changes,
// and those calls were ~7 % of `replay --input`.
inline void copy_text(std::string& to, std::string_view from) {
  const size_t size = from.size();
  if (to.size() == size && size >= 16 && size <= 32) {
    std::memcpy(to.data(), from.data(), 16);
    std::memcpy(to.data() + size - 16, from.data() + size - 16, 16);
  } else {
    to.assign(from);
  }
}

}  // namespace leifeng::processors
