#include "leifeng/processors/activities.hpp"

#include "leifeng/processors/wiring.hpp"

namespace leifeng::processors {

using schemas::Reason;

ActivitiesProcessor::ActivitiesProcessor(const ProcessorOptions& options,
                                         runtime::KeyValueStore* store)
    : AggregateProcessor(schemas::InputTopic::activities, options, store),
      deltas_(county_delta_bound(options.sum_county_deltas)) {}

Verdict ActivitiesProcessor::apply_to(ActivityState* state, const schemas::Event& event,
                                      runtime::Emitter& out) {
  const std::string& activity_id = key();
  deltas_.clear();

  if (const auto* published = std::get_if<schemas::ActivityPublished>(&event.payload)) {
    if (state != nullptr) {
      return Verdict::rejected(Reason::invalid_transition, "type",
                               "activity " + activity_id + " was already published");
    }
    state = &create();
    state->status = ActivityStatus::published;
    state->area = published->area_code.value;
    state->category = static_cast<uint8_t>(published->category);
    state->start_date = published->starts_at.local_date(options().config.zone).days;
    const schemas::LocalDate date{state->start_date};
    deltas_.add_dated(published->area_code, date, Metric::activities_published, 1);
    deltas_.add_dated(
        published->area_code, date,
        metric_for_category(Metric::activities_published_by_category, published->category), 1);
    // SPEC §9: the area's county-stats count the station; a station is never taken back (the
    // activity was published, whatever becomes of it).
    if (published->station_id)
      deltas_.use_station(published->area_code, date, *published->station_id);
  } else {
    if (state == nullptr) {
      return Verdict::rejected(Reason::unknown_reference, "activity_id",
                               "activity " + activity_id + " was not published");
    }
    if (state->status != ActivityStatus::published) {
      return Verdict::rejected(Reason::invalid_transition, "type",
                               "activity " + activity_id + " is already completed or cancelled");
    }
    const schemas::AreaCode area{state->area};
    const schemas::LocalDate date{state->start_date};
    if (const auto* completed = std::get_if<schemas::ActivityCompleted>(&event.payload)) {
      state->status = ActivityStatus::completed;
      deltas_.add_dated(area, date, Metric::activities_completed, 1);
      deltas_.add_dated(area, date, Metric::activities_participants, completed->participants);
      deltas_.add_dated(area, date, Metric::activities_beneficiaries, completed->beneficiaries);
    } else if (std::holds_alternative<schemas::ActivityCancelled>(event.payload)) {
      state->status = ActivityStatus::cancelled;
      deltas_.add_dated(area, date, Metric::activities_cancelled, 1);
    } else {
      return Verdict::rejected(Reason::unknown_type, "type", "not an event of topic activities");
    }
  }
  deltas_.end_event(out, outputs::kCountyDeltas, event.envelope.occurred_at.text);
  return Verdict::applied();
}

void ActivitiesProcessor::before_commit(runtime::Emitter& out) {
  deltas_.emit(out, outputs::kCountyDeltas);
}

}  // namespace leifeng::processors
