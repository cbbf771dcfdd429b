// The JSON Schema files under schemas/json against the C++ decoder and encoders, so that the
// two cannot drift apart silently.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/schema.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "leifeng/schemas/records.hpp"
#include "leifeng/schemas/validation.hpp"
#include "sample_events.hpp"

namespace leifeng::schemas {
namespace {

using namespace testing_support;
namespace fs = std::filesystem;

const fs::path kSchemaDir = LEIFENG_SCHEMA_DIR;
const char* kOutputRecords[] = {"stars",       "star-changes", "needs-status", "county-stats",
                                "dead-letter", "need-matches", "stations"};

rapidjson::Document load(const std::string& name) {
  std::ifstream in(kSchemaDir / (name + ".schema.json"));
  if (!in) throw std::runtime_error("cannot open schema " + name);
  std::stringstream text;
  text << in.rdbuf();
  rapidjson::Document doc;
  doc.Parse(text.str().c_str());
  if (doc.HasParseError()) throw std::runtime_error("schema " + name + " is not valid JSON");
  return doc;
}

std::vector<std::string> strings(const rapidjson::Value& array) {
  std::vector<std::string> out;
  for (const auto& v : array.GetArray()) out.emplace_back(v.GetString());
  return out;
}

std::vector<std::string> member_names(const rapidjson::Value& object) {
  std::vector<std::string> out;
  for (const auto& m : object.GetObject()) out.emplace_back(m.name.GetString());
  return out;
}

// Whether `json` is valid against the schema file `name` (rapidjson checks the draft-04
// subset the files restrict themselves to: type, enum, pattern, bounds, required, anyOf...).
bool conforms(const std::string& name, const std::string& json, std::string* why = nullptr) {
  const rapidjson::Document schema_doc = load(name);
  const rapidjson::SchemaDocument schema(schema_doc);
  rapidjson::SchemaValidator validator(schema);
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  if (doc.HasParseError()) return false;
  const bool ok = doc.Accept(validator);
  if (!ok && why) *why = std::string(validator.GetInvalidSchemaKeyword());
  return ok;
}

TEST(JsonSchemaFiles, OneFilePerRecordAndNothingElse) {
  std::set<std::string> expected;
  for (int i = 0; i < kEventTypeCount; ++i) {
    expected.insert(std::string(to_string(static_cast<EventType>(i))) + ".schema.json");
  }
  for (const char* name : kOutputRecords) expected.insert(std::string(name) + ".schema.json");
  std::set<std::string> found;
  for (const auto& entry : fs::directory_iterator(kSchemaDir)) {
    found.insert(entry.path().filename().string());
  }
  EXPECT_EQ(found, expected);
  for (const auto& file : found) {
    const auto doc = load(file.substr(0, file.size() - std::string(".schema.json").size()));
    EXPECT_STREQ(doc["$schema"].GetString(), "https://json-schema.org/draft/2020-12/schema");
  }
}

std::string json_type_of(JsonKind kind) {
  switch (kind) {
    case JsonKind::string:
      return "string";
    case JsonKind::integer:
      return "integer";
    case JsonKind::boolean:
      return "boolean";
    case JsonKind::string_array:
      return "array";
  }
  return "";
}

// The C++ spelling check for fields whose schema lists the allowed strings.
bool cpp_accepts(std::string_view field, std::string_view value) {
  if (field == "category") return parse_category(value).has_value();
  if (field == "service_type" || field == "skills" || field == "service_types") {
    return parse_service_type(value).has_value();
  }
  if (field == "target_group" || field == "target_groups") {
    return parse_target_group(value).has_value();
  }
  if (field == "kind") return parse_need_kind(value).has_value();
  if (field == "claimant_kind") return parse_claimant_kind(value).has_value();
  return false;
}

class InputSchema : public testing::TestWithParam<int> {};

TEST_P(InputSchema, NamesTheFieldsTypesAndRequiredListOfTheDecoder) {
  const auto type = static_cast<EventType>(GetParam());
  const std::string name(to_string(type));
  const rapidjson::Document doc = load(name);
  std::vector<FieldSpec> fields(envelope_fields().begin(), envelope_fields().end());
  fields.insert(fields.end(), payload_fields(type).begin(), payload_fields(type).end());

  std::vector<std::string> names, required;
  for (const auto& f : fields) {
    names.emplace_back(f.name);
    if (f.required) required.emplace_back(f.name);
  }
  EXPECT_EQ(member_names(doc["properties"]), names);
  EXPECT_EQ(strings(doc["required"]), required);
  EXPECT_EQ(strings(doc["properties"]["type"]["enum"]), std::vector<std::string>{name});

  for (const auto& f : fields) {
    const rapidjson::Value& property = doc["properties"][std::string(f.name).c_str()];
    const rapidjson::Value& json_type = property["type"];
    // Optional fields also allow null (null counts as absent); required ones do not.
    const std::vector<std::string> expected_type =
        f.required ? std::vector<std::string>{json_type_of(f.kind)}
                   : std::vector<std::string>{json_type_of(f.kind), "null"};
    const std::vector<std::string> actual_type =
        json_type.IsArray() ? strings(json_type) : std::vector<std::string>{json_type.GetString()};
    EXPECT_EQ(actual_type, expected_type) << name << "." << f.name;

    const rapidjson::Value* choices = nullptr;
    if (property.HasMember("enum") && f.name != "type") choices = &property["enum"];
    if (property.HasMember("items")) choices = &property["items"]["enum"];
    if (choices && f.name != "schema_version") {
      for (const auto& choice : choices->GetArray()) {
        if (choice.IsNull()) continue;
        EXPECT_TRUE(cpp_accepts(f.name, choice.GetString()))
            << name << "." << f.name << " lists " << choice.GetString();
      }
    }
  }
}

TEST_P(InputSchema, TheSampleEventConforms) {
  const Event event = sample_events().at(static_cast<size_t>(GetParam()));
  std::string why;
  EXPECT_TRUE(conforms(std::string(to_string(event.envelope.type)), to_json(event), &why))
      << to_json(event) << " fails " << why;
}

INSTANTIATE_TEST_SUITE_P(EveryType, InputSchema, testing::Range(0, kEventTypeCount));

TEST(InputSchema, EnumerationsListEverySpelling) {
  const auto doc = load("hours.submitted");
  EXPECT_EQ(doc["properties"]["category"]["enum"].Size(), rapidjson::SizeType{kCategoryCount});
  EXPECT_EQ(doc["properties"]["service_type"]["enum"].Size(),
            rapidjson::SizeType{static_cast<int>(ServiceType::other) + 1 + 1});  // + null
  EXPECT_EQ(doc["properties"]["target_group"]["enum"].Size(),
            rapidjson::SizeType{static_cast<int>(TargetGroup::other) + 1 + 1});
}

// Lines the decoder rejects for reasons a schema can express are rejected by the schema too.
TEST(InputSchema, RejectsWhatTheDecoderRejectsStatelessly) {
  const std::string line = kHoursSubmittedLine;
  ASSERT_TRUE(conforms("hours.submitted", line));
  const std::vector<std::string> bad = {
      with_field(line, "minutes", R"("60")"),
      with_field(line, "minutes", "60.5"),
      with_field(line, "minutes", "true"),
      with_field(line, "minutes", "0"),
      with_field(line, "minutes", "1441"),
      with_field(line, "minutes", "null"),
      without_field(line, "log_id"),
      with_field(line, "log_id", R"("")"),
      with_field(line, "event_id", R"("hs 0001")"),
      with_field(line, "schema_version", "2"),
      with_field(line, "area_code", R"("410400")"),
      with_field(line, "area_code", R"("41040")"),
      with_field(line, "category", R"("charity")"),
      with_field(line, "service_date", R"("2027-13-01")"),
      with_field(line, "occurred_at", R"("2027-03-05T18:00:00")"),
      with_field(line, "service_type", R"("cooking")"),
  };
  for (const auto& json : bad) {
    EXPECT_FALSE(decode_event(json, ValidationRules{}).ok()) << json;
    EXPECT_FALSE(conforms("hours.submitted", json)) << json;
  }
  EXPECT_TRUE(conforms("hours.submitted", with_field(line, "service_type", "null")));
  EXPECT_TRUE(conforms("hours.submitted", with_field(line, "unknown", "[1]")));
}

TEST(InputSchema, VolunteerUpdatedNeedsOneChange) {
  const std::string bare = R"({"event_id":"u1","type":"volunteer.updated","schema_version":1,)"
                           R"("occurred_at":"2027-03-05T09:30:00+08:00","volunteer_id":"v-1"})";
  EXPECT_FALSE(conforms("volunteer.updated", bare));
  EXPECT_FALSE(conforms("volunteer.updated", with_field(bare, "skills", "null")));
  EXPECT_TRUE(conforms("volunteer.updated", with_field(bare, "party_member", "true")));
}

// One example of each output record, as to_json writes it.
std::vector<std::pair<std::string, std::string>> output_examples() {
  NeedStatusRecord need{"need-1",
                        "410481",
                        "micro_wish",
                        "donation",
                        "left_behind_children",
                        "claimed",
                        "2027-03-01T08:00:00+08:00",
                        "2027-03-02T08:00:00+08:00",
                        "v-1",
                        std::nullopt,
                        std::nullopt,
                        std::nullopt};
  DeadLetterRecord kafka{Reason::invalid_field,
                         "minutes",
                         "minutes must be between 1 and 1440",
                         "e-9",
                         "hours.submitted",
                         KafkaSource{"leifeng.hours.v1", 3, 1207},
                         "{}",
                         "2027-03-05T09:30:00+08:00"};
  DeadLetterRecord file{Reason::malformed,
                        std::nullopt,
                        "not valid JSON at byte 1",
                        std::nullopt,
                        std::nullopt,
                        FileSource{"events.jsonl", 12},
                        "{x",
                        std::nullopt};
  DeadLetterRecord cut = kafka;
  set_dead_letter_payload(cut, "{\"note\":\"a long one\"}", 8);
  return {
      {"stars", to_json(StarRecord{"v-1", "410402", true, false, 2, 18060, 31, 412,
                                   "2027-03-05T09:30:00+08:00"})},
      {"star-changes",
       to_json(StarChange{"v-1", 1, 2, 18060, 412, "e-77", "2027-03-05T09:30:00+08:00"})},
      {"needs-status", to_json(need)},
      {"county-stats",
       to_json(CountyStatsRecord{
           "410400", "total", {{"needs.open", 4}}, 3, "2027-03-05T09:30:00+08:00"})},
      {"county-stats", to_json(CountyStatsRecord{"410402", "2027-03-05", {}, 1, "x"})},
      {"dead-letter", to_json(kafka)},
      {"dead-letter", to_json(file)},
      {"dead-letter", to_json(cut)},
      {"need-matches", to_json(NeedMatchRecord{"need-1",
                                               "410481",
                                               "donation",
                                               "public_need",
                                               "open",
                                               {{"v-2", 3, true}, {"v-1", 0, false}},
                                               "2027-03-05T09:30:00+08:00"})},
      {"need-matches",
       to_json(NeedMatchRecord{
           "need-2", "410402", "other", "micro_wish", "claimed", {}, "2027-03-06T09:30:00+08:00"})},
      {"stations", to_json(StationRecord{"410402", "station-410402-03", {"2027-01", "2027-03"}})},
      {"stations", to_json(StationRecord{"410400", "station-410402-03", {"2027-01"}})},
  };
}

TEST(OutputSchema, RequiredListIsExactlyWhatToJsonWrites) {
  for (const auto& [name, json] : output_examples()) {
    rapidjson::Document record;
    record.Parse(json.c_str());
    const auto doc = load(name);
    // A dead letter's payload_* fields are there only when its payload was cut.
    auto without_optional = [](std::vector<std::string> names) {
      std::erase_if(names, [](const std::string& n) { return n.starts_with("payload_"); });
      return names;
    };
    const std::vector<std::string> members = member_names(record);
    const bool cut = without_optional(members) != members;
    EXPECT_EQ(strings(doc["required"]), without_optional(members)) << name;
    const std::vector<std::string> properties = member_names(doc["properties"]);
    EXPECT_EQ(cut ? properties : without_optional(properties), members) << name;
    std::string why;
    EXPECT_TRUE(conforms(name, json, &why)) << json << " fails " << why;
  }
}

TEST(OutputSchema, RejectsRecordsThatBreakTheContract) {
  EXPECT_FALSE(conforms("stars", R"({"volunteer_id":"v-1"})"));
  EXPECT_FALSE(conforms("county-stats", R"({"area_code":"410402","period":"2027-3","metrics":{},)"
                                        R"("revision":1,"as_of":"x"})"));
  EXPECT_FALSE(conforms("county-stats",
                        R"({"area_code":"410402","period":"total","metrics":{"a":1.5},)"
                        R"("revision":1,"as_of":"x"})"));
  EXPECT_FALSE(conforms("dead-letter",
                        R"({"reason":"oops","field":null,"detail":"d","event_id":null,)"
                        R"("type":null,"source":{"file":"f","line":1},"payload":"","at":null})"));
  const std::string letter =
      R"({"reason":"malformed","field":null,"detail":"d","event_id":null,"type":null,)"
      R"("source":{"file":"f","line":1},"payload":"","at":null)";
  EXPECT_TRUE(conforms("dead-letter", letter + "}"));
  EXPECT_FALSE(conforms("dead-letter", letter + R"(,"payload_truncated":false})"));
  EXPECT_FALSE(conforms("dead-letter", letter + R"(,"payload_sha256":"ABC"})"));
  EXPECT_FALSE(conforms("dead-letter", letter + R"(,"payload_bytes":-1})"));
}

}  // namespace
}  // namespace leifeng::schemas
