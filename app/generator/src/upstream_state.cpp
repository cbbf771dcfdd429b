#include "leifeng/generator/upstream_state.hpp"

namespace leifeng::generator {
namespace {

// Draws from a history until an element satisfies `fits`; a few tries are enough because
// most elements of each history still fit.
template <typename Fits>
std::optional<uint32_t> draw(Random& rng, const std::vector<uint32_t>& from, Fits fits) {
  if (from.empty()) return std::nullopt;
  for (int attempt = 0; attempt < 16; ++attempt) {
    const uint32_t candidate = from[rng.below(from.size())];
    if (fits(candidate)) return candidate;
  }
  return std::nullopt;
}

}  // namespace

UpstreamState::UpstreamState(const CityPlan& plan)
    : plan_(plan),
      registered_(plan.volunteers.size(), false),
      log_state_(plan.logs.size(), LogState::none),
      log_minutes_(plan.logs.size(), 0),
      need_state_(plan.needs.size(), NeedState::none),
      activity_state_(plan.activities.size(), ActivityState::none) {}

int32_t UpstreamState::day_minutes(uint32_t volunteer, int32_t service_date) const {
  const auto it = day_minutes_.find(day_key(volunteer, service_date));
  return it == day_minutes_.end() ? 0 : it->second;
}

void UpstreamState::add_day_minutes(uint32_t log, int32_t delta) {
  const PlannedLog& planned = plan_.logs[log];
  day_minutes_[day_key(planned.volunteer, planned.service_date)] += delta;
}

void UpstreamState::apply(const PlannedEvent& event) {
  const uint32_t id = event.subject;
  switch (event.kind) {
    case EventType::volunteer_registered:
      registered_[id] = true;
      registered_volunteers_.push_back(id);
      break;
    case EventType::volunteer_updated:
      break;
    case EventType::hours_submitted:
      log_state_[id] = LogState::submitted;
      log_minutes_[id] = plan_.logs[id].minutes;
      add_day_minutes(id, log_minutes_[id]);
      submitted_logs_.push_back(id);
      break;
    case EventType::hours_verified:
      log_state_[id] = LogState::verified;
      break;
    case EventType::hours_rejected:
      log_state_[id] = LogState::rejected;
      add_day_minutes(id, -log_minutes_[id]);
      rejected_logs_.push_back(id);
      break;
    case EventType::hours_amended:
      add_day_minutes(id, event.value - log_minutes_[id]);
      log_minutes_[id] = event.value;
      break;
    case EventType::hours_revoked:
      log_state_[id] = LogState::revoked;
      add_day_minutes(id, -log_minutes_[id]);
      revoked_logs_.push_back(id);
      break;
    case EventType::activity_published:
      activity_state_[id] = ActivityState::published;
      break;
    case EventType::activity_completed:
      activity_state_[id] = ActivityState::completed;
      break;
    case EventType::activity_cancelled:
      activity_state_[id] = ActivityState::cancelled;
      cancelled_activities_.push_back(id);
      break;
    case EventType::need_posted:
      need_state_[id] = NeedState::open;
      break;
    case EventType::need_claimed:
      need_state_[id] = NeedState::claimed;
      break;
    case EventType::need_fulfilled:
      need_state_[id] = NeedState::fulfilled;
      fulfilled_needs_.push_back(id);
      break;
    case EventType::need_cancelled:
      need_state_[id] = NeedState::cancelled;
      break;
    case EventType::need_expired:
      need_state_[id] = NeedState::expired;
      expired_needs_.push_back(id);
      break;
  }
}

std::optional<uint32_t> UpstreamState::some_log(Random& rng, LogState state) const {
  const auto& history = state == LogState::rejected  ? rejected_logs_
                        : state == LogState::revoked ? revoked_logs_
                                                     : submitted_logs_;
  return draw(rng, history, [&](uint32_t log) { return log_state_[log] == state; });
}

std::optional<uint32_t> UpstreamState::some_active_log(Random& rng) const {
  return draw(rng, submitted_logs_, [&](uint32_t log) {
    return log_state_[log] == LogState::submitted || log_state_[log] == LogState::verified;
  });
}

std::optional<uint32_t> UpstreamState::some_submitted_log(Random& rng) const {
  return draw(rng, submitted_logs_, [](uint32_t) { return true; });
}

std::optional<uint32_t> UpstreamState::some_registered(Random& rng) const {
  return draw(rng, registered_volunteers_, [](uint32_t) { return true; });
}

std::optional<uint32_t> UpstreamState::some_unregistered(Random& rng) const {
  if (registered_.empty()) return std::nullopt;
  for (int attempt = 0; attempt < 16; ++attempt) {
    const auto candidate = static_cast<uint32_t>(rng.below(registered_.size()));
    if (!registered_[candidate]) return candidate;
  }
  return std::nullopt;
}

std::optional<uint32_t> UpstreamState::some_need(Random& rng, NeedState state) const {
  const auto& history = state == NeedState::expired ? expired_needs_ : fulfilled_needs_;
  return draw(rng, history, [&](uint32_t need) { return need_state_[need] == state; });
}

std::optional<uint32_t> UpstreamState::some_cancelled_activity(Random& rng) const {
  return draw(rng, cancelled_activities_, [](uint32_t) { return true; });
}

}  // namespace leifeng::generator
