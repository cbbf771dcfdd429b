// What the stream processors know after the lines emitted so far, in file order: the state
// against which stateful bad input (unknown reference, invalid transition, daily limit) is
// constructed so that it really is rejected for that reason.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "leifeng/generator/city_plan.hpp"
#include "leifeng/generator/random.hpp"

namespace leifeng::generator {

enum class LogState : uint8_t { none, submitted, verified, rejected, revoked };
enum class NeedState : uint8_t { none, open, claimed, fulfilled, cancelled, expired };
enum class ActivityState : uint8_t { none, published, completed, cancelled };

class UpstreamState {
 public:
  explicit UpstreamState(const CityPlan& plan);

  // Records the effect of a valid event that has just been emitted.
  void apply(const PlannedEvent& event);

  bool registered(uint32_t volunteer) const { return registered_[volunteer]; }
  LogState log_state(uint32_t log) const { return log_state_[log]; }
  int32_t log_minutes(uint32_t log) const { return log_minutes_[log]; }
  // Minutes of SUBMITTED and VERIFIED logs of a volunteer on a service date.
  int32_t day_minutes(uint32_t volunteer, int32_t service_date) const;
  NeedState need_state(uint32_t need) const { return need_state_[need]; }
  ActivityState activity_state(uint32_t activity) const { return activity_state_[activity]; }

  // Random picks among what has happened so far; nullopt when nothing fits.
  std::optional<uint32_t> some_log(Random& rng, LogState state) const;
  std::optional<uint32_t> some_active_log(Random& rng) const;     // SUBMITTED or VERIFIED
  std::optional<uint32_t> some_submitted_log(Random& rng) const;  // in any state
  std::optional<uint32_t> some_registered(Random& rng) const;
  std::optional<uint32_t> some_unregistered(Random& rng) const;
  // `state` is fulfilled or expired: the final states bad input is built against.
  std::optional<uint32_t> some_need(Random& rng, NeedState state) const;
  std::optional<uint32_t> some_cancelled_activity(Random& rng) const;

 private:
  static uint64_t day_key(uint32_t volunteer, int32_t date) {
    return (uint64_t{volunteer} << 32) | static_cast<uint32_t>(date);
  }
  void add_day_minutes(uint32_t log, int32_t delta);

  const CityPlan& plan_;
  std::vector<bool> registered_;
  std::vector<LogState> log_state_;
  std::vector<int32_t> log_minutes_;
  std::vector<NeedState> need_state_;
  std::vector<ActivityState> activity_state_;
  std::unordered_map<uint64_t, int32_t> day_minutes_;
  // Append-only histories to draw from; the current state is checked when drawing.
  std::vector<uint32_t> submitted_logs_;
  std::vector<uint32_t> rejected_logs_;
  std::vector<uint32_t> revoked_logs_;
  std::vector<uint32_t> registered_volunteers_;
  std::vector<uint32_t> fulfilled_needs_;
  std::vector<uint32_t> expired_needs_;
  std::vector<uint32_t> cancelled_activities_;
};

}  // namespace leifeng::generator
