#include "leifeng/processors/match_change.hpp"

#include "leifeng/schemas/domain.hpp"

namespace leifeng::processors {

namespace {

constexpr uint8_t kVersion = 1;

void put_u8(std::string& out, uint8_t v) {
  out.push_back(static_cast<char>(v));
}
void put_u16(std::string& out, uint16_t v) {
  put_u8(out, static_cast<uint8_t>(v));
  put_u8(out, static_cast<uint8_t>(v >> 8));
}
void put_u32(std::string& out, uint32_t v) {
  put_u16(out, static_cast<uint16_t>(v));
  put_u16(out, static_cast<uint16_t>(v >> 16));
}
void put_text(std::string& out, std::string_view text) {
  const size_t size = text.size() > 0xFFFF ? 0xFFFF : text.size();
  put_u16(out, static_cast<uint16_t>(size));
  out.append(text.substr(0, size));
}
void put_profile(std::string& out, const MatchProfile& p) {
  put_u8(out, p.party_member ? 1 : 0);
  put_u8(out, p.star_level);
  put_u16(out, p.skills);
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
  std::string text() {
    const uint16_t size = u16();
    if (!ok_ || bytes_.size() - at_ < size) {
      ok_ = false;
      return {};
    }
    std::string out(bytes_.substr(at_, size));
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

}  // namespace

std::string encode_match_change(const MatchChange& change) {
  std::string out;
  out.reserve(32 + change.as_of.size() + change.id.size());
  put_u8(out, kVersion);
  put_u8(out, static_cast<uint8_t>(change.kind));
  put_u32(out, change.area);
  put_text(out, change.as_of);
  put_text(out, change.id);
  switch (change.kind) {
    case MatchChange::Kind::volunteer:
      put_u8(out, static_cast<uint8_t>((change.before ? 1 : 0) | (change.after ? 2 : 0)));
      if (change.before) put_profile(out, *change.before);
      if (change.after) put_profile(out, *change.after);
      break;
    case MatchChange::Kind::need_posted:
      put_u8(out, change.need_kind);
      put_u8(out, change.service_type);
      break;
    case MatchChange::Kind::need_status:
      put_u8(out, change.status);
      break;
  }
  return out;
}

std::optional<MatchChange> decode_match_change(std::string_view bytes) {
  Reader in(bytes);
  if (in.u8() != kVersion) return std::nullopt;
  MatchChange change;
  const uint8_t kind = in.u8();
  change.area = in.u32();
  change.as_of = in.text();
  change.id = in.text();
  switch (kind) {
    case static_cast<uint8_t>(MatchChange::Kind::volunteer): {
      change.kind = MatchChange::Kind::volunteer;
      const uint8_t flags = in.u8();
      if (flags > 3) return std::nullopt;
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
      return std::nullopt;
  }
  if (!in.ok() || !in.done() || change.id.empty() ||
      !schemas::AreaCode{change.area}.is_county_level()) {
    return std::nullopt;
  }
  return change;
}

void emit_match_change(runtime::Emitter& out, std::string_view stream, const MatchChange& change) {
  // The six digits of AreaCode::str, written here without snprintf: one message per volunteer
  // change made the formatting a visible share of matching's cost.
  char key[6];
  uint32_t value = change.area % 1000000;
  for (int i = 5; i >= 0; --i) {
    key[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out.emit(stream, std::string_view(key, sizeof key), encode_match_change(change));
}

}  // namespace leifeng::processors
