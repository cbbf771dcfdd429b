// to_json(const Event&): the JSON an upstream app would publish for an event. Used by the
// synthetic generator and by round-trip tests of the decoder.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "leifeng/schemas/events.hpp"

namespace leifeng::schemas {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

class EventWriter {
 public:
  explicit EventWriter(Writer& w) : w_(w) {}

  void text(const char* name, std::string_view value) {
    w_.Key(name);
    w_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  void optional_text(const char* name, const std::optional<std::string>& value) {
    if (value) text(name, *value);
  }
  void integer(const char* name, int64_t value) {
    w_.Key(name);
    w_.Int64(value);
  }
  void boolean(const char* name, bool value) {
    w_.Key(name);
    w_.Bool(value);
  }
  void area(const char* name, AreaCode code) { text(name, code.str()); }
  template <typename Enum>
  void list(const char* name, const std::vector<Enum>& values) {
    w_.Key(name);
    w_.StartArray();
    for (Enum v : values) {
      const std::string_view s = to_string(v);
      w_.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    }
    w_.EndArray();
  }

  void operator()(const VolunteerRegistered& p) {
    text("volunteer_id", p.volunteer_id);
    area("area_code", p.area_code);
    boolean("party_member", p.party_member);
    if (!p.skills.empty()) list("skills", p.skills);
  }
  void operator()(const VolunteerUpdated& p) {
    text("volunteer_id", p.volunteer_id);
    if (p.area_code) area("area_code", *p.area_code);
    if (p.party_member) boolean("party_member", *p.party_member);
    if (p.skills) list("skills", *p.skills);
  }
  void operator()(const HoursSubmitted& p) {
    text("volunteer_id", p.volunteer_id);
    text("log_id", p.log_id);
    text("activity_id", p.activity_id);
    area("area_code", p.area_code);
    text("category", to_string(p.category));
    text("service_date", p.service_date.str());
    integer("minutes", p.minutes);
    if (p.service_type) text("service_type", to_string(*p.service_type));
    if (p.target_group) text("target_group", to_string(*p.target_group));
  }
  void operator()(const HoursVerified& p) {
    text("volunteer_id", p.volunteer_id);
    text("log_id", p.log_id);
    text("verifier_id", p.verifier_id);
    integer("quality", p.quality);
  }
  void operator()(const HoursRejected& p) {
    text("volunteer_id", p.volunteer_id);
    text("log_id", p.log_id);
    text("verifier_id", p.verifier_id);
    text("reason", p.reason);
  }
  void operator()(const HoursAmended& p) {
    text("volunteer_id", p.volunteer_id);
    text("log_id", p.log_id);
    integer("minutes", p.minutes);
    text("verifier_id", p.verifier_id);
    text("reason", p.reason);
  }
  void operator()(const HoursRevoked& p) {
    text("volunteer_id", p.volunteer_id);
    text("log_id", p.log_id);
    text("reason", p.reason);
  }
  void operator()(const ActivityPublished& p) {
    text("activity_id", p.activity_id);
    text("title", p.title);
    text("organizer_id", p.organizer_id);
    area("area_code", p.area_code);
    text("category", to_string(p.category));
    list("service_types", p.service_types);
    list("target_groups", p.target_groups);
    text("starts_at", p.starts_at.text);
    text("ends_at", p.ends_at.text);
    optional_text("station_id", p.station_id);
    if (p.capacity) integer("capacity", *p.capacity);
  }
  void operator()(const ActivityCompleted& p) {
    text("activity_id", p.activity_id);
    integer("participants", p.participants);
    integer("beneficiaries", p.beneficiaries);
  }
  void operator()(const ActivityCancelled& p) {
    text("activity_id", p.activity_id);
    text("reason", p.reason);
  }
  void operator()(const NeedPosted& p) {
    text("need_id", p.need_id);
    area("area_code", p.area_code);
    text("kind", to_string(p.kind));
    text("service_type", to_string(p.service_type));
    text("target_group", to_string(p.target_group));
    text("title", p.title);
    if (p.deadline) text("deadline", p.deadline->str());
  }
  void operator()(const NeedClaimed& p) {
    text("need_id", p.need_id);
    text("claimant_id", p.claimant_id);
    text("claimant_kind", to_string(p.claimant_kind));
  }
  void operator()(const NeedFulfilled& p) {
    text("need_id", p.need_id);
    text("fulfilled_by", p.fulfilled_by);
  }
  void operator()(const NeedCancelled& p) {
    text("need_id", p.need_id);
    text("reason", p.reason);
  }
  void operator()(const NeedExpired& p) { text("need_id", p.need_id); }

 private:
  Writer& w_;
};

}  // namespace

std::string to_json(const Event& event) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  EventWriter out(writer);
  writer.StartObject();
  out.text("event_id", event.envelope.event_id);
  out.text("type", to_string(event.envelope.type));
  out.integer("schema_version", 1);
  out.text("occurred_at", event.envelope.occurred_at.text);
  out.optional_text("source", event.envelope.source);
  std::visit(out, event.payload);
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace leifeng::schemas
