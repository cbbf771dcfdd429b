#include "leifeng/processors/activities.hpp"

#include "leifeng/processors/wiring.hpp"
#include "leifeng/schemas/copy_text.hpp"

namespace leifeng::processors {

using schemas::Reason;

ActivitiesProcessor::ActivitiesProcessor(const ProcessorOptions& options,
                                         runtime::KeyValueStore* store)
    : EventProcessor(schemas::InputTopic::activities, options), activities_(store) {}

void ActivitiesProcessor::prefetch(const schemas::Event& event, int step, Lookahead& ahead) const {
  if (const auto* state = prefetch_aggregate(activities_, event, step, ahead); state && step == 2) {
    state->applied.prefetch();
  }
}

ActivitiesProcessor::Applied ActivitiesProcessor::apply(const schemas::Event& event,
                                                        runtime::Emitter& out) {
  schemas::copy_text(key_, event.aggregate_id());
  ActivityState* state = activities_.find(key_);
  const uint64_t id_hash = stable_hash(event.envelope.event_id);  // for contains and add
  if (state != nullptr && state->applied.contains(event.envelope.event_id, id_hash))
    return duplicate();
  deltas_.clear();

  if (const auto* published = std::get_if<schemas::ActivityPublished>(&event.payload)) {
    if (state != nullptr) {
      return rejected(Reason::invalid_transition, "type",
                      "activity " + key_ + " was already published");
    }
    state = &activities_.upsert(key_);
    state->status = ActivityStatus::published;
    state->area = published->area_code.value;
    state->category = static_cast<uint8_t>(published->category);
    state->start_date = published->starts_at.local_date(options().config.zone).days;
    const schemas::LocalDate date{state->start_date};
    deltas_.add_dated(published->area_code, date, Metric::activities_published, 1);
    deltas_.add_dated(
        published->area_code, date,
        metric_for_category(Metric::activities_published_by_category, published->category), 1);
  } else {
    if (state == nullptr) {
      return rejected(Reason::unknown_reference, "activity_id",
                      "activity " + key_ + " was not published");
    }
    if (state->status != ActivityStatus::published) {
      return rejected(Reason::invalid_transition, "type",
                      "activity " + key_ + " is already completed or cancelled");
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
      return rejected(Reason::unknown_type, "type", "not an event of topic activities");
    }
  }
  state->applied.add(event.envelope.event_id, id_hash);
  activities_.mark_dirty(key_);
  deltas_.emit(out, outputs::kCountyDeltas, event.envelope.occurred_at.text);
  return applied();
}

}  // namespace leifeng::processors
