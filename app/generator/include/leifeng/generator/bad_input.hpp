// Bad input of every reason code of SPEC §4, each line built so that the checks, run in
// their documented order against the state left by the lines before it, reject it for
// exactly that reason.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "leifeng/generator/city_plan.hpp"
#include "leifeng/generator/json_object.hpp"
#include "leifeng/generator/random.hpp"
#include "leifeng/generator/upstream_state.hpp"
#include "leifeng/schemas/validation.hpp"

namespace leifeng::generator {

// The SPEC §4 reasons of the contract, in the order their checks run.
using schemas::Reason;

// Hands out event ids in file order: hrs-0000001 (topic hours), act-…, ned-….
class EventIds {
 public:
  std::string next(InputTopic topic);

 private:
  std::array<uint64_t, 3> issued_{};
};

class BadInputFactory {
 public:
  BadInputFactory(const CityPlan& plan, const UpstreamState& state, Random& rng, EventIds& ids);

  // A line rejected for `reason` that occurs at `at` (local seconds), or nullopt when what
  // has happened so far does not allow one yet (e.g. no rejected log to verify).
  std::optional<std::string> make(Reason reason, int64_t at);

 private:
  std::optional<std::string> malformed(int variant, int64_t at);
  std::optional<std::string> unknown_type(int variant, int64_t at);
  std::optional<std::string> unsupported_version(int variant, int64_t at);
  std::optional<std::string> missing_field(int variant, int64_t at);
  std::optional<std::string> invalid_field(int variant, int64_t at);
  std::optional<std::string> unknown_reference(int variant, int64_t at);
  std::optional<std::string> invalid_transition(int variant, int64_t at);
  std::optional<std::string> daily_limit_exceeded(int variant, int64_t at);

  // A valid event of the plan's kind for `subject`, re-dated to `at` with a new event id.
  JsonObject render(EventType kind, uint32_t subject, int64_t at, int32_t value = 0);
  // A valid-looking hours.submitted of a new log, served in the last days before `at`.
  std::optional<JsonObject> new_submission(int64_t at);
  std::optional<JsonObject> any_of(EventType kind, int64_t at);
  // An id of its kind that no event of the plan ever uses.
  uint32_t unused_index(size_t planned) { return static_cast<uint32_t>(planned + ++unused_); }

  const CityPlan& plan_;
  const UpstreamState& state_;
  Random& rng_;
  EventIds& ids_;
  uint32_t unused_ = 0;
};

}  // namespace leifeng::generator
