// The output records of SPEC §6 and their JSON form. Field order in JSON follows SPEC §6.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leifeng/schemas/validation.hpp"

namespace leifeng::schemas {

// leifeng.stars.v1, key volunteer_id.
struct StarRecord {
  std::string volunteer_id;
  std::string home_area;  // six digits
  bool registered = false;
  bool party_member = false;
  int32_t star_level = 0;
  int64_t minutes_verified = 0;
  int64_t logs_verified = 0;
  int64_t mean_quality_x100 = 0;
  std::string as_of;  // occurred_at of the last applied event, as it arrived
  friend bool operator==(const StarRecord&, const StarRecord&) = default;
};

// leifeng.star-changes.v1, key volunteer_id.
struct StarChange {
  std::string volunteer_id;
  int32_t from_level = 0;
  int32_t to_level = 0;
  int64_t minutes_verified = 0;
  int64_t mean_quality_x100 = 0;
  std::string cause_event_id;
  std::string occurred_at;
  friend bool operator==(const StarChange&, const StarChange&) = default;
};

// leifeng.needs-status.v1, key need_id. Absent values are JSON null.
struct NeedStatusRecord {
  std::string need_id;
  std::string area_code;
  std::string kind;
  std::string service_type;
  std::string target_group;
  std::string status;  // open, claimed, fulfilled, cancelled, expired
  std::string posted_at;
  std::optional<std::string> claimed_at;
  std::optional<std::string> claimant_id;
  std::optional<std::string> fulfilled_at;
  std::optional<std::string> fulfilled_by;
  std::optional<std::string> closed_at;
  friend bool operator==(const NeedStatusRecord&, const NeedStatusRecord&) = default;
};

// leifeng.county-stats.v1, key "<area_code>/<period>". Zero metrics are left out.
struct CountyStatsRecord {
  std::string area_code;
  std::string period;  // YYYY-MM-DD, YYYY-MM or total
  std::map<std::string, int64_t> metrics;
  int64_t revision = 0;
  std::string as_of;
  std::string key() const { return area_code + "/" + period; }
  friend bool operator==(const CountyStatsRecord&, const CountyStatsRecord&) = default;
};

// One suggested volunteer of a need (SPEC §8).
struct MatchCandidate {
  std::string volunteer_id;
  int32_t star_level = 0;
  bool party_member = false;
  friend bool operator==(const MatchCandidate&, const MatchCandidate&) = default;
};

// leifeng.need-matches.v1, key need_id (SPEC §8): candidates in rank order, [] unless open.
struct NeedMatchRecord {
  std::string need_id;
  std::string area_code;
  std::string service_type;
  std::string kind;
  std::string status;
  std::vector<MatchCandidate> candidates;
  std::string as_of;
  friend bool operator==(const NeedMatchRecord&, const NeedMatchRecord&) = default;
};

// leifeng.stations.v1, key "<area_code>/<station_id>" (SPEC §9, as built): the months in
// which activities published with a start in that area named the station, in order.
struct StationRecord {
  std::string area_code;
  std::string station_id;
  std::vector<std::string> months;  // YYYY-MM, ascending
  std::string key() const { return area_code + "/" + station_id; }
  friend bool operator==(const StationRecord&, const StationRecord&) = default;
};

// Where a dead-lettered input came from: a Kafka message or a line of an events file.
struct KafkaSource {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  friend bool operator==(const KafkaSource&, const KafkaSource&) = default;
};
struct FileSource {
  std::string file;
  int64_t line = 0;  // 1-based
  friend bool operator==(const FileSource&, const FileSource&) = default;
};

// A dead-letter payload that was cut to fit (spec §6): the record then adds
// "payload_truncated":true, "payload_bytes" and "payload_sha256".
struct PayloadCut {
  int64_t original_bytes = 0;  // the size of the whole original message value
  std::string sha256;          // of the whole original value, lowercase hex
  friend bool operator==(const PayloadCut&, const PayloadCut&) = default;
};

// leifeng.dead-letter.v1, key = the original message key.
struct DeadLetterRecord {
  Reason reason{};
  std::optional<std::string> field;
  std::string detail;
  std::optional<std::string> event_id;
  std::optional<std::string> type;
  std::variant<KafkaSource, FileSource> source;
  // The original message text; in JSON, bytes that are not UTF-8 become U+FFFD.
  std::string payload;
  std::optional<std::string> at;    // the event's occurred_at when it had one (no wall clock)
  std::optional<PayloadCut> cut{};  // set when `payload` is a prefix of the original
  friend bool operator==(const DeadLetterRecord&, const DeadLetterRecord&) = default;
};

// Every dead-letter record must fit in one Kafka message: librdkafka's producer refuses a
// message over its message.max.bytes (default 1,000,000 bytes), the transaction aborts and
// every restart meets the same input again. The payload is the part that grows with the
// input, and JSON escaping can make it six times the original (a control byte is \u00XX), so
// the limit applies to its JSON form. 512 KiB (spec §6) leaves the other fields (each cut at
// kDeadLetterTextLimit, at most six times that once escaped), the envelope and the key room
// under 1,000,000 bytes.
inline constexpr size_t kDeadLetterPayloadLimit = 512 * 1024;
// field, detail, event_id and type: a valid event_id is at most 128 bytes and details quote
// values at 64, so only a broken input reaches this.
inline constexpr size_t kDeadLetterTextLimit = 1024;

// Puts `payload` into the record: whole when its JSON form (bytes that are not UTF-8 as
// U+FFFD, escapes, without the quotes) is at most `limit` bytes; else the longest prefix of
// whole characters whose JSON form is, and `cut` names the original's size and SHA-256.
void set_dead_letter_payload(DeadLetterRecord& record, std::string_view payload,
                             size_t limit = kDeadLetterPayloadLimit);

// `text` when it is at most `limit` bytes, else its first `limit` bytes or fewer, cut at a
// UTF-8 boundary, and "…".
std::string cut_dead_letter_text(std::string_view text, size_t limit = kDeadLetterTextLimit);

// Compact JSON, one object, no trailing newline.
std::string to_json(const StarRecord&);
std::string to_json(const StarChange&);
std::string to_json(const NeedStatusRecord&);
std::string to_json(const CountyStatsRecord&);
std::string to_json(const DeadLetterRecord&);
std::string to_json(const NeedMatchRecord&);
std::string to_json(const StationRecord&);

// Parsing back what to_json wrote (export, audit diff, report). nullopt on anything else.
std::optional<StarRecord> star_record_from_json(std::string_view);
std::optional<StarChange> star_change_from_json(std::string_view);
std::optional<NeedStatusRecord> need_status_from_json(std::string_view);
std::optional<CountyStatsRecord> county_stats_from_json(std::string_view);
std::optional<DeadLetterRecord> dead_letter_from_json(std::string_view);
std::optional<NeedMatchRecord> need_match_from_json(std::string_view);
std::optional<StationRecord> station_from_json(std::string_view);

}  // namespace leifeng::schemas
