// decode_event: round trips of every input type and the SPEC §4 checks up to invalid_field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <string>

#include "leifeng/schemas/validation.hpp"
#include "sample_events.hpp"

namespace leifeng::schemas {
namespace {

using namespace testing_support;

class RoundTrip : public testing::TestWithParam<int> {};

TEST_P(RoundTrip, EncodeThenDecodeGivesTheSameEvent) {
  const Event original = sample_events().at(static_cast<size_t>(GetParam()));
  const std::string json = to_json(original);
  const InputTopic topic = topic_of(original.envelope.type);
  const DecodeResult decoded =
      decode_event(json, pingdingshan_rules(), topic, original.aggregate_id());
  ASSERT_TRUE(decoded.ok()) << json << "\n" << decoded.rejection().detail;
  EXPECT_EQ(decoded.event(), original) << json;
  EXPECT_EQ(decoded.event_id, original.envelope.event_id);
  EXPECT_EQ(decoded.type, std::string(to_string(original.envelope.type)));
}

INSTANTIATE_TEST_SUITE_P(EveryType, RoundTrip, testing::Range(0, kEventTypeCount),
                         [](const testing::TestParamInfo<int>& info) {
                           std::string name(to_string(static_cast<EventType>(info.param)));
                           for (char& c : name) c = c == '.' ? '_' : c;
                           return name;
                         });

TEST(RoundTrip, SamplesCoverEveryTypeInOrder) {
  const auto samples = sample_events();
  ASSERT_EQ(samples.size(), size_t{kEventTypeCount});
  for (int i = 0; i < kEventTypeCount; ++i) {
    EXPECT_EQ(samples[static_cast<size_t>(i)].envelope.type, static_cast<EventType>(i));
  }
}

TEST(Decode, TypicalLineDecodesToItsValues) {
  const DecodeResult r =
      decode_event(kHoursSubmittedLine, pingdingshan_rules(), InputTopic::hours, "v-00042");
  ASSERT_TRUE(r.ok()) << r.rejection().detail;
  const auto& e = r.event();
  EXPECT_EQ(e.envelope.event_id, "hs-0001");
  EXPECT_EQ(e.envelope.occurred_at.text, "2027-03-05T18:00:00+08:00");
  EXPECT_EQ(e.envelope.source, "volunteer-app");
  const auto& p = std::get<HoursSubmitted>(e.payload);
  EXPECT_EQ(p.volunteer_id, "v-00042");
  EXPECT_EQ(p.log_id, "log-00042-0001");
  EXPECT_EQ(p.area_code, AreaCode{410402});
  EXPECT_EQ(p.category, Category::neighborhood_watch);
  EXPECT_EQ(p.service_date.str(), "2027-03-05");
  EXPECT_EQ(p.minutes, 90);
  EXPECT_EQ(p.service_type, ServiceType::companionship);
  EXPECT_EQ(p.target_group, TargetGroup::empty_nest_elderly);
  EXPECT_EQ(e.aggregate_id(), "v-00042");
}

TEST(Decode, UnknownFieldsAreIgnoredAndNullOptionalsAreAbsent) {
  std::string line = with_field(kHoursSubmittedLine, "comment", R"({"nested":[1,2,3]})");
  line = with_field(line, "service_type", "null");
  line = with_field(line, "source", "null");
  const DecodeResult r = decode_event(line, pingdingshan_rules(), InputTopic::hours);
  ASSERT_TRUE(r.ok()) << r.rejection().detail;
  EXPECT_EQ(std::get<HoursSubmitted>(r.event().payload).service_type, std::nullopt);
  EXPECT_EQ(r.event().envelope.source, std::nullopt);
}

TEST(Decode, EmptyAreaListAcceptsAnyCountyCode) {
  const std::string line = with_field(kHoursSubmittedLine, "area_code", R"("110105")");
  EXPECT_TRUE(decode_event(line, ValidationRules{}).ok());
  const DecodeResult r = decode_event(line, pingdingshan_rules());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.rejection().reason, Reason::invalid_field);
}

TEST(Decode, VolunteerRegisteredWithoutSkillsHasNone) {
  const char* line =
      R"({"event_id":"r1","type":"volunteer.registered","schema_version":1,)"
      R"("occurred_at":"2027-03-05T09:30:00+08:00","volunteer_id":"v-1","area_code":"410402",)"
      R"("party_member":false,"skills":null})";
  const DecodeResult r = decode_event(line, pingdingshan_rules());
  ASSERT_TRUE(r.ok()) << r.rejection().detail;
  EXPECT_TRUE(std::get<VolunteerRegistered>(r.event().payload).skills.empty());
}

// One row per rejection: the line, where it was read from, and what must be reported.
struct RejectionCase {
  std::string name;
  std::string json;
  Reason reason;
  std::string field;
  std::string detail_contains;
  std::optional<InputTopic> topic = InputTopic::hours;
  std::optional<std::string> key = std::nullopt;
};

class Rejections : public testing::TestWithParam<RejectionCase> {};

TEST_P(Rejections, ReportTheFirstFailingCheck) {
  const RejectionCase& c = GetParam();
  const std::optional<std::string_view> key =
      c.key ? std::optional<std::string_view>(*c.key) : std::nullopt;
  const DecodeResult r = decode_event(c.json, pingdingshan_rules(), c.topic, key);
  ASSERT_FALSE(r.ok()) << c.json;
  EXPECT_EQ(to_string(r.rejection().reason), to_string(c.reason)) << r.rejection().detail;
  EXPECT_EQ(r.rejection().field, c.field) << r.rejection().detail;
  EXPECT_NE(r.rejection().detail.find(c.detail_contains), std::string::npos)
      << "detail: " << r.rejection().detail;
}

const std::string kLine = kHoursSubmittedLine;
std::string set(const char* name, std::string_view raw) {
  return with_field(kLine, name, raw);
}
std::string drop(const char* name) {
  return without_field(kLine, name);
}

const char* kVolunteerUpdatedBare =
    R"({"event_id":"u1","type":"volunteer.updated","schema_version":1,)"
    R"("occurred_at":"2027-03-05T09:30:00+08:00","volunteer_id":"v-1","skills":null})";
const char* kActivityPublished =
    R"({"event_id":"a1","type":"activity.published","schema_version":1,)"
    R"("occurred_at":"2027-03-01T09:30:00+08:00","activity_id":"act-1","title":"t",)"
    R"("organizer_id":"org-1","area_code":"410402","category":"window_service",)"
    R"("service_types":["publicity"],"target_groups":["general_public"],)"
    R"("starts_at":"2027-03-05T09:00:00+08:00","ends_at":"2027-03-05T11:00:00+08:00"})";

INSTANTIATE_TEST_SUITE_P(
    Table, Rejections,
    testing::Values(
        // malformed
        RejectionCase{"not_json", R"({"event_id":"e1" "type":"hours.submitted"})",
                      Reason::malformed, "",
                      "not valid JSON at byte 17: missing a comma or '}' after an object member"},
        RejectionCase{"truncated", kLine.substr(0, 40), Reason::malformed, "",
                      "not valid JSON at byte 40"},
        RejectionCase{"empty", "", Reason::malformed, "", "at byte 0: the message is empty"},
        RejectionCase{"trailing_text", kLine + " x", Reason::malformed, "", "more text follows"},
        RejectionCase{"bad_utf8", "{\"event_id\":\"e\xff\"}", Reason::malformed, "",
                      "not valid UTF-8"},
        RejectionCase{"overlong_utf8", "{\"event_id\":\"\xC0\xAF\"}", Reason::malformed, "",
                      "at byte 13: not valid UTF-8"},
        RejectionCase{"utf16_surrogate_in_utf8", "{\"a\":\"\xED\xA0\x80\"}", Reason::malformed, "",
                      "at byte 6: not valid UTF-8"},
        RejectionCase{"nul_byte", kLine + std::string(1, '\0') + "{}", Reason::malformed, "",
                      "byte " + std::to_string(kLine.size()) + ": a NUL byte"},
        RejectionCase{"control_character", "{\"event_id\":\"a\tb\"}", Reason::malformed, "",
                      "unescaped control character"},
        RejectionCase{"deep_nesting", std::string(100000, '['), Reason::malformed, "",
                      "not valid JSON"},
        RejectionCase{"array", R"([1,2])", Reason::malformed, "", "is an array"},
        RejectionCase{"minutes_string", set("minutes", R"("60")"), Reason::malformed, "minutes",
                      "minutes must be a JSON integer, not a string"},
        RejectionCase{"minutes_fraction", set("minutes", "60.5"), Reason::malformed, "minutes",
                      "must be a JSON integer"},
        RejectionCase{"minutes_float_integral", set("minutes", "60.0"), Reason::malformed,
                      "minutes", "must be a JSON integer"},
        RejectionCase{"minutes_bool", set("minutes", "true"), Reason::malformed, "minutes",
                      "not a boolean"},
        RejectionCase{"version_string", set("schema_version", R"("1")"), Reason::malformed,
                      "schema_version", "must be a JSON integer"},
        RejectionCase{"type_number", set("type", "7"), Reason::malformed, "type",
                      "type must be a JSON string"},
        RejectionCase{"event_id_number_before_type", set("event_id", "5"), Reason::malformed,
                      "event_id", "must be a JSON string"},
        RejectionCase{"malformed_beats_unknown_type",
                      with_field(drop("type"), "occurred_at", "20270305"), Reason::malformed,
                      "occurred_at", "must be a JSON string"},
        RejectionCase{"malformed_beats_missing", set("minutes", "1.5"), Reason::malformed,
                      "minutes", "integer"},
        RejectionCase{
            "array_element", with_field(kActivityPublished, "service_types", R"(["publicity",3])"),
            Reason::malformed, "service_types", "element 1 is an integer", InputTopic::activities},
        RejectionCase{"party_member_string",
                      R"({"event_id":"r1","type":"volunteer.registered","schema_version":1,)"
                      R"("occurred_at":"2027-03-05T09:30:00+08:00","volunteer_id":"v",)"
                      R"("area_code":"410402","party_member":"yes"})",
                      Reason::malformed, "party_member", "must be true or false"},
        // unknown_type
        RejectionCase{"type_absent", drop("type"), Reason::unknown_type, "type", "missing"},
        RejectionCase{"type_null", set("type", "null"), Reason::unknown_type, "type", "missing"},
        RejectionCase{"type_unknown", set("type", R"("hours.approved")"), Reason::unknown_type,
                      "type", "\"hours.approved\" is not a known event type"},
        // Long values are quoted up to 64 bytes, cut before a UTF-8 sequence that would not fit.
        RejectionCase{"type_long_cut", set("type", "\"" + std::string(70, 't') + "\""),
                      Reason::unknown_type, "type",
                      "type \"" + std::string(64, 't') + "…\" is not a known event type"},
        RejectionCase{"type_long_cut_utf8", set("type", "\"" + std::string(62, 't') + "中中\""),
                      Reason::unknown_type, "type",
                      "type \"" + std::string(62, 't') + "…\" is not"},
        RejectionCase{"type_64_not_cut", set("type", "\"" + std::string(64, 't') + "\""),
                      Reason::unknown_type, "type", "type \"" + std::string(64, 't') + "\" is not"},
        RejectionCase{"type_other_topic", kLine, Reason::unknown_type, "type",
                      "belongs to topic hours, not to topic needs", InputTopic::needs},
        // A type of another topic has no fields here, so their JSON types do not matter.
        RejectionCase{"other_topic_fields_ignored", set("minutes", R"("x")"), Reason::unknown_type,
                      "type", "topic activities", InputTopic::activities},
        // unsupported_version
        RejectionCase{"version_2", set("schema_version", "2"), Reason::unsupported_version,
                      "schema_version", "schema_version 2 is not supported"},
        RejectionCase{"version_beats_missing", with_field(drop("log_id"), "schema_version", "0"),
                      Reason::unsupported_version, "schema_version", "0"},
        // missing_field
        RejectionCase{"version_absent", drop("schema_version"), Reason::missing_field,
                      "schema_version", "required"},
        RejectionCase{"event_id_absent", drop("event_id"), Reason::missing_field, "event_id",
                      "missing"},
        RejectionCase{"occurred_at_null", set("occurred_at", "null"), Reason::missing_field,
                      "occurred_at", "missing or null"},
        RejectionCase{"log_id_absent", drop("log_id"), Reason::missing_field, "log_id",
                      "log_id is required for hours.submitted"},
        RejectionCase{"minutes_null", set("minutes", "null"), Reason::missing_field, "minutes",
                      "missing or null"},
        RejectionCase{"first_missing_in_order", drop("activity_id"), Reason::missing_field,
                      "activity_id", "activity_id"},
        RejectionCase{"two_missing_report_first", without_field(drop("minutes"), "log_id"),
                      Reason::missing_field, "log_id", "log_id"},
        RejectionCase{"missing_beats_invalid", with_field(drop("minutes"), "area_code", R"("1")"),
                      Reason::missing_field, "minutes", "minutes"},
        RejectionCase{"updated_without_changes", kVolunteerUpdatedBare, Reason::missing_field, "",
                      "at least one of area_code, party_member, skills"},
        // invalid_field
        RejectionCase{"event_id_space", set("event_id", R"("hs 0001")"), Reason::invalid_field,
                      "event_id", "position 2"},
        RejectionCase{"event_id_empty", set("event_id", R"("")"), Reason::invalid_field, "event_id",
                      "1 to 128"},
        RejectionCase{"event_id_too_long", set("event_id", "\"" + std::string(129, 'a') + "\""),
                      Reason::invalid_field, "event_id", "1 to 128"},
        RejectionCase{"occurred_at_no_offset", set("occurred_at", R"("2027-03-05T18:00:00")"),
                      Reason::invalid_field, "occurred_at", "RFC 3339"},
        RejectionCase{"empty_log_id", set("log_id", R"("")"), Reason::invalid_field, "log_id",
                      "must not be empty"},
        RejectionCase{"area_off_list", set("area_code", R"("410502")"), Reason::invalid_field,
                      "area_code", "not on the configured area list"},
        RejectionCase{"area_prefecture", set("area_code", R"("410400")"), Reason::invalid_field,
                      "area_code", "not county-level"},
        RejectionCase{"area_five_digits", set("area_code", R"("41040")"), Reason::invalid_field,
                      "area_code", "six-digit"},
        RejectionCase{"category_unknown", set("category", R"("charity")"), Reason::invalid_field,
                      "category", "\"charity\" is not one of"},
        RejectionCase{"service_date_bad_day", set("service_date", R"("2027-02-29")"),
                      Reason::invalid_field, "service_date", "YYYY-MM-DD"},
        RejectionCase{"service_date_after_local_date", set("service_date", R"("2027-03-06")"),
                      Reason::invalid_field, "service_date",
                      "2027-03-06 is after 2027-03-05, the local date of occurred_at"},
        // 2027-03-05T17:00:00Z is already 03-06 in +08:00, so 03-06 is allowed...
        RejectionCase{"service_date_local_zone",
                      with_field(set("service_date", R"("2027-03-07")"), "occurred_at",
                                 R"("2027-03-05T17:00:00Z")"),
                      Reason::invalid_field, "service_date", "after 2027-03-06"},
        RejectionCase{"minutes_zero", set("minutes", "0"), Reason::invalid_field, "minutes",
                      "between 1 and 1440, got 0"},
        RejectionCase{"minutes_too_many", set("minutes", "1441"), Reason::invalid_field, "minutes",
                      "got 1441"},
        RejectionCase{"minutes_huge", set("minutes", "18446744073709551615"), Reason::invalid_field,
                      "minutes", "got 18446744073709551615"},
        RejectionCase{"service_type_unknown", set("service_type", R"("cooking")"),
                      Reason::invalid_field, "service_type", "cooking"},
        RejectionCase{"first_invalid_in_order",
                      with_field(set("minutes", "0"), "area_code", R"("410400")"),
                      Reason::invalid_field, "area_code", "410400"},
        RejectionCase{"key_differs", kLine, Reason::invalid_field, "volunteer_id",
                      "message key \"v-9\" differs from volunteer_id \"v-00042\"",
                      InputTopic::hours, "v-9"},
        RejectionCase{"key_missing", kLine, Reason::invalid_field, "volunteer_id",
                      "the message has no key (null or empty), volunteer_id \"v-00042\"; hours "
                      "messages are keyed by volunteer_id",
                      InputTopic::hours, ""},
        RejectionCase{"quality_six",
                      R"({"event_id":"q","type":"hours.verified","schema_version":1,)"
                      R"("occurred_at":"2027-03-05T09:30:00+08:00","volunteer_id":"v",)"
                      R"("log_id":"l","verifier_id":"o","quality":6})",
                      Reason::invalid_field, "quality", "between 1 and 5"},
        RejectionCase{"empty_service_types", with_field(kActivityPublished, "service_types", "[]"),
                      Reason::invalid_field, "service_types", "at least 1", InputTopic::activities},
        RejectionCase{
            "bad_target_group_element",
            with_field(kActivityPublished, "target_groups", R"(["general_public","pets"])"),
            Reason::invalid_field, "target_groups", "target_groups[1] \"pets\"",
            InputTopic::activities},
        RejectionCase{"ends_before_starts",
                      with_field(kActivityPublished, "ends_at", R"("2027-03-05T00:59:59Z")"),
                      Reason::invalid_field, "ends_at", "before starts_at", InputTopic::activities},
        RejectionCase{"capacity_zero", with_field(kActivityPublished, "capacity", "0"),
                      Reason::invalid_field, "capacity", "at least 1", InputTopic::activities},
        RejectionCase{"participants_negative",
                      R"({"event_id":"c","type":"activity.completed","schema_version":1,)"
                      R"("occurred_at":"2027-03-05T09:30:00+08:00","activity_id":"a",)"
                      R"("participants":-1,"beneficiaries":0})",
                      Reason::invalid_field, "participants", "at least 0", std::nullopt},
        RejectionCase{"claimant_kind_unknown",
                      R"({"event_id":"c","type":"need.claimed","schema_version":1,)"
                      R"("occurred_at":"2027-03-05T09:30:00+08:00","need_id":"n",)"
                      R"("claimant_id":"v","claimant_kind":"person"})",
                      Reason::invalid_field, "claimant_kind", "volunteer, organization",
                      InputTopic::needs},
        RejectionCase{"deadline_bad",
                      R"({"event_id":"p","type":"need.posted","schema_version":1,)"
                      R"("occurred_at":"2027-03-05T09:30:00+08:00","need_id":"n",)"
                      R"("area_code":"410402","kind":"public_need","service_type":"other",)"
                      R"("target_group":"other","title":"t","deadline":"2027-04-31"})",
                      Reason::invalid_field, "deadline", "2027-04-31", InputTopic::needs}),
    [](const testing::TestParamInfo<RejectionCase>& info) { return info.param.name; });

TEST(Decode, RejectionKeepsEnvelopeStringsForTheDeadLetter) {
  const DecodeResult r = decode_event(set("minutes", "0"), pingdingshan_rules());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.event_id, "hs-0001");
  EXPECT_EQ(r.type, "hours.submitted");

  const DecodeResult unknown = decode_event(set("type", R"("x.y")"), pingdingshan_rules());
  EXPECT_EQ(unknown.type, "x.y");
  EXPECT_EQ(unknown.event_id, "hs-0001");

  const DecodeResult not_strings =
      decode_event(with_field(set("type", "1"), "event_id", "2"), pingdingshan_rules());
  EXPECT_EQ(not_strings.type, std::nullopt);
  EXPECT_EQ(not_strings.event_id, std::nullopt);

  const DecodeResult not_json = decode_event("{", pingdingshan_rules());
  EXPECT_EQ(not_json.event_id, std::nullopt);
}

TEST(Decode, EscapedAndMultibyteTextIsKept) {
  const std::string line =
      with_field(with_field(kHoursSubmittedLine, "log_id", R"("log-\u96f7\u950b\"q\"")"),
                 "activity_id", R"("活动-7")");
  const DecodeResult r = decode_event(line, pingdingshan_rules());
  ASSERT_TRUE(r.ok()) << r.rejection().detail;
  EXPECT_EQ(std::get<HoursSubmitted>(r.event().payload).log_id, "log-雷锋\"q\"");
  EXPECT_EQ(std::get<HoursSubmitted>(r.event().payload).activity_id, "活动-7");
}

TEST(Decode, LongLinesBeyondTheStackBufferDecode) {
  const std::string padding = "\"" + std::string(20000, 'p') + "\"";
  const std::string line = with_field(kHoursSubmittedLine, "note", padding);
  const DecodeResult r = decode_event(line, pingdingshan_rules());
  ASSERT_TRUE(r.ok()) << r.rejection().detail;
  EXPECT_EQ(std::get<HoursSubmitted>(r.event().payload).minutes, 90);
}

// Nesting beyond ValidationRules::max_nesting_depth is `malformed` before rapidjson parses it
// (a 50 MB line of `[` took it gigabytes): quickly, whatever the depth.
TEST(Decode, DeepNestingIsMalformedNamingTheDepth) {
  const std::string brackets(100'000, '[');
  std::string objects;
  for (int i = 0; i < 100'000; ++i) objects += R"({"a":)";
  for (const std::string* line : std::array<const std::string*, 2>{&brackets, &objects}) {
    const auto started = std::chrono::steady_clock::now();
    const DecodeResult r = decode_event(*line, pingdingshan_rules());
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.rejection().reason, Reason::malformed);
    EXPECT_EQ(r.rejection().detail,
              "not valid JSON at byte " + std::string(*line == brackets ? "16" : "80") +
                  ": nested deeper than 16 levels of arrays and objects (the limit, [rules] "
                  "max_nesting_depth)");
  }
}

// The bound counts brackets outside strings only, and applies as configured.
TEST(Decode, NestingDepthCountsOutsideStringsAndFollowsTheRules) {
  const std::string in_string = "\"" + std::string(100, '[') + R"(\"{")";
  EXPECT_TRUE(
      decode_event(with_field(kHoursSubmittedLine, "note", in_string), pingdingshan_rules()).ok());
  // Depth 4 (the event, then three arrays): fine at the default, malformed at 3.
  const std::string nested = with_field(kHoursSubmittedLine, "note", "[[[1]]]");
  EXPECT_TRUE(decode_event(nested, pingdingshan_rules()).ok());
  ValidationRules strict = pingdingshan_rules();
  strict.max_nesting_depth = 3;
  const DecodeResult r = decode_event(nested, strict);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.rejection().reason, Reason::malformed);
  EXPECT_THAT(r.rejection().detail, ::testing::HasSubstr("nested deeper than 3 levels"));
}

TEST(Decode, WithoutTopicTheTypeDecidesIt) {
  EXPECT_TRUE(decode_event(kActivityPublished, pingdingshan_rules()).ok());
  EXPECT_TRUE(decode_event(kActivityPublished, pingdingshan_rules(), InputTopic::activities).ok());
}

TEST(Decode, LongValuesAreShortenedInDetails) {
  const std::string long_category = "\"" + std::string(1000, 'x') + "\"";
  const DecodeResult r = decode_event(set("category", long_category), pingdingshan_rules());
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.rejection().detail.size(), 400u) << r.rejection().detail;
}

// Ids and timestamps end up in output keys and records; bounded, a record always fits in a
// Kafka message (issue 14, point 2).
TEST(Decode, AnIdOverTheBoundIsInvalidField) {
  const std::string at_bound = "\"" + std::string(kMaxIdBytes, 'v') + "\"";
  EXPECT_TRUE(
      decode_event(with_field(kHoursSubmittedLine, "log_id", at_bound), pingdingshan_rules()).ok());
  for (const char* name : {"volunteer_id", "log_id", "activity_id"}) {
    const std::string over = "\"" + std::string(kMaxIdBytes + 1, 'v') + "\"";
    const DecodeResult r =
        decode_event(with_field(kHoursSubmittedLine, name, over), pingdingshan_rules());
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.rejection().reason, Reason::invalid_field);
    EXPECT_EQ(r.rejection().field, name);
    EXPECT_EQ(r.rejection().detail, std::string(name) + " is 257 bytes long; ids have at most 256");
  }
}

TEST(Decode, ATimestampOverTheBoundIsInvalidField) {
  // Fraction digits beyond nanoseconds are accepted while the text stays within the bound.
  const std::string fraction = "\"2027-03-05T18:00:00." + std::string(30, '1') + "+08:00\"";
  EXPECT_TRUE(
      decode_event(with_field(kHoursSubmittedLine, "occurred_at", fraction), pingdingshan_rules())
          .ok());
  const std::string long_fraction = "\"2027-03-05T18:00:00." + std::string(900'000, '1') + "Z\"";
  const DecodeResult r = decode_event(with_field(kHoursSubmittedLine, "occurred_at", long_fraction),
                                      pingdingshan_rules());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.rejection().reason, Reason::invalid_field);
  EXPECT_EQ(r.rejection().field, "occurred_at");
  EXPECT_EQ(r.rejection().detail,
            "occurred_at is 900021 characters long; an RFC 3339 date-time here has at most 64");
  EXPECT_FALSE(parse_timestamp(std::string(kMaxTimestampChars + 1, '1')).has_value());
}

}  // namespace
}  // namespace leifeng::schemas
