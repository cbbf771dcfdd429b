#include "leifeng/generator/city_plan.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "leifeng/generator/calendar.hpp"
#include "leifeng/generator/random.hpp"
#include "leifeng/generator/vocabulary.hpp"

namespace leifeng::generator {
namespace {

// Independent random streams, one per part of the plan.
enum Stream : uint64_t { kAreaStream = 1, kActivityStream, kVolunteerStream, kNeedStream };

constexpr int64_t kMinute = kSecondsPerMinute;
constexpr int64_t kHour = kSecondsPerHour;
constexpr int64_t kDay = kSecondsPerDay;

// Chance (ppm) that a volunteer serves on an ordinary weekday, by engagement.
constexpr std::array<uint32_t, 3> kServePpm = {250'000, 550'000, 900'000};
constexpr uint32_t kMaxServePpm = 950'000;
// Minutes of one log, by engagement (multiples of 15). Two logs a day at most, each at most
// 480 and amended to at most 600, keep every day below the limit of 1440.
constexpr std::array<std::array<int32_t, 2>, 3> kLogMinutes = {{{30, 180}, {60, 240}, {180, 480}}};
constexpr int32_t kMaxAmendedMinutes = 600;

class Planner {
 public:
  Planner(const GeneratorOptions& options, const CitySize& size) : options_(options), size_(size) {
    plan_.areas = options.areas;
    plan_.first_day = options.start_date;
    plan_.days = options.days;
  }

  CityPlan run() {
    Random area_rng = Random::stream(options_.seed, kAreaStream);
    for (size_t i = 0; i < plan_.areas.size(); ++i) {
      area_weights_.push_back(static_cast<uint32_t>(area_rng.between(60, 140)));
    }
    for (int32_t d = 0; d < plan_.days; ++d)
      day_weights_.push_back(day_weight(plan_.first_day + d));

    plan_activities();
    plan_volunteers();
    plan_needs();

    std::erase_if(plan_.events, [&](const PlannedEvent& e) { return e.at >= plan_.period_end(); });
    std::sort(plan_.events.begin(), plan_.events.end(),
              [](const PlannedEvent& a, const PlannedEvent& b) {
                return a.at != b.at ? a.at < b.at : a.order < b.order;
              });
    return std::move(plan_);
  }

 private:
  void add(int64_t at, EventType kind, uint32_t subject, uint32_t detail = 0, int32_t value = 0) {
    plan_.events.push_back(
        PlannedEvent{at, static_cast<uint32_t>(plan_.events.size()), kind, subject, detail, value});
  }

  int32_t pick_day(Random& rng) const {
    return plan_.first_day + static_cast<int32_t>(rng.weighted(day_weights_));
  }
  uint32_t pick_area(Random& rng) const {
    return static_cast<uint32_t>(rng.weighted(area_weights_));
  }
  static uint16_t pick_mask(Random& rng, std::span<const uint8_t> choices, int at_most) {
    uint16_t mask = 0;
    const int count = static_cast<int>(rng.between(1, std::min<int64_t>(at_most, choices.size())));
    for (int i = 0; i < count; ++i) mask |= uint16_t(1u << choices[rng.below(choices.size())]);
    return mask;
  }

  void plan_activities() {
    Random rng = Random::stream(options_.seed, kActivityStream);
    const std::string first_month = schemas::LocalDate{plan_.first_day}.month_str();
    by_day_.assign(plan_.days, {});
    by_day_area_.assign(static_cast<size_t>(plan_.days) * plan_.areas.size(), {});
    for (int64_t i = 0; i < size_.activities; ++i) {
      PlannedActivity a;
      a.area = pick_area(rng);
      a.category = static_cast<uint8_t>(rng.weighted(category_weights()));
      const auto services = category_service_types(a.category);
      const auto targets = category_target_groups(a.category);
      a.title_service = services[rng.below(services.size())];
      a.title_target = targets[rng.below(targets.size())];
      a.service_types = pick_mask(rng, services, 2) | uint16_t(1u << a.title_service);
      a.target_groups = static_cast<uint8_t>(pick_mask(rng, targets, 2) | (1u << a.title_target));
      const int32_t day = pick_day(rng);
      const bool window = category_name(a.category) == "window_service";
      const int64_t duration = window ? 30 * rng.between(8, 16) : 30 * rng.between(3, 10);
      a.starts_at = start_of_day(day) + 8 * kHour + 30 * kMinute * rng.between(0, 14);
      a.ends_at = a.starts_at + duration * kMinute;
      a.organizer = static_cast<uint32_t>(rng.below(kOrganizersPerArea)) + 1;
      if (rng.percent(60)) a.station = static_cast<uint32_t>(rng.below(kStationsPerArea)) + 1;
      if (a.station && *a.station > kStationsPerArea - kIdleStationsPerArea &&
          schemas::LocalDate{day}.month_str() != first_month) {
        // Going idle: the same draw lands on a station still in use (no extra random number,
        // so everything else the seed decides stays as it was).
        a.station = (*a.station - 1) % (kStationsPerArea - kIdleStationsPerArea) + 1;
      }
      if (rng.percent(70)) a.capacity = 5 * rng.between(2, 12);

      // Published one to ten days ahead, but not before the period starts (nor at night).
      int64_t published = a.starts_at - rng.between(1 * kDay, 10 * kDay);
      const int64_t earliest = plan_.period_start() + 7 * kHour;
      if (published < earliest) published = earliest + rng.between(0, (a.starts_at - earliest) / 2);
      const auto index = static_cast<uint32_t>(plan_.activities.size());
      add(published, EventType::activity_published, index);
      const uint32_t outcome = static_cast<uint32_t>(rng.below(100));
      if (outcome < 5) {
        int64_t cancelled = a.starts_at - rng.between(1 * kHour, 2 * kDay);
        if (cancelled <= published) cancelled = published + (a.starts_at - published) / 2;
        add(cancelled, EventType::activity_cancelled, index, 0,
            static_cast<int32_t>(rng.below(16)));
      } else {
        by_day_[day - plan_.first_day].push_back(index);
        by_day_area_[static_cast<size_t>(day - plan_.first_day) * plan_.areas.size() + a.area]
            .push_back(index);
        if (outcome < 97) completions_.push_back({index, a.ends_at + rng.between(kHour, 2 * kDay)});
      }
      plan_.activities.push_back(a);
    }
  }

  // The activity a volunteer joins on a day: mostly in the home area.
  std::optional<uint32_t> pick_activity(Random& rng, int32_t day, uint32_t home,
                                        std::optional<uint32_t> not_this) const {
    const size_t d = static_cast<size_t>(day - plan_.first_day);
    const auto& local = by_day_area_[d * plan_.areas.size() + home];
    const auto& any = by_day_[d];
    const auto& pool = !local.empty() && rng.percent(80) ? local : any;
    if (pool.empty()) return std::nullopt;
    const uint32_t chosen = pool[rng.below(pool.size())];
    if (chosen == not_this) return std::nullopt;
    return chosen;
  }

  void find_nearest_active_days() {
    nearest_active_day_.assign(plan_.days, -1);
    for (int32_t d = 0; d < plan_.days; ++d) {
      for (int32_t distance = 0; distance < plan_.days; ++distance) {
        if (d - distance >= 0 && !by_day_[d - distance].empty()) {
          nearest_active_day_[d] = d - distance;
          break;
        }
        if (d + distance < plan_.days && !by_day_[d + distance].empty()) {
          nearest_active_day_[d] = d + distance;
          break;
        }
      }
    }
  }

  void plan_volunteers() {
    find_nearest_active_days();
    Random rng = Random::stream(options_.seed, kVolunteerStream);
    for (int64_t v = 0; v < size_.volunteers; ++v) {
      const auto index = static_cast<uint32_t>(plan_.volunteers.size());
      PlannedVolunteer volunteer;
      volunteer.home_area = pick_area(rng);
      volunteer.party_member = rng.percent(25);
      const auto all_services = category_service_types(static_cast<int>(rng.below(kCategories)));
      volunteer.skills = pick_mask(rng, all_services, 3);
      const uint32_t e = static_cast<uint32_t>(rng.below(100));
      volunteer.engagement = e < 5    ? Engagement::very_active
                             : e < 35 ? Engagement::regular
                                      : Engagement::occasional;
      plan_.volunteers.push_back(volunteer);

      const int64_t first_submit = plan_logs(rng, index, volunteer);
      plan_registration(rng, index, volunteer, first_submit);
    }
    for (const auto& [activity, at] : completions_) {
      PlannedActivity& a = plan_.activities[activity];
      a.beneficiaries = a.participants * rng.between(1, 4) + rng.between(0, 10);
      if (a.capacity && *a.capacity < a.participants) a.capacity = a.participants;
      add(at, EventType::activity_completed, activity);
    }
  }

  // Plans the volunteer's hour logs; returns when the first one is submitted (or the end of
  // the period when there is none).
  int64_t plan_logs(Random& rng, uint32_t volunteer, const PlannedVolunteer& who) {
    const auto level = static_cast<size_t>(who.engagement);
    int64_t first_submit = plan_.period_end();
    logs_per_day_.assign(plan_.days, 0);
    for (int32_t d = 0; d < plan_.days; ++d) {
      const uint32_t ppm =
          std::min<uint32_t>(kServePpm[level] / 100 * day_weights_[d], kMaxServePpm);
      if (!rng.chance_ppm(ppm)) continue;
      // In a small city not every day has an activity: serve on the nearest day that has.
      const int32_t day = nearest_active_day_[d];
      if (day < 0) continue;
      const int logs_today = who.engagement == Engagement::very_active && rng.percent(20) ? 2 : 1;
      std::optional<uint32_t> earlier;
      for (int n = 0; n < logs_today && logs_per_day_[day] < 2; ++n) {
        const auto activity = pick_activity(rng, plan_.first_day + day, who.home_area, earlier);
        if (!activity) continue;
        earlier = activity;
        ++logs_per_day_[day];
        first_submit = std::min(first_submit, plan_log(rng, volunteer, level, *activity));
      }
    }
    return first_submit;
  }

  int64_t plan_log(Random& rng, uint32_t volunteer, size_t level, uint32_t activity_index) {
    PlannedActivity& activity = plan_.activities[activity_index];
    ++activity.participants;
    PlannedLog log;
    log.volunteer = volunteer;
    log.activity = activity_index;
    log.service_date = local_date_of(activity.starts_at);
    log.minutes = 15 * static_cast<int32_t>(
                           rng.between(kLogMinutes[level][0] / 15, kLogMinutes[level][1] / 15));
    if (rng.percent(80)) {
      std::vector<uint8_t> offered;
      for (int s = 0; s < kServiceTypes; ++s)
        if (activity.service_types & (1u << s)) offered.push_back(static_cast<uint8_t>(s));
      log.service_type = offered[rng.below(offered.size())];
    }
    if (rng.percent(70)) log.target_group = activity.title_target;
    const auto index = static_cast<uint32_t>(plan_.logs.size());
    plan_.logs.push_back(log);

    // Submitted after the service (never before its date), verified by the organiser a few
    // days later; a few are rejected, amended or revoked.
    const uint32_t delay = static_cast<uint32_t>(rng.below(100));
    int64_t submitted;
    if (delay < 60) {
      submitted = activity.ends_at + rng.between(30 * kMinute, 4 * kHour);
    } else {
      const int64_t days_later = delay < 90 ? 1 : rng.between(2, 3);
      submitted = start_of_day(log.service_date + static_cast<int32_t>(days_later)) +
                  rng.between(8 * kHour, 22 * kHour);
    }
    submitted = std::max(submitted, activity.ends_at + kMinute);
    add(submitted, EventType::hours_submitted, index);

    const uint32_t outcome = static_cast<uint32_t>(rng.below(1000));
    const int64_t decided = submitted + rng.between(4 * kHour, 6 * kDay);
    if (outcome < 40) {
      add(decided, EventType::hours_rejected, index, 0, static_cast<int32_t>(rng.below(16)));
    } else if (outcome < 45) {
      add(decided, EventType::hours_revoked, index, 0, static_cast<int32_t>(rng.below(16)));
    } else if (outcome < 940) {
      add(decided, EventType::hours_verified, index, 0, pick_quality(rng));
      int64_t last = decided;
      if (rng.percent(3)) {
        last += rng.between(kHour, 5 * kDay);
        int32_t minutes = log.minutes + 15 * static_cast<int32_t>(rng.between(-4, 4));
        minutes =
            std::clamp(minutes == log.minutes ? minutes - 15 : minutes, 15, kMaxAmendedMinutes);
        add(last, EventType::hours_amended, index, 0, minutes);
      }
      if (rng.below(1000) < 15) {
        add(last + rng.between(kDay, 10 * kDay), EventType::hours_revoked, index, 0,
            static_cast<int32_t>(rng.below(16)));
      }
    }  // else: still waiting for the organiser
    return submitted;
  }

  static int32_t pick_quality(Random& rng) {
    static constexpr uint32_t kQualityWeights[] = {1, 3, 8, 33, 55};  // quality 1..5
    return static_cast<int32_t>(rng.weighted(kQualityWeights)) + 1;
  }

  void plan_registration(Random& rng, uint32_t index, const PlannedVolunteer& who,
                         int64_t first_submit) {
    const int64_t start = plan_.period_start();
    const uint32_t mode = static_cast<uint32_t>(rng.below(100));
    if (mode < 3) return;  // serves without ever registering on the platform
    int64_t registered;
    const bool has_logs = first_submit < plan_.period_end();
    if (mode < 10 && has_logs) {
      // Logged hours first; the home area comes from the first log until this arrives.
      registered = first_submit + rng.between(kHour, 5 * kDay);
    } else {
      // Before the first log, in daytime; most during the campaign's registration drive in
      // its first three days. Logs are submitted after 09:30 at the earliest.
      const int64_t earliest = start + 7 * kHour;
      const int64_t latest =
          rng.percent(75) ? std::min(first_submit, start + 3 * kDay) : first_submit;
      registered = earliest + rng.between(0, std::max<int64_t>(latest - earliest - 1, 0));
    }
    add(registered, EventType::volunteer_registered, index);

    if (rng.percent(10)) {
      VolunteerUpdate update;
      update.volunteer = index;
      const uint32_t what = static_cast<uint32_t>(rng.below(10));
      if (what < 2 && plan_.areas.size() > 1) {
        update.area =
            (who.home_area + 1 + static_cast<uint32_t>(rng.below(plan_.areas.size() - 1))) %
            static_cast<uint32_t>(plan_.areas.size());
      } else if (what < 5) {
        update.party_member = !who.party_member;
      } else {
        update.skills =
            pick_mask(rng, category_service_types(static_cast<int>(rng.below(kCategories))), 3);
      }
      add(registered + rng.between(kDay, 20 * kDay), EventType::volunteer_updated, index,
          static_cast<uint32_t>(plan_.updates.size()));
      plan_.updates.push_back(update);
    }
  }

  void plan_needs() {
    Random rng = Random::stream(options_.seed, kNeedStream);
    for (int64_t i = 0; i < size_.needs; ++i) {
      const auto index = static_cast<uint32_t>(plan_.needs.size());
      PlannedNeed need;
      need.area = pick_area(rng);
      need.micro_wish = rng.percent(60);
      const int category = static_cast<int>(rng.weighted(category_weights()));
      const auto services = category_service_types(category);
      const auto targets = category_target_groups(category);
      need.service_type = services[rng.below(services.size())];
      need.target_group = targets[rng.below(targets.size())];
      need.posted_at = start_of_day(pick_day(rng)) + rng.between(7 * kHour, 22 * kHour);
      if (rng.percent(70)) need.deadline = local_date_of(need.posted_at) + rng.between(3, 21);
      need.claimed_by_volunteer = rng.percent(70) && !plan_.volunteers.empty();
      need.claimant = need.claimed_by_volunteer
                          ? static_cast<uint32_t>(rng.below(plan_.volunteers.size()))
                          : static_cast<uint32_t>(rng.below(kOrganizersPerArea)) + 1;
      plan_.needs.push_back(need);
      add(need.posted_at, EventType::need_posted, index);

      // A need past its deadline expires at the end of that day unless it closed earlier.
      const int64_t expires_at =
          need.deadline ? start_of_day(*need.deadline + 1) + rng.between(0, 30 * kMinute)
                        : plan_.period_end();
      auto close = [&](int64_t at, EventType kind) {
        if (at < expires_at) {
          add(at, kind, index, 0, static_cast<int32_t>(rng.below(16)));
        } else if (need.deadline) {
          add(expires_at, EventType::need_expired, index);
        }
      };
      if (rng.percent(78)) {
        const int64_t claimed = need.posted_at + rng.between(30 * kMinute, 3 * kDay);
        if (claimed >= expires_at) {
          close(claimed, EventType::need_claimed);
          continue;
        }
        add(claimed, EventType::need_claimed, index);
        const uint32_t outcome = static_cast<uint32_t>(rng.below(100));
        if (outcome < 85) {
          close(claimed + rng.between(2 * kHour, 7 * kDay), EventType::need_fulfilled);
        } else if (outcome < 90) {
          close(claimed + rng.between(kHour, 3 * kDay), EventType::need_cancelled);
        } else if (need.deadline) {
          add(expires_at, EventType::need_expired, index);
        }
      } else if (rng.percent(10)) {
        close(need.posted_at + rng.between(kHour, 5 * kDay), EventType::need_cancelled);
      } else if (need.deadline) {
        add(expires_at, EventType::need_expired, index);
      }
    }
  }

  const GeneratorOptions& options_;
  CitySize size_;
  CityPlan plan_;
  std::vector<uint32_t> area_weights_;
  std::vector<uint32_t> day_weights_;
  std::vector<std::vector<uint32_t>> by_day_;       // activities taking place, per day
  std::vector<std::vector<uint32_t>> by_day_area_;  // the same per day and area
  std::vector<int32_t> nearest_active_day_;         // per day: the nearest day with an activity
  std::vector<uint8_t> logs_per_day_;               // of the volunteer being planned (at most 2)
  struct Completion {
    uint32_t activity;
    int64_t at;
  };
  std::vector<Completion> completions_;
};

}  // namespace

int64_t CityPlan::period_start() const {
  return start_of_day(first_day);
}
int64_t CityPlan::period_end() const {
  return start_of_day(first_day + days);
}

CityPlan plan_city(const GeneratorOptions& options, const CitySize& size) {
  validate(options);
  return Planner(options, size).run();
}

}  // namespace leifeng::generator
