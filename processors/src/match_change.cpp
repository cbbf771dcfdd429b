#include "leifeng/processors/match_change.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "leifeng/schemas/domain.hpp"

namespace leifeng::processors {

namespace {

constexpr uint8_t kVersion = 1;
constexpr uint8_t kListVersion = 2;

// Writes at a cursor into a string sized beforehand: one allocation per message and no
// length check per byte (a push_back per byte was a visible share of matching's cost).
class Writer {
 public:
  explicit Writer(char* at) : at_(at) {}
  void u8(uint8_t v) { *at_++ = static_cast<char>(v); }
  void u16(uint16_t v) {
    u8(static_cast<uint8_t>(v));
    u8(static_cast<uint8_t>(v >> 8));
  }
  void u32(uint32_t v) {
    u16(static_cast<uint16_t>(v));
    u16(static_cast<uint16_t>(v >> 16));
  }
  void text(std::string_view text) {
    u16(static_cast<uint16_t>(text.size()));
    std::memcpy(at_, text.data(), text.size());
    at_ += text.size();
  }
  void profile(const MatchProfile& p) {
    u8(p.party_member ? 1 : 0);
    u8(p.star_level);
    u16(p.skills);
  }

 private:
  char* at_;
};

constexpr size_t kProfileBytes = 4;

// At most 0xFFFF bytes of a text (the u16 length).
std::string_view capped(std::string_view text) {
  return text.substr(0, std::min<size_t>(text.size(), 0xFFFF));
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool ok() const { return ok_; }
  bool done() const { return at_ == bytes_.size(); }
  uint8_t u8() {
    if (at_ >= bytes_.size()) {
      ok_ = false;
      return 0;
    }
    return static_cast<uint8_t>(bytes_[at_++]);
  }
  uint16_t u16() {
    const uint16_t low = u8();
    return static_cast<uint16_t>(low | (u8() << 8));
  }
  uint32_t u32() {
    const uint32_t low = u16();
    return low | (static_cast<uint32_t>(u16()) << 16);
  }
  std::string_view text() {
    const uint16_t size = u16();
    if (!ok_ || bytes_.size() - at_ < size) {
      ok_ = false;
      return {};
    }
    const std::string_view out = bytes_.substr(at_, size);
    at_ += size;
    return out;
  }
  MatchProfile profile() {
    MatchProfile p;
    const uint8_t party = u8();
    if (party > 1) ok_ = false;
    p.party_member = party == 1;
    p.star_level = u8();
    p.skills = u16();
    return p;
  }

 private:
  std::string_view bytes_;
  size_t at_ = 0;
  bool ok_ = true;
};

size_t encoded_size(const MatchChange& change) {
  size_t size = 1 + 1 + 4 + 2 + capped(change.as_of).size() + 2 + capped(change.id).size();
  switch (change.kind) {
    case MatchChange::Kind::volunteer:
      size += 1 + (change.before ? kProfileBytes : 0) + (change.after ? kProfileBytes : 0);
      break;
    case MatchChange::Kind::need_posted:
      size += 2;
      break;
    case MatchChange::Kind::need_status:
      size += 1;
      break;
  }
  return size;
}

// Writes the encoded_size(change) bytes of version 1 at `at`.
void encode_into(const MatchChange& change, char* at) {
  Writer out(at);
  out.u8(kVersion);
  out.u8(static_cast<uint8_t>(change.kind));
  out.u32(change.area);
  out.text(capped(change.as_of));
  out.text(capped(change.id));
  switch (change.kind) {
    case MatchChange::Kind::volunteer:
      out.u8(static_cast<uint8_t>((change.before ? 1 : 0) | (change.after ? 2 : 0)));
      if (change.before) out.profile(*change.before);
      if (change.after) out.profile(*change.after);
      break;
    case MatchChange::Kind::need_posted:
      out.u8(change.need_kind);
      out.u8(change.service_type);
      break;
    case MatchChange::Kind::need_status:
      out.u8(change.status);
      break;
  }
}

}  // namespace

std::string encode_match_change(const MatchChange& change) {
  std::string bytes(encoded_size(change), '\0');
  encode_into(change, bytes.data());
  return bytes;
}

bool decode_match_change(std::string_view bytes, MatchChange& change) {
  Reader in(bytes);
  if (in.u8() != kVersion) return false;
  const uint8_t kind = in.u8();
  change.area = in.u32();
  change.as_of.assign(in.text());  // assign: the strings' buffers are reused
  change.id.assign(in.text());
  change.before.reset();
  change.after.reset();
  change.need_kind = 0;
  change.service_type = 0;
  change.status = 0;
  switch (kind) {
    case static_cast<uint8_t>(MatchChange::Kind::volunteer): {
      change.kind = MatchChange::Kind::volunteer;
      const uint8_t flags = in.u8();
      if (flags > 3) return false;
      if (flags & 1) change.before = in.profile();
      if (flags & 2) change.after = in.profile();
      break;
    }
    case static_cast<uint8_t>(MatchChange::Kind::need_posted):
      change.kind = MatchChange::Kind::need_posted;
      change.need_kind = in.u8();
      change.service_type = in.u8();
      break;
    case static_cast<uint8_t>(MatchChange::Kind::need_status):
      change.kind = MatchChange::Kind::need_status;
      change.status = in.u8();
      break;
    default:
      return false;
  }
  return in.ok() && in.done() && !change.id.empty() &&
         schemas::AreaCode{change.area}.is_county_level();
}

std::optional<MatchChange> decode_match_change(std::string_view bytes) {
  MatchChange change;
  if (!decode_match_change(bytes, change)) return std::nullopt;
  return change;
}

void emit_match_change(runtime::Emitter& out, std::string_view stream, const MatchChange& change) {
  const std::array<char, 6> key = schemas::AreaCode{change.area}.digits();
  out.emit(stream, std::string_view(key.data(), key.size()), encode_match_change(change));
}

void start_match_change_list(std::string& list) {
  list.assign(kMatchChangeListHeaderBytes, '\0');
  list[0] = static_cast<char>(kListVersion);
}

size_t append_match_change(std::string& list, const MatchChange& change) {
  const size_t size = encoded_size(change);
  if (size > 0xFFFF) return 0;  // ids and timestamps this long fail validation upstream
  const size_t at = list.size();
  list.resize(at + 2 + size);
  Writer length(list.data() + at);
  length.u16(static_cast<uint16_t>(size));
  encode_into(change, list.data() + at + 2);
  Writer count(list.data() + 1);
  count.u16(static_cast<uint16_t>(match_change_list_count(list) + 1));
  return 2 + size;
}

size_t match_change_list_count(std::string_view list) {
  Reader in(list.substr(1, 2));
  return in.u16();
}

bool decode_match_changes(std::string_view bytes, std::vector<MatchChange>& changes,
                          size_t& count) {
  if (changes.empty()) changes.resize(1);
  if (!bytes.empty() && static_cast<uint8_t>(bytes[0]) == kVersion) {
    count = 1;
    return decode_match_change(bytes, changes[0]);
  }
  Reader in(bytes);
  if (in.u8() != kListVersion) return false;
  const size_t listed = in.u16();
  if (!in.ok() || listed == 0) return false;
  // The vector grows with the changes actually decoded, not with the count a message claims.
  for (count = 0; count < listed; ++count) {
    const std::string_view entry = in.text();
    if (!in.ok()) return false;
    if (count == changes.size()) changes.emplace_back();
    if (!decode_match_change(entry, changes[count])) return false;
    if (changes[count].area != changes[0].area) return false;
  }
  return in.done();
}

}  // namespace leifeng::processors
