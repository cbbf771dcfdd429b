// What the matching processor (SPEC §8) learns from the processors keyed by volunteer and by
// need: the internal stream <application_id>-match-changes, keyed by the six-digit area code,
// so that a county's needs and the volunteers living there meet in one task. Only leifeng
// writes it; each change is one of
//   - a volunteer's matching profile in that area before and after an event (either absent:
//     the volunteer arrives in or leaves the area's pool),
//   - a need posted there, or a need's new status.
// A message holds one change (format version 1) or, live, the changes of one area and commit
// interval in order (version 2, MatchChangeBatch): issue 17, a message per change was the
// largest stream a run wrote.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leifeng/runtime/processor.hpp"

namespace leifeng::processors {

// What matching needs of a volunteer who may be suggested in an area: registered there, with at
// least one skill (a volunteer without skills is never eligible).
struct MatchProfile {
  bool party_member = false;
  uint8_t star_level = 0;
  uint16_t skills = 0;  // bit i = schemas::ServiceType i
  bool has_skill(uint8_t service_type) const { return (skills >> service_type) & 1u; }
  friend bool operator==(const MatchProfile&, const MatchProfile&) = default;
};

struct MatchChange {
  enum class Kind : uint8_t { volunteer = 1, need_posted = 2, need_status = 3 };
  Kind kind = Kind::volunteer;
  uint32_t area = 0;
  std::string as_of;  // occurred_at of the event that caused it
  std::string id;     // volunteer_id or need_id
  // volunteer
  std::optional<MatchProfile> before;
  std::optional<MatchProfile> after;
  // need_posted
  uint8_t need_kind = 0;     // schemas::NeedKind
  uint8_t service_type = 0;  // schemas::ServiceType
  // need_status
  uint8_t status = 0;  // NeedStatus

  friend bool operator==(const MatchChange&, const MatchChange&) = default;
};

// Binary form: version byte 1, kind (u8), area (u32), as_of and id (u16 length and bytes), then
// volunteer: flags (u8, bit 0 before, bit 1 after) and per profile party (u8), star (u8),
// skills (u16); need_posted: kind (u8), service type (u8); need_status: status (u8). Numbers
// little-endian.
std::string encode_match_change(const MatchChange& change);
// nullopt for anything encode_match_change did not write.
std::optional<MatchChange> decode_match_change(std::string_view bytes);
// The same into `change`, reusing its strings' buffers (one decode per message); false (and
// `change` unspecified) for anything encode_match_change did not write.
bool decode_match_change(std::string_view bytes, MatchChange& change);

// Emits `change` to `stream`, keyed by its area's six digits (format version 1).
void emit_match_change(runtime::Emitter& out, std::string_view stream, const MatchChange& change);

// Format version 2, a list: version byte 2, the number of changes (u16, at least 1), then per
// change a u16 length and the change's version-1 bytes; every change of one area.
inline constexpr size_t kMatchChangeListHeaderBytes = 3;
// Makes `list` an empty version-2 list (its buffer is kept).
void start_match_change_list(std::string& list);
// Appends `change` to a list start_match_change_list() began and returns its bytes, length
// included; 0 (nothing appended) for a change over 0xFFFF bytes, which only version 1 carries.
size_t append_match_change(std::string& list, const MatchChange& change);
// The number of changes in a list being built.
size_t match_change_list_count(std::string_view list);
// The changes of a message of either version into changes[0 .. count), in order, reusing the
// vector's elements; false for anything encode_match_change or a list of its changes in one
// area did not write (changes and count unspecified then).
bool decode_match_changes(std::string_view bytes, std::vector<MatchChange>& changes, size_t& count);

}  // namespace leifeng::processors
