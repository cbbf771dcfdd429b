// Activities (topic activities, keyed by activity_id): PUBLISHED → COMPLETED | CANCELLED
// (SPEC §4). Emits county deltas attributed to the area and local start date.
#pragma once

#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <cstdint>
#include <string>

#include "leifeng/processors/county_delta.hpp"
#include "leifeng/processors/event_processor.hpp"

namespace leifeng::processors {

enum class ActivityStatus : uint8_t { published, completed, cancelled };

struct ActivityState {
  ActivityStatus status = ActivityStatus::published;
  uint32_t area = 0;
  uint8_t category = 0;
  int32_t start_date = 0;  // local date of starts_at, days since 1970-01-01
  AppliedEvents applied;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(status, area, category, start_date, applied);
  }
};

class ActivitiesProcessor : public AggregateProcessor<ActivityState> {
 public:
  static constexpr const char* kStoreName = "activities";
  ActivitiesProcessor(const ProcessorOptions& options, runtime::KeyValueStore* store);
  // The county deltas summed since the last commit (CountyDeltaBatch), sent now.
  void before_commit(runtime::Emitter& out) override;

 protected:
  Verdict apply_to(ActivityState* state, const schemas::Event& event,
                   runtime::Emitter& out) override;

 private:
  CountyDeltaBatch deltas_;
};

}  // namespace leifeng::processors
