#include "leifeng/generator/event_render.hpp"

#include <fmt/format.h>

#include <vector>

#include "leifeng/generator/calendar.hpp"
#include "leifeng/generator/vocabulary.hpp"
#include "leifeng/schemas/domain.hpp"

namespace leifeng::generator {
namespace {

std::vector<std::string> names_of(uint32_t mask, int count, std::string_view (*name)(int)) {
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) {
    if (mask & (1u << i)) names.emplace_back(name(i));
  }
  return names;
}

void render_hours(const CityPlan& plan, const PlannedEvent& event, JsonObject& out) {
  const PlannedLog& log = plan.logs[event.subject];
  const PlannedActivity& activity = plan.activities[log.activity];
  const uint32_t area = plan.areas[activity.area];
  out.set("volunteer_id", volunteer_id(log.volunteer));
  out.set("log_id", log_id(event.subject));
  switch (event.kind) {
    case EventType::hours_submitted:
      out.set("activity_id", activity_id(log.activity));
      out.set("area_code", area_text(area));
      out.set("category", category_name(activity.category));
      out.set("service_date", schemas::LocalDate{log.service_date}.str());
      out.set("minutes", log.minutes);
      if (log.service_type) out.set("service_type", service_type_name(*log.service_type));
      if (log.target_group) out.set("target_group", target_group_name(*log.target_group));
      break;
    case EventType::hours_verified:
      out.set("verifier_id", organizer_id(area, activity.organizer));
      out.set("quality", event.value);
      break;
    case EventType::hours_rejected:
      out.set("verifier_id", organizer_id(area, activity.organizer));
      out.set("reason", rejection_reason(static_cast<uint64_t>(event.value)));
      break;
    case EventType::hours_amended:
      out.set("minutes", event.value);
      out.set("verifier_id", organizer_id(area, activity.organizer));
      out.set("reason", amendment_reason(static_cast<uint64_t>(event.value)));
      break;
    case EventType::hours_revoked:
      out.set("reason", revocation_reason(static_cast<uint64_t>(event.value)));
      break;
    default:
      break;
  }
}

void render_volunteer(const CityPlan& plan, const PlannedEvent& event, JsonObject& out) {
  out.set("volunteer_id", volunteer_id(event.subject));
  if (event.kind == EventType::volunteer_registered) {
    const PlannedVolunteer& v = plan.volunteers[event.subject];
    out.set("area_code", area_text(plan.areas[v.home_area]));
    out.set("party_member", v.party_member);
    if (v.skills != 0) out.set("skills", names_of(v.skills, kServiceTypes, service_type_name));
    return;
  }
  const VolunteerUpdate& update = plan.updates[event.detail];
  if (update.area) out.set("area_code", area_text(plan.areas[*update.area]));
  if (update.party_member) out.set("party_member", *update.party_member);
  if (update.skills) out.set("skills", names_of(*update.skills, kServiceTypes, service_type_name));
}

void render_activity(const CityPlan& plan, const PlannedEvent& event, JsonObject& out) {
  const PlannedActivity& a = plan.activities[event.subject];
  const uint32_t area = plan.areas[a.area];
  out.set("activity_id", activity_id(event.subject));
  switch (event.kind) {
    case EventType::activity_published:
      out.set("title", activity_title(area, a.category, a.title_service, a.title_target));
      out.set("organizer_id", organizer_id(area, a.organizer));
      out.set("area_code", area_text(area));
      out.set("category", category_name(a.category));
      out.set("service_types", names_of(a.service_types, kServiceTypes, service_type_name));
      out.set("target_groups", names_of(a.target_groups, kTargetGroups, target_group_name));
      out.set("starts_at", format_local_time(a.starts_at));
      out.set("ends_at", format_local_time(a.ends_at));
      if (a.station) out.set("station_id", fmt::format("station-{}-{:02}", area, *a.station));
      if (a.capacity) out.set("capacity", *a.capacity);
      break;
    case EventType::activity_completed:
      out.set("participants", a.participants);
      out.set("beneficiaries", a.beneficiaries);
      break;
    case EventType::activity_cancelled:
      out.set("reason", cancellation_reason(static_cast<uint64_t>(event.value)));
      break;
    default:
      break;
  }
}

void render_need(const CityPlan& plan, const PlannedEvent& event, JsonObject& out) {
  const PlannedNeed& n = plan.needs[event.subject];
  const uint32_t area = plan.areas[n.area];
  out.set("need_id", need_id(event.subject));
  const std::string claimant =
      n.claimed_by_volunteer ? volunteer_id(n.claimant) : organizer_id(area, n.claimant);
  switch (event.kind) {
    case EventType::need_posted:
      out.set("area_code", area_text(area));
      out.set("kind", n.micro_wish ? "micro_wish" : "public_need");
      out.set("service_type", service_type_name(n.service_type));
      out.set("target_group", target_group_name(n.target_group));
      out.set("title", need_title(n.micro_wish, n.service_type, n.target_group));
      if (n.deadline) out.set("deadline", schemas::LocalDate{*n.deadline}.str());
      break;
    case EventType::need_claimed:
      out.set("claimant_id", claimant);
      out.set("claimant_kind", n.claimed_by_volunteer ? "volunteer" : "organization");
      break;
    case EventType::need_fulfilled:
      out.set("fulfilled_by", claimant);
      break;
    case EventType::need_cancelled:
      out.set("reason", cancellation_reason(static_cast<uint64_t>(event.value)));
      break;
    default:
      break;
  }
}

}  // namespace

std::string volunteer_id(uint32_t index) {
  return fmt::format("vol-{:06}", index + 1);
}
std::string log_id(uint32_t index) {
  return fmt::format("log-{:07}", index + 1);
}
std::string activity_id(uint32_t index) {
  return fmt::format("activity-{:06}", index + 1);
}
std::string need_id(uint32_t index) {
  return fmt::format("need-{:06}", index + 1);
}
std::string organizer_id(uint32_t area_code, uint32_t number) {
  return fmt::format("org-{}-{:02}", area_code, number);
}
std::string area_text(uint32_t area_code) {
  return fmt::format("{:06}", area_code);
}

std::string_view source_of(EventType kind) {
  switch (kind) {
    case EventType::volunteer_registered:
    case EventType::volunteer_updated:
    case EventType::hours_submitted:
      return "app.volunteer-hub";
    case EventType::hours_verified:
    case EventType::hours_rejected:
    case EventType::hours_amended:
    case EventType::hours_revoked:
      return "app.organizer-console";
    case EventType::activity_published:
    case EventType::activity_completed:
    case EventType::activity_cancelled:
      return "app.activity-center";
    default:
      return "app.needs-board";
  }
}

JsonObject envelope(std::string_view event_id, EventType kind, int64_t at) {
  JsonObject out;
  out.set("event_id", event_id);
  out.set("type", schemas::to_string(kind));
  out.set("schema_version", 1);
  out.set("occurred_at", format_local_time(at));
  out.set("source", source_of(kind));
  return out;
}

JsonObject render_event(const CityPlan& plan, const PlannedEvent& event,
                        std::string_view event_id) {
  JsonObject out = envelope(event_id, event.kind, event.at);
  switch (topic_of(event.kind)) {
    case InputTopic::hours:
      if (event.kind <= EventType::volunteer_updated) {
        render_volunteer(plan, event, out);
      } else {
        render_hours(plan, event, out);
      }
      break;
    case InputTopic::activities:
      render_activity(plan, event, out);
      break;
    case InputTopic::needs:
      render_need(plan, event, out);
      break;
  }
  return out;
}

}  // namespace leifeng::generator
