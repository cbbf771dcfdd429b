#include "leifeng/processors/needs.hpp"

#include "leifeng/processors/match_change.hpp"
#include "leifeng/processors/wiring.hpp"

namespace leifeng::processors {

using schemas::Reason;

std::string_view to_string(NeedStatus status) {
  switch (status) {
    case NeedStatus::open:
      return "open";
    case NeedStatus::claimed:
      return "claimed";
    case NeedStatus::fulfilled:
      return "fulfilled";
    case NeedStatus::cancelled:
      return "cancelled";
    case NeedStatus::expired:
      return "expired";
  }
  return "open";
}

int64_t fulfil_minutes(int64_t posted_epoch_nanos, int64_t fulfilled_epoch_nanos) {
  const int64_t nanos = fulfilled_epoch_nanos - posted_epoch_nanos;
  // Whole seconds first, then whole minutes: both floors agree for non-negative spans.
  return nanos <= 0 ? 0 : nanos / 1'000'000'000 / 60;
}

NeedsProcessor::NeedsProcessor(const ProcessorOptions& options, runtime::KeyValueStore* store)
    : AggregateProcessor(schemas::InputTopic::needs, options, store),
      deltas_(county_delta_bound(options.sum_county_deltas)),
      match_changes_(options.pack_match_changes) {}

Verdict NeedsProcessor::apply_to(NeedState* state, const schemas::Event& event,
                                 runtime::Emitter& out) {
  const std::string& need_id = key();
  deltas_.clear();

  const schemas::Timestamp& at = event.envelope.occurred_at;
  const schemas::LocalDate date = at.local_date(options().config.zone);
  if (const auto* posted = std::get_if<schemas::NeedPosted>(&event.payload)) {
    if (state != nullptr) {
      return Verdict::rejected(Reason::invalid_transition, "type",
                               "need " + need_id + " was already posted");
    }
    state = &create();
    state->status = NeedStatus::open;
    state->area = posted->area_code.value;
    state->kind = static_cast<uint8_t>(posted->kind);
    state->service_type = static_cast<uint8_t>(posted->service_type);
    state->target_group = static_cast<uint8_t>(posted->target_group);
    state->posted_at = at.text;
    state->posted_epoch_nanos = at.epoch_nanos;
    deltas_.add_dated(posted->area_code, date, Metric::needs_posted, 1);
    deltas_.add_total(posted->area_code, Metric::needs_open, 1);
  } else {
    if (state == nullptr) {
      return Verdict::rejected(Reason::unknown_reference, "need_id",
                               "need " + need_id + " was not posted");
    }
    const bool open = state->status == NeedStatus::open;
    const bool claimed = state->status == NeedStatus::claimed;
    const schemas::AreaCode area{state->area};
    if (const auto* claim = std::get_if<schemas::NeedClaimed>(&event.payload)) {
      if (!open) {
        return Verdict::rejected(Reason::invalid_transition, "type",
                                 "need " + need_id + " is " +
                                     std::string(to_string(state->status)) +
                                     ", only an open need can be claimed");
      }
      state->status = NeedStatus::claimed;
      state->claimed_at = at.text;
      state->claimant_id = claim->claimant_id;
      deltas_.add_dated(area, date, Metric::needs_claimed, 1);
    } else {
      if (!open && !claimed) {
        return Verdict::rejected(
            Reason::invalid_transition, "type",
            "need " + need_id + " is already " + std::string(to_string(state->status)));
      }
      if (const auto* fulfilled = std::get_if<schemas::NeedFulfilled>(&event.payload)) {
        state->status = NeedStatus::fulfilled;
        state->fulfilled_at = at.text;
        state->fulfilled_by = fulfilled->fulfilled_by;
        deltas_.add_dated(area, date, Metric::needs_fulfilled, 1);
        deltas_.add_dated(area, date, Metric::needs_fulfil_minutes,
                          fulfil_minutes(state->posted_epoch_nanos, at.epoch_nanos));
      } else if (std::holds_alternative<schemas::NeedCancelled>(event.payload)) {
        state->status = NeedStatus::cancelled;
        deltas_.add_dated(area, date, Metric::needs_cancelled, 1);
      } else if (std::holds_alternative<schemas::NeedExpired>(event.payload)) {
        state->status = NeedStatus::expired;
        deltas_.add_dated(area, date, Metric::needs_expired, 1);
      } else {
        return Verdict::rejected(Reason::unknown_type, "type", "not an event of topic needs");
      }
      state->closed_at = at.text;
      deltas_.add_total(area, Metric::needs_open, -1);
    }
  }
  deltas_.end_event(out, outputs::kCountyDeltas, at.text);
  if (matching_on(options())) {
    MatchChange change;
    change.area = state->area;
    change.as_of = at.text;
    change.id = need_id;
    if (std::holds_alternative<schemas::NeedPosted>(event.payload)) {
      change.kind = MatchChange::Kind::need_posted;
      change.need_kind = state->kind;
      change.service_type = state->service_type;
    } else {
      change.kind = MatchChange::Kind::need_status;
      change.status = static_cast<uint8_t>(state->status);
    }
    match_changes_.add(out, outputs::kMatchChanges, change);
  }
  if (options().emit_table_updates) mark_due(*state);  // the needs-status record, at the commit
  return Verdict::applied();
}

schemas::NeedStatusRecord NeedsProcessor::status_record(const std::string& need_id,
                                                        const NeedState& state) {
  auto optional = [](const std::string& text) {
    return text.empty() ? std::nullopt : std::optional<std::string>(text);
  };
  schemas::NeedStatusRecord record;
  record.need_id = need_id;
  record.area_code = schemas::AreaCode{state.area}.str();
  record.kind = schemas::to_string(static_cast<schemas::NeedKind>(state.kind));
  record.service_type = schemas::to_string(static_cast<schemas::ServiceType>(state.service_type));
  record.target_group = schemas::to_string(static_cast<schemas::TargetGroup>(state.target_group));
  record.status = to_string(state.status);
  record.posted_at = state.posted_at;
  record.claimed_at = optional(state.claimed_at);
  record.claimant_id = optional(state.claimant_id);
  record.fulfilled_at = optional(state.fulfilled_at);
  record.fulfilled_by = optional(state.fulfilled_by);
  record.closed_at = optional(state.closed_at);
  return record;
}

void NeedsProcessor::finish(runtime::Emitter& out) {
  if (options().emit_table_updates) return;
  store().for_each([&](const std::string& need_id, const NeedState& state) {
    out.emit(outputs::kNeedsStatus, need_id, schemas::to_json(status_record(need_id, state)));
  });
}

void NeedsProcessor::before_commit(runtime::Emitter& out) {
  deltas_.emit(out, outputs::kCountyDeltas);
  match_changes_.emit(out, outputs::kMatchChanges);
  take_due([&](const std::string& need_id, const NeedState& state) {
    out.emit(outputs::kNeedsStatus, need_id, schemas::to_json(status_record(need_id, state)));
  });
}

}  // namespace leifeng::processors
