// Short texts (event ids, log ids) back to back in one buffer, each after its length: no
// string object and no allocation per text, and a text is named by a 32-bit offset. State
// keeps one per aggregate; its texts are only read to confirm a hash match.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace leifeng::processors {

class PackedTexts {
 public:
  // Appends `text` and returns its offset. Throws std::length_error past 4 GiB.
  uint32_t append(std::string_view text);
  std::string_view at(uint32_t offset) const {
    size_t position = offset;
    return read(position);
  }
  // Calls fn(text) for every text in the order appended.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (size_t position = 0; position < bytes_.size();) fn(read(position));
  }
  // Calls fn(offset, text) for every text in the order appended.
  template <class Fn>
  void for_each_at(Fn&& fn) const {
    for (size_t position = 0; position < bytes_.size();) {
      const auto offset = static_cast<uint32_t>(position);
      fn(offset, read(position));
    }
  }
  std::vector<std::string> all() const;
  bool empty() const { return bytes_.empty(); }
  // The last byte, where the next text goes (prefetch).
  const char* back() const { return bytes_.data() + bytes_.size() - 1; }
  // Where the texts are, for a prefetch of them all.
  const char* data() const { return bytes_.data(); }
  size_t byte_size() const { return bytes_.size(); }

 private:
  // The text at `position` (one length byte, or 0xFF and four little-endian length bytes);
  // moves `position` past it.
  std::string_view read(size_t& position) const;
  std::string bytes_;
};

}  // namespace leifeng::processors
