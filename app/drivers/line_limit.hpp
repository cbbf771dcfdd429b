// Lines of an events file longer than [rules] max_line_bytes (`replay --input`, `publish`):
// dead-lettered as `malformed` without being held whole, their payload cut to a prefix.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "leifeng/schemas/validation.hpp"

namespace leifeng::app {

// What a dead letter keeps of an oversize line.
inline constexpr std::size_t kOversizePrefixBytes = 1024;

inline schemas::Rejection oversize_line(int64_t bytes, int64_t limit) {
  return {schemas::Reason::malformed, "",
          "line of " + std::to_string(bytes) + " bytes exceeds the limit of " +
              std::to_string(limit) + " ([rules] max_line_bytes); the payload keeps its first " +
              std::to_string(kOversizePrefixBytes) + " bytes"};
}

// The first kOversizePrefixBytes of `line`, not cutting a UTF-8 sequence in two.
inline std::string_view oversize_prefix(std::string_view line) {
  if (line.size() <= kOversizePrefixBytes) return line;
  std::size_t end = kOversizePrefixBytes;
  while (end > 0 && (static_cast<unsigned char>(line[end]) & 0xC0) == 0x80) --end;
  return line.substr(0, end);
}

}  // namespace leifeng::app
