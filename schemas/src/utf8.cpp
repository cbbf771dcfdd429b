#include "utf8.hpp"

#include <cstdint>
#include <cstring>

namespace leifeng::schemas::utf8 {

size_t sequence_length(std::string_view text, size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  size_t length = 0;
  uint32_t min_code = 0;
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, min_code = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, min_code = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, min_code = 0x10000;
  } else {
    return 0;
  }
  if (pos + length > text.size()) return 0;
  uint32_t code = lead & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[pos + k]);
    if ((next & 0xC0) != 0x80) return 0;
    code = (code << 6) | (next & 0x3F);
  }
  const bool well_formed =
      code >= min_code && code <= 0x10FFFF && !(code >= 0xD800 && code <= 0xDFFF);
  return well_formed ? length : 0;
}

size_t first_invalid(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    // Events are mostly ASCII: skip eight such bytes at a time.
    if (pos + 8 <= text.size()) {
      uint64_t word;
      std::memcpy(&word, text.data() + pos, sizeof word);
      if ((word & 0x8080808080808080ull) == 0) {
        pos += 8;
        continue;
      }
    }
    // Chinese text is three-byte sequences: checked here rather than in a call per character.
    const auto lead = static_cast<unsigned char>(text[pos]);
    if ((lead & 0xF0) == 0xE0 && pos + 3 <= text.size()) {
      const auto b1 = static_cast<unsigned char>(text[pos + 1]);
      const auto b2 = static_cast<unsigned char>(text[pos + 2]);
      const uint32_t code = (lead & 0x0Fu) << 12 | (b1 & 0x3Fu) << 6 | (b2 & 0x3Fu);
      const bool well_formed = (b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80 && code >= 0x800 &&
                               !(code >= 0xD800 && code <= 0xDFFF);
      if (!well_formed) return pos;
      pos += 3;
      continue;
    }
    const size_t length = sequence_length(text, pos);
    if (length == 0) return pos;
    pos += length;
  }
  return std::string_view::npos;
}

std::string with_replacements(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  // Valid runs are copied whole: dead letters are mostly whole, valid events.
  for (;;) {
    const size_t bad = first_invalid(text);
    if (bad == std::string_view::npos) break;
    out.append(text.substr(0, bad));
    out.append("\xEF\xBF\xBD");
    text.remove_prefix(bad + 1);
  }
  out.append(text);
  return out;
}

}  // namespace leifeng::schemas::utf8
