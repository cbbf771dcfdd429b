#include "audit/volunteer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <type_traits>
#include <variant>

#include "drivers/in_process_options.hpp"
#include "kafka/event_router.hpp"
#include "leifeng/processors/wiring.hpp"
#include "leifeng/runtime/in_memory_runner.hpp"

namespace leifeng::app {

namespace {

namespace outputs = processors::outputs;

std::string_view state_name(processors::LogState state) {
  switch (state) {
    case processors::LogState::submitted:
      return "SUBMITTED";
    case processors::LogState::verified:
      return "VERIFIED";
    case processors::LogState::rejected:
      return "REJECTED";
    case processors::LogState::revoked:
      return "REVOKED";
  }
  return "?";
}

// The log an hours.* event refers to; "" for volunteer.* events.
std::string log_id_of(const schemas::Event& event) {
  return std::visit(
      [](const auto& payload) -> std::string {
        if constexpr (requires { payload.log_id; }) {
          return payload.log_id;
        } else {
          return {};
        }
      },
      event.payload);
}

std::string describe_log(const processors::HourLog& log) {
  std::string text = fmt::format("{}, {} minutes", state_name(log.state), log.minutes);
  if (log.quality > 0) text += fmt::format(", quality {}", log.quality);
  return text;
}

}  // namespace

// The application's topology in an InMemoryRunner, fed the volunteer's events only; the ledger
// is asked for the volunteer's state after each.
class VolunteerAuditor::Impl : public runtime::Emitter {
 public:
  Impl(const processors::DomainConfig& config, std::string volunteer_id,
       processors::SourceNaming source)
      : options_(in_process_options(config, std::move(source))),
        rules_(config.validation_rules()),
        runner_(processors::topology(options_, options_.source.application_id), *this),
        ledger_(ledger_of(runner_)) {
    audit_.volunteer_id = std::move(volunteer_id);
  }

  void emit(std::string_view topic, std::string_view, std::string_view value) override {
    if (topic == outputs::kStarChanges) {
      if (auto change = schemas::star_change_from_json(value)) {
        audit_.star_changes.push_back(std::move(*change));
      }
    } else if (topic == outputs::kDeadLetter) {
      last_dead_letter_ = schemas::dead_letter_from_json(value);
    }
    // Stars and county statistics: the final state below says the same.
  }

  void feed_line(std::string_view line, int64_t line_number) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
    const LineRoute route = route_line(line, rules_);
    if (!route.routed || route.routed->topic != schemas::InputTopic::hours ||
        route.routed->key != audit_.volunteer_id) {
      return;
    }
    schemas::DecodeResult decoded = schemas::decode_event(line, rules_);
    const runtime::InputRecord record{processors::inputs::kHours, 0, line_number, std::nullopt,
                                      line};
    handle(record, decoded, "line " + std::to_string(line_number));
  }

  void feed_message(int32_t partition, int64_t offset, std::optional<std::string_view> key,
                    std::string_view value) {
    if (key != std::string_view(audit_.volunteer_id)) return;
    schemas::DecodeResult decoded =
        schemas::decode_event(value, rules_, schemas::InputTopic::hours, key);
    const runtime::InputRecord record{processors::inputs::kHours, partition, offset, key, value};
    handle(record, decoded, fmt::format("partition {} offset {}", partition, offset));
  }

  VolunteerAudit finish() {
    if (const processors::VolunteerState* state = ledger_.find(audit_.volunteer_id)) {
      audit_.state = *state;
    }
    return std::move(audit_);
  }

 private:
  void handle(const runtime::InputRecord& record, schemas::DecodeResult& decoded,
              std::string position) {
    AuditedEvent audited;
    audited.position = std::move(position);
    audited.event_id = decoded.event_id.value_or("");
    audited.type = decoded.type.value_or("");
    if (decoded.ok()) {
      audited.occurred_at = decoded.event().envelope.occurred_at.text;
      audited.log_id = log_id_of(decoded.event());
    }
    last_dead_letter_.reset();
    const processors::Verdict verdict = ledger_.handle(record, decoded, runner_.emitter());
    audited.outcome = verdict.outcome;
    if (verdict.rejection) audited.reason = verdict.rejection->reason;
    if (verdict.outcome == runtime::Outcome::dead_lettered && last_dead_letter_) {
      audited.detail = last_dead_letter_->detail;
    }
    if (verdict.outcome == runtime::Outcome::applied && !audited.log_id.empty()) {
      if (const processors::VolunteerState* state = ledger_.find(audit_.volunteer_id)) {
        for (const processors::HourLog& log : state->logs) {
          if (state->log_id(log) == audited.log_id) audited.log_after = log;
        }
      }
    }
    audit_.events.push_back(std::move(audited));
  }

  static processors::LedgerProcessor& ledger_of(runtime::InMemoryRunner& runner) {
    auto* ledger = dynamic_cast<processors::LedgerProcessor*>(
        &runner.processor_of(processors::inputs::kHours));
    if (ledger == nullptr) throw std::logic_error("audit: hours are not read by the ledger");
    return *ledger;
  }

  processors::ProcessorOptions options_;
  schemas::ValidationRules rules_;
  runtime::InMemoryRunner runner_;
  processors::LedgerProcessor& ledger_;
  VolunteerAudit audit_;
  std::optional<schemas::DeadLetterRecord> last_dead_letter_;
};

VolunteerAuditor::VolunteerAuditor(const processors::DomainConfig& config, std::string volunteer_id,
                                   processors::SourceNaming source)
    : impl_(std::make_unique<Impl>(config, std::move(volunteer_id), std::move(source))) {}
VolunteerAuditor::~VolunteerAuditor() = default;

void VolunteerAuditor::feed_line(std::string_view line, int64_t line_number) {
  impl_->feed_line(line, line_number);
}
void VolunteerAuditor::feed_message(int32_t partition, int64_t offset,
                                    std::optional<std::string_view> key, std::string_view value) {
  impl_->feed_message(partition, offset, key, value);
}
VolunteerAudit VolunteerAuditor::finish() {
  return impl_->finish();
}

namespace {

std::string or_dash(const std::string& text) {
  return text.empty() ? "-" : text;
}

std::string event_line(const AuditedEvent& event) {
  std::string line = fmt::format("    {}  {}  {}  {}: ", or_dash(event.occurred_at),
                                 or_dash(event.event_id), or_dash(event.type), event.position);
  switch (event.outcome) {
    case runtime::Outcome::applied:
      line += "applied";
      if (event.log_after) line += " -> " + describe_log(*event.log_after);
      break;
    case runtime::Outcome::duplicate:
      line += "duplicate of an applied event (dropped, not dead-lettered)";
      break;
    case runtime::Outcome::dead_lettered:
      line += "dead-lettered ";
      line += event.reason ? std::string(schemas::to_string(*event.reason)) : "?";
      if (!event.detail.empty()) line += " (" + event.detail + ")";
      break;
  }
  return line + "\n";
}

std::string level_derivation(const VolunteerAudit& audit, const processors::DomainConfig& config) {
  const int64_t minutes = audit.state ? audit.state->minutes_verified : 0;
  const int64_t logs = audit.state ? audit.state->logs_verified : 0;
  const int64_t quality_minutes = audit.state ? audit.state->quality_minutes : 0;
  const int64_t mean = audit.state ? audit.state->mean_quality_x100() : 0;
  std::string out = "star level (SPEC §4)\n";
  out += fmt::format("  verified: {} minutes ({} h {} min) in {} logs\n", minutes, minutes / 60,
                     minutes % 60, logs);
  if (minutes == 0) {
    out += "  mean quality x100: 0 (no verified minutes)\n";
  } else {
    out += fmt::format("  mean quality x100: {} = floor(100 * {} / {})\n", mean, quality_minutes,
                       minutes);
  }
  int32_t reached = 0;
  std::string thresholds;
  for (const int64_t hours : config.star_thresholds_hours) {
    const bool ok = minutes >= 60 * hours;
    if (ok) ++reached;
    thresholds += fmt::format("{}{} h {}", thresholds.empty() ? "" : ", ", hours,
                              ok ? "reached" : "not reached");
  }
  out += fmt::format("  thresholds: {} -> {} of {}\n", thresholds, reached,
                     config.star_thresholds_hours.size());
  const int64_t floor = config.min_quality_x100;
  if (reached == 0) {
    out += fmt::format("  quality floor {}: not applicable (no threshold reached)\n", floor);
  } else if (mean < floor) {
    out +=
        fmt::format("  quality floor {}: {} < {}, applied (one level lower)\n", floor, mean, floor);
  } else {
    out += fmt::format("  quality floor {}: {} >= {}, not applied\n", floor, mean, floor);
  }
  // The ledger's own rule, not a re-implementation: the line above only explains it.
  const int32_t level = processors::star_level(config, minutes, mean);
  out += fmt::format("  level: {}\n", level);
  if (audit.state && audit.state->star_level != level) {
    throw std::logic_error(fmt::format("audit: the ledger holds level {} but the rule gives {}",
                                       audit.state->star_level, level));
  }
  return out;
}

}  // namespace

std::string render_volunteer_audit(const VolunteerAudit& audit,
                                   const processors::DomainConfig& config) {
  int64_t applied = 0;
  int64_t duplicates = 0;
  int64_t dead_lettered = 0;
  for (const AuditedEvent& event : audit.events) {
    switch (event.outcome) {
      case runtime::Outcome::applied:
        ++applied;
        break;
      case runtime::Outcome::duplicate:
        ++duplicates;
        break;
      case runtime::Outcome::dead_lettered:
        ++dead_lettered;
        break;
    }
  }
  std::string out =
      fmt::format("volunteer {}: {} events ({} applied, {} duplicates, {} dead-lettered)\n",
                  audit.volunteer_id, audit.events.size(), applied, duplicates, dead_lettered);
  if (audit.state) {
    const processors::VolunteerState& state = *audit.state;
    const uint32_t home = state.home_area();
    out += fmt::format("registered: {}, party member: {}, home area: {}\n",
                       state.registered ? "yes" : "no", state.party_member ? "yes" : "no",
                       home == 0 ? std::string("none") : schemas::AreaCode{home}.str());
  } else {
    out += "no applied events: the volunteer is not in the ledger\n";
  }

  // Hour logs in the order their first event came, each with every event that named it.
  std::vector<std::string> log_ids;
  for (const AuditedEvent& event : audit.events) {
    if (!event.log_id.empty() &&
        std::find(log_ids.begin(), log_ids.end(), event.log_id) == log_ids.end()) {
      log_ids.push_back(event.log_id);
    }
  }
  out += "\nhour logs\n";
  if (log_ids.empty()) out += "  none\n";
  for (const std::string& log_id : log_ids) {
    const processors::HourLog* log = nullptr;
    if (audit.state) {
      for (const processors::HourLog& candidate : audit.state->logs) {
        if (audit.state->log_id(candidate) == log_id) log = &candidate;
      }
    }
    if (log != nullptr) {
      out += fmt::format("  log {}: {}, served {} in {}, {}\n", log_id, describe_log(*log),
                         schemas::LocalDate{log->service_date}.str(),
                         schemas::AreaCode{log->area}.str(),
                         schemas::to_string(static_cast<schemas::Category>(log->category)));
    } else {
      out += fmt::format("  log {}: not in the ledger (no accepted hours.submitted)\n", log_id);
    }
    for (const AuditedEvent& event : audit.events) {
      if (event.log_id == log_id) out += event_line(event);
    }
  }
  out += "\nother events\n";
  bool any_other = false;
  for (const AuditedEvent& event : audit.events) {
    if (!event.log_id.empty()) continue;
    out += event_line(event);
    any_other = true;
  }
  if (!any_other) out += "  none\n";

  out += "\nstar history\n";
  if (audit.star_changes.empty()) out += "  no changes\n";
  for (const schemas::StarChange& change : audit.star_changes) {
    out += fmt::format("  {}  {}: {} -> {} (minutes_verified {}, mean_quality_x100 {})\n",
                       change.occurred_at, change.cause_event_id, change.from_level,
                       change.to_level, change.minutes_verified, change.mean_quality_x100);
  }
  out += "\n" + level_derivation(audit, config);
  return out;
}

}  // namespace leifeng::app
