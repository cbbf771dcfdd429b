// Decode + validate throughput of typical lines (BENCHMARKS.md "Decode"): decode_event (the
// flat scanner) and its rapidjson-only reference on lines of four types, and for one
// hours.submitted line a cereal JSON archive and simdjson On-Demand reading it into a plain
// struct (no validation; the lower bound of what each library costs).
#include <benchmark/benchmark.h>
#include <simdjson.h>
#include <cereal/archives/json.hpp>

#include <sstream>
#include <string>

#include "decode_internal.hpp"  // the reference decoder, internal to schemas
#include "leifeng/schemas/records.hpp"
#include "leifeng/schemas/validation.hpp"

namespace {

using namespace leifeng::schemas;

const std::string kLine =
    R"({"event_id":"hs-0001","type":"hours.submitted","schema_version":1,)"
    R"("occurred_at":"2027-03-05T18:00:00+08:00","source":"volunteer-app",)"
    R"("volunteer_id":"v-00042","log_id":"log-00042-0001","activity_id":"act-0007",)"
    R"("area_code":"410402","category":"neighborhood_watch","service_date":"2027-03-05",)"
    R"("minutes":90,"service_type":"companionship","target_group":"empty_nest_elderly"})";

const std::string kVolunteerRegisteredLine =
    R"({"event_id":"vr-0042","type":"volunteer.registered","schema_version":1,)"
    R"("occurred_at":"2027-03-01T08:00:00+08:00","source":"volunteer-app",)"
    R"("volunteer_id":"v-00042","area_code":"410403","party_member":true,)"
    R"("skills":["tutoring","medical_care"]})";

const std::string kHoursVerifiedLine =
    R"({"event_id":"hv-0001","type":"hours.verified","schema_version":1,)"
    R"("occurred_at":"2027-03-06T10:00:00+08:00","source":"org-portal",)"
    R"("volunteer_id":"v-00042","log_id":"log-00042-0001","verifier_id":"org-0007","quality":4})";

const std::string kActivityPublishedLine =
    R"({"event_id":"ap-0007","type":"activity.published","schema_version":1,)"
    R"("occurred_at":"2027-03-01T08:00:00+08:00","source":"org-portal",)"
    R"("activity_id":"act-0007","title":"学雷锋 助老服务进社区","organizer_id":"org-0007",)"
    R"("area_code":"410421","category":"caring_dedication",)"
    R"("service_types":["companionship","housekeeping"],"target_groups":["empty_nest_elderly"],)"
    R"("starts_at":"2027-03-05T09:00:00+08:00","ends_at":"2027-03-05T11:30:00+08:00",)"
    R"("station_id":"station-3","capacity":25})";

ValidationRules pingdingshan_rules() {
  ValidationRules rules;
  for (uint32_t code :
       {410402u, 410403u, 410404u, 410411u, 410421u, 410422u, 410423u, 410425u, 410481u, 410482u}) {
    rules.areas.push_back(AreaCode{code});
  }
  return rules;
}

// As `leifeng replay --input` decodes: no topic or key.
template <typename Decode>
void decode_line(benchmark::State& state, Decode decode, const std::string& line) {
  const ValidationRules rules = pingdingshan_rules();
  for (auto _ : state) {
    DecodeResult result = decode(line, rules, std::nullopt, std::nullopt);
    if (!result.ok()) state.SkipWithError("the benchmark line was rejected");
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(line.size()));
}

void BM_DecodeEvent(benchmark::State& state, const std::string& line) {
  decode_line(state, decode_event, line);
}
void BM_DecodeEventReference(benchmark::State& state, const std::string& line) {
  decode_line(state, internal::decode_event_reference, line);
}
BENCHMARK_CAPTURE(BM_DecodeEvent, hours_submitted, kLine);
BENCHMARK_CAPTURE(BM_DecodeEvent, volunteer_registered, kVolunteerRegisteredLine);
BENCHMARK_CAPTURE(BM_DecodeEvent, hours_verified, kHoursVerifiedLine);
BENCHMARK_CAPTURE(BM_DecodeEvent, activity_published, kActivityPublishedLine);
BENCHMARK_CAPTURE(BM_DecodeEventReference, hours_submitted, kLine);
BENCHMARK_CAPTURE(BM_DecodeEventReference, volunteer_registered, kVolunteerRegisteredLine);
BENCHMARK_CAPTURE(BM_DecodeEventReference, hours_verified, kHoursVerifiedLine);
BENCHMARK_CAPTURE(BM_DecodeEventReference, activity_published, kActivityPublishedLine);

// A Kafka message: topic and key checked too.
void BM_DecodeEvent_WithKey(benchmark::State& state) {
  const ValidationRules rules = pingdingshan_rules();
  for (auto _ : state) {
    DecodeResult result = decode_event(kLine, rules, InputTopic::hours, "v-00042");
    if (!result.ok()) state.SkipWithError("the benchmark line was rejected");
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kLine.size()));
}
BENCHMARK(BM_DecodeEvent_WithKey);

// The same fields as plain strings and ints: what a cereal-based decoder would start from.
struct PlainHoursSubmitted {
  std::string event_id, type;
  int schema_version = 0;
  std::string occurred_at, source, volunteer_id, log_id, activity_id, area_code, category,
      service_date;
  int minutes = 0;
  std::string service_type, target_group;

  template <typename Archive>
  void serialize(Archive& ar) {
    ar(CEREAL_NVP(event_id), CEREAL_NVP(type), CEREAL_NVP(schema_version), CEREAL_NVP(occurred_at),
       CEREAL_NVP(source), CEREAL_NVP(volunteer_id), CEREAL_NVP(log_id), CEREAL_NVP(activity_id),
       CEREAL_NVP(area_code), CEREAL_NVP(category), CEREAL_NVP(service_date), CEREAL_NVP(minutes),
       CEREAL_NVP(service_type), CEREAL_NVP(target_group));
  }
};

void BM_DecodePlain_CerealJson(benchmark::State& state) {
  for (auto _ : state) {
    std::istringstream in(kLine);
    cereal::JSONInputArchive archive(in);
    PlainHoursSubmitted plain;
    plain.serialize(archive);  // the line's object is the archive's root node
    benchmark::DoNotOptimize(plain);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kLine.size()));
}
BENCHMARK(BM_DecodePlain_CerealJson);

void BM_DecodePlain_SimdjsonOnDemand(benchmark::State& state) {
  simdjson::ondemand::parser parser;
  const simdjson::padded_string padded(kLine);
  for (auto _ : state) {
    PlainHoursSubmitted plain;
    auto doc = parser.iterate(padded);
    auto text = [&](const char* name, std::string& out) {
      std::string_view v = doc[name].get_string().value();
      out.assign(v);
    };
    text("event_id", plain.event_id);
    text("type", plain.type);
    plain.schema_version = static_cast<int>(doc["schema_version"].get_int64().value());
    text("occurred_at", plain.occurred_at);
    text("source", plain.source);
    text("volunteer_id", plain.volunteer_id);
    text("log_id", plain.log_id);
    text("activity_id", plain.activity_id);
    text("area_code", plain.area_code);
    text("category", plain.category);
    text("service_date", plain.service_date);
    plain.minutes = static_cast<int>(doc["minutes"].get_int64().value());
    text("service_type", plain.service_type);
    text("target_group", plain.target_group);
    benchmark::DoNotOptimize(plain);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kLine.size()));
}
BENCHMARK(BM_DecodePlain_SimdjsonOnDemand);

// Output side: one stars record to JSON (every applied hours event writes one).
void BM_EncodeStarRecord_Rapidjson(benchmark::State& state) {
  const StarRecord record{
      "v-00042", "410402", true, false, 2, 18060, 31, 412, "2027-03-05T18:00:00+08:00"};
  for (auto _ : state) {
    std::string json = to_json(record);
    benchmark::DoNotOptimize(json);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeStarRecord_Rapidjson);

}  // namespace

BENCHMARK_MAIN();
