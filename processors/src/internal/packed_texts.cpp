#include "leifeng/processors/internal/packed_texts.hpp"

#include <stdexcept>

namespace leifeng::processors {

namespace {
constexpr size_t kLong = 0xFF;  // length byte of a text of 255 bytes or more
}

uint32_t PackedTexts::append(std::string_view text) {
  const size_t offset = bytes_.size();
  if (offset + 5 + text.size() >= UINT32_MAX) {
    throw std::length_error("PackedTexts: more than 4 GiB of texts in one aggregate");
  }
  if (text.size() < kLong) {
    bytes_.push_back(static_cast<char>(text.size()));
  } else {
    const auto size = static_cast<uint32_t>(text.size());
    bytes_.push_back(static_cast<char>(kLong));
    for (int i = 0; i < 4; ++i) bytes_.push_back(static_cast<char>(size >> (8 * i)));
  }
  bytes_.append(text);
  return static_cast<uint32_t>(offset);
}

std::vector<std::string> PackedTexts::all() const {
  std::vector<std::string> texts;
  for_each([&texts](std::string_view text) { texts.emplace_back(text); });
  return texts;
}

std::string_view PackedTexts::read(size_t& position) const {
  size_t size = static_cast<unsigned char>(bytes_[position++]);
  if (size == kLong) {
    size = 0;
    for (int i = 0; i < 4; ++i) {
      size |= static_cast<size_t>(static_cast<unsigned char>(bytes_[position++])) << (8 * i);
    }
  }
  const std::string_view text(bytes_.data() + position, size);
  position += size;
  return text;
}

}  // namespace leifeng::processors
