// Enumerations, area codes, dates, offsets and timestamps (SPEC §3).
#include "leifeng/schemas/domain.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace leifeng::schemas {
namespace {

TEST(Enumerations, SpellingsRoundTripAndUnknownIsRejected) {
  for (int i = 0; i < kCategoryCount; ++i) {
    const auto c = static_cast<Category>(i);
    EXPECT_EQ(parse_category(to_string(c)), c);
  }
  for (int i = 0; i <= static_cast<int>(ServiceType::other); ++i) {
    const auto t = static_cast<ServiceType>(i);
    EXPECT_EQ(parse_service_type(to_string(t)), t);
  }
  for (int i = 0; i <= static_cast<int>(TargetGroup::other); ++i) {
    const auto g = static_cast<TargetGroup>(i);
    EXPECT_EQ(parse_target_group(to_string(g)), g);
  }
  EXPECT_EQ(to_string(Category::party_member_service), "party_member_service");
  EXPECT_EQ(to_string(ServiceType::culture_sports), "culture_sports");
  EXPECT_EQ(to_string(TargetGroup::migrant_worker_children), "migrant_worker_children");
  EXPECT_EQ(parse_need_kind("public_need"), NeedKind::public_need);
  EXPECT_EQ(parse_claimant_kind("organization"), ClaimantKind::organization);
  EXPECT_EQ(parse_category("Neighborhood_watch"), std::nullopt);
  EXPECT_EQ(parse_service_type(""), std::nullopt);
  EXPECT_EQ(parse_claimant_kind("organisation"), std::nullopt);
}

TEST(AreaCodes, SixDigitsAndCountyLevel) {
  ASSERT_EQ(parse_area_code("410402"), AreaCode{410402});
  EXPECT_TRUE(parse_area_code("410402")->is_county_level());
  EXPECT_FALSE(parse_area_code("410400")->is_county_level());
  EXPECT_EQ(parse_area_code("410402")->prefecture(), AreaCode{410400});
  EXPECT_EQ(AreaCode{410402}.str(), "410402");
  // Always six digits, with leading zeros, of the value modulo 10^6: as "%06u" printed them.
  for (const uint32_t value : {0u, 7u, 10402u, 99999u, 100000u, 909090u, 999999u, 1234567u}) {
    char printed[16];
    std::snprintf(printed, sizeof printed, "%06u", value % 1000000);
    EXPECT_EQ(AreaCode{value}.str(), printed);
    const auto six = AreaCode{value}.digits();
    EXPECT_EQ(std::string(six.data(), six.size()), printed);
  }
  EXPECT_EQ(parse_area_code("41040"), std::nullopt);
  EXPECT_EQ(parse_area_code("4104021"), std::nullopt);
  EXPECT_EQ(parse_area_code("41040a"), std::nullopt);
  EXPECT_EQ(parse_area_code("+10402"), std::nullopt);
  EXPECT_FALSE(AreaCode{10402}.is_county_level());  // "010402" is not a GB/T 2260 code
}

struct DateCase {
  std::string text;
  bool valid;
};

class Dates : public testing::TestWithParam<DateCase> {};

TEST_P(Dates, StrictCalendarDays) {
  const auto parsed = parse_date(GetParam().text);
  ASSERT_EQ(parsed.has_value(), GetParam().valid) << GetParam().text;
  if (parsed) {
    EXPECT_EQ(parsed->str(), GetParam().text);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Edges, Dates,
    testing::Values(DateCase{"2027-03-05", true}, DateCase{"2028-02-29", true},
                    DateCase{"2000-02-29", true}, DateCase{"2027-02-29", false},
                    DateCase{"1900-02-29", false}, DateCase{"2027-13-01", false},
                    DateCase{"2027-00-10", false}, DateCase{"2027-04-31", false},
                    DateCase{"2027-12-31", true}, DateCase{"2027-01-00", false},
                    DateCase{"2027-3-05", false}, DateCase{"2027/03/05", false},
                    DateCase{"2027-03-05 ", false}, DateCase{"20270305", false},
                    DateCase{"1969-12-31", true}, DateCase{"", false}));

TEST(Dates, DaysSinceEpochAndMonth) {
  EXPECT_EQ(parse_date("1970-01-01")->days, 0);
  EXPECT_EQ(parse_date("1969-12-31")->days, -1);
  EXPECT_EQ(parse_date("2000-03-01")->days - parse_date("2000-02-28")->days, 2);
  EXPECT_EQ(parse_date("2027-03-01")->days - parse_date("2027-02-28")->days, 1);
  EXPECT_EQ(parse_date("2028-03-05")->month_str(), "2028-03");
  EXPECT_LT(*parse_date("2027-12-31"), *parse_date("2028-01-01"));
}

TEST(UtcOffsets, ParsesSignedHoursAndMinutes) {
  EXPECT_EQ(parse_utc_offset("+08:00")->minutes, 480);
  EXPECT_EQ(parse_utc_offset("-05:30")->minutes, -330);
  EXPECT_EQ(parse_utc_offset("Z")->minutes, 0);
  EXPECT_EQ(parse_utc_offset("+00:00")->minutes, 0);
  EXPECT_EQ(parse_utc_offset("+0800"), std::nullopt);
  EXPECT_EQ(parse_utc_offset("08:00"), std::nullopt);
  EXPECT_EQ(parse_utc_offset("+24:00"), std::nullopt);
  EXPECT_EQ(parse_utc_offset("+08:60"), std::nullopt);
}

struct TimestampCase {
  std::string text;
  std::optional<int64_t> epoch_nanos;  // nullopt = invalid
};

class Timestamps : public testing::TestWithParam<TimestampCase> {};

TEST_P(Timestamps, ParsesToUtcNanosAndKeepsText) {
  const auto parsed = parse_timestamp(GetParam().text);
  ASSERT_EQ(parsed.has_value(), GetParam().epoch_nanos.has_value()) << GetParam().text;
  if (parsed) {
    EXPECT_EQ(parsed->epoch_nanos, *GetParam().epoch_nanos) << GetParam().text;
    EXPECT_EQ(parsed->text, GetParam().text);
  }
}

constexpr int64_t kSecond = 1'000'000'000;
// 2027-03-05T01:30:00Z
constexpr int64_t kMarch5 = int64_t{1804210200} * kSecond;

INSTANTIATE_TEST_SUITE_P(
    Edges, Timestamps,
    testing::Values(TimestampCase{"2027-03-05T09:30:00+08:00", kMarch5},
                    TimestampCase{"2027-03-05T01:30:00Z", kMarch5},
                    TimestampCase{"2027-03-05t01:30:00z", kMarch5},
                    TimestampCase{"2027-03-04T20:00:00-05:30", kMarch5},
                    TimestampCase{"2027-03-05T01:30:00.5Z", kMarch5 + 500'000'000},
                    TimestampCase{"2027-03-05T01:30:00.123456789Z", kMarch5 + 123'456'789},
                    TimestampCase{"2027-03-05T01:30:00.1234567891Z", kMarch5 + 123'456'789},
                    TimestampCase{"1970-01-01T00:00:00Z", 0},
                    TimestampCase{"1969-12-31T23:59:59.5Z", -kSecond / 2},
                    TimestampCase{"2028-02-29T12:00:00+08:00", int64_t{1835409600} * kSecond},
                    TimestampCase{"2027-02-29T12:00:00+08:00", std::nullopt},
                    TimestampCase{"2027-13-05T09:30:00+08:00", std::nullopt},
                    TimestampCase{"2027-03-05T09:30:00", std::nullopt},
                    TimestampCase{"2027-03-05 09:30:00+08:00", std::nullopt},
                    TimestampCase{"2027-03-05T24:00:00+08:00", std::nullopt},
                    TimestampCase{"2027-03-05T09:60:00+08:00", std::nullopt},
                    TimestampCase{"2027-03-05T09:30:60+08:00", std::nullopt},
                    TimestampCase{"2027-03-05T09:30:00.+08:00", std::nullopt},
                    TimestampCase{"2027-03-05T09:30:00+0800", std::nullopt},
                    TimestampCase{"2027-03-05T09:30:00+08:00x", std::nullopt},
                    TimestampCase{"2027-03-05T09:30+08:00", std::nullopt},
                    TimestampCase{"9999-12-31T23:59:59Z", std::nullopt},
                    TimestampCase{"", std::nullopt}));

TEST(Timestamps, LocalDateFollowsTheZone) {
  const auto t = *parse_timestamp("2027-03-05T20:30:00Z");
  EXPECT_EQ(t.local_date(UtcOffset{0}).str(), "2027-03-05");
  EXPECT_EQ(t.local_date(UtcOffset{8 * 60}).str(), "2027-03-06");
  EXPECT_EQ(t.local_date(UtcOffset{-21 * 60}).str(), "2027-03-04");
  const auto before_epoch = *parse_timestamp("1969-12-31T23:59:59.999Z");
  EXPECT_EQ(before_epoch.local_date(UtcOffset{0}).str(), "1969-12-31");
  const auto midnight = *parse_timestamp("2027-03-06T00:00:00+08:00");
  EXPECT_EQ(midnight.local_date(UtcOffset{}).str(), "2027-03-06");
  EXPECT_EQ(midnight.local_date(UtcOffset{7 * 60}).str(), "2027-03-05");
}

}  // namespace
}  // namespace leifeng::schemas
