// Turns planned events into the JSON of SPEC §3, and names the entities of the plan.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "leifeng/generator/city_plan.hpp"
#include "leifeng/generator/json_object.hpp"

namespace leifeng::generator {

// Opaque ids (SPEC §1: no names travel on the bus).
std::string volunteer_id(uint32_t index);                       // vol-000001
std::string log_id(uint32_t index);                             // log-0000001
std::string activity_id(uint32_t index);                        // activity-000001
std::string need_id(uint32_t index);                            // need-000001
std::string organizer_id(uint32_t area_code, uint32_t number);  // org-410402-07
std::string area_text(uint32_t area_code);                      // six digits

// The publishing app of an event type ("app.volunteer-hub", ...).
std::string_view source_of(EventType kind);

// event_id, type, schema_version 1, occurred_at (+08:00) and source.
JsonObject envelope(std::string_view event_id, EventType kind, int64_t at);

// The complete, valid event.
JsonObject render_event(const CityPlan& plan, const PlannedEvent& event, std::string_view event_id);

}  // namespace leifeng::generator
