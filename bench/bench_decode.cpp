// Decode + validate throughput of one typical hours.submitted line (BENCHMARKS.md "Decode"):
// our rapidjson decoder against a cereal JSON archive and simdjson On-Demand reading the same
// line into a plain struct (no validation; the lower bound of what each library costs).
#include <benchmark/benchmark.h>
#include <simdjson.h>
#include <cereal/archives/json.hpp>

#include <sstream>
#include <string>

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

ValidationRules pingdingshan_rules() {
  ValidationRules rules;
  for (uint32_t code :
       {410402u, 410403u, 410404u, 410411u, 410421u, 410422u, 410423u, 410425u, 410481u, 410482u}) {
    rules.areas.push_back(AreaCode{code});
  }
  return rules;
}

void BM_DecodeEvent_Rapidjson(benchmark::State& state) {
  const ValidationRules rules = pingdingshan_rules();
  for (auto _ : state) {
    DecodeResult result = decode_event(kLine, rules, InputTopic::hours, "v-00042");
    if (!result.ok()) state.SkipWithError("the benchmark line was rejected");
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kLine.size()));
}
BENCHMARK(BM_DecodeEvent_Rapidjson);

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
