// The output records of SPEC §6 and their JSON form. Field order in JSON follows SPEC §6.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

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
  std::optional<std::string> at;  // the event's occurred_at when it had one (no wall clock)
  friend bool operator==(const DeadLetterRecord&, const DeadLetterRecord&) = default;
};

// Compact JSON, one object, no trailing newline.
std::string to_json(const StarRecord&);
std::string to_json(const StarChange&);
std::string to_json(const NeedStatusRecord&);
std::string to_json(const CountyStatsRecord&);
std::string to_json(const DeadLetterRecord&);

// Parsing back what to_json wrote (export, audit diff, report). nullopt on anything else.
std::optional<StarRecord> star_record_from_json(std::string_view);
std::optional<StarChange> star_change_from_json(std::string_view);
std::optional<NeedStatusRecord> need_status_from_json(std::string_view);
std::optional<CountyStatsRecord> county_stats_from_json(std::string_view);
std::optional<DeadLetterRecord> dead_letter_from_json(std::string_view);

}  // namespace leifeng::schemas
