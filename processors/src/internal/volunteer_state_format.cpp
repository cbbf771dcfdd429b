// VolunteerState's stored format. The volunteers store is most of what `run` writes (every
// changed volunteer, whole, to RocksDB and its changelog at each commit), so its records are
// compact: varints, and the ids of logs and applied events without the hashes that are rebuilt
// on load. Records in the first release's cereal format are still read.
#include "leifeng/processors/ledger.hpp"
#include "leifeng/runtime/prefetch.hpp"
#include "leifeng/runtime/typed_store.hpp"

namespace leifeng::processors {

std::string VolunteerState::encode_stored(const VolunteerState& state) {
  std::string bytes;
  bytes.reserve(64 + 24 * state.logs.size() + 16 * state.applied.size());
  StoredBytesWriter out(bytes);
  out.byte(kCompactFormat);
  out.byte(static_cast<uint8_t>((state.registered ? 1 : 0) | (state.party_member ? 2 : 0)));
  out.varint(state.skills.size());
  for (const uint8_t skill : state.skills) out.byte(skill);
  out.varint(state.registered_area);
  out.varint(state.first_log_area);
  state.logs.write_compact(out);
  state.applied.write_compact(out);
  out.varint(state.daily.days().size());
  for (const DailyMinutes& day : state.daily.days()) {
    out.signed_varint(day.service_date);
    out.signed_varint(day.minutes);
  }
  out.varint(state.verified_counts.counts().size());
  for (const VerifiedCount& count : state.verified_counts.counts()) {
    out.varint(count.area);
    out.byte(count.period_kind);
    out.signed_varint(count.period_value);
    out.signed_varint(count.logs);
  }
  out.signed_varint(state.minutes_verified);
  out.signed_varint(state.logs_verified);
  out.signed_varint(state.quality_minutes);
  out.signed_varint(state.star_level);
  out.text(state.as_of);
  return bytes;
}

void VolunteerState::prefetch_stored() const {
  const auto lines = [](const auto& items) {
    runtime::prefetch_front(items.data(), items.size() * sizeof(*items.data()));
  };
  lines(skills);
  logs.prefetch_logs();
  applied.prefetch_ids();
  lines(daily.days());
  lines(verified_counts.counts());
  runtime::prefetch_bytes(as_of.data(), as_of.size());
}

namespace {

VolunteerState decode_compact(std::string_view bytes) {
  StoredBytesReader in(bytes);
  in.byte();  // kCompactFormat
  VolunteerState state;
  const uint8_t flags = in.byte();
  if (flags > 3) throw StoredFormatError("stored volunteer: unknown flags");
  state.registered = (flags & 1) != 0;
  state.party_member = (flags & 2) != 0;
  state.skills.resize(in.count(1));
  for (uint8_t& skill : state.skills) {
    skill = in.byte();
    if (skill > static_cast<uint8_t>(schemas::ServiceType::other))
      throw StoredFormatError("stored volunteer: unknown skill");
  }
  state.registered_area = in.varint_as<uint32_t>();
  state.first_log_area = in.varint_as<uint32_t>();
  state.logs.read_compact(in);
  state.applied.read_compact(in);
  for (size_t days = in.count(2); days > 0; --days) {
    const int32_t date = in.signed_varint_as<int32_t>();
    const int32_t minutes = in.signed_varint_as<int32_t>();
    state.daily.restore(date, minutes);
  }
  for (size_t counts = in.count(4); counts > 0; --counts) {
    VerifiedCount count;
    count.area = in.varint_as<uint32_t>();
    count.period_kind = in.byte();
    if (count.period_kind > static_cast<uint8_t>(Period::Kind::total))
      throw StoredFormatError("stored verified counts: unknown period");
    count.period_value = in.signed_varint_as<int32_t>();
    count.logs = in.signed_varint_as<int32_t>();
    state.verified_counts.restore(count);
  }
  state.minutes_verified = in.signed_varint();
  state.logs_verified = in.signed_varint();
  state.quality_minutes = in.signed_varint();
  state.star_level = in.signed_varint_as<int32_t>();
  state.as_of.assign(in.text());
  in.expect_end();
  return state;
}

}  // namespace

VolunteerState VolunteerState::decode_stored(std::string_view bytes) {
  if (bytes.empty()) throw StoredFormatError("stored volunteer: empty");
  const auto format = static_cast<uint8_t>(bytes.front());
  if (format == kCompactFormat) return decode_compact(bytes);
  if (format <= 1) return runtime::portable_binary_decode<VolunteerState>(bytes);
  throw StoredFormatError("stored volunteer: unknown format " + std::to_string(format));
}

}  // namespace leifeng::processors
