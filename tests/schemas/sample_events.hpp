// One valid event of every input type, with every optional field set, and JSON editing helpers
// for table-driven decoder tests.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "leifeng/schemas/events.hpp"
#include "leifeng/schemas/validation.hpp"

namespace leifeng::schemas::testing_support {

inline Timestamp ts(std::string_view text) {
  auto t = parse_timestamp(text);
  if (!t) throw std::invalid_argument("bad test timestamp " + std::string(text));
  return *t;
}

inline LocalDate date(std::string_view text) {
  auto d = parse_date(text);
  if (!d) throw std::invalid_argument("bad test date " + std::string(text));
  return *d;
}

// The default rules of SPEC §4: +08:00 and the ten Pingdingshan county-level codes.
inline ValidationRules pingdingshan_rules() {
  ValidationRules rules;
  rules.zone = UtcOffset{8 * 60};
  for (uint32_t code :
       {410402u, 410403u, 410404u, 410411u, 410421u, 410422u, 410423u, 410425u, 410481u, 410482u}) {
    rules.areas.push_back(AreaCode{code});
  }
  return rules;
}

inline Event make_event(std::string event_id, std::string_view occurred_at, Payload payload,
                        std::optional<std::string> source = "volunteer-app") {
  Event e;
  e.envelope.event_id = std::move(event_id);
  e.envelope.type = static_cast<EventType>(payload.index());
  e.envelope.occurred_at = ts(occurred_at);
  e.envelope.source = std::move(source);
  e.payload = std::move(payload);
  return e;
}

// In EventType order; every optional field present so the round trip covers it.
inline std::vector<Event> sample_events() {
  const char* at = "2027-03-05T09:30:00+08:00";
  return {
      make_event(
          "e-1", at,
          VolunteerRegistered{
              "v-1", AreaCode{410402}, true, {ServiceType::tutoring, ServiceType::medical_care}}),
      make_event("e-2", at,
                 VolunteerUpdated{"v-1", AreaCode{410403}, false,
                                  std::vector<ServiceType>{ServiceType::other}}),
      make_event("e-3", "2027-03-05T09:30:00.125Z",
                 HoursSubmitted{"v-1", "log-1", "act-1", AreaCode{410411},
                                Category::neighborhood_watch, date("2027-03-05"), 90,
                                ServiceType::companionship, TargetGroup::empty_nest_elderly}),
      make_event("e-4", at, HoursVerified{"v-1", "log-1", "org-7", 4}),
      make_event("e-5", at, HoursRejected{"v-1", "log-1", "org-7", "no sign-in sheet"}),
      make_event("e-6", at, HoursAmended{"v-1", "log-1", 60, "org-7", "travel time removed"}),
      make_event("e-7", at, HoursRevoked{"v-1", "log-1", "duplicate record"}, std::nullopt),
      make_event("e-8", "2027-03-01T08:00:00-01:00",
                 ActivityPublished{"act-1",
                                   "学雷锋 助老服务",
                                   "org-7",
                                   AreaCode{410421},
                                   Category::window_service,
                                   {ServiceType::civility_guidance, ServiceType::publicity},
                                   {TargetGroup::general_public},
                                   ts("2027-03-05T09:00:00+08:00"),
                                   ts("2027-03-05T11:30:00+08:00"),
                                   "station-3",
                                   25}),
      make_event("e-9", at, ActivityCompleted{"act-1", 20, 143}),
      make_event("e-10", at, ActivityCancelled{"act-1", "rain"}),
      make_event(
          "e-11", at,
          NeedPosted{"need-1", AreaCode{410481}, NeedKind::micro_wish, ServiceType::donation,
                     TargetGroup::left_behind_children, "A winter coat", date("2027-03-31")}),
      make_event("e-12", at, NeedClaimed{"need-1", "v-1", ClaimantKind::volunteer}),
      make_event("e-13", at, NeedFulfilled{"need-1", "v-1"}),
      make_event("e-14", at, NeedCancelled{"need-1", "moved away"}),
      make_event("e-15", at, NeedExpired{"need-1"}),
  };
}

// A typical hours.submitted line as upstream apps send it.
inline const char* kHoursSubmittedLine =
    R"({"event_id":"hs-0001","type":"hours.submitted","schema_version":1,)"
    R"("occurred_at":"2027-03-05T18:00:00+08:00","source":"volunteer-app",)"
    R"("volunteer_id":"v-00042","log_id":"log-00042-0001","activity_id":"act-0007",)"
    R"("area_code":"410402","category":"neighborhood_watch","service_date":"2027-03-05",)"
    R"("minutes":90,"service_type":"companionship","target_group":"empty_nest_elderly"})";

inline std::string serialise(const rapidjson::Document& doc) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

// `json` with member `name` set to the JSON text `raw_value` (added when absent).
inline std::string with_field(std::string_view json, const char* name, std::string_view raw_value) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  rapidjson::Document value(&doc.GetAllocator());
  value.Parse(raw_value.data(), raw_value.size());
  if (doc.HasParseError() || value.HasParseError()) throw std::invalid_argument("bad test JSON");
  doc.RemoveMember(name);
  doc.AddMember(rapidjson::Value(name, doc.GetAllocator()), value, doc.GetAllocator());
  return serialise(doc);
}

// `json` without member `name`.
inline std::string without_field(std::string_view json, const char* name) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) throw std::invalid_argument("bad test JSON");
  doc.RemoveMember(name);
  return serialise(doc);
}

}  // namespace leifeng::schemas::testing_support
