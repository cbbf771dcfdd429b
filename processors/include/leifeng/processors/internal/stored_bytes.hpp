// The building blocks of the compact stored format (see VolunteerState::encode_stored):
// unsigned integers as LEB128 varints, signed ones zigzag-encoded first, texts after their
// length. A reader never reads past its bytes and never allocates more than they can hold, so
// a damaged record throws StoredFormatError instead of crashing or exhausting memory.
#pragma once

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

namespace leifeng::processors {

class StoredFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class StoredBytesWriter {
 public:
  explicit StoredBytesWriter(std::string& out) : out_(out) {}
  void byte(uint8_t value) { out_.push_back(static_cast<char>(value)); }
  void varint(uint64_t value) {
    while (value >= 0x80) {
      out_.push_back(static_cast<char>((value & 0x7F) | 0x80));
      value >>= 7;
    }
    out_.push_back(static_cast<char>(value));
  }
  void signed_varint(int64_t value) {  // zigzag: small magnitudes stay short
    varint((static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63));
  }
  void text(std::string_view value) {
    varint(value.size());
    out_.append(value);
  }

 private:
  std::string& out_;
};

class StoredBytesReader {
 public:
  explicit StoredBytesReader(std::string_view bytes) : bytes_(bytes) {}
  uint8_t byte() {
    need(1);
    return static_cast<uint8_t>(bytes_[position_++]);
  }
  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const uint8_t b = byte();
      value |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return value;
    }
    throw StoredFormatError("stored value: a varint longer than 10 bytes");
  }
  int64_t signed_varint() {
    const uint64_t zigzag = varint();
    return static_cast<int64_t>((zigzag >> 1) ^ (~(zigzag & 1) + 1));
  }
  // A value that must fit in `Int` (uint32_t, int32_t, ...).
  template <class Int>
  Int varint_as() {
    const uint64_t value = varint();
    if (value > static_cast<uint64_t>(std::numeric_limits<Int>::max()))
      throw StoredFormatError("stored value: a number out of range");
    return static_cast<Int>(value);
  }
  template <class Int>
  Int signed_varint_as() {
    const int64_t value = signed_varint();
    if (value < std::numeric_limits<Int>::min() || value > std::numeric_limits<Int>::max())
      throw StoredFormatError("stored value: a number out of range");
    return static_cast<Int>(value);
  }
  std::string_view text() {
    const uint64_t size = varint();
    need(size);
    const std::string_view value = bytes_.substr(position_, size);
    position_ += size;
    return value;
  }
  // A count of items that take at least `min_bytes` each: no more than the bytes left can hold
  // (so a damaged count cannot make the caller reserve gigabytes).
  size_t count(size_t min_bytes) {
    const uint64_t value = varint();
    if (value > remaining() / min_bytes) throw StoredFormatError("stored value: count too large");
    return static_cast<size_t>(value);
  }
  size_t remaining() const { return bytes_.size() - position_; }
  void expect_end() const {
    if (remaining() != 0) throw StoredFormatError("stored value: bytes after the end");
  }

 private:
  void need(uint64_t size) const {
    if (size > remaining()) throw StoredFormatError("stored value: truncated");
  }
  std::string_view bytes_;
  size_t position_ = 0;
};

}  // namespace leifeng::processors
