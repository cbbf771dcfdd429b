// UTF-8 checks shared by the decoder (inputs must be UTF-8) and the dead-letter encoder
// (payloads are copied into JSON). Internal to leifeng_schemas.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace leifeng::schemas::utf8 {

// Length of the well-formed UTF-8 sequence starting at text[pos], 0 when there is none
// (overlong forms, surrogates and code points above U+10FFFF are not well-formed).
size_t sequence_length(std::string_view text, size_t pos);

// Offset of the first byte that does not start a well-formed sequence, npos when none.
size_t first_invalid(std::string_view text);

// `text` with every byte that does not start a well-formed sequence replaced by U+FFFD.
std::string with_replacements(std::string_view text);

}  // namespace leifeng::schemas::utf8
