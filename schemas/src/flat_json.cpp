#include "flat_json.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "utf8.hpp"

namespace leifeng::schemas::flat_json {
namespace {

// Everything here rejects what it does not recognise: the caller then asks rapidjson, which
// accepts or explains it. So each check only has to be exact for what it accepts.
//
// Two passes, as simdjson does: first the quote bitmap of the whole line and whether it holds
// backslashes, control characters or non-ASCII bytes (16 bytes a step, no branches on the
// content), then the tokens, which find the end of each string in the quote bitmap instead of
// scanning its bytes one string after the other.

// Bit i set when an odd number of bits at or below i are set in `bits`.
uint64_t prefix_xor(uint64_t bits) {
  for (int shift = 1; shift < 64; shift *= 2) bits ^= bits << shift;
  return bits;
}

// The quote positions of the line, in order. The bitmap ends with a sentinel quote past the
// end of the line, taken at most once (it fails the string that reaches it).
class Quotes {
 public:
  explicit Quotes(const uint64_t* words) : words_(words), current_(words[0]) {}

  // The position of the next quote; the line's size or more for the sentinel.
  [[gnu::always_inline]] size_t next() {
    while (current_ == 0) current_ = words_[++index_];
    const size_t pos = index_ * 64 + static_cast<size_t>(std::countr_zero(current_));
    current_ &= current_ - 1;
    return pos;
  }

 private:
  const uint64_t* words_;
  size_t index_ = 0;
  uint64_t current_;
};

bool whitespace(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// The tokens. scan() made sure that the last byte other than whitespace is '}', so every read
// up to the object's closing brace stops at that byte at the latest (each token stops at a
// '}', and a string ends at a quote before it): those reads need no end check. Only what
// follows the closing brace, and literals, which compare several bytes at once, check the end.
class Scanner {
 public:
  Scanner(std::string_view json, Quotes quotes, Object& out)
      : begin_(json.data()),
        p_(json.data()),
        end_(json.data() + json.size()),
        quotes_(quotes),
        out_(out) {}

  bool object() {
    skip_whitespace();
    if (!take('{')) return false;
    skip_whitespace();
    if (!take('}')) {
      for (;;) {
        if (out_.member_count == Object::kMaxMembers) return false;
        Member& member = out_.members[out_.member_count++];
        if (!string(member.name_data, member.name_size)) return false;
        // Whitespace is skipped only where the compact form has none.
        if (!take(':')) {
          skip_whitespace();
          if (!take(':')) return false;
        }
        skip_whitespace();
        if (!value(member.value)) return false;
        if (!take(',')) {
          skip_whitespace();
          if (take('}')) break;
          if (!take(',')) return false;
        }
        skip_whitespace();
      }
    }
    // After the closing brace: only whitespace, up to the end.
    while (p_ != end_ && whitespace(*p_)) ++p_;
    return p_ == end_;
  }

 private:
  [[gnu::always_inline]] bool take(char c) {
    if (*p_ != c) return false;
    ++p_;
    return true;
  }

  // Compact lines have no whitespace, so the common case is one compare.
  [[gnu::always_inline]] void skip_whitespace() {
    while (static_cast<unsigned char>(*p_) <= ' ' && whitespace(*p_)) ++p_;
  }

  // A string. The first pass made sure that strings hold no escapes or control characters and
  // that the line is UTF-8, so a string runs to the next quote.
  [[gnu::always_inline]] bool string(const char*& text, uint32_t& size) {
    if (*p_ != '"') return false;
    // Every quote before this one was consumed by an earlier string.
    if (quotes_.next() != static_cast<size_t>(p_ - begin_)) return false;
    const size_t close = quotes_.next();
    if (close >= static_cast<size_t>(end_ - begin_)) return false;
    text = p_ + 1;
    size = static_cast<uint32_t>(begin_ + close - text);
    p_ = begin_ + close + 1;
    return true;
  }

  [[gnu::always_inline]] bool literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  // -?(0|[1-9][0-9]{0,17}): at most 18 digits, so it fits an int64 and rapidjson reads it as
  // an integer too. What may follow (a digit after 0, '.', 'e') is left to the caller, which
  // accepts only whitespace, ',' or '}'.
  [[gnu::always_inline]] bool integer(int64_t& out) {
    const bool negative = take('-');
    if (*p_ == '0') {
      ++p_;
      out = 0;
      return true;
    }
    if (*p_ < '1' || *p_ > '9') return false;
    int64_t value = 0;
    int digits = 0;
    while (*p_ >= '0' && *p_ <= '9') {
      if (++digits > 18) return false;
      value = value * 10 + (*p_ - '0');
      ++p_;
    }
    out = negative ? -value : value;
    return true;
  }

  [[gnu::always_inline]] bool value(Value& out) {
    if (*p_ == '"') [[likely]] {  // tested first: most values are strings
      const char* text = nullptr;
      uint32_t size = 0;
      if (!string(text, size)) return false;
      out = Value::string(text, size);
      return true;
    }
    switch (*p_) {
      case 't':
        out = Value::boolean(true);
        return literal("true");
      case 'f':
        out = Value::boolean(false);
        return literal("false");
      case 'n':
        out = Value::null();
        return literal("null");
      case '[':
        return string_array(out);
      default: {
        int64_t i = 0;
        if (!integer(i)) return false;
        out = Value::integer(i);
        return true;
      }
    }
  }

  [[gnu::always_inline]] bool string_array(Value& out) {
    ++p_;  // '['
    const size_t first = out_.element_count;
    skip_whitespace();
    if (!take(']')) {
      for (;;) {
        if (out_.element_count == Object::kMaxElements) return false;
        const char* text = nullptr;
        uint32_t size = 0;
        if (!string(text, size)) return false;
        out_.elements[out_.element_count++] = Value::string(text, size);
        skip_whitespace();
        if (take(',')) {
          skip_whitespace();
          continue;
        }
        if (take(']')) break;
        return false;
      }
    }
    out = Value::array(out_.elements.data() + first,
                       static_cast<uint32_t>(out_.element_count - first));
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  Quotes quotes_;
  Object& out_;
};

// What the first pass finds besides the quotes.
struct LineFacts {
  bool backslash = false;
  bool controls = false;  // bytes below 0x20
  bool non_ascii = false;
};

// The quote bitmap of `json` into `quotes` (one bit a byte), and the other facts.
LineFacts first_pass(std::string_view json, uint64_t* quotes) {
  const char* data = json.data();
  const size_t size = json.size();
  LineFacts facts;
  size_t i = 0;
#if defined(__SSE2__)
  if (size >= 16) {
    __m128i backslashes = _mm_setzero_si128(), controls = _mm_setzero_si128(),
            high = _mm_setzero_si128();
    // The quotes of bytes [at, at + 16) as 16 bits; the other classes are only collected.
    const auto block = [&](size_t at) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + at));
      backslashes = _mm_or_si128(backslashes, _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\\')));
      controls = _mm_or_si128(controls, _mm_subs_epu8(_mm_set1_epi8(0x20), bytes));  // b < 0x20
      high = _mm_or_si128(high, bytes);
      return static_cast<uint64_t>(
          static_cast<uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('"')))));
    };
    for (; i + 64 <= size; i += 64) {
      quotes[i / 64] = block(i) | block(i + 16) << 16 | block(i + 32) << 32 | block(i + 48) << 48;
    }
    if (i < size) {
      quotes[i / 64] = 0;
      for (; i + 16 <= size; i += 16) quotes[i / 64] |= block(i) << (i % 64);
      if (i < size) {  // the last 16 bytes, overlapping bytes already seen
        const auto skip = static_cast<unsigned>(16 - (size - i));
        quotes[i / 64] |= (block(size - 16) >> skip) << (i % 64);
      }
    }
    facts.backslash = _mm_movemask_epi8(backslashes) != 0;
    facts.controls = _mm_movemask_epi8(_mm_cmpeq_epi8(controls, _mm_setzero_si128())) != 0xFFFF;
    facts.non_ascii = _mm_movemask_epi8(high) != 0;
    return facts;
  }
#endif
  for (; i < size; ++i) {
    const auto c = static_cast<unsigned char>(data[i]);
    if (i % 64 == 0) quotes[i / 64] = 0;
    quotes[i / 64] |= uint64_t{c == '"'} << (i % 64);
    facts.backslash |= c == '\\';
    facts.controls |= c < 0x20;
    facts.non_ascii |= c >= 0x80;
  }
  return facts;
}

// No control character inside a string (between tokens they may be whitespace, which the
// tokens check). `quotes`: first_pass' bitmap.
bool controls_outside_strings(std::string_view json, const uint64_t* quotes) {
  uint64_t in_string = 0;  // all ones while an odd number of quotes came before
  for (size_t at = 0; at < json.size(); at += 64) {
    uint64_t controls = 0;
    for (size_t i = at; i < std::min(at + 64, json.size()); ++i) {
      controls |= uint64_t{static_cast<unsigned char>(json[i]) < 0x20} << (i - at);
    }
    // The mask of a string runs from its opening quote to the byte before its closing one.
    const uint64_t strings = prefix_xor(quotes[at / 64]) ^ in_string;
    if ((controls & strings) != 0) return false;
    in_string = (std::popcount(quotes[at / 64]) & 1) != 0 ? ~in_string : in_string;
  }
  return true;
}

bool high(char c) {
  return (static_cast<unsigned char>(c) & 0x80) != 0;
}

// The position of the first non-ASCII byte of data[0, size), size when none.
size_t first_non_ascii(const char* data, size_t size) {
  size_t i = 0;
#if defined(__SSE2__)
  for (; i + 16 <= size; i += 16) {
    const int mask = _mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i)));
    if (mask != 0) return i + static_cast<size_t>(std::countr_zero(static_cast<unsigned>(mask)));
  }
#endif
  while (i < size && !high(data[i])) ++i;
  return i;
}

// One past the last non-ASCII byte of data[0, size), 0 when none.
size_t end_of_non_ascii(const char* data, size_t size) {
  size_t end = size;
#if defined(__SSE2__)
  for (; end >= 16; end -= 16) {
    const auto mask = static_cast<uint32_t>(
        _mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + end - 16))));
    if (mask != 0) return end - 16 + static_cast<size_t>(32 - std::countl_zero(mask));
  }
#endif
  while (end > 0 && !high(data[end - 1])) --end;
  return end;
}

// Whether the line is UTF-8. Checking from the first to the last non-ASCII byte is enough:
// the ASCII bytes around them are well-formed, and a sequence the span cuts short is followed
// by an ASCII byte in the line, so it is malformed there too.
bool utf8_line(std::string_view json) {
  const size_t first = first_non_ascii(json.data(), json.size());
  const size_t end = end_of_non_ascii(json.data(), json.size());
  return first >= end ||
         utf8::first_invalid(json.substr(first, end - first)) == std::string_view::npos;
}

// No escapes at all, so every quote opens or closes a string. Non-ASCII bytes can only be
// accepted inside strings, so the whole line must be UTF-8.
bool acceptable(std::string_view json, const LineFacts& facts, const uint64_t* quotes) {
  if (facts.backslash) return false;
  if (facts.controls && !controls_outside_strings(json, quotes)) return false;
  return !facts.non_ascii || utf8_line(json);
}

}  // namespace

bool scan(std::string_view json, Object& out) {
  // Lengths are rapidjson's 32-bit SizeType.
  if (json.size() >= UINT32_MAX) return false;
  out.member_count = 0;
  out.element_count = 0;
  // An object ends with '}' (the Scanner's reads rely on it).
  size_t last = json.size();
  while (last > 0 && whitespace(json[last - 1])) --last;
  if (last == 0 || json[last - 1] != '}') return false;

  // First pass. Lines of up to 4 KiB keep the bitmap on the stack.
  const size_t words = (json.size() + 63) / 64;
  std::array<uint64_t, 65> stack_words;
  std::vector<uint64_t> heap_words;
  uint64_t* quotes = stack_words.data();
  if (words + 1 > stack_words.size()) {
    heap_words.resize(words + 1);
    quotes = heap_words.data();
  }
  if (!acceptable(json, first_pass(json, quotes), quotes)) return false;
  quotes[words] = 1;  // the sentinel

  return Scanner(json, Quotes(quotes), out).object();
}

}  // namespace leifeng::schemas::flat_json
