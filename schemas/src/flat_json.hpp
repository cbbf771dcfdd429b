// A strict scanner for the common shape of an input event: one flat JSON object whose values
// are plain strings, short integers, true/false/null or arrays of plain strings. It accepts a
// subset of what rapidjson accepts and reads the same values from it; the decoder falls back
// to rapidjson for anything else, so errors keep rapidjson's wording. Internal to
// leifeng_schemas.
#pragma once

#include <rapidjson/rapidjson.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace leifeng::schemas::flat_json {

// One member value, with the subset of rapidjson's GenericValue interface the decoder uses.
class Value {
 public:
  enum class Kind : uint8_t { null, false_value, true_value, string, integer, array };

  // Trivial, so that Object's arrays cost nothing until written.
  Value() = default;

  static Value null() { return Value(Kind::null); }
  static Value boolean(bool b) { return Value(b ? Kind::true_value : Kind::false_value); }
  static Value string(const char* text, uint32_t size) {
    Value v(Kind::string);
    v.text_ = text;
    v.size_ = size;
    return v;
  }
  static Value integer(int64_t i) {
    Value v(Kind::integer);
    v.integer_ = i;
    return v;
  }
  static Value array(const Value* elements, uint32_t size) {
    Value v(Kind::array);
    v.elements_ = elements;
    v.size_ = size;
    return v;
  }

  bool IsNull() const { return kind_ == Kind::null; }
  bool IsBool() const { return kind_ == Kind::false_value || kind_ == Kind::true_value; }
  bool GetBool() const { return kind_ == Kind::true_value; }
  bool IsString() const { return kind_ == Kind::string; }
  const char* GetString() const { return text_; }
  rapidjson::SizeType GetStringLength() const { return size_; }
  // Integers are below 10^18 in magnitude: every one is an int64, the non-negative ones
  // also uint64, as rapidjson reports them.
  bool IsInt64() const { return kind_ == Kind::integer; }
  bool IsUint64() const { return kind_ == Kind::integer && integer_ >= 0; }
  int64_t GetInt64() const { return integer_; }
  uint64_t GetUint64() const { return static_cast<uint64_t>(integer_); }
  bool IsArray() const { return kind_ == Kind::array; }
  rapidjson::SizeType Size() const { return size_; }
  const Value& operator[](rapidjson::SizeType i) const { return elements_[i]; }
  bool IsObject() const { return false; }  // nested objects are never scanned
  rapidjson::Type GetType() const {
    switch (kind_) {
      case Kind::null:
        return rapidjson::kNullType;
      case Kind::false_value:
        return rapidjson::kFalseType;
      case Kind::true_value:
        return rapidjson::kTrueType;
      case Kind::string:
        return rapidjson::kStringType;
      case Kind::integer:
        return rapidjson::kNumberType;
      case Kind::array:
        return rapidjson::kArrayType;
    }
    return rapidjson::kNullType;
  }

 private:
  explicit Value(Kind kind) : integer_(0), size_(0), kind_(kind) {}

  union {
    const char* text_;
    const Value* elements_;
    int64_t integer_;
  };
  uint32_t size_;
  Kind kind_;
};

// Trivial like Value (std::string_view's constructor would zero every slot on each scan).
struct Member {
  const char* name_data;
  uint32_t name_size;
  Value value;
  std::string_view name() const { return {name_data, name_size}; }
};

// The members of the scanned object in document order. Strings point into the scanned text.
// Left uninitialised: only the first `member_count` / `element_count` entries are written.
struct Object {
  static constexpr size_t kMaxMembers = 32;
  static constexpr size_t kMaxElements = 64;  // array elements of all members together
  std::array<Member, kMaxMembers> members;
  std::array<Value, kMaxElements> elements;
  size_t member_count = 0;
  size_t element_count = 0;
};

// Fills `out` when `json` is of the flat shape above, is valid UTF-8 and holds no NUL byte;
// false (and `out` meaningless) otherwise, including when it exceeds Object's capacity.
bool scan(std::string_view json, Object& out);

}  // namespace leifeng::schemas::flat_json
