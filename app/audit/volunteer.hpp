// `leifeng audit volunteer ID` (SPEC §7): the hour logs behind one volunteer's star level.
// The volunteer's events — and only theirs — go through the ledger processor itself, the code
// that produced the live stars, so the explanation cannot disagree with the tables: each
// event's outcome (applied, duplicate, dead-lettered with the reason), the logs it changed,
// the star changes, and how the final level follows from SPEC §4.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leifeng/processors/domain_config.hpp"
#include "leifeng/processors/event_processor.hpp"
#include "leifeng/processors/ledger.hpp"
#include "leifeng/schemas/records.hpp"

namespace leifeng::app {

struct AuditedEvent {
  std::string position;     // "line 12" or "partition 3 offset 40"
  std::string event_id;     // "" when the message had none
  std::string type;         // "" when it had none
  std::string occurred_at;  // as it arrived; "" when it did not decode
  runtime::Outcome outcome = runtime::Outcome::applied;
  std::optional<schemas::Reason> reason;         // dead-lettered
  std::string detail;                            // dead-lettered: why
  std::string log_id;                            // hours.* events; "" otherwise
  std::optional<processors::HourLog> log_after;  // applied hours.* events: the log it left
};

struct VolunteerAudit {
  std::string volunteer_id;
  std::vector<AuditedEvent> events;
  std::vector<schemas::StarChange> star_changes;
  std::optional<processors::VolunteerState> state;  // nullopt when nothing was applied
};

class VolunteerAuditor {
 public:
  // `source` names dead-letter sources as the replay being explained does (file or topic).
  VolunteerAuditor(const processors::DomainConfig& config, std::string volunteer_id,
                   processors::SourceNaming source);
  ~VolunteerAuditor();
  VolunteerAuditor(const VolunteerAuditor&) = delete;
  VolunteerAuditor& operator=(const VolunteerAuditor&) = delete;

  // A line of an events file, taken when it routes to the hours topic under this volunteer
  // (as `publish` would send it); handled as `replay --input` handles it.
  void feed_line(std::string_view line, int64_t line_number);
  // A message of the hours topic, taken when its key is the volunteer; handled as live.
  void feed_message(int32_t partition, int64_t offset, std::optional<std::string_view> key,
                    std::string_view value);
  VolunteerAudit finish();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// The report: counts, hour logs with their events, other events, star history, and the level
// derivation (verified minutes, mean quality x100, thresholds reached, quality floor, level).
std::string render_volunteer_audit(const VolunteerAudit& audit,
                                   const processors::DomainConfig& config);

}  // namespace leifeng::app
