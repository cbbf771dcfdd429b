// The rules of spec §4 for volunteers and hour logs, and the stars they earn.
#include "leifeng/processors/ledger.hpp"

#include "leifeng/processors/match_change.hpp"
#include "leifeng/processors/wiring.hpp"
#include "leifeng/schemas/copy_text.hpp"

namespace leifeng::processors {

using schemas::Reason;

namespace {
constexpr int32_t kDailyLimitMinutes = 1440;
}  // namespace

int32_t star_level(const DomainConfig& config, int64_t minutes_verified,
                   int64_t mean_quality_x100) {
  int32_t level = 0;
  for (const int64_t hours : config.star_thresholds_hours) {
    if (minutes_verified >= 60 * hours) ++level;
  }
  if (level > 0 && mean_quality_x100 < config.min_quality_x100) --level;
  return level;
}

struct LedgerProcessor::Profile {
  uint32_t home_area = 0;
  bool registered = false;
  bool party_member = false;
  int32_t star_level = 0;
  uint16_t skills = 0;  // bit i = ServiceType i
  friend bool operator==(const Profile&, const Profile&) = default;

  // Matching pools a volunteer who is registered and has skills (SPEC §8), by home area.
  std::optional<MatchProfile> match() const {
    if (!registered || skills == 0) return std::nullopt;
    return MatchProfile{party_member, static_cast<uint8_t>(star_level), skills};
  }
};

namespace {
uint16_t skill_set(const VolunteerState& state) {
  uint16_t skills = 0;
  for (const uint8_t skill : state.skills) skills = static_cast<uint16_t>(skills | (1u << skill));
  return skills;
}
// Only volunteer.* events change skills; the others leave them unread (a cache miss saved).
bool may_change_skills(const schemas::Event& event) {
  return std::holds_alternative<schemas::VolunteerRegistered>(event.payload) ||
         std::holds_alternative<schemas::VolunteerUpdated>(event.payload);
}
}  // namespace

LedgerProcessor::Profile LedgerProcessor::profile_of(const VolunteerState& state, bool skills) {
  return {state.home_area(), state.registered, state.registered && state.party_member,
          state.star_level, skills ? skill_set(state) : uint16_t{0}};
}

LedgerProcessor::LedgerProcessor(const ProcessorOptions& options, runtime::KeyValueStore* store,
                                 runtime::KeyValueStore* history)
    : AggregateProcessor(schemas::InputTopic::hours, options, store),
      deltas_(county_delta_bound(options.sum_county_deltas)),
      match_changes_(options.pack_match_changes),
      history_(history) {}

void LedgerProcessor::flush() {
  AggregateProcessor::flush();
  history_.flush();
}

// A log entering (sign +1) or leaving (-1) VERIFIED: the volunteer's sums, the verified
// metrics of the county, and in which areas and periods the volunteer is active.
void LedgerProcessor::count_verified(VolunteerState& state, const HourLog& log, int32_t sign) {
  const int64_t minutes = int64_t{sign} * log.minutes;
  state.minutes_verified += minutes;
  state.logs_verified += sign;
  state.quality_minutes += static_cast<int64_t>(log.quality) * minutes;
  const auto category = static_cast<schemas::Category>(log.category);
  deltas_.add_dated(log.area_code(), log.date(), Metric::logs_verified, sign);
  deltas_.add_dated(log.area_code(), log.date(), Metric::minutes_verified, minutes);
  deltas_.add_dated(log.area_code(), log.date(),
                    metric_for_category(Metric::minutes_verified_by_category, category), minutes);
  const Period periods[] = {Period::day(log.date()), Period::month_of(log.date()), Period::total()};
  for (const uint32_t area : {log.area, log.area_code().prefecture().value}) {
    for (const Period& period : periods) {
      if (const int moved = state.verified_counts.add(area, period, sign)) {
        deltas_.add_exact(schemas::AreaCode{area}, period, Metric::volunteers_active, moved);
      }
    }
  }
}

void LedgerProcessor::leave_state(VolunteerState& state, const HourLog& log) {
  switch (log.state) {
    case LogState::verified:
      count_verified(state, log, -1);
      [[fallthrough]];
    case LogState::submitted:
      state.daily.add(log.service_date, -log.minutes);
      break;
    case LogState::rejected:
    case LogState::revoked:
      break;  // final states are never left
  }
}

void LedgerProcessor::enter_state(VolunteerState& state, const HourLog& log) {
  switch (log.state) {
    case LogState::verified:
      count_verified(state, log, 1);
      [[fallthrough]];
    case LogState::submitted:
      state.daily.add(log.service_date, log.minutes);
      break;
    case LogState::rejected:
      deltas_.add_dated(log.area_code(), log.date(), Metric::logs_rejected, 1);
      break;
    case LogState::revoked:
      deltas_.add_dated(log.area_code(), log.date(), Metric::logs_revoked, 1);
      break;
  }
}

Verdict LedgerProcessor::apply_event(VolunteerState*& state,
                                     const schemas::VolunteerRegistered& e) {
  if (state == nullptr) state = &create();
  if (state->registered) {
    return Verdict::rejected(Reason::invalid_transition, "type",
                             "volunteer " + e.volunteer_id + " is already registered");
  }
  state->registered = true;
  state->party_member = e.party_member;
  state->registered_area = e.area_code.value;
  state->skills.clear();
  for (const auto skill : e.skills) state->skills.push_back(static_cast<uint8_t>(skill));
  return Verdict::applied();
}

Verdict LedgerProcessor::apply_event(VolunteerState*& state, const schemas::VolunteerUpdated& e) {
  if (state == nullptr || !state->registered) {
    return Verdict::rejected(Reason::unknown_reference, "volunteer_id",
                             "volunteer " + e.volunteer_id + " is not registered");
  }
  if (e.area_code) state->registered_area = e.area_code->value;
  if (e.party_member) state->party_member = *e.party_member;
  if (e.skills) {
    state->skills.clear();
    for (const auto skill : *e.skills) state->skills.push_back(static_cast<uint8_t>(skill));
  }
  return Verdict::applied();
}

Verdict LedgerProcessor::apply_event(VolunteerState*& state, const schemas::HoursSubmitted& e) {
  if (state == nullptr) state = &create();
  if (state->logs.find(e.log_id) != nullptr) {
    return Verdict::rejected(Reason::invalid_transition, "log_id",
                             "hour log " + e.log_id + " was already submitted");
  }
  if (state->daily.on(e.service_date.days) + e.minutes > kDailyLimitMinutes) {
    return Verdict::rejected(Reason::daily_limit_exceeded, "minutes",
                             "more than 1440 minutes on " + e.service_date.str());
  }
  HourLog log;
  log.state = LogState::submitted;
  log.minutes = e.minutes;
  log.area = e.area_code.value;
  log.category = static_cast<uint8_t>(e.category);
  log.service_date = e.service_date.days;
  if (state->first_log_area == 0) state->first_log_area = log.area;
  deltas_.add_dated(e.area_code, e.service_date, Metric::logs_submitted, 1);
  enter_state(*state, log);
  state->logs.add(log, e.log_id);
  return Verdict::applied();
}

// A correction of the log `log_id`: `change` edits a copy, which replaces the log when the
// log exists, may leave its state (SUBMITTED only, or also VERIFIED with `verified_too`) and
// the new minutes keep the service date within the daily limit.
template <class Change>
Verdict LedgerProcessor::correct(VolunteerState* state, const std::string& log_id,
                                 bool verified_too, Change change) {
  HourLog* log = state == nullptr ? nullptr : state->logs.find(log_id);
  if (log == nullptr) {
    return Verdict::rejected(Reason::unknown_reference, "log_id", "no hour log " + log_id);
  }
  if (log->state != LogState::submitted && !(verified_too && log->state == LogState::verified)) {
    return Verdict::rejected(
        Reason::invalid_transition, "type",
        "hour log " + log_id + (verified_too ? " is REJECTED or REVOKED" : " is not SUBMITTED"));
  }
  HourLog corrected = *log;
  change(corrected);
  if (corrected.minutes != log->minutes &&
      state->daily.on(log->service_date) - log->minutes + corrected.minutes > kDailyLimitMinutes) {
    return Verdict::rejected(Reason::daily_limit_exceeded, "minutes",
                             "more than 1440 minutes on " + log->date().str());
  }
  leave_state(*state, *log);
  *log = corrected;
  enter_state(*state, *log);
  return Verdict::applied();
}

Verdict LedgerProcessor::apply_event(VolunteerState*& state, const schemas::HoursVerified& e) {
  return correct(state, e.log_id, /*verified_too=*/false, [&](HourLog& log) {
    log.state = LogState::verified;
    log.quality = static_cast<uint8_t>(e.quality);  // 1..5 (checked when decoded)
  });
}

Verdict LedgerProcessor::apply_event(VolunteerState*& state, const schemas::HoursRejected& e) {
  return correct(state, e.log_id, /*verified_too=*/false,
                 [](HourLog& log) { log.state = LogState::rejected; });
}

Verdict LedgerProcessor::apply_event(VolunteerState*& state, const schemas::HoursAmended& e) {
  return correct(state, e.log_id, /*verified_too=*/true,
                 [&](HourLog& log) { log.minutes = e.minutes; });
}

Verdict LedgerProcessor::apply_event(VolunteerState*& state, const schemas::HoursRevoked& e) {
  return correct(state, e.log_id, /*verified_too=*/true,
                 [](HourLog& log) { log.state = LogState::revoked; });
}

Verdict LedgerProcessor::apply_to(VolunteerState* state, const schemas::Event& event,
                                  runtime::Emitter& out) {
  const Profile before =
      state != nullptr ? profile_of(*state, may_change_skills(event)) : Profile{};
  deltas_.clear();
  Verdict verdict =
      std::visit([&](const auto& payload) { return apply_event(state, payload); }, event.payload);
  if (verdict.outcome != runtime::Outcome::applied) {
    deltas_.clear();  // checks run before any change, so nothing else to undo
    return verdict;
  }
  rerate(*state, before, event, out);
  return verdict;
}

void LedgerProcessor::rerate(VolunteerState& volunteer, const Profile& before,
                             const schemas::Event& event, runtime::Emitter& out) {
  const std::string& volunteer_id = key();
  schemas::copy_text(volunteer.as_of, event.envelope.occurred_at.text);
  const int32_t level =
      star_level(options().config, volunteer.minutes_verified, volunteer.mean_quality_x100());
  if (level != volunteer.star_level) {
    schemas::StarChange change;
    change.volunteer_id = volunteer_id;
    change.from_level = volunteer.star_level;
    change.to_level = level;
    change.minutes_verified = volunteer.minutes_verified;
    change.mean_quality_x100 = volunteer.mean_quality_x100();
    change.cause_event_id = event.envelope.event_id;
    change.occurred_at = event.envelope.occurred_at.text;
    out.emit(outputs::kStarChanges, volunteer_id, schemas::to_json(change));
    history_.upsert(volunteer_id).add(change);
    volunteer.star_level = level;
  }

  // The total-only metrics of the home area follow the volunteer's profile.
  const bool skills_read = may_change_skills(event);
  const Profile after = profile_of(volunteer, skills_read);
  if (!(before == after)) {
    auto count = [&](const Profile& p, int64_t sign) {
      if (p.home_area == 0) return;
      const schemas::AreaCode home{p.home_area};
      if (p.registered) deltas_.add_total(home, Metric::volunteers_registered, sign);
      if (p.party_member) deltas_.add_total(home, Metric::volunteers_party_members, sign);
      if (p.star_level > 0) deltas_.add_total(home, starred_metric(p.star_level), sign);
    };
    count(before, -1);
    count(after, 1);
  }
  deltas_.end_event(out, outputs::kCountyDeltas, volunteer.as_of);
  if (!(before == after) && matching_on(options())) {
    if (skills_read) {
      tell_matching(before, after, volunteer.as_of, out);
    } else {  // unchanged by this event: read them now
      Profile was = before;
      Profile now = after;
      was.skills = now.skills = skill_set(volunteer);
      tell_matching(was, now, volunteer.as_of, out);
    }
  }

  if (options().emit_table_updates) mark_due(volunteer);  // the stars record, at the commit
}

// One change per area whose pool the volunteer is in before or after: a move between areas
// leaves the old one's pool and enters the new one's.
void LedgerProcessor::tell_matching(const Profile& before, const Profile& after,
                                    const std::string& as_of, runtime::Emitter& out) {
  const std::optional<MatchProfile> was = before.match();
  const std::optional<MatchProfile> now = after.match();
  if (!was && !now) return;
  if (was == now && before.home_area == after.home_area) return;
  MatchChange change;
  change.kind = MatchChange::Kind::volunteer;
  change.id = key();
  change.as_of = as_of;
  if (was && before.home_area != after.home_area) {
    change.area = before.home_area;
    change.before = was;
    match_changes_.add(out, outputs::kMatchChanges, change);
    change.before.reset();
  }
  if (now) {
    change.area = after.home_area;
    if (before.home_area == after.home_area) change.before = was;
    change.after = now;
    match_changes_.add(out, outputs::kMatchChanges, change);
  } else if (was && before.home_area == after.home_area) {
    change.area = before.home_area;
    change.before = was;
    match_changes_.add(out, outputs::kMatchChanges, change);
  }
}

schemas::StarRecord LedgerProcessor::star_record(const std::string& volunteer_id,
                                                 const VolunteerState& state) {
  schemas::StarRecord record;
  record.volunteer_id = volunteer_id;
  record.home_area = schemas::AreaCode{state.home_area()}.str();
  record.registered = state.registered;
  record.party_member = state.registered && state.party_member;
  record.star_level = state.star_level;
  record.minutes_verified = state.minutes_verified;
  record.logs_verified = state.logs_verified;
  record.mean_quality_x100 = state.mean_quality_x100();
  record.as_of = state.as_of;
  return record;
}

void LedgerProcessor::finish(runtime::Emitter& out) {
  if (options().emit_table_updates) return;
  store().for_each([&](const std::string& volunteer_id, const VolunteerState& state) {
    out.emit(outputs::kStars, volunteer_id, schemas::to_json(star_record(volunteer_id, state)));
  });
}

void LedgerProcessor::before_commit(runtime::Emitter& out) {
  deltas_.emit(out, outputs::kCountyDeltas);
  match_changes_.emit(out, outputs::kMatchChanges);
  take_due([&](const std::string& volunteer_id, const VolunteerState& state) {
    out.emit(outputs::kStars, volunteer_id, schemas::to_json(star_record(volunteer_id, state)));
  });
}

}  // namespace leifeng::processors
