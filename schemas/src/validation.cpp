// decode_event: one input message → an Event or the first SPEC §4 check it fails.
//
// rapidjson's DOM parser is used directly (cereal's JSON archive was much slower, see
// docs/performance-history.md). The checks run in passes over the fields of the envelope and of the
// event type, each pass in SPEC §3 order: wrong JSON type (malformed), type (unknown_type),
// version, absence (missing_field), content (invalid_field). Within a pass the first failing field
// wins.
#include <rapidjson/document.h>
#include <rapidjson/error/error.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <string>

#include "decode_internal.hpp"
#include "flat_json.hpp"
#include "leifeng/schemas/copy_text.hpp"
#include "leifeng/schemas/validation.hpp"
#include "utf8.hpp"

namespace leifeng::schemas {
namespace {

namespace rj = rapidjson;
using Pool = rj::MemoryPoolAllocator<rj::CrtAllocator>;
using Document = rj::GenericDocument<rj::UTF8<>, Pool, Pool>;
using DomValue = Document::ValueType;
using FlatValue = flat_json::Value;

// Parse in place (strings stay in the copied line) and iteratively, so that deeply nested
// garbage cannot overflow the stack. UTF-8 is checked before parsing, faster than
// rapidjson's kParseValidateEncodingFlag.
constexpr unsigned kParseFlags = rj::kParseInsituFlag | rj::kParseIterativeFlag;

using K = JsonKind;
constexpr bool kRequired = true;
constexpr bool kOptional = false;

constexpr FieldSpec kEnvelope[] = {
    {"event_id", K::string, kRequired},        {"type", K::string, kRequired},
    {"schema_version", K::integer, kRequired}, {"occurred_at", K::string, kRequired},
    {"source", K::string, kOptional},
};
constexpr size_t kEventIdSlot = 0, kTypeSlot = 1, kVersionSlot = 2, kOccurredAtSlot = 3,
                 kSourceSlot = 4;

constexpr FieldSpec kVolunteerRegistered[] = {
    {"volunteer_id", K::string, kRequired},
    {"area_code", K::string, kRequired},
    {"party_member", K::boolean, kRequired},
    {"skills", K::string_array, kOptional},
};
constexpr FieldSpec kVolunteerUpdated[] = {
    {"volunteer_id", K::string, kRequired},
    {"area_code", K::string, kOptional},
    {"party_member", K::boolean, kOptional},
    {"skills", K::string_array, kOptional},
};
constexpr FieldSpec kHoursSubmitted[] = {
    {"volunteer_id", K::string, kRequired}, {"log_id", K::string, kRequired},
    {"activity_id", K::string, kRequired},  {"area_code", K::string, kRequired},
    {"category", K::string, kRequired},     {"service_date", K::string, kRequired},
    {"minutes", K::integer, kRequired},     {"service_type", K::string, kOptional},
    {"target_group", K::string, kOptional},
};
constexpr FieldSpec kHoursVerified[] = {
    {"volunteer_id", K::string, kRequired},
    {"log_id", K::string, kRequired},
    {"verifier_id", K::string, kRequired},
    {"quality", K::integer, kRequired},
};
constexpr FieldSpec kHoursRejected[] = {
    {"volunteer_id", K::string, kRequired},
    {"log_id", K::string, kRequired},
    {"verifier_id", K::string, kRequired},
    {"reason", K::string, kRequired},
};
constexpr FieldSpec kHoursAmended[] = {
    {"volunteer_id", K::string, kRequired}, {"log_id", K::string, kRequired},
    {"minutes", K::integer, kRequired},     {"verifier_id", K::string, kRequired},
    {"reason", K::string, kRequired},
};
constexpr FieldSpec kHoursRevoked[] = {
    {"volunteer_id", K::string, kRequired},
    {"log_id", K::string, kRequired},
    {"reason", K::string, kRequired},
};
constexpr FieldSpec kActivityPublished[] = {
    {"activity_id", K::string, kRequired},
    {"title", K::string, kRequired},
    {"organizer_id", K::string, kRequired},
    {"area_code", K::string, kRequired},
    {"category", K::string, kRequired},
    {"service_types", K::string_array, kRequired},
    {"target_groups", K::string_array, kRequired},
    {"starts_at", K::string, kRequired},
    {"ends_at", K::string, kRequired},
    {"station_id", K::string, kOptional},
    {"capacity", K::integer, kOptional},
};
constexpr FieldSpec kActivityCompleted[] = {
    {"activity_id", K::string, kRequired},
    {"participants", K::integer, kRequired},
    {"beneficiaries", K::integer, kRequired},
};
constexpr FieldSpec kActivityCancelled[] = {
    {"activity_id", K::string, kRequired},
    {"reason", K::string, kRequired},
};
constexpr FieldSpec kNeedPosted[] = {
    {"need_id", K::string, kRequired},      {"area_code", K::string, kRequired},
    {"kind", K::string, kRequired},         {"service_type", K::string, kRequired},
    {"target_group", K::string, kRequired}, {"title", K::string, kRequired},
    {"deadline", K::string, kOptional},
};
constexpr FieldSpec kNeedClaimed[] = {
    {"need_id", K::string, kRequired},
    {"claimant_id", K::string, kRequired},
    {"claimant_kind", K::string, kRequired},
};
constexpr FieldSpec kNeedFulfilled[] = {
    {"need_id", K::string, kRequired},
    {"fulfilled_by", K::string, kRequired},
};
constexpr FieldSpec kNeedCancelled[] = {
    {"need_id", K::string, kRequired},
    {"reason", K::string, kRequired},
};
constexpr FieldSpec kNeedExpired[] = {
    {"need_id", K::string, kRequired},
};

constexpr std::array<std::span<const FieldSpec>, kEventTypeCount> kPayloadFields = {
    kVolunteerRegistered, kVolunteerUpdated,  kHoursSubmitted, kHoursVerified,
    kHoursRejected,       kHoursAmended,      kHoursRevoked,   kActivityPublished,
    kActivityCompleted,   kActivityCancelled, kNeedPosted,     kNeedClaimed,
    kNeedFulfilled,       kNeedCancelled,     kNeedExpired,
};

constexpr size_t kMaxFields = 12;  // at most 32: Fields keeps bit masks of them

// Member names are looked up once in a hash of every name the tables use, rather than
// compared with each field of each table (a visible share of decoding).
constexpr size_t kTableCount = kEventTypeCount + 1;  // the payload tables, then the envelope
constexpr size_t kEnvelopeTable = kEventTypeCount;
constexpr size_t kNoTable = kTableCount;  // no fields: a type not known on this topic
constexpr size_t kMaxNames = 64;
constexpr size_t kHashBits = 7;
constexpr size_t kHashSlots = size_t{1} << kHashBits;
constexpr size_t kMinNameSize = 4, kMaxNameSize = 16;  // the sizes of every table name
constexpr uint8_t kNone = 0xFF;

constexpr std::span<const FieldSpec> table_specs(size_t table) {
  return table == kEnvelopeTable ? std::span<const FieldSpec>(kEnvelope) : kPayloadFields[table];
}

// `Bytes` bytes at p as a little-endian number, in constant evaluation as on any host.
template <size_t Bytes>
constexpr uint64_t little_endian(const char* p) {
  if (!std::is_constant_evaluated() && std::endian::native == std::endian::little) {
    uint64_t word = 0;
    std::memcpy(&word, p, Bytes);
    return word;
  }
  uint64_t word = 0;
  for (size_t i = 0; i < Bytes; ++i) word |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return word;
}

// A name of kMinNameSize to kMaxNameSize bytes as its first and last 8 (or 4) bytes, which
// cover all of it, and its size: equal keys, equal names. Two loads instead of a memcmp.
struct NameKey {
  uint64_t head = 0;
  uint64_t tail = 0;
  size_t size = 0;
  friend constexpr bool operator==(const NameKey&, const NameKey&) = default;
};

constexpr NameKey name_key(std::string_view s) {
  if (s.size() >= 8) {
    return {little_endian<8>(s.data()), little_endian<8>(s.data() + s.size() - 8), s.size()};
  }
  return {little_endian<4>(s.data()), little_endian<4>(s.data() + s.size() - 4), s.size()};
}

constexpr size_t name_hash(const NameKey& key) {
  return ((key.head ^ (key.tail * 3) ^ key.size) * 0x9E3779B97F4A7C15ull) >> (64 - kHashBits);
}

struct NameIndex {
  struct Slot {
    NameKey key;
    uint8_t id = 0;
    bool used = false;  // open addressing: the probe stops at an unused slot
  };
  std::array<std::string_view, kMaxNames> names{};
  size_t count = 0;
  std::array<Slot, kHashSlots> by_hash{};
  std::array<std::array<uint8_t, kMaxNames>, kTableCount> slot{};  // kNone: not in the table
  std::array<uint32_t, kTableCount> required{};  // bit i: field i of the table is required
};

constexpr NameIndex make_name_index() {
  NameIndex index;
  for (auto& row : index.slot) row.fill(kNone);
  for (size_t t = 0; t < kTableCount; ++t) {
    const auto specs = table_specs(t);
    for (size_t i = 0; i < specs.size(); ++i) {
      size_t id = 0;
      while (id < index.count && index.names[id] != specs[i].name) ++id;
      if (id == index.count) {
        if (specs[i].name.size() < kMinNameSize || specs[i].name.size() > kMaxNameSize) {
          throw "a field name of a size name_key does not cover";
        }
        index.names[index.count++] = specs[i].name;
        const NameKey key = name_key(specs[i].name);
        size_t h = name_hash(key);
        while (index.by_hash[h].used) h = (h + 1) & (kHashSlots - 1);
        index.by_hash[h] = {key, static_cast<uint8_t>(id), true};
      }
      index.slot[t][id] = static_cast<uint8_t>(i);
      if (specs[i].required) index.required[t] |= uint32_t{1} << i;
    }
  }
  return index;
}
constexpr NameIndex kNameIndex = make_name_index();
static_assert(kNameIndex.count < kMaxNames && kNameIndex.count < kHashSlots / 2);

// The id of a name the tables use, kNone for any other name.
[[gnu::always_inline]] inline size_t name_id(std::string_view name) {
  if (name.size() < kMinNameSize || name.size() > kMaxNameSize) return kNone;
  const NameKey key = name_key(name);
  for (size_t h = name_hash(key);; h = (h + 1) & (kHashSlots - 1)) {
    const NameIndex::Slot& slot = kNameIndex.by_hash[h];
    if (!slot.used) return kNone;
    if (slot.key == key) return slot.id;
  }
}

// Field names differ mostly in length or first letter: checking those first saves a memcmp
// call per (member, field) pair, a visible share of decoding.
bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && !a.empty() && a[0] == b[0] && a == b;
}

// The checks below are templates on the JSON value type: rapidjson's DOM value (any input)
// or flat_json::Value (the common flat shape, scanned without rapidjson). Both offer the same
// interface, so both give the same result.

template <typename F>
void for_each_member(const DomValue& object, F&& f) {
  size_t index = 0;
  for (auto member = object.MemberBegin(); member != object.MemberEnd(); ++member, ++index) {
    f(index, std::string_view(member->name.GetString(), member->name.GetStringLength()),
      member->value);
  }
}
template <typename F>
void for_each_member(const flat_json::Object& object, F&& f) {
  for (size_t i = 0; i < object.member_count; ++i) {
    f(i, object.members[i].name(), object.members[i].value);
  }
}

// The name ids of an object's members for the passes of both tables: looked up once for a
// flat object, on each pass for rapidjson's (the fallback, where it matters less).
template <typename Value>
class NameIds;

template <>
class NameIds<FlatValue> {
 public:
  explicit NameIds(const flat_json::Object& object) {
    for (size_t i = 0; i < object.member_count; ++i) {
      ids_[i] = static_cast<uint8_t>(name_id(object.members[i].name()));
    }
  }
  size_t get(size_t index, std::string_view) const { return ids_[index]; }

 private:
  std::array<uint8_t, flat_json::Object::kMaxMembers> ids_;
};

template <>
class NameIds<DomValue> {
 public:
  explicit NameIds(const DomValue&) {}
  size_t get(size_t, std::string_view name) const { return name_id(name); }
};

// The values of the fields a table names.
template <typename Value>
struct Fields {
  std::span<const FieldSpec> specs;
  uint32_t present = 0;   // bit i: field i has a value, so the checks visit only those
  uint32_t required = 0;  // bit i: specs[i] is required

  // `table`: kEnvelopeTable, an EventType's index or kNoTable.
  template <typename Object>
  Fields(const Object& object, size_t table, const NameIds<Value>& ids) {
    if (table == kNoTable) return;
    specs = table_specs(table);
    required = kNameIndex.required[table];
    const auto& slots = kNameIndex.slot[table];
    uint32_t bits = 0;  // a local, so that it stays in a register
    for_each_member(object, [&](size_t index, std::string_view name, const Value& value) {
      const size_t id = ids.get(index, name);
      if (id == kNone || slots[id] == kNone) return;
      // A repeated name: the last one wins, as in most JSON readers; null counts as absent.
      const size_t slot = slots[id];
      values_[slot] = &value;
      bits = value.IsNull() ? bits & ~(uint32_t{1} << slot) : bits | uint32_t{1} << slot;
    });
    present = bits;
  }

  // Field i's value, nullptr when it is absent or null.
  const Value* at(size_t i) const { return (present >> i) & 1 ? values_[i] : nullptr; }

  // The first (in table order) of the fields in `bits`.
  static size_t first(uint32_t bits) { return static_cast<size_t>(std::countr_zero(bits)); }

  // The readers ask in table order and pass the tables' own literals, so the search starts
  // at the last field found and the pointer usually matches.
  const Value* get(std::string_view name) const {
    size_t i = hint_;
    for (size_t n = 0; n < specs.size(); ++n, i = i + 1 == specs.size() ? 0 : i + 1) {
      if (specs[i].name.data() == name.data() || same_name(specs[i].name, name)) {
        hint_ = i;
        return at(i);
      }
    }
    return nullptr;
  }

 private:
  std::array<const Value*, kMaxFields> values_;  // set where `present` has a bit
  mutable size_t hint_ = 0;
};

template <typename Value>
std::string_view text_of(const Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

// A value quoted for a message, cut at 64 bytes on a UTF-8 boundary so details stay short.
// (Appended piece by piece: GCC 12 reports a false -Wrestrict for `"\"" + std::string(...)`
// once this file's string code is inlined differently.)
std::string quoted(std::string_view text) {
  constexpr size_t kMaxQuoted = 64;
  size_t cut = text.size();
  if (cut > kMaxQuoted) {
    cut = kMaxQuoted;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  }
  std::string out;
  out.reserve(cut + 5);
  out.push_back('"');
  out.append(text.substr(0, cut));
  if (cut < text.size()) out.append("…");
  out.push_back('"');
  return out;
}

template <typename Value>
std::string describe_json_type(const Value& v) {
  switch (v.GetType()) {
    case rj::kNullType:
      return "null";
    case rj::kFalseType:
    case rj::kTrueType:
      return "a boolean";
    case rj::kObjectType:
      return "an object";
    case rj::kArrayType:
      return "an array";
    case rj::kStringType:
      return "a string";
    case rj::kNumberType:
      return v.IsInt64() || v.IsUint64() ? "an integer" : "a number with a fraction or exponent";
  }
  return "an unknown JSON value";
}

template <typename Value>
bool is_integer(const Value& v) {
  return v.IsInt64() || v.IsUint64();
}

// Whether `v` is of `kind`: the common case, checked without building a message.
template <typename Value>
bool kind_ok(const Value& v, JsonKind kind) {
  switch (kind) {
    case K::string:
      return v.IsString();
    case K::integer:
      return is_integer(v);
    case K::boolean:
      return v.IsBool();
    case K::string_array:
      if (!v.IsArray()) return false;
      for (rj::SizeType i = 0; i < v.Size(); ++i) {
        if (!v[i].IsString()) return false;
      }
      return true;
  }
  return false;
}

// Why `v` is not of `kind`, empty when it is.
template <typename Value>
std::string kind_mismatch(const Value& v, JsonKind kind) {
  switch (kind) {
    case K::string:
      return v.IsString() ? "" : "must be a JSON string, not " + describe_json_type(v);
    case K::integer:
      return is_integer(v) ? "" : "must be a JSON integer, not " + describe_json_type(v);
    case K::boolean:
      return v.IsBool() ? "" : "must be true or false, not " + describe_json_type(v);
    case K::string_array:
      if (!v.IsArray()) return "must be an array of strings, not " + describe_json_type(v);
      for (rj::SizeType i = 0; i < v.Size(); ++i) {
        if (!v[i].IsString()) {
          return "must be an array of strings, but element " + std::to_string(i) + " is " +
                 describe_json_type(v[i]);
        }
      }
      return "";
  }
  return "has an unknown kind";
}

std::string_view describe_parse_error(rj::ParseErrorCode code) {
  switch (code) {
    case rj::kParseErrorNone:
      return "no error";
    case rj::kParseErrorDocumentEmpty:
      return "the message is empty or only whitespace";
    case rj::kParseErrorDocumentRootNotSingular:
      return "more text follows the end of the JSON value";
    case rj::kParseErrorValueInvalid:
      return "expected a JSON value (object, array, string, number, true, false or null)";
    case rj::kParseErrorObjectMissName:
      return "expected a member name in double quotes";
    case rj::kParseErrorObjectMissColon:
      return "missing ':' after a member name";
    case rj::kParseErrorObjectMissCommaOrCurlyBracket:
      return "missing a comma or '}' after an object member";
    case rj::kParseErrorArrayMissCommaOrSquareBracket:
      return "missing a comma or ']' after an array element";
    case rj::kParseErrorStringUnicodeEscapeInvalidHex:
      return "a \\u escape needs four hexadecimal digits";
    case rj::kParseErrorStringUnicodeSurrogateInvalid:
      return "a \\u escape is half of a UTF-16 surrogate pair without the other half";
    case rj::kParseErrorStringEscapeInvalid:
      return "a string holds an unknown escape or an unescaped control character";
    case rj::kParseErrorStringMissQuotationMark:
      return "a string is not closed by a double quote";
    case rj::kParseErrorStringInvalidEncoding:
      return "a string is not valid UTF-8";
    case rj::kParseErrorNumberTooBig:
      return "a number is too large";
    case rj::kParseErrorNumberMissFraction:
      return "a number has a '.' with no digits after it";
    case rj::kParseErrorNumberMissExponent:
      return "a number has an exponent with no digits";
    case rj::kParseErrorTermination:
    case rj::kParseErrorUnspecificSyntaxError:
      return "syntax error";
  }
  return "syntax error";
}

template <typename Enum>
std::string enum_choices(int count) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    out += to_string(static_cast<Enum>(i));
  }
  return out;
}

std::string_view aggregate_field(InputTopic topic) {
  switch (topic) {
    case InputTopic::hours:
      return "volunteer_id";
    case InputTopic::activities:
      return "activity_id";
    case InputTopic::needs:
      return "need_id";
  }
  return "";
}

// A table rather than comparisons: checked for every byte of every event id.
constexpr std::array<bool, 256> kEventIdChars = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) {
    table[static_cast<size_t>(c)] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
                                    c == '-';
  }
  return table;
}();

inline bool is_event_id_char(char c) {
  return kEventIdChars[static_cast<unsigned char>(c)];
}

std::string timestamp_rule(std::string_view s) {
  if (s.size() > kMaxTimestampChars) {
    return "is " + std::to_string(s.size()) +
           " characters long; an RFC 3339 date-time here has at most " +
           std::to_string(kMaxTimestampChars);
  }
  return "must be an RFC 3339 date-time with an offset, e.g. 2027-03-05T09:30:00+08:00, got " +
         quoted(s);
}

// Reads the fields of one event type after the JSON types and presence were checked, in the
// order of its table; the first content check that fails is kept in `failure`.
template <typename Value>
class PayloadReader {
 public:
  PayloadReader(const Fields<Value>& fields, const ValidationRules& rules,
                const Timestamp& occurred_at)
      : fields_(fields), rules_(rules), occurred_at_(occurred_at) {}

  std::optional<Rejection> failure;

  bool text(std::string_view name, std::string& out) {
    const Value* v = fields_.get(name);
    if (v->GetStringLength() == 0) return fail(name, std::string(name) + " must not be empty");
    copy_text(out, {v->GetString(), v->GetStringLength()});
    return true;
  }
  bool text(std::string_view name, std::optional<std::string>& out) {
    if (!fields_.get(name)) return true;
    return text(name, out.emplace());
  }

  // Ids are copied into output records and keys, which must fit in a Kafka message however many
  // of them one record gathers (a needs-status record holds three).
  bool id(std::string_view name, std::string& out) {
    const Value* v = fields_.get(name);
    if (v->GetStringLength() > kMaxIdBytes) {
      return fail(name, std::string(name) + " is " + std::to_string(v->GetStringLength()) +
                            " bytes long; ids have at most " + std::to_string(kMaxIdBytes));
    }
    return text(name, out);
  }
  bool id(std::string_view name, std::optional<std::string>& out) {
    if (!fields_.get(name)) return true;
    return id(name, out.emplace());
  }

  bool boolean(std::string_view name, bool& out) {
    out = fields_.get(name)->GetBool();
    return true;
  }
  bool boolean(std::string_view name, std::optional<bool>& out) {
    if (!fields_.get(name)) return true;
    return boolean(name, out.emplace());
  }

  template <typename Int>
  bool integer(std::string_view name, int64_t min, int64_t max, Int& out) {
    const Value* v = fields_.get(name);
    const bool in_range = v->IsInt64() && v->GetInt64() >= min && v->GetInt64() <= max;
    if (!in_range) {
      const std::string got =
          v->IsInt64() ? std::to_string(v->GetInt64()) : std::to_string(v->GetUint64());
      const std::string bounds =
          max == INT64_MAX ? "at least " + std::to_string(min)
                           : "between " + std::to_string(min) + " and " + std::to_string(max);
      return fail(name, std::string(name) + " must be " + bounds + ", got " + got);
    }
    out = static_cast<Int>(v->GetInt64());
    return true;
  }
  template <typename Int>
  bool integer(std::string_view name, int64_t min, int64_t max, std::optional<Int>& out) {
    if (!fields_.get(name)) return true;
    return integer(name, min, max, out.emplace());
  }

  bool area(std::string_view name, AreaCode& out) {
    const std::string_view s = text_of(*fields_.get(name));
    const auto code = parse_area_code(s);
    if (!code) {
      return fail(name,
                  std::string(name) + " must be a six-digit GB/T 2260 code, got " + quoted(s));
    }
    if (!code->is_county_level()) {
      return fail(name, std::string(name) + " " + std::string(s) +
                            " is not county-level: digits 5-6 of a county code are never 00");
    }
    if (!rules_.area_allowed(*code)) {
      return fail(name,
                  std::string(name) + " " + std::string(s) + " is not on the configured area list");
    }
    out = *code;
    return true;
  }
  bool area(std::string_view name, std::optional<AreaCode>& out) {
    if (!fields_.get(name)) return true;
    return area(name, out.emplace());
  }

  template <typename Enum, int Count>
  bool enumeration(std::string_view name, std::optional<Enum> (*parse)(std::string_view),
                   Enum& out) {
    return one_of<Enum, Count>(name, -1, text_of(*fields_.get(name)), parse, out);
  }
  template <typename Enum, int Count>
  bool enumeration(std::string_view name, std::optional<Enum> (*parse)(std::string_view),
                   std::optional<Enum>& out) {
    if (!fields_.get(name)) return true;
    return enumeration<Enum, Count>(name, parse, out.emplace());
  }

  template <typename Enum, int Count>
  bool enum_list(std::string_view name, std::optional<Enum> (*parse)(std::string_view),
                 size_t min_size, std::vector<Enum>& out) {
    const Value& array = *fields_.get(name);
    if (array.Size() < min_size) {
      return fail(name, std::string(name) + " must list at least " + std::to_string(min_size) +
                            " value(s); allowed: " + enum_choices<Enum>(Count));
    }
    out.resize(array.Size());
    for (rj::SizeType i = 0; i < array.Size(); ++i) {
      if (!one_of<Enum, Count>(name, static_cast<int>(i), text_of(array[i]), parse, out[i])) {
        return false;
      }
    }
    return true;
  }
  template <typename Enum, int Count>
  bool enum_list(std::string_view name, std::optional<Enum> (*parse)(std::string_view),
                 size_t min_size, std::optional<std::vector<Enum>>& out) {
    if (!fields_.get(name)) return true;
    return enum_list<Enum, Count>(name, parse, min_size, out.emplace());
  }

  bool date(std::string_view name, LocalDate& out) {
    const std::string_view s = text_of(*fields_.get(name));
    const auto parsed = parse_date(s);
    if (!parsed) {
      return fail(name,
                  std::string(name) + " must be a calendar date YYYY-MM-DD, got " + quoted(s));
    }
    out = *parsed;
    return true;
  }
  bool date(std::string_view name, std::optional<LocalDate>& out) {
    if (!fields_.get(name)) return true;
    return date(name, out.emplace());
  }

  bool timestamp(std::string_view name, Timestamp& out) {
    const std::string_view s = text_of(*fields_.get(name));
    auto parsed = parse_timestamp(s);
    if (!parsed) return fail(name, std::string(name) + " " + timestamp_rule(s));
    out = std::move(*parsed);
    return true;
  }

  // service_date may not lie after the day the service was reported (in the configured zone).
  bool not_after_occurred(std::string_view name, LocalDate date) {
    const LocalDate reported = occurred_at_.local_date(rules_.zone);
    if (date > reported) {
      return fail(name, std::string(name) + " " + date.str() + " is after " + reported.str() +
                            ", the local date of occurred_at " + occurred_at_.text);
    }
    return true;
  }

  bool fail(std::string_view name, std::string detail) {
    failure = Rejection{Reason::invalid_field, std::string(name), std::move(detail)};
    return false;
  }

 private:
  // `index`: the position in an array field, -1 for a single value.
  template <typename Enum, int Count>
  bool one_of(std::string_view name, int index, std::string_view s,
              std::optional<Enum> (*parse)(std::string_view), Enum& out) {
    const auto parsed = parse(s);
    if (!parsed) {
      std::string label(name);
      if (index >= 0) label += "[" + std::to_string(index) + "]";
      return fail(name, label + " " + quoted(s) + " is not one of " + enum_choices<Enum>(Count));
    }
    out = *parsed;
    return true;
  }

  const Fields<Value>& fields_;
  const ValidationRules& rules_;
  const Timestamp& occurred_at_;
};

constexpr int kServiceTypeCount = static_cast<int>(ServiceType::other) + 1;
constexpr int kTargetGroupCount = static_cast<int>(TargetGroup::other) + 1;

// The content checks of each event type, in the order of its field table.
template <typename Value>
bool read_payload(EventType type, PayloadReader<Value>& r, Payload& payload) {
  constexpr int64_t kNoMax = INT64_MAX;
  switch (type) {
    case EventType::volunteer_registered: {
      auto& p = payload.emplace<VolunteerRegistered>();
      std::optional<std::vector<ServiceType>> skills;  // absent = no skills
      const bool ok = r.id("volunteer_id", p.volunteer_id) && r.area("area_code", p.area_code) &&
                      r.boolean("party_member", p.party_member) &&
                      r.template enum_list<ServiceType, kServiceTypeCount>(
                          "skills", parse_service_type, 0, skills);
      p.skills = std::move(skills).value_or(std::vector<ServiceType>{});
      return ok;
    }
    case EventType::volunteer_updated: {
      auto& p = payload.emplace<VolunteerUpdated>();
      return r.id("volunteer_id", p.volunteer_id) && r.area("area_code", p.area_code) &&
             r.boolean("party_member", p.party_member) &&
             r.template enum_list<ServiceType, kServiceTypeCount>("skills", parse_service_type, 0,
                                                                  p.skills);
    }
    case EventType::hours_submitted: {
      auto& p = payload.emplace<HoursSubmitted>();
      return r.id("volunteer_id", p.volunteer_id) && r.id("log_id", p.log_id) &&
             r.id("activity_id", p.activity_id) && r.area("area_code", p.area_code) &&
             r.template enumeration<Category, kCategoryCount>("category", parse_category,
                                                              p.category) &&
             r.date("service_date", p.service_date) &&
             r.not_after_occurred("service_date", p.service_date) &&
             r.integer("minutes", 1, 1440, p.minutes) &&
             r.template enumeration<ServiceType, kServiceTypeCount>(
                 "service_type", parse_service_type, p.service_type) &&
             r.template enumeration<TargetGroup, kTargetGroupCount>(
                 "target_group", parse_target_group, p.target_group);
    }
    case EventType::hours_verified: {
      auto& p = payload.emplace<HoursVerified>();
      return r.id("volunteer_id", p.volunteer_id) && r.id("log_id", p.log_id) &&
             r.id("verifier_id", p.verifier_id) && r.integer("quality", 1, 5, p.quality);
    }
    case EventType::hours_rejected: {
      auto& p = payload.emplace<HoursRejected>();
      return r.id("volunteer_id", p.volunteer_id) && r.id("log_id", p.log_id) &&
             r.id("verifier_id", p.verifier_id) && r.text("reason", p.reason);
    }
    case EventType::hours_amended: {
      auto& p = payload.emplace<HoursAmended>();
      return r.id("volunteer_id", p.volunteer_id) && r.id("log_id", p.log_id) &&
             r.integer("minutes", 1, 1440, p.minutes) && r.id("verifier_id", p.verifier_id) &&
             r.text("reason", p.reason);
    }
    case EventType::hours_revoked: {
      auto& p = payload.emplace<HoursRevoked>();
      return r.id("volunteer_id", p.volunteer_id) && r.id("log_id", p.log_id) &&
             r.text("reason", p.reason);
    }
    case EventType::activity_published: {
      auto& p = payload.emplace<ActivityPublished>();
      if (!(r.id("activity_id", p.activity_id) && r.text("title", p.title) &&
            r.id("organizer_id", p.organizer_id) && r.area("area_code", p.area_code) &&
            r.template enumeration<Category, kCategoryCount>("category", parse_category,
                                                             p.category) &&
            r.template enum_list<ServiceType, kServiceTypeCount>(
                "service_types", parse_service_type, 1, p.service_types) &&
            r.template enum_list<TargetGroup, kTargetGroupCount>(
                "target_groups", parse_target_group, 1, p.target_groups) &&
            r.timestamp("starts_at", p.starts_at) && r.timestamp("ends_at", p.ends_at))) {
        return false;
      }
      if (p.ends_at.epoch_nanos < p.starts_at.epoch_nanos) {
        return r.fail("ends_at",
                      "ends_at " + p.ends_at.text + " is before starts_at " + p.starts_at.text);
      }
      return r.id("station_id", p.station_id) && r.integer("capacity", 1, kNoMax, p.capacity);
    }
    case EventType::activity_completed: {
      auto& p = payload.emplace<ActivityCompleted>();
      return r.id("activity_id", p.activity_id) &&
             r.integer("participants", 0, kNoMax, p.participants) &&
             r.integer("beneficiaries", 0, kNoMax, p.beneficiaries);
    }
    case EventType::activity_cancelled: {
      auto& p = payload.emplace<ActivityCancelled>();
      return r.id("activity_id", p.activity_id) && r.text("reason", p.reason);
    }
    case EventType::need_posted: {
      auto& p = payload.emplace<NeedPosted>();
      return r.id("need_id", p.need_id) && r.area("area_code", p.area_code) &&
             r.template enumeration<NeedKind, 2>("kind", parse_need_kind, p.kind) &&
             r.template enumeration<ServiceType, kServiceTypeCount>(
                 "service_type", parse_service_type, p.service_type) &&
             r.template enumeration<TargetGroup, kTargetGroupCount>(
                 "target_group", parse_target_group, p.target_group) &&
             r.text("title", p.title) && r.date("deadline", p.deadline);
    }
    case EventType::need_claimed: {
      auto& p = payload.emplace<NeedClaimed>();
      return r.id("need_id", p.need_id) && r.id("claimant_id", p.claimant_id) &&
             r.template enumeration<ClaimantKind, 2>("claimant_kind", parse_claimant_kind,
                                                     p.claimant_kind);
    }
    case EventType::need_fulfilled: {
      auto& p = payload.emplace<NeedFulfilled>();
      return r.id("need_id", p.need_id) && r.id("fulfilled_by", p.fulfilled_by);
    }
    case EventType::need_cancelled: {
      auto& p = payload.emplace<NeedCancelled>();
      return r.id("need_id", p.need_id) && r.text("reason", p.reason);
    }
    case EventType::need_expired: {
      auto& p = payload.emplace<NeedExpired>();
      return r.id("need_id", p.need_id);
    }
  }
  return r.fail("type", "type has no field table");
}

void reject(DecodeResult& result, Reason reason, std::string_view field, std::string detail) {
  result.outcome = Rejection{reason, std::string(field), std::move(detail)};
}

}  // namespace

std::string_view to_string(JsonKind kind) {
  switch (kind) {
    case K::string:
      return "string";
    case K::integer:
      return "integer";
    case K::boolean:
      return "boolean";
    case K::string_array:
      return "array of strings";
  }
  return "unknown";
}

std::span<const FieldSpec> envelope_fields() {
  return kEnvelope;
}

std::span<const FieldSpec> payload_fields(EventType type) {
  return kPayloadFields[static_cast<size_t>(type)];
}

std::string_view to_string(Reason reason) {
  static constexpr std::array<std::string_view, kReasonCount> kNames = {
      "malformed",     "unknown_type",      "unsupported_version", "missing_field",
      "invalid_field", "unknown_reference", "invalid_transition",  "daily_limit_exceeded",
  };
  return kNames[static_cast<size_t>(reason)];
}

std::optional<Reason> parse_reason(std::string_view text) {
  for (int i = 0; i < kReasonCount; ++i) {
    if (to_string(static_cast<Reason>(i)) == text) return static_cast<Reason>(i);
  }
  return std::nullopt;
}

bool ValidationRules::area_allowed(AreaCode code) const {
  return areas.empty() || std::find(areas.begin(), areas.end(), code) != areas.end();
}

namespace {

// The checks after parsing, on the top-level object of either representation.
// Sets `slot` to the text of `v` when it is a string, keeping the string's memory.
template <typename Value>
void assign_text(std::optional<std::string>& slot, const Value* v) {
  if (v == nullptr || !v->IsString()) {
    slot.reset();
  } else if (slot) {
    copy_text(*slot, text_of(*v));
  } else {
    slot.emplace(text_of(*v));
  }
}

// Decodes into `result`, possibly an earlier message's: every field a fresh result would have
// is set, and the envelope strings are assigned, not rebuilt.
template <typename Value, typename Object>
void decode_object(const Object& object, const ValidationRules& rules,
                   std::optional<InputTopic> topic, std::optional<std::string_view> key,
                   DecodeResult& result) {
  if (!result.ok()) result.outcome.template emplace<Event>();

  // malformed: the envelope's JSON types.
  const NameIds<Value> names(object);
  const Fields<Value> envelope(object, kEnvelopeTable, names);
  assign_text(result.event_id, envelope.at(kEventIdSlot));
  assign_text(result.type, envelope.at(kTypeSlot));
  for (uint32_t bits = envelope.present; bits != 0; bits &= bits - 1) {
    const size_t i = envelope.first(bits);
    if (const Value* v = envelope.at(i); !kind_ok(*v, kEnvelope[i].kind)) {
      reject(result, Reason::malformed, kEnvelope[i].name,
             std::string(kEnvelope[i].name) + " " + kind_mismatch(*v, kEnvelope[i].kind));
      return;
    }
  }

  // malformed: the JSON types of the fields of the type, when the type is one of this topic.
  // A type of another topic is unknown here, so its fields are unknown fields.
  // Plain values rather than std::optional: GCC 12 reports a false maybe-uninitialized.
  const std::optional<EventType> parsed_type =
      result.type ? parse_event_type(*result.type) : std::nullopt;
  const bool known_type = parsed_type.has_value();
  const EventType type_value = parsed_type.value_or(EventType{});
  const bool type_on_topic = known_type && (!topic || topic_of(type_value) == *topic);
  const Fields<Value> payload_values(
      object, type_on_topic ? static_cast<size_t>(type_value) : kNoTable, names);
  for (uint32_t bits = payload_values.present; bits != 0; bits &= bits - 1) {
    const size_t i = payload_values.first(bits);
    if (const Value* v = payload_values.at(i); !kind_ok(*v, payload_values.specs[i].kind)) {
      reject(result, Reason::malformed, payload_values.specs[i].name,
             std::string(payload_values.specs[i].name) + " " +
                 kind_mismatch(*v, payload_values.specs[i].kind));
      return;
    }
  }

  if (!result.type) {
    reject(result, Reason::unknown_type, "type",
           "type is missing; every event names its type, e.g. \"hours.submitted\"");
    return;
  }
  if (!known_type) {
    reject(result, Reason::unknown_type, "type",
           "type " + quoted(*result.type) + " is not a known event type");
    return;
  }
  if (!type_on_topic) {
    reject(result, Reason::unknown_type, "type",
           "type " + std::string(to_string(type_value)) + " belongs to topic " +
               std::string(to_string(topic_of(type_value))) + ", not to topic " +
               std::string(to_string(*topic)));
    return;
  }

  if (const Value* v = envelope.at(kVersionSlot); v && !(v->IsInt64() && v->GetInt64() == 1)) {
    const std::string got =
        v->IsInt64() ? std::to_string(v->GetInt64()) : std::to_string(v->GetUint64());
    reject(result, Reason::unsupported_version, "schema_version",
           "schema_version " + got + " is not supported; this reader knows version 1");
    return;
  }

  // missing_field: the envelope, then the fields of the type.
  for (const Fields<Value>* fields : {&envelope, &payload_values}) {
    if (const uint32_t missing = fields->required & ~fields->present; missing != 0) {
      const size_t i = fields->first(missing);
      reject(result, Reason::missing_field, fields->specs[i].name,
             std::string(fields->specs[i].name) + " is required for " +
                 std::string(to_string(type_value)) + " and is missing or null");
      return;
    }
  }
  // area_code, party_member, skills: fields 1 to 3 of volunteer.updated.
  if (type_value == EventType::volunteer_updated && (payload_values.present & 0b1110) == 0) {
    reject(result, Reason::missing_field, "",
           "volunteer.updated must carry at least one of area_code, party_member, "
           "skills");
    return;
  }

  // invalid_field: the envelope, then the fields of the type, then the message key.
  Event& event = std::get<Event>(result.outcome);  // a default Event until a rejection
  event.envelope.type = type_value;
  event.envelope.event_id = *result.event_id;
  const std::string_view event_id = event.envelope.event_id;
  const auto bad_char = std::find_if_not(event_id.begin(), event_id.end(),
                                         [](char c) { return is_event_id_char(c); });
  if (event_id.empty() || event_id.size() > 128 || bad_char != event_id.end()) {
    std::string detail =
        "event_id must be 1 to 128 characters of A-Z a-z 0-9 . _ : -, got " + quoted(event_id);
    if (bad_char != event_id.end()) {
      detail += " (bad character at position " + std::to_string(bad_char - event_id.begin()) + ")";
    }
    reject(result, Reason::invalid_field, "event_id", std::move(detail));
    return;
  }
  const std::string_view occurred_text = text_of(*envelope.at(kOccurredAtSlot));
  const auto occurred_nanos = parse_timestamp_nanos(occurred_text);
  if (!occurred_nanos) {
    reject(result, Reason::invalid_field, "occurred_at",
           "occurred_at " + timestamp_rule(occurred_text));
    return;
  }
  copy_text(event.envelope.occurred_at.text, occurred_text);
  event.envelope.occurred_at.epoch_nanos = *occurred_nanos;
  assign_text(event.envelope.source, envelope.at(kSourceSlot));

  PayloadReader<Value> reader(payload_values, rules, event.envelope.occurred_at);
  if (!read_payload(type_value, reader, event.payload)) {
    Rejection failure = std::move(*reader.failure);
    result.outcome = std::move(failure);
    return;
  }

  if (key && *key != event.aggregate_id()) {
    const std::string field(aggregate_field(topic_of(type_value)));
    std::string detail = key->empty() ? "the message has no key (null or empty), "
                                      : "the message key " + quoted(*key) + " differs from ";
    detail += field + " " + quoted(event.aggregate_id()) + "; " +
              std::string(to_string(topic_of(type_value))) + " messages are keyed by " + field;
    reject(result, Reason::invalid_field, field, std::move(detail));
    return;
  }
}

}  // namespace

namespace internal {
namespace {

// Where `json` nests deeper than `limit` levels of [ and { (outside strings): the byte offset,
// or npos. One pass with no memory, so nesting costs no parser stack; strings are skipped with
// memchr (a quote ends one unless an odd run of backslashes precedes it).
size_t too_deep_at(std::string_view json, int limit) {
  const char* const begin = json.data();
  const char* const end = begin + json.size();
  // An event has a few brackets: finding them with memchr is cheaper than following strings.
  const auto few_brackets = [&] {
    size_t opening = 0;
    for (const char open : {'[', '{'}) {
      for (const char* p = begin;
           (p = static_cast<const char*>(std::memchr(p, open, static_cast<size_t>(end - p)))) !=
           nullptr;
           ++p) {
        if (++opening > static_cast<size_t>(limit)) return false;
      }
    }
    return true;
  };
  if (few_brackets()) return std::string_view::npos;
  int depth = 0;
  for (const char* p = begin; p < end; ++p) {
    const char c = *p;
    if (c == '"') {
      for (;;) {
        const void* quote = std::memchr(p + 1, '"', static_cast<size_t>(end - p - 1));
        if (quote == nullptr) return std::string_view::npos;  // unterminated: rapidjson says so
        p = static_cast<const char*>(quote);
        const char* q = p;
        while (q[-1] == '\\') --q;
        if ((p - q) % 2 == 0) break;
      }
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return static_cast<size_t>(p - begin);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::string_view::npos;
}

void decode_reference_into(DecodeResult& result, std::string_view json,
                           const ValidationRules& rules, std::optional<InputTopic> topic,
                           std::optional<std::string_view> key) {
  result.event_id.reset();  // `result` may hold an earlier message's; decode_object sets them
  result.type.reset();

  // Inputs are copied to outputs (dead letters, ids), so they must be UTF-8. A NUL byte
  // would end the in-place parse early; JSON never allows one outside an escape anyway.
  if (const size_t bad = utf8::first_invalid(json); bad != std::string_view::npos) {
    return reject(result, Reason::malformed, "",
                  "not valid JSON at byte " + std::to_string(bad) + ": not valid UTF-8");
  }
  if (const void* nul = std::memchr(json.data(), '\0', json.size())) {
    const auto at = static_cast<const char*>(nul) - json.data();
    return reject(result, Reason::malformed, "",
                  "not valid JSON at byte " + std::to_string(at) +
                      ": a NUL byte (control characters must be escaped in strings)");
  }
  if (const size_t deep = too_deep_at(json, rules.max_nesting_depth);
      deep != std::string_view::npos) {
    return reject(result, Reason::malformed, "",
                  "not valid JSON at byte " + std::to_string(deep) + ": nested deeper than " +
                      std::to_string(rules.max_nesting_depth) +
                      " levels of arrays and objects (the limit, [rules] max_nesting_depth)");
  }

  // Typical events fit the stack buffers, so decoding allocates only the event's own strings.
  // A pool keeps its chunk header (24 bytes) in the buffer it is given, so the parse buffer is
  // twice the parser's initial stack: the stack fits, and so does its first in-place growth.
  // (With the stack as large as the buffer, every event malloc'ed and freed a 64 KiB chunk.)
  constexpr size_t kParseStackBytes = 1024;
  char line_buffer[4096];
  char value_buffer[4096];
  char parse_buffer[2 * kParseStackBytes + 64];
  std::string large_line;
  char* line = line_buffer;
  if (json.size() < sizeof line_buffer) {
    std::memcpy(line_buffer, json.data(), json.size());
    line_buffer[json.size()] = '\0';
  } else {
    large_line.assign(json);
    line = large_line.data();
  }
  Pool value_pool(value_buffer, sizeof value_buffer);
  Pool parse_pool(parse_buffer, sizeof parse_buffer);
  Document doc(&value_pool, kParseStackBytes, &parse_pool);
  doc.ParseInsitu<kParseFlags>(line);

  if (doc.HasParseError()) {
    return reject(result, Reason::malformed, "",
                  "not valid JSON at byte " + std::to_string(doc.GetErrorOffset()) + ": " +
                      std::string(describe_parse_error(doc.GetParseError())));
  }
  if (!doc.IsObject()) {
    return reject(
        result, Reason::malformed, "",
        "the message is " + describe_json_type(doc) + ", but an event must be a JSON object");
  }

  decode_object<DomValue>(doc, rules, topic, key, result);
}

// The flat scanner when it takes the message, else rapidjson.
void decode_traced_into(DecodeResult& result, std::string_view json, const ValidationRules& rules,
                        std::optional<InputTopic> topic, std::optional<std::string_view> key,
                        DecodePath* path) {
  // Most input is flat and plain; everything else, including every error of JSON syntax or
  // encoding, is left to rapidjson, which explains it.
  flat_json::Object flat;
  if (flat_json::scan(json, flat)) {
    if (path) *path = DecodePath::flat;
    decode_object<FlatValue>(flat, rules, topic, key, result);
    return;
  }
  if (path) *path = DecodePath::reference;
  decode_reference_into(result, json, rules, topic, key);
}

}  // namespace

DecodeResult decode_event_reference(std::string_view json, const ValidationRules& rules,
                                    std::optional<InputTopic> topic,
                                    std::optional<std::string_view> key) {
  DecodeResult result;
  decode_reference_into(result, json, rules, topic, key);
  return result;
}

DecodeResult decode_event_traced(std::string_view json, const ValidationRules& rules,
                                 std::optional<InputTopic> topic,
                                 std::optional<std::string_view> key, DecodePath* path) {
  DecodeResult result;
  decode_traced_into(result, json, rules, topic, key, path);
  return result;
}

}  // namespace internal

DecodeResult decode_event(std::string_view json, const ValidationRules& rules,
                          std::optional<InputTopic> topic, std::optional<std::string_view> key) {
  return internal::decode_event_traced(json, rules, topic, key, nullptr);
}

void decode_event_into(DecodeResult& result, std::string_view json, const ValidationRules& rules,
                       std::optional<InputTopic> topic, std::optional<std::string_view> key) {
  internal::decode_traced_into(result, json, rules, topic, key, nullptr);
}

}  // namespace leifeng::schemas
