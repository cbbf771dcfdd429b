#include "leifeng/generator/bad_input.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "leifeng/generator/calendar.hpp"
#include "leifeng/generator/event_render.hpp"
#include "leifeng/schemas/domain.hpp"

namespace leifeng::generator {
namespace {

constexpr int kMaxDayMinutes = 1440;

// How many different ways each reason is produced (the cases of the functions below).
constexpr std::array<int, schemas::kReasonCount> kVariants = {7, 4, 3, 6, 10, 5, 8, 2};

std::string line(const JsonObject& object) {
  return object.to_json();
}
std::optional<std::string> line(const std::optional<JsonObject>& object) {
  if (!object) return std::nullopt;
  return object->to_json();
}

// Applies `change` to the object when there is one.
template <typename Change>
std::optional<std::string> changed(std::optional<JsonObject> object, Change change) {
  if (!object) return std::nullopt;
  change(*object);
  return object->to_json();
}

}  // namespace

std::string EventIds::next(InputTopic topic) {
  static constexpr std::array<std::string_view, 3> kPrefixes = {"hrs", "act", "ned"};
  const auto t = static_cast<size_t>(topic);
  return fmt::format("{}-{:07}", kPrefixes[t], ++issued_[t]);
}

BadInputFactory::BadInputFactory(const CityPlan& plan, const UpstreamState& state, Random& rng,
                                 EventIds& ids)
    : plan_(plan), state_(state), rng_(rng), ids_(ids) {}

std::optional<std::string> BadInputFactory::make(Reason reason, int64_t at) {
  const int variants = kVariants[static_cast<size_t>(reason)];
  const int first = static_cast<int>(rng_.below(static_cast<uint64_t>(variants)));
  for (int i = 0; i < variants; ++i) {
    const int variant = (first + i) % variants;
    std::optional<std::string> result;
    switch (reason) {
      case Reason::malformed:
        result = malformed(variant, at);
        break;
      case Reason::unknown_type:
        result = unknown_type(variant, at);
        break;
      case Reason::unsupported_version:
        result = unsupported_version(variant, at);
        break;
      case Reason::missing_field:
        result = missing_field(variant, at);
        break;
      case Reason::invalid_field:
        result = invalid_field(variant, at);
        break;
      case Reason::unknown_reference:
        result = unknown_reference(variant, at);
        break;
      case Reason::invalid_transition:
        result = invalid_transition(variant, at);
        break;
      case Reason::daily_limit_exceeded:
        result = daily_limit_exceeded(variant, at);
        break;
    }
    if (result) return result;
  }
  return std::nullopt;
}

JsonObject BadInputFactory::render(EventType kind, uint32_t subject, int64_t at, int32_t value) {
  const PlannedEvent event{at, 0, kind, subject, 0, value};
  return render_event(plan_, event, ids_.next(topic_of(kind)));
}

std::optional<JsonObject> BadInputFactory::new_submission(int64_t at) {
  if (plan_.logs.empty()) return std::nullopt;
  const auto like = static_cast<uint32_t>(rng_.below(plan_.logs.size()));
  JsonObject submit = render(EventType::hours_submitted, like, at);
  submit.set("log_id", log_id(unused_index(plan_.logs.size())));
  const int32_t served =
      std::max(plan_.first_day, local_date_of(at) - static_cast<int32_t>(rng_.between(0, 2)));
  submit.set("service_date", schemas::LocalDate{served}.str());
  return submit;
}

std::optional<JsonObject> BadInputFactory::any_of(EventType kind, int64_t at) {
  size_t count = 0;
  switch (topic_of(kind)) {
    case InputTopic::hours:
      count = kind == EventType::volunteer_registered ? plan_.volunteers.size() : plan_.logs.size();
      break;
    case InputTopic::activities:
      count = plan_.activities.size();
      break;
    case InputTopic::needs:
      count = plan_.needs.size();
      break;
  }
  if (count == 0) return std::nullopt;
  const auto subject = static_cast<uint32_t>(rng_.below(count));
  return render(kind, subject, at, static_cast<int32_t>(rng_.between(3, 5)));
}

std::optional<std::string> BadInputFactory::malformed(int variant, int64_t at) {
  switch (variant) {
    case 0: {  // cut off in transit: not JSON
      const auto whole = line(new_submission(at));
      if (!whole) return std::nullopt;
      return whole->substr(0, static_cast<size_t>(rng_.between(1, whole->size() - 1)));
    }
    case 1: {  // a batch array instead of one object
      const auto whole = line(new_submission(at));
      if (!whole) return std::nullopt;
      return "[" + *whole + "]";
    }
    case 2:  // "minutes":"60"
      return changed(new_submission(at), [](JsonObject& o) {
        o.set("minutes", fmt::format("{}", std::get<int64_t>(*o.find("minutes"))));
      });
    case 3:
      return changed(any_of(EventType::need_posted, at),
                     [](JsonObject& o) { o.set("schema_version", "1"); });
    case 4:
      return changed(any_of(EventType::volunteer_registered, at),
                     [](JsonObject& o) { o.set("party_member", "true"); });
    case 5:  // a number, but not an integer
      return changed(any_of(EventType::hours_verified, at),
                     [](JsonObject& o) { o.set("quality", 4.0); });
    default:  // a log line written to the wrong place
      if (plan_.volunteers.empty()) return std::nullopt;
      return fmt::format("hours.submitted {} {} minutes",
                         volunteer_id(static_cast<uint32_t>(rng_.below(plan_.volunteers.size()))),
                         rng_.between(1, 8) * 30);
  }
}

std::optional<std::string> BadInputFactory::unknown_type(int variant, int64_t at) {
  switch (variant) {
    case 0:
      return changed(new_submission(at), [](JsonObject& o) { o.set("type", "hours.deleted"); });
    case 1:
      return changed(any_of(EventType::volunteer_registered, at),
                     [](JsonObject& o) { o.set("type", "volunteer.removed"); });
    case 2:
      return changed(new_submission(at), [](JsonObject& o) { o.remove("type"); });
    default:
      return changed(any_of(EventType::activity_published, at),
                     [](JsonObject& o) { o.set("type", "activity.rescheduled"); });
  }
}

std::optional<std::string> BadInputFactory::unsupported_version(int variant, int64_t at) {
  auto version_2 = [](JsonObject& o) { o.set("schema_version", 2); };
  switch (variant) {
    case 0:
      return changed(new_submission(at), version_2);
    case 1:
      return changed(any_of(EventType::need_posted, at), version_2);
    default:
      return changed(any_of(EventType::activity_completed, at), version_2);
  }
}

std::optional<std::string> BadInputFactory::missing_field(int variant, int64_t at) {
  switch (variant) {
    case 0:
      return changed(new_submission(at), [](JsonObject& o) { o.remove("log_id"); });
    case 1:
      return changed(any_of(EventType::need_posted, at), [](JsonObject& o) { o.remove("title"); });
    case 2: {  // an update that updates nothing
      if (plan_.volunteers.empty()) return std::nullopt;
      JsonObject o = envelope(ids_.next(InputTopic::hours), EventType::volunteer_updated, at);
      o.set("volunteer_id",
            volunteer_id(static_cast<uint32_t>(rng_.below(plan_.volunteers.size()))));
      return line(o);
    }
    case 3:  // null counts as absent
      return changed(any_of(EventType::hours_verified, at),
                     [](JsonObject& o) { o.set("quality", nullptr); });
    case 4:
      return changed(any_of(EventType::activity_published, at),
                     [](JsonObject& o) { o.remove("service_types"); });
    default:
      return changed(new_submission(at), [](JsonObject& o) { o.remove("occurred_at"); });
  }
}

std::optional<std::string> BadInputFactory::invalid_field(int variant, int64_t at) {
  switch (variant) {
    case 0:  // the prefecture city itself is not a county-level code
      return changed(new_submission(at), [](JsonObject& o) { o.set("area_code", "410400"); });
    case 1:
      return changed(new_submission(at), [](JsonObject& o) { o.set("minutes", 0); });
    case 2: {  // served in the future
      const int32_t future = local_date_of(at) + static_cast<int32_t>(rng_.between(1, 3));
      return changed(new_submission(at), [&](JsonObject& o) {
        o.set("service_date", schemas::LocalDate{future}.str());
      });
    }
    case 3:
      return changed(new_submission(at), [](JsonObject& o) {
        std::string id = std::get<std::string>(*o.find("event_id"));
        std::replace(id.begin(), id.end(), '-', ' ');
        o.set("event_id", id + "!");
      });
    case 4:
      return changed(any_of(EventType::hours_verified, at),
                     [](JsonObject& o) { o.set("quality", 6); });
    case 5:
      return changed(new_submission(at), [](JsonObject& o) { o.set("category", "charity"); });
    case 6:
      return changed(any_of(EventType::need_posted, at),
                     [](JsonObject& o) { o.set("kind", "wish"); });
    case 7:  // ends before it starts
      return changed(any_of(EventType::activity_published, at), [](JsonObject& o) {
        JsonValue starts = *o.find("starts_at");
        o.set_value("starts_at", *o.find("ends_at"));
        o.set_value("ends_at", std::move(starts));
      });
    case 8:
      return changed(new_submission(at),
                     [](JsonObject& o) { o.set("minutes", kMaxDayMinutes + 1); });
    default: {  // not a calendar day
      const std::string day = schemas::LocalDate{local_date_of(at)}.str().substr(0, 4) + "-02-30";
      return changed(new_submission(at), [&](JsonObject& o) { o.set("service_date", day); });
    }
  }
}

std::optional<std::string> BadInputFactory::unknown_reference(int variant, int64_t at) {
  switch (variant) {
    case 0:
      return changed(any_of(EventType::hours_verified, at), [&](JsonObject& o) {
        o.set("log_id", log_id(unused_index(plan_.logs.size())));
      });
    case 1:
      return changed(any_of(EventType::need_claimed, at), [&](JsonObject& o) {
        o.set("need_id", need_id(unused_index(plan_.needs.size())));
      });
    case 2: {  // an update before (or without) registration
      const uint32_t volunteer =
          state_.some_unregistered(rng_).value_or(unused_index(plan_.volunteers.size()));
      JsonObject o = envelope(ids_.next(InputTopic::hours), EventType::volunteer_updated, at);
      o.set("volunteer_id", volunteer_id(volunteer));
      o.set("party_member", true);
      return line(o);
    }
    case 3:
      return changed(any_of(EventType::activity_completed, at), [&](JsonObject& o) {
        o.set("activity_id", activity_id(unused_index(plan_.activities.size())));
      });
    default:
      return changed(any_of(EventType::hours_revoked, at), [&](JsonObject& o) {
        o.set("log_id", log_id(unused_index(plan_.logs.size())));
      });
  }
}

std::optional<std::string> BadInputFactory::invalid_transition(int variant, int64_t at) {
  std::optional<uint32_t> subject;
  const auto quality = static_cast<int32_t>(rng_.between(3, 5));
  switch (variant) {
    case 0:  // verify a rejected log
      if ((subject = state_.some_log(rng_, LogState::rejected)))
        return line(render(EventType::hours_verified, *subject, at, quality));
      return std::nullopt;
    case 1:  // register twice
      if ((subject = state_.some_registered(rng_)))
        return line(render(EventType::volunteer_registered, *subject, at));
      return std::nullopt;
    case 2:  // claim a fulfilled need
      if ((subject = state_.some_need(rng_, NeedState::fulfilled)))
        return line(render(EventType::need_claimed, *subject, at));
      return std::nullopt;
    case 3:  // verify twice
      if ((subject = state_.some_log(rng_, LogState::verified)))
        return line(render(EventType::hours_verified, *subject, at, quality));
      return std::nullopt;
    case 4:  // submit the same log again under a new event id
      if ((subject = state_.some_submitted_log(rng_)))
        return line(render(EventType::hours_submitted, *subject, at));
      return std::nullopt;
    case 5:  // complete a cancelled activity
      if ((subject = state_.some_cancelled_activity(rng_)))
        return line(render(EventType::activity_completed, *subject, at));
      return std::nullopt;
    case 6:  // amend a revoked log
      if ((subject = state_.some_log(rng_, LogState::revoked)))
        return line(render(EventType::hours_amended, *subject, at, plan_.logs[*subject].minutes));
      return std::nullopt;
    default:  // fulfil an expired need
      if ((subject = state_.some_need(rng_, NeedState::expired)))
        return line(render(EventType::need_fulfilled, *subject, at));
      return std::nullopt;
  }
}

std::optional<std::string> BadInputFactory::daily_limit_exceeded(int variant, int64_t at) {
  const auto log = state_.some_active_log(rng_);
  if (!log) return std::nullopt;
  const PlannedLog& planned = plan_.logs[*log];
  const int32_t day = state_.day_minutes(planned.volunteer, planned.service_date);
  const int32_t others = day - state_.log_minutes(*log);
  if (variant == 1 && others >= 1) {
    // Amend this log upwards past what its day still allows.
    const auto minutes =
        static_cast<int32_t>(rng_.between(kMaxDayMinutes + 1 - others, kMaxDayMinutes));
    return line(render(EventType::hours_amended, *log, at, minutes));
  }
  // A new log on a day that already has hours: together they exceed the day.
  JsonObject submit = render(EventType::hours_submitted, *log, at);
  submit.set("log_id", log_id(unused_index(plan_.logs.size())));
  submit.set("minutes",
             static_cast<int32_t>(rng_.between(kMaxDayMinutes + 1 - day, kMaxDayMinutes)));
  return line(submit);
}

}  // namespace leifeng::generator
