#include "leifeng/processors/ledger.hpp"

#include <algorithm>

#include "leifeng/processors/wiring.hpp"
#include "leifeng/runtime/prefetch.hpp"
#include "leifeng/schemas/copy_text.hpp"

namespace leifeng::processors {

using schemas::Reason;

namespace {
constexpr int32_t kDailyLimitMinutes = 1440;

schemas::LocalDate date_of(const HourLog& log) {
  return schemas::LocalDate{log.service_date};
}
schemas::AreaCode area_of(const HourLog& log) {
  return schemas::AreaCode{log.area};
}
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
  friend bool operator==(const Profile&, const Profile&) = default;
};

LedgerProcessor::Profile LedgerProcessor::profile_of(const VolunteerState& state) {
  return {state.home_area(), state.registered, state.registered && state.party_member,
          state.star_level};
}

LedgerProcessor::LedgerProcessor(const ProcessorOptions& options, runtime::KeyValueStore* store)
    : EventProcessor(schemas::InputTopic::hours, options), volunteers_(store) {}

namespace {
// The log id an hours event names, or null for volunteer events.
const std::string* log_id_of(const schemas::Event& event) {
  return std::visit(
      [](const auto& payload) -> const std::string* {
        if constexpr (requires { payload.log_id; }) {
          return &payload.log_id;
        } else {
          return nullptr;
        }
      },
      event.payload);
}

template <class T>
void prefetch_lines(const std::vector<T>& items) {
  runtime::prefetch_bytes(items.data(), items.size() * sizeof(T));
}
}  // namespace

void LedgerProcessor::prefetch(const schemas::Event& event, int step, Lookahead& ahead) const {
  const VolunteerState* state = prefetch_aggregate(volunteers_, event, step, ahead);
  if (state == nullptr) return;
  if (step == 2) {
    state->applied.prefetch();
    prefetch_lines(state->log_hashes);
    prefetch_lines(state->daily);
    prefetch_lines(state->verified_counts);
    runtime::prefetch_bytes(state->as_of.data(), 1);  // on the heap: longer than 15 bytes
  } else if (const std::string* log_id = log_id_of(event)) {
    // The log hashes are cached by now: find the log the event names.
    const uint64_t hash = stable_hash(*log_id);
    for (size_t i = 0; i < state->log_hashes.size(); ++i) {
      if (state->log_hashes[i] == hash) {
        runtime::prefetch_bytes(&state->logs[i], sizeof(HourLog));  // with its id, if short
        return;
      }
    }
    // A new log goes at the end.
    if (!state->logs.empty()) runtime::prefetch_bytes(&state->logs.back() + 1, sizeof(HourLog));
  }
}

HourLog* LedgerProcessor::find_log(VolunteerState& state, std::string_view log_id, uint64_t hash) {
  const size_t count = state.log_hashes.size();
  for (size_t i = 0; i < count; ++i) {
    if (state.log_hashes[i] == hash && state.log_id(state.logs[i]) == log_id) {
      return &state.logs[i];
    }
  }
  return nullptr;
}

int32_t& LedgerProcessor::daily_minutes(VolunteerState& state, int32_t service_date) {
  auto it = std::lower_bound(
      state.daily.begin(), state.daily.end(), service_date,
      [](const DailyMinutes& day, int32_t date) { return day.service_date < date; });
  if (it == state.daily.end() || it->service_date != service_date) {
    it = state.daily.insert(it, DailyMinutes{service_date, 0});
  }
  return it->minutes;
}

int32_t LedgerProcessor::minutes_on(const VolunteerState& state, int32_t service_date) {
  auto it = std::lower_bound(
      state.daily.begin(), state.daily.end(), service_date,
      [](const DailyMinutes& day, int32_t date) { return day.service_date < date; });
  return it == state.daily.end() || it->service_date != service_date ? 0 : it->minutes;
}

void LedgerProcessor::count_verified(VolunteerState& state, const HourLog& log, int32_t delta) {
  const schemas::LocalDate date = date_of(log);
  const Period periods[] = {Period::day(date), Period::month_of(date), Period::total()};
  const uint32_t areas[] = {log.area, area_of(log).prefecture().value};
  for (const uint32_t area : areas) {
    for (const Period& period : periods) {
      const auto kind = static_cast<uint8_t>(period.kind);
      auto less = [](const VerifiedCount& c, const VerifiedCount& key) {
        if (c.area != key.area) return c.area < key.area;
        if (c.period_kind != key.period_kind) return c.period_kind < key.period_kind;
        return c.period_value < key.period_value;
      };
      const VerifiedCount key{area, kind, period.value, 0};
      auto it =
          std::lower_bound(state.verified_counts.begin(), state.verified_counts.end(), key, less);
      if (it == state.verified_counts.end() || less(key, *it)) {
        it = state.verified_counts.insert(it, key);
      }
      const int32_t before = it->logs;
      it->logs += delta;
      if (before == 0 && it->logs > 0) {
        deltas_.add_exact(schemas::AreaCode{area}, period, Metric::volunteers_active, 1);
      } else if (before > 0 && it->logs == 0) {
        deltas_.add_exact(schemas::AreaCode{area}, period, Metric::volunteers_active, -1);
      }
      if (it->logs == 0) state.verified_counts.erase(it);
    }
  }
}

void LedgerProcessor::leave_state(VolunteerState& state, const HourLog& log) {
  const auto category = static_cast<schemas::Category>(log.category);
  switch (log.state) {
    case LogState::verified:
      state.minutes_verified -= log.minutes;
      state.logs_verified -= 1;
      state.quality_minutes -= static_cast<int64_t>(log.quality) * log.minutes;
      deltas_.add_dated(area_of(log), date_of(log), Metric::logs_verified, -1);
      deltas_.add_dated(area_of(log), date_of(log), Metric::minutes_verified, -log.minutes);
      deltas_.add_dated(area_of(log), date_of(log),
                        metric_for_category(Metric::minutes_verified_by_category, category),
                        -log.minutes);
      count_verified(state, log, -1);
      [[fallthrough]];
    case LogState::submitted:
      daily_minutes(state, log.service_date) -= log.minutes;
      break;
    case LogState::rejected:
    case LogState::revoked:
      break;  // final states are never left
  }
}

void LedgerProcessor::enter_state(VolunteerState& state, const HourLog& log) {
  const auto category = static_cast<schemas::Category>(log.category);
  switch (log.state) {
    case LogState::verified:
      state.minutes_verified += log.minutes;
      state.logs_verified += 1;
      state.quality_minutes += static_cast<int64_t>(log.quality) * log.minutes;
      deltas_.add_dated(area_of(log), date_of(log), Metric::logs_verified, 1);
      deltas_.add_dated(area_of(log), date_of(log), Metric::minutes_verified, log.minutes);
      deltas_.add_dated(area_of(log), date_of(log),
                        metric_for_category(Metric::minutes_verified_by_category, category),
                        log.minutes);
      count_verified(state, log, 1);
      [[fallthrough]];
    case LogState::submitted:
      daily_minutes(state, log.service_date) += log.minutes;
      break;
    case LogState::rejected:
      deltas_.add_dated(area_of(log), date_of(log), Metric::logs_rejected, 1);
      break;
    case LogState::revoked:
      deltas_.add_dated(area_of(log), date_of(log), Metric::logs_revoked, 1);
      break;
  }
}

LedgerProcessor::Applied LedgerProcessor::apply_registered(VolunteerState& state,
                                                           const schemas::VolunteerRegistered& e) {
  if (state.registered) {
    return rejected(Reason::invalid_transition, "type",
                    "volunteer " + e.volunteer_id + " is already registered");
  }
  state.registered = true;
  state.party_member = e.party_member;
  state.registered_area = e.area_code.value;
  state.skills.clear();
  for (const auto skill : e.skills) state.skills.push_back(static_cast<uint8_t>(skill));
  return applied();
}

LedgerProcessor::Applied LedgerProcessor::apply_updated(VolunteerState* state,
                                                        const schemas::VolunteerUpdated& e) {
  if (state == nullptr || !state->registered) {
    return rejected(Reason::unknown_reference, "volunteer_id",
                    "volunteer " + e.volunteer_id + " is not registered");
  }
  if (e.area_code) state->registered_area = e.area_code->value;
  if (e.party_member) state->party_member = *e.party_member;
  if (e.skills) {
    state->skills.clear();
    for (const auto skill : *e.skills) state->skills.push_back(static_cast<uint8_t>(skill));
  }
  return applied();
}

LedgerProcessor::Applied LedgerProcessor::apply_submitted(VolunteerState& state,
                                                          const schemas::HoursSubmitted& e) {
  const uint64_t hash = stable_hash(e.log_id);
  if (find_log(state, e.log_id, hash) != nullptr) {
    return rejected(Reason::invalid_transition, "log_id",
                    "hour log " + e.log_id + " was already submitted");
  }
  if (minutes_on(state, e.service_date.days) + e.minutes > kDailyLimitMinutes) {
    return rejected(Reason::daily_limit_exceeded, "minutes",
                    "more than 1440 minutes on " + e.service_date.str());
  }
  HourLog log;
  log.state = LogState::submitted;
  log.minutes = e.minutes;
  log.area = e.area_code.value;
  log.category = static_cast<uint8_t>(e.category);
  log.service_date = e.service_date.days;
  if (state.first_log_area == 0) state.first_log_area = log.area;
  deltas_.add_dated(e.area_code, e.service_date, Metric::logs_submitted, 1);
  enter_state(state, log);
  state.add_log(log, e.log_id, hash);
  return applied();
}

HourLog* LedgerProcessor::log_to_correct(VolunteerState* state, const std::string& log_id,
                                         bool verified_too, Applied& rejection) {
  HourLog* log = state == nullptr ? nullptr : find_log(*state, log_id, stable_hash(log_id));
  if (log == nullptr) {
    rejection = rejected(Reason::unknown_reference, "log_id", "no hour log " + log_id);
    return nullptr;
  }
  const bool may_leave =
      log->state == LogState::submitted || (verified_too && log->state == LogState::verified);
  if (!may_leave) {
    rejection = rejected(
        Reason::invalid_transition, "type",
        "hour log " + log_id + (verified_too ? " is REJECTED or REVOKED" : " is not SUBMITTED"));
    return nullptr;
  }
  return log;
}

LedgerProcessor::Applied LedgerProcessor::apply_verified(VolunteerState* state,
                                                         const schemas::HoursVerified& e) {
  Applied rejection;
  HourLog* log = log_to_correct(state, e.log_id, /*verified_too=*/false, rejection);
  if (log == nullptr) return rejection;
  leave_state(*state, *log);
  log->state = LogState::verified;
  log->quality = static_cast<uint8_t>(e.quality);  // 1..5 (checked when decoded)
  enter_state(*state, *log);
  return applied();
}

LedgerProcessor::Applied LedgerProcessor::apply_rejected(VolunteerState* state,
                                                         const schemas::HoursRejected& e) {
  Applied rejection;
  HourLog* log = log_to_correct(state, e.log_id, /*verified_too=*/false, rejection);
  if (log == nullptr) return rejection;
  leave_state(*state, *log);
  log->state = LogState::rejected;
  enter_state(*state, *log);
  return applied();
}

LedgerProcessor::Applied LedgerProcessor::apply_amended(VolunteerState* state,
                                                        const schemas::HoursAmended& e) {
  Applied rejection;
  HourLog* log = log_to_correct(state, e.log_id, /*verified_too=*/true, rejection);
  if (log == nullptr) return rejection;
  if (minutes_on(*state, log->service_date) - log->minutes + e.minutes > kDailyLimitMinutes) {
    return rejected(Reason::daily_limit_exceeded, "minutes",
                    "more than 1440 minutes on " + schemas::LocalDate{log->service_date}.str());
  }
  leave_state(*state, *log);
  log->minutes = e.minutes;
  enter_state(*state, *log);
  return applied();
}

LedgerProcessor::Applied LedgerProcessor::apply_revoked(VolunteerState* state,
                                                        const schemas::HoursRevoked& e) {
  Applied rejection;
  HourLog* log = log_to_correct(state, e.log_id, /*verified_too=*/true, rejection);
  if (log == nullptr) return rejection;
  leave_state(*state, *log);
  log->state = LogState::revoked;
  enter_state(*state, *log);
  return applied();
}

LedgerProcessor::Applied LedgerProcessor::apply(const schemas::Event& event,
                                                runtime::Emitter& out) {
  schemas::copy_text(key_, event.aggregate_id());
  VolunteerState* state = volunteers_.find(key_);
  const uint64_t id_hash = stable_hash(event.envelope.event_id);  // for contains and add
  if (state != nullptr && state->applied.contains(event.envelope.event_id, id_hash))
    return duplicate();

  const Profile before = state != nullptr ? profile_of(*state) : Profile{};
  deltas_.clear();
  Applied result = std::visit(
      [&](const auto& payload) -> Applied {
        using T = std::decay_t<decltype(payload)>;
        if constexpr (std::is_same_v<T, schemas::VolunteerRegistered>) {
          // Registration and submission may start a volunteer; neither can fail on a new one.
          if (state == nullptr) state = &volunteers_.upsert(key_);
          return apply_registered(*state, payload);
        } else if constexpr (std::is_same_v<T, schemas::HoursSubmitted>) {
          if (state == nullptr) state = &volunteers_.upsert(key_);
          return apply_submitted(*state, payload);
        } else if constexpr (std::is_same_v<T, schemas::VolunteerUpdated>) {
          return apply_updated(state, payload);
        } else if constexpr (std::is_same_v<T, schemas::HoursVerified>) {
          return apply_verified(state, payload);
        } else if constexpr (std::is_same_v<T, schemas::HoursRejected>) {
          return apply_rejected(state, payload);
        } else if constexpr (std::is_same_v<T, schemas::HoursAmended>) {
          return apply_amended(state, payload);
        } else if constexpr (std::is_same_v<T, schemas::HoursRevoked>) {
          return apply_revoked(state, payload);
        } else {
          return rejected(Reason::unknown_type, "type", "not an event of topic hours");
        }
      },
      event.payload);
  if (result.outcome != runtime::Outcome::applied) {
    deltas_.clear();  // checks run before any change, so nothing else to undo
    return result;
  }

  VolunteerState& volunteer = *state;
  volunteer.applied.add(event.envelope.event_id, id_hash);
  schemas::copy_text(volunteer.as_of, event.envelope.occurred_at.text);
  const int32_t level =
      star_level(options().config, volunteer.minutes_verified, volunteer.mean_quality_x100());
  if (level != volunteer.star_level) {
    schemas::StarChange change;
    change.volunteer_id = key_;
    change.from_level = volunteer.star_level;
    change.to_level = level;
    change.minutes_verified = volunteer.minutes_verified;
    change.mean_quality_x100 = volunteer.mean_quality_x100();
    change.cause_event_id = event.envelope.event_id;
    change.occurred_at = event.envelope.occurred_at.text;
    out.emit(outputs::kStarChanges, key_, schemas::to_json(change));
    volunteer.star_level = level;
  }

  // The total-only metrics of the home area follow the volunteer's profile.
  const Profile after = profile_of(volunteer);
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
  deltas_.emit(out, outputs::kCountyDeltas, volunteer.as_of);

  if (options().emit_table_updates) {
    out.emit(outputs::kStars, key_, schemas::to_json(star_record(key_, volunteer)));
  }
  volunteers_.mark_dirty(key_);
  return applied();
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
  volunteers_.for_each([&](const std::string& volunteer_id, const VolunteerState& state) {
    out.emit(outputs::kStars, volunteer_id, schemas::to_json(star_record(volunteer_id, state)));
  });
}

}  // namespace leifeng::processors
