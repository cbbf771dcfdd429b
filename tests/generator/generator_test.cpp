// leifeng generate: determinism, the envelope of every line, sizes, and that a valid-only
// file is valid per key (what the processors would accept) — checked independently of the
// generator with the schemas' decoder and a small state machine of SPEC §4.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "leifeng/generator/calendar.hpp"
#include "leifeng/generator/city_plan.hpp"
#include "leifeng/generator/generator.hpp"
#include "leifeng/schemas/domain.hpp"
#include "leifeng/schemas/validation.hpp"

namespace leifeng::generator {
namespace {

std::string generate_text(const GeneratorOptions& options, GenerationReport* report = nullptr) {
  std::ostringstream out;
  const GenerationReport r = generate(options, out);
  if (report) *report = r;
  return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

GeneratorOptions small_city(uint64_t seed) {
  GeneratorOptions options;
  options.seed = seed;
  options.events = 20'000;
  return options;
}

GeneratorOptions valid_only(GeneratorOptions options) {
  options.bad_share = 0;
  options.duplicate_share = 0;
  return options;
}

schemas::ValidationRules default_rules() {
  schemas::ValidationRules rules;
  for (uint32_t code : GeneratorOptions{}.areas) rules.areas.push_back(schemas::AreaCode{code});
  return rules;
}

TEST(GeneratorTest, SameSeedGivesIdenticalBytes) {
  const std::string first = generate_text(small_city(42));
  const std::string second = generate_text(small_city(42));
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first, second);
}

TEST(GeneratorTest, DifferentSeedGivesDifferentEvents) {
  EXPECT_NE(generate_text(small_city(42)), generate_text(small_city(43)));
}

TEST(GeneratorTest, EveryValidLineIsAnObjectWithTheEnvelope) {
  const std::vector<std::string> lines = lines_of(generate_text(valid_only(small_city(5))));
  ASSERT_GT(lines.size(), 1000u);
  const std::regex event_id("[A-Za-z0-9._:-]{1,128}");
  const std::regex occurred_at(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00)");
  std::unordered_set<std::string> ids;
  std::string previous_time;
  for (const std::string& line : lines) {
    rapidjson::Document doc;
    doc.Parse(line.c_str(), line.size());
    ASSERT_FALSE(doc.HasParseError()) << line;
    ASSERT_TRUE(doc.IsObject()) << line;
    ASSERT_TRUE(doc.HasMember("event_id") && doc["event_id"].IsString()) << line;
    EXPECT_TRUE(std::regex_match(doc["event_id"].GetString(), event_id)) << line;
    EXPECT_TRUE(ids.insert(doc["event_id"].GetString()).second) << "repeated id: " << line;
    ASSERT_TRUE(doc.HasMember("type") && doc["type"].IsString()) << line;
    ASSERT_TRUE(doc.HasMember("schema_version") && doc["schema_version"].IsInt()) << line;
    EXPECT_EQ(doc["schema_version"].GetInt(), 1);
    ASSERT_TRUE(doc.HasMember("occurred_at") && doc["occurred_at"].IsString()) << line;
    const std::string time = doc["occurred_at"].GetString();
    EXPECT_TRUE(std::regex_match(time, occurred_at)) << line;
    // One fixed offset, so text order is time order: the file is globally time-ordered.
    EXPECT_LE(previous_time, time) << line;
    previous_time = time;
    ASSERT_TRUE(doc.HasMember("source") && doc["source"].IsString()) << line;
    EXPECT_EQ(std::string(doc["source"].GetString()).rfind("app.", 0), 0u) << line;
  }
}

TEST(GeneratorTest, EveryValidLinePassesTheSchemaChecks) {
  const auto rules = default_rules();
  for (const std::string& line : lines_of(generate_text(valid_only(small_city(6))))) {
    const schemas::DecodeResult result = schemas::decode_event(line, rules);
    ASSERT_TRUE(result.ok()) << line << "\n  " << schemas::to_string(result.rejection().reason)
                             << ": " << result.rejection().detail;
  }
}

// Replays a valid-only file through the state machines of SPEC §4 and fails on the first
// event the processors would dead-letter.
class PerKeyChecker {
 public:
  void check(const std::string& line) {
    rapidjson::Document doc;
    doc.Parse(line.c_str(), line.size());
    ASSERT_TRUE(doc.IsObject()) << line;
    const std::string type = doc["type"].GetString();
    const std::string time = doc["occurred_at"].GetString();
    const auto today = schemas::parse_date(time.substr(0, 10));
    ASSERT_TRUE(today.has_value());
    auto str = [&](const char* field) { return std::string(doc[field].GetString()); };

    if (type == "volunteer.registered") {
      EXPECT_TRUE(registered_.insert(str("volunteer_id")).second) << "registered twice: " << line;
    } else if (type == "volunteer.updated") {
      EXPECT_TRUE(registered_.count(str("volunteer_id"))) << "update before registration: " << line;
    } else if (type.rfind("hours.", 0) == 0) {
      check_hours(doc, type, today->days, line);
    } else if (type.rfind("activity.", 0) == 0) {
      std::string& state = activities_[str("activity_id")];
      EXPECT_EQ(state, type == "activity.published" ? "" : "published") << line;
      state = type.substr(9);
    } else {
      std::string& state = needs_[str("need_id")];
      if (type == "need.posted") {
        EXPECT_EQ(state, "") << line;
      } else if (type == "need.claimed") {
        EXPECT_EQ(state, "posted") << line;
      } else {
        EXPECT_TRUE(state == "posted" || state == "claimed") << line;
      }
      state = type.substr(5);
    }
    if (type == "hours.verified") ++verified_;
  }

  int64_t verified() const { return verified_; }
  size_t logs() const { return logs_.size(); }

 private:
  struct Log {
    std::string state;
    int64_t minutes = 0;
    std::string day_key;
  };

  void check_hours(const rapidjson::Document& doc, const std::string& type, int32_t today,
                   const std::string& line) {
    const std::string volunteer = doc["volunteer_id"].GetString();
    const std::string log_id = volunteer + "/" + doc["log_id"].GetString();
    if (type == "hours.submitted") {
      ASSERT_FALSE(logs_.count(log_id)) << "submitted twice: " << line;
      const auto served = schemas::parse_date(doc["service_date"].GetString());
      ASSERT_TRUE(served.has_value()) << line;
      EXPECT_LE(served->days, today) << "service_date after occurred_at: " << line;
      Log log{"submitted", doc["minutes"].GetInt64(),
              volunteer + "/" + doc["service_date"].GetString()};
      add_to_day(log, log.minutes, line);
      logs_[log_id] = log;
      return;
    }
    auto it = logs_.find(log_id);
    ASSERT_NE(it, logs_.end()) << "hours event before its hours.submitted: " << line;
    Log& log = it->second;
    const bool open = log.state == "submitted" || log.state == "verified";
    if (type == "hours.verified" || type == "hours.rejected") {
      EXPECT_EQ(log.state, "submitted") << line;
      if (type == "hours.rejected") add_to_day(log, -log.minutes, line);
      log.state = type == "hours.verified" ? "verified" : "rejected";
    } else if (type == "hours.amended") {
      EXPECT_TRUE(open) << line;
      const int64_t minutes = doc["minutes"].GetInt64();
      add_to_day(log, minutes - log.minutes, line);
      log.minutes = minutes;
    } else if (type == "hours.revoked") {
      EXPECT_TRUE(open) << line;
      add_to_day(log, -log.minutes, line);
      log.state = "revoked";
    }
  }

  void add_to_day(const Log& log, int64_t delta, const std::string& line) {
    int64_t& day = day_minutes_[log.day_key];
    day += delta;
    EXPECT_LE(day, 1440) << "daily limit exceeded: " << line;
  }

  std::set<std::string> registered_;
  std::unordered_map<std::string, Log> logs_;
  std::unordered_map<std::string, int64_t> day_minutes_;
  std::unordered_map<std::string, std::string> activities_;
  std::unordered_map<std::string, std::string> needs_;
  int64_t verified_ = 0;
};

TEST(GeneratorTest, ValidOnlyFileIsInAValidOrderPerKey) {
  GeneratorOptions options = valid_only(small_city(7));
  options.days = 45;
  PerKeyChecker checker;
  for (const std::string& line : lines_of(generate_text(options))) {
    checker.check(line);
    if (::testing::Test::HasFailure()) FAIL() << "stopped at the first error";
  }
  EXPECT_GT(checker.logs(), 1000u);
  EXPECT_GT(checker.verified(), 500);
}

TEST(GeneratorTest, DefaultCityIsAMonthOfAMidSizedCity) {
  GenerationReport report;
  const std::string text = generate_text(GeneratorOptions{}, &report);
  EXPECT_GE(report.lines, 100'000);
  EXPECT_LE(report.lines, 200'000);
  EXPECT_EQ(static_cast<int64_t>(lines_of(text).size()), report.lines);
  EXPECT_EQ(report.lines, report.valid + report.duplicates + report.bad);
  // Shares of 1 % bad and 0.5 % duplicates, within sampling noise.
  EXPECT_NEAR(static_cast<double>(report.bad) / static_cast<double>(report.lines), 0.01, 0.002);
  EXPECT_NEAR(static_cast<double>(report.duplicates) / static_cast<double>(report.lines), 0.005,
              0.0015);
  // Some very active volunteers reach a star: 6000 verified minutes within the month.
  std::unordered_map<std::string, int64_t> submitted_minutes;  // by log
  std::unordered_map<std::string, int64_t> verified_minutes;   // by volunteer
  for (const std::string& line : lines_of(text)) {
    rapidjson::Document doc;
    doc.Parse(line.c_str(), line.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("type") ||
        !doc["type"].IsString() || !doc.HasMember("log_id") || !doc["log_id"].IsString()) {
      continue;  // bad input or not an hours event
    }
    const std::string type = doc["type"].GetString();
    const std::string log = doc["log_id"].GetString();
    if (type == "hours.submitted" && doc["minutes"].IsInt64()) {
      submitted_minutes.emplace(log, doc["minutes"].GetInt64());
    } else if (type == "hours.verified" && submitted_minutes.count(log)) {
      verified_minutes[doc["volunteer_id"].GetString()] += submitted_minutes[log];
    }
  }
  int64_t starred = 0;
  for (const auto& [volunteer, minutes] : verified_minutes) starred += minutes >= 6000 ? 1 : 0;
  EXPECT_GT(starred, 30);
  EXPECT_LT(starred, 600);
}

// SPEC §9: across two months some stations go idle: each area's last kIdleStationsPerArea
// stations are used in the first month only, so the second month's report lists them.
TEST(GeneratorTest, SomeStationsGoIdleAfterTheFirstMonth) {
  GeneratorOptions options = valid_only(small_city(7));
  options.days = 61;                                               // 2027-03-01 .. 2027-04-30
  std::map<std::string, std::set<std::string>> months_by_station;  // "<area>/<station>"
  for (const std::string& line : lines_of(generate_text(options))) {
    rapidjson::Document doc;
    doc.Parse(line.c_str(), line.size());
    if (std::string(doc["type"].GetString()) != "activity.published" ||
        !doc.HasMember("station_id"))
      continue;
    const std::string key =
        std::string(doc["area_code"].GetString()) + "/" + doc["station_id"].GetString();
    // starts_at is written at +08:00: its first seven characters are the local month.
    months_by_station[key].insert(std::string(doc["starts_at"].GetString()).substr(0, 7));
  }
  int idle_in_april = 0;
  int used_in_both = 0;
  for (const auto& [station, months] : months_by_station) {
    const int number = std::stoi(station.substr(station.rfind('-') + 1));
    const bool idle = months == std::set<std::string>{"2027-03"};
    if (number > static_cast<int>(kStationsPerArea - kIdleStationsPerArea)) {
      EXPECT_EQ(months, std::set<std::string>{"2027-03"}) << station;
    }
    idle_in_april += idle ? 1 : 0;
    used_in_both += months.size() == 2 ? 1 : 0;
  }
  EXPECT_GE(idle_in_april, 10) << "about two idle stations per area";
  EXPECT_GT(used_in_both, 10);  // the others stay in use
  // Deterministic by seed, like the rest.
  EXPECT_EQ(generate_text(options), generate_text(options));
}

TEST(GeneratorTest, EventsFlagScalesTheOutput) {
  for (const int64_t target : {5'000, 50'000}) {
    GeneratorOptions options;
    options.events = target;
    GenerationReport report;
    generate_text(options, &report);
    EXPECT_NEAR(static_cast<double>(report.lines), static_cast<double>(target), 0.15 * target);
  }
  GeneratorOptions sized;
  sized.volunteers = 200;
  sized.activities = 100;
  sized.needs = 50;
  sized.bad_share = 0;
  sized.duplicate_share = 0;
  std::set<std::string> volunteers, activities, needs;
  for (const std::string& line : lines_of(generate_text(sized))) {
    rapidjson::Document doc;
    doc.Parse(line.c_str(), line.size());
    if (doc.HasMember("volunteer_id")) volunteers.insert(doc["volunteer_id"].GetString());
    if (doc.HasMember("activity_id") && doc["type"].GetString()[0] == 'a') {
      activities.insert(doc["activity_id"].GetString());
    }
    if (doc.HasMember("need_id")) needs.insert(doc["need_id"].GetString());
  }
  EXPECT_LE(volunteers.size(), 200u);
  EXPECT_GE(volunteers.size(), 190u);
  EXPECT_EQ(activities.size(), 100u);
  EXPECT_EQ(needs.size(), 50u);
}

TEST(GeneratorTest, BadInputCoversEveryReasonAndStatelessOnesDecodeSo) {
  GenerationReport report;
  const std::string text = generate_text(small_city(11), &report);
  for (int r = 0; r < schemas::kReasonCount; ++r) {
    EXPECT_GT(report.bad_by_reason[r], 0) << schemas::to_string(static_cast<Reason>(r));
  }
  // The checks up to invalid_field need no state: the decoder alone must find exactly the
  // generated bad lines of those reasons; the stateful ones decode fine.
  std::map<std::string, int64_t> decoded;
  const auto rules = default_rules();
  for (const std::string& line : lines_of(text)) {
    const auto result = schemas::decode_event(line, rules);
    if (!result.ok()) ++decoded[std::string(schemas::to_string(result.rejection().reason))];
  }
  for (int r = 0; r <= static_cast<int>(Reason::invalid_field); ++r) {
    const std::string name(schemas::to_string(static_cast<Reason>(r)));
    EXPECT_EQ(decoded[name], report.bad_by_reason[r]) << name;
  }
  EXPECT_EQ(decoded.size(), 5u);
}

TEST(GeneratorTest, DuplicatesAreExactResendsOfEarlierLines) {
  GeneratorOptions options = small_city(12);
  options.bad_share = 0;
  options.duplicate_share = 0.05;
  GenerationReport report;
  std::unordered_set<std::string> seen;
  int64_t repeats = 0;
  for (const std::string& line : lines_of(generate_text(options, &report))) {
    if (!seen.insert(line).second) ++repeats;
  }
  EXPECT_EQ(repeats, report.duplicates);
  EXPECT_GT(repeats, 500);
}

TEST(GeneratorTest, RejectsUnusableOptions) {
  GeneratorOptions city_code;
  city_code.areas = {410400};
  EXPECT_THROW(validate(city_code), std::invalid_argument);
  GeneratorOptions no_days;
  no_days.days = 0;
  EXPECT_THROW(validate(no_days), std::invalid_argument);
  GeneratorOptions too_bad;
  too_bad.bad_share = 0.9;
  EXPECT_THROW(validate(too_bad), std::invalid_argument);
  GeneratorOptions twice;
  twice.areas = {410402, 410402};
  EXPECT_THROW(validate(twice), std::invalid_argument);
}

TEST(CalendarTest, StartDatesLocalTimesAndCampaignWeights) {
  const auto day = [](const char* text) { return schemas::parse_date(text).value().days; };
  EXPECT_EQ(parse_iso_date("2027-03-01"), GeneratorOptions{}.start_date);
  EXPECT_EQ(parse_iso_date("2028-02-29"), day("2028-02-29"));
  EXPECT_FALSE(parse_iso_date("2027-02-29").has_value());
  EXPECT_FALSE(parse_iso_date("2027-03-01T08:00").has_value());
  EXPECT_EQ(format_local_time(start_of_day(day("2027-03-05")) + 9 * 3600 + 30 * 60),
            "2027-03-05T09:30:00+08:00");
  EXPECT_EQ(format_local_time(start_of_day(day("2028-02-29")) + 86'399),
            "2028-02-29T23:59:59+08:00");
  // 学雷锋日 is the busiest day, in any year; weekends are busier than weekdays.
  EXPECT_GT(day_weight(day("2027-03-05")), day_weight(day("2027-03-20")));
  EXPECT_EQ(day_weight(day("2031-03-05")), 400u);            // a Wednesday
  EXPECT_EQ(day_weight(day("2027-03-20")), 130u);            // a Saturday
  EXPECT_EQ(day_weight(day("2027-03-22")), 100u);            // a Monday
  EXPECT_EQ(day_weight(day("2028-03-04")), 300u * 13 / 10);  // a Saturday, a day before
}

}  // namespace
}  // namespace leifeng::generator
