// The volunteers store's stored format: written compact, and state written by an older build
// (the first release's cereal format) still loads to the same volunteer.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace leifeng::processors::testing {
namespace {

// The first release's format, as older builds wrote it (and every field, to compare states).
std::string cereal_bytes(const VolunteerState& state) {
  return runtime::portable_binary_encode(state);
}

// A volunteer with every part of the state in use: skills, logs in every state (one with an id
// too long to keep inline), applied events, daily minutes, verified counts, a star level.
VolunteerState rich_volunteer() {
  Pipeline pipeline;
  const std::string long_log(40, 'L');
  const std::vector<std::string> events = {
      registered("r1", "v1", "410402", true),
      updated("u1", "v1", "\"skills\":[\"tutoring\",\"medical_care\"]"),
      submitted("s1", "v1", "L1", "410402", "2027-03-01", 600),
      submitted("s2", "v1", long_log, "410411", "2027-03-02", 480, "caring_dedication"),
      submitted("s3", "v1", "L3", "410402", "2027-04-01", 60),
      submitted("s4", "v1", "L4", "410402", "2027-04-02", 30),
      submitted("s5", "v1", "L5", "410402", "1969-12-31", 45),  // a date before 1970
      verified("f1", "v1", "L1", 5),
      verified("f2", "v1", long_log, 4),
      rejected("j3", "v1", "L3"),
      verified("f4", "v1", "L4", 3),
      revoked("k4", "v1", "L4"),
      amended("m1", "v1", "L1", 540),
  };
  for (const std::string& event : events) {
    if (pipeline.send("hours", "v1", event) != runtime::Outcome::applied)
      throw std::logic_error("not applied: " + event);
  }
  const VolunteerState* state = pipeline.ledger().find("v1");
  if (state == nullptr) throw std::logic_error("no state for v1");
  return *state;
}

TEST(VolunteerStateFormat, CompactRoundTripKeepsEveryField) {
  const VolunteerState state = rich_volunteer();
  ASSERT_TRUE(state.registered);
  ASSERT_GE(state.logs.size(), 4u);
  ASSERT_GT(state.star_level + state.minutes_verified, 0);
  const std::string bytes = VolunteerState::encode_stored(state);
  EXPECT_EQ(static_cast<uint8_t>(bytes.front()), VolunteerState::kCompactFormat);
  VolunteerState read = VolunteerState::decode_stored(bytes);
  EXPECT_EQ(cereal_bytes(read), cereal_bytes(state));  // every field, hashes included
  EXPECT_EQ(VolunteerState::encode_stored(read), bytes);
  ASSERT_NE(read.logs.find(std::string(40, 'L')), nullptr);
  EXPECT_EQ(read.logs.find(std::string(40, 'L'))->minutes, 480);
  EXPECT_TRUE(read.applied.contains("m1"));
  EXPECT_FALSE(read.applied.contains("m2"));
  // What the format is for: much less to write per commit than the first release's.
  EXPECT_LT(2 * bytes.size(), cereal_bytes(state).size());
}

TEST(VolunteerStateFormat, StateOfAnOlderBuildStillLoads) {
  const VolunteerState state = rich_volunteer();
  const std::string old = cereal_bytes(state);
  ASSERT_EQ(old.front(), 1);  // cereal's little-endian flag
  const VolunteerState read = runtime::TypedStore<VolunteerState>::decode(old);
  EXPECT_EQ(cereal_bytes(read), old);
  // Rewritten in the compact format at its next change.
  EXPECT_EQ(runtime::TypedStore<VolunteerState>::encode(read),
            VolunteerState::encode_stored(state));
}

TEST(VolunteerStateFormat, DamagedRecordsThrowAndNeverReadPastTheirBytes) {
  const std::string bytes = VolunteerState::encode_stored(rich_volunteer());
  for (size_t size = 0; size < bytes.size(); ++size) {
    EXPECT_THROW(VolunteerState::decode_stored(std::string_view(bytes).substr(0, size)),
                 std::exception)
        << "a record cut to " << size << " bytes";
  }
  EXPECT_THROW(VolunteerState::decode_stored(bytes + "x"), StoredFormatError);
  std::string unknown = bytes;
  unknown[0] = 3;
  EXPECT_THROW(VolunteerState::decode_stored(unknown), StoredFormatError);
  // A count of billions in a short record is refused before anything is reserved.
  std::string huge{static_cast<char>(VolunteerState::kCompactFormat), 0};
  huge += "\xff\xff\xff\xff\x0f";
  EXPECT_THROW(VolunteerState::decode_stored(huge), StoredFormatError);
}

// Values the ledger uses as indexes (a skill as a bit, a category as a metric) are checked on
// load: a damaged record is refused instead of indexing out of bounds.
TEST(VolunteerStateFormat, ValuesOutOfTheirDomainAreRefused) {
  auto record = [](uint8_t skill, uint8_t quality, uint8_t category) {
    std::string bytes;
    StoredBytesWriter out(bytes);
    out.byte(VolunteerState::kCompactFormat);
    out.byte(1);  // registered
    out.varint(1);
    out.byte(skill);
    out.varint(410402);
    out.varint(410402);
    out.varint(1);  // one log
    out.text("L1");
    out.byte(static_cast<uint8_t>(LogState::verified));
    out.signed_varint(30);
    out.byte(quality);
    out.varint(410402);
    out.byte(category);
    out.signed_varint(20878);
    for (int empty = 0; empty < 3; ++empty) out.varint(0);  // applied, daily, verified counts
    for (int sum = 0; sum < 4; ++sum) out.signed_varint(0);
    out.text("2027-03-01T08:00:00+08:00");
    return bytes;
  };
  const auto other = static_cast<uint8_t>(schemas::ServiceType::other);
  const auto last_category = static_cast<uint8_t>(schemas::kCategoryCount - 1);
  EXPECT_EQ(VolunteerState::decode_stored(record(other, 5, last_category)).logs[0].quality, 5);
  EXPECT_THROW(VolunteerState::decode_stored(record(other + 1, 5, 0)), StoredFormatError);
  EXPECT_THROW(VolunteerState::decode_stored(record(0, 6, 0)), StoredFormatError);
  EXPECT_THROW(VolunteerState::decode_stored(record(0, 5, last_category + 1)), StoredFormatError);
}

TEST(StoredBytes, VarintsRoundTripAtTheirLimits) {
  std::string bytes;
  StoredBytesWriter out(bytes);
  const std::vector<int64_t> signed_values = {0,         -1,        1,         -64,      64,
                                              INT32_MIN, INT32_MAX, INT64_MIN, INT64_MAX};
  for (const int64_t v : signed_values) out.signed_varint(v);
  out.varint(UINT64_MAX);
  out.varint(127);
  out.varint(128);
  StoredBytesReader in(bytes);
  for (const int64_t v : signed_values) EXPECT_EQ(in.signed_varint(), v);
  EXPECT_EQ(in.varint(), UINT64_MAX);
  EXPECT_EQ(in.varint(), 127u);
  EXPECT_EQ(in.varint_as<uint8_t>(), 128u);
  in.expect_end();
  std::string big;
  StoredBytesWriter(big).varint(uint64_t{1} << 32);
  EXPECT_THROW(StoredBytesReader(big).varint_as<uint32_t>(), StoredFormatError);
  std::string negative;
  StoredBytesWriter(negative).signed_varint(int64_t{INT32_MIN} - 1);
  EXPECT_THROW(StoredBytesReader(negative).signed_varint_as<int32_t>(), StoredFormatError);
  EXPECT_THROW(StoredBytesReader(std::string(11, '\x80')).varint(), StoredFormatError);
}

}  // namespace
}  // namespace leifeng::processors::testing
