// Output records (SPEC §6): exact JSON text and to_json → *_from_json round trips.
#include "leifeng/schemas/records.hpp"

#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <random>

namespace leifeng::schemas {
namespace {

StarRecord star() {
  return {"v-1", "410402", true, false, 2, 18060, 31, 412, "2027-03-05T09:30:00+08:00"};
}
StarChange star_change() {
  return {"v-1", 1, 2, 18060, 412, "e-77", "2027-03-05T09:30:00+08:00"};
}
NeedStatusRecord need_open() {
  return {"need-1",
          "410481",
          "micro_wish",
          "donation",
          "left_behind_children",
          "open",
          "2027-03-01T08:00:00+08:00",
          std::nullopt,
          std::nullopt,
          std::nullopt,
          std::nullopt,
          std::nullopt};
}
NeedStatusRecord need_fulfilled() {
  NeedStatusRecord r = need_open();
  r.status = "fulfilled";
  r.claimed_at = "2027-03-02T08:00:00+08:00";
  r.claimant_id = "v-1";
  r.fulfilled_at = "2027-03-03T08:00:00+08:00";
  r.fulfilled_by = "v-1";
  r.closed_at = "2027-03-03T08:00:00+08:00";
  return r;
}
CountyStatsRecord county_stats() {
  return {"410402",
          "2027-03",
          {{"hours.minutes_verified", 5400},
           {"activities.published", 3},
           {"hours.minutes_verified.neighborhood_watch", 5400},
           {"volunteers.active", 2}},
          17,
          "2027-03-05T09:30:00+08:00"};
}
DeadLetterRecord dead_letter_kafka() {
  return {Reason::invalid_field,
          "minutes",
          "minutes must be between 1 and 1440, got 0",
          "e-9",
          "hours.submitted",
          KafkaSource{"leifeng.hours.v1", 3, 1207},
          R"({"event_id":"e-9","minutes":0})",
          "2027-03-05T09:30:00+08:00"};
}
DeadLetterRecord dead_letter_file() {
  return {Reason::malformed,
          std::nullopt,
          "not valid JSON at byte 1: expected a member name in double quotes",
          std::nullopt,
          std::nullopt,
          FileSource{"events.jsonl", 12},
          "{x",
          std::nullopt};
}

TEST(Records, StarExactJson) {
  EXPECT_EQ(to_json(star()),
            R"({"volunteer_id":"v-1","home_area":"410402","registered":true,)"
            R"("party_member":false,"star_level":2,"minutes_verified":18060,"logs_verified":31,)"
            R"("mean_quality_x100":412,"as_of":"2027-03-05T09:30:00+08:00"})");
  EXPECT_EQ(star_record_from_json(to_json(star())), star());
}

TEST(Records, StarChangeExactJson) {
  EXPECT_EQ(to_json(star_change()),
            R"({"volunteer_id":"v-1","from_level":1,"to_level":2,"minutes_verified":18060,)"
            R"("mean_quality_x100":412,"cause_event_id":"e-77",)"
            R"("occurred_at":"2027-03-05T09:30:00+08:00"})");
  EXPECT_EQ(star_change_from_json(to_json(star_change())), star_change());
}

TEST(Records, NeedStatusExactJsonWithNulls) {
  EXPECT_EQ(to_json(need_open()),
            R"({"need_id":"need-1","area_code":"410481","kind":"micro_wish",)"
            R"("service_type":"donation","target_group":"left_behind_children","status":"open",)"
            R"("posted_at":"2027-03-01T08:00:00+08:00","claimed_at":null,"claimant_id":null,)"
            R"("fulfilled_at":null,"fulfilled_by":null,"closed_at":null})");
  EXPECT_EQ(need_status_from_json(to_json(need_open())), need_open());
  EXPECT_EQ(need_status_from_json(to_json(need_fulfilled())), need_fulfilled());
}

TEST(Records, NeedMatchExactJsonWithCandidatesInOrder) {
  const NeedMatchRecord open{"need-1",
                             "410481",
                             "donation",
                             "public_need",
                             "open",
                             {{"v-2", 3, true}, {"v-1", 0, false}},
                             "2027-03-05T09:30:00+08:00"};
  EXPECT_EQ(to_json(open), R"({"need_id":"need-1","area_code":"410481","service_type":"donation",)"
                           R"("kind":"public_need","status":"open","candidates":[)"
                           R"({"volunteer_id":"v-2","star_level":3,"party_member":true},)"
                           R"({"volunteer_id":"v-1","star_level":0,"party_member":false}],)"
                           R"("as_of":"2027-03-05T09:30:00+08:00"})");
  EXPECT_EQ(need_match_from_json(to_json(open)), open);
  NeedMatchRecord closed = open;
  closed.status = "claimed";
  closed.candidates.clear();
  EXPECT_EQ(need_match_from_json(to_json(closed)), closed);
  EXPECT_FALSE(need_match_from_json(R"({"need_id":"n"})"));
}

TEST(Records, StationExactJsonWithMonthsInOrder) {
  const StationRecord station{"410402", "station-410402-03", {"2027-01", "2027-03"}};
  EXPECT_EQ(station.key(), "410402/station-410402-03");
  EXPECT_EQ(to_json(station), R"({"area_code":"410402","station_id":"station-410402-03",)"
                              R"("months":["2027-01","2027-03"]})");
  EXPECT_EQ(station_from_json(to_json(station)), station);
  EXPECT_FALSE(station_from_json(R"({"area_code":"410402","station_id":"s","months":[1]})"));
  EXPECT_FALSE(station_from_json(R"({"area_code":"410402"})"));
}

TEST(Records, CountyStatsExactJsonWithSortedMetrics) {
  EXPECT_EQ(to_json(county_stats()),
            R"({"area_code":"410402","period":"2027-03","metrics":{"activities.published":3,)"
            R"("hours.minutes_verified":5400,"hours.minutes_verified.neighborhood_watch":5400,)"
            R"("volunteers.active":2},"revision":17,"as_of":"2027-03-05T09:30:00+08:00"})");
  EXPECT_EQ(county_stats_from_json(to_json(county_stats())), county_stats());
  EXPECT_EQ(county_stats().key(), "410402/2027-03");
  CountyStatsRecord empty = county_stats();
  empty.metrics.clear();
  EXPECT_EQ(county_stats_from_json(to_json(empty)), empty);
}

TEST(Records, DeadLetterExactJsonForKafkaAndFileSources) {
  EXPECT_EQ(to_json(dead_letter_kafka()),
            R"({"reason":"invalid_field","field":"minutes",)"
            R"("detail":"minutes must be between 1 and 1440, got 0","event_id":"e-9",)"
            R"("type":"hours.submitted","source":{"topic":"leifeng.hours.v1","partition":3,)"
            R"("offset":1207},"payload":"{\"event_id\":\"e-9\",\"minutes\":0}",)"
            R"("at":"2027-03-05T09:30:00+08:00"})");
  EXPECT_EQ(to_json(dead_letter_file()),
            R"({"reason":"malformed","field":null,)"
            R"("detail":"not valid JSON at byte 1: expected a member name in double quotes",)"
            R"("event_id":null,"type":null,"source":{"file":"events.jsonl","line":12},)"
            R"("payload":"{x","at":null})");
  EXPECT_EQ(dead_letter_from_json(to_json(dead_letter_kafka())), dead_letter_kafka());
  EXPECT_EQ(dead_letter_from_json(to_json(dead_letter_file())), dead_letter_file());
}

// The payload's part of a dead letter as to_json writes it: `"payload":"…"` without the quotes.
size_t encoded_payload_size(const std::string& json) {
  const size_t begin = json.find("\"payload\":\"") + 11;
  const size_t end = json.find("\",\"at\":", begin);
  return end - begin;
}

// The librdkafka producer's default message.max.bytes, which every record must stay under.
constexpr size_t kProducerLimit = 1'000'000;

TEST(Records, DeadLetterOfAnAlmostMegabyteEventIsCutToFitWithSizeAndHash) {
  // A 999,952-byte event the broker accepts (issue 14).
  std::string event = R"({"event_id":"e-9","type":"hours.submitted","note":")";
  event.append(999'952 - event.size() - 2, 'x');
  event.append("\"}");
  ASSERT_EQ(event.size(), 999'952u);
  DeadLetterRecord r = dead_letter_kafka();
  set_dead_letter_payload(r, event);
  const std::string json = to_json(r);
  EXPECT_LT(json.size(), kProducerLimit);
  EXPECT_LE(encoded_payload_size(json), kDeadLetterPayloadLimit);
  EXPECT_GT(encoded_payload_size(json), kDeadLetterPayloadLimit - 2);  // as much as fits
  ASSERT_TRUE(r.cut.has_value());
  EXPECT_EQ(r.cut->original_bytes, 999'952);
  EXPECT_EQ(r.cut->sha256.size(), 64u);
  EXPECT_EQ(event.compare(0, r.payload.size(), r.payload), 0);  // a prefix of the original
  // The marker fields follow the v1 fields, and the record reads back whole.
  EXPECT_NE(json.find(R"(,"payload_truncated":true,"payload_bytes":999952,"payload_sha256":")" +
                      r.cut->sha256 + "\"}"),
            std::string::npos);
  EXPECT_EQ(dead_letter_from_json(json), r);

  // The hash is of the whole original: another tail, the same kept prefix, another hash.
  std::string other = event;
  other[other.size() - 3] = 'y';
  DeadLetterRecord r2 = dead_letter_kafka();
  set_dead_letter_payload(r2, other);
  EXPECT_EQ(r2.payload, r.payload);
  EXPECT_NE(r2.cut->sha256, r.cut->sha256);
}

TEST(Records, DeadLetterOfControlCharactersIsCutByItsEscapedSize) {
  // 300 KB of control characters in a JSON string: each becomes \u00XX, six bytes.
  std::string event = R"({"event_id":"e-9","note":")";
  event.append(300'000, '\x01');
  event.append("\"}");
  DeadLetterRecord r = dead_letter_kafka();
  set_dead_letter_payload(r, event);
  const std::string json = to_json(r);
  EXPECT_LT(json.size(), kProducerLimit);
  EXPECT_LE(encoded_payload_size(json), kDeadLetterPayloadLimit);
  ASSERT_TRUE(r.cut.has_value());
  EXPECT_EQ(r.cut->original_bytes, static_cast<int64_t>(event.size()));
  // Whole escapes only: the record parses back to exactly the kept prefix.
  const auto back = dead_letter_from_json(json);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->payload, r.payload);
  EXPECT_EQ(event.compare(0, r.payload.size(), r.payload), 0);
  // The prefix's own escapes: \" is 2 bytes, so the control characters kept are the rest / 6.
  const size_t head = 26;  // {"event_id":"e-9","note":"
  const size_t head_escaped =
      head + static_cast<size_t>(std::count(event.begin(), event.begin() + head, '"'));
  EXPECT_EQ(r.payload.size(), head + (kDeadLetterPayloadLimit - head_escaped) / 6);
}

TEST(Records, DeadLetterPayloadThatFitsIsUnchanged) {
  DeadLetterRecord r = dead_letter_kafka();
  const std::string golden = to_json(r);
  const std::string payload = r.payload;
  set_dead_letter_payload(r, payload);
  EXPECT_FALSE(r.cut.has_value());
  EXPECT_EQ(to_json(r), golden);  // byte-identical, no marker fields
  EXPECT_EQ(golden.find("payload_truncated"), std::string::npos);

  // Exactly at the limit is kept whole; one byte more is cut.
  const std::string at_limit(kDeadLetterPayloadLimit, 'a');
  set_dead_letter_payload(r, at_limit);
  EXPECT_FALSE(r.cut.has_value());
  EXPECT_EQ(r.payload, at_limit);
  set_dead_letter_payload(r, at_limit + "b");
  ASSERT_TRUE(r.cut.has_value());
  EXPECT_EQ(r.payload, at_limit);
  EXPECT_EQ(r.cut->original_bytes, static_cast<int64_t>(kDeadLetterPayloadLimit + 1));
}

TEST(Records, DeadLetterPayloadIsCutBetweenCharactersAndEscapes) {
  DeadLetterRecord r = dead_letter_file();
  set_dead_letter_payload(r, "学雷锋好榜样", 10);  // 3 bytes a character
  EXPECT_EQ(r.payload, "学雷锋");
  set_dead_letter_payload(r, "ab\ncd", 3);  // \n is 2 bytes escaped: not split
  EXPECT_EQ(r.payload, "ab");
  set_dead_letter_payload(r,
                          "a\x01"
                          "bcdefg",
                          6);  // \u0001 does not fit after "a"
  EXPECT_EQ(r.payload, "a");
  set_dead_letter_payload(r, "\xff\xff\xff\xff", 10);  // each becomes U+FFFD, 3 bytes
  EXPECT_EQ(r.payload, "\xff\xff\xff");
  EXPECT_EQ(dead_letter_from_json(to_json(r))->payload, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Records, DeadLetterPayloadHashIsSha256OfTheOriginal) {
  // FIPS 180-4 examples: one block, the padding spilling into a second block, many blocks.
  DeadLetterRecord r = dead_letter_file();
  set_dead_letter_payload(r, "abc", 1);
  EXPECT_EQ(r.cut->sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  set_dead_letter_payload(r, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1);
  EXPECT_EQ(r.cut->sha256, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  set_dead_letter_payload(r, std::string(1'000'000, 'a'), 1);
  EXPECT_EQ(r.cut->sha256, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(r.cut->original_bytes, 1'000'000);
}

TEST(Records, DeadLetterTextFieldsAreCutAtACharacter) {
  EXPECT_EQ(cut_dead_letter_text("e-1"), "e-1");
  const std::string id(kDeadLetterTextLimit, 'e');
  EXPECT_EQ(cut_dead_letter_text(id), id);
  EXPECT_EQ(cut_dead_letter_text(id + "f"), id + "…");
  // 1024 is not a multiple of 3: the cut falls back to the last whole character.
  std::string chinese;
  while (chinese.size() <= kDeadLetterTextLimit) chinese += "雷";
  const std::string cut = cut_dead_letter_text(chinese);
  EXPECT_EQ(cut, chinese.substr(0, 1023) + "…");
}

TEST(Records, DeadLetterPayloadThatIsNotUtf8StaysValidJson) {
  DeadLetterRecord r = dead_letter_file();
  r.payload = "{\"a\":\"\xff\xfe\"}\x01";
  const std::string json = to_json(r);
  const auto back = dead_letter_from_json(json);  // parsing validates UTF-8
  ASSERT_TRUE(back.has_value()) << json;
  EXPECT_EQ(back->payload, "{\"a\":\"\xEF\xBF\xBD\xEF\xBF\xBD\"}\x01");
  r.payload = "学雷锋 \xe5\xad";  // a character cut in half
  EXPECT_EQ(dead_letter_from_json(to_json(r))->payload, "学雷锋 \xEF\xBF\xBD\xEF\xBF\xBD");
  // Each byte that starts no valid sequence is replaced on its own; valid text around and
  // between them is kept (a lone continuation byte, a sequence cut by an ASCII byte).
  r.payload =
      "a\xff"
      "b中\xe4\xb8"
      "c\x80\x80 ok";
  EXPECT_EQ(dead_letter_from_json(to_json(r))->payload,
            "a\xEF\xBF\xBD"
            "b中\xEF\xBF\xBD\xEF\xBF\xBD"
            "c\xEF\xBF\xBD\xEF\xBF\xBD ok");
}

TEST(Records, EveryReasonRoundTrips) {
  for (int i = 0; i < kReasonCount; ++i) {
    DeadLetterRecord r = dead_letter_kafka();
    r.reason = static_cast<Reason>(i);
    EXPECT_EQ(dead_letter_from_json(to_json(r)), r);
  }
  EXPECT_EQ(to_string(Reason::daily_limit_exceeded), "daily_limit_exceeded");
  EXPECT_EQ(parse_reason("unknown_reference"), Reason::unknown_reference);
}

TEST(Records, FromJsonRefusesWhatToJsonNeverWrites) {
  EXPECT_EQ(star_record_from_json("not json"), std::nullopt);
  EXPECT_EQ(star_record_from_json("[]"), std::nullopt);
  EXPECT_EQ(star_record_from_json(R"({"volunteer_id":"v-1"})"), std::nullopt);
  std::string wrong_type = to_json(star());
  wrong_type.replace(wrong_type.find("18060"), 5, "\"18060\"");
  EXPECT_EQ(star_record_from_json(wrong_type), std::nullopt);
  std::string bad_metric = to_json(county_stats());
  bad_metric.replace(bad_metric.find("5400"), 4, "54.5");
  EXPECT_EQ(county_stats_from_json(bad_metric), std::nullopt);
  std::string bad_reason = to_json(dead_letter_kafka());
  bad_reason.replace(bad_reason.find("invalid_field"), 13, "bad_reason");
  EXPECT_EQ(dead_letter_from_json(bad_reason), std::nullopt);
  std::string bad_source = to_json(dead_letter_file());
  bad_source.replace(bad_source.find("\"line\":12"), 9, "\"line\":\"12\"");
  EXPECT_EQ(dead_letter_from_json(bad_source), std::nullopt);
  std::string bad_level = to_json(star_change());
  bad_level.replace(bad_level.find("\"to_level\":2"), 12, "\"to_level\":4294967296");
  EXPECT_EQ(star_change_from_json(bad_level), std::nullopt);
}

// Strings are copied without rapidjson's escape loop when nothing needs escaping: the bytes
// must be exactly those rapidjson writes, for every kind of byte and every length around the
// eight-byte steps of the check.
TEST(Records, StringsAreWrittenExactlyAsRapidjsonWritesThem) {
  const std::string alphabet = std::string("aZ09 -:+./~\x7f\"\\\b\f\n\r\t\x01\x1f") +
                               std::string(1, '\0') + "\xe4\xb8\xad\xff\x80";
  std::mt19937 rng(7);
  auto random_text = [&] {
    std::string text(rng() % 40, ' ');
    for (char& c : text) c = alphabet[rng() % alphabet.size()];
    // Mostly plain text (the fast path), now and then one byte to escape at any position.
    if (rng() % 2 == 0) {
      for (char& c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\') c = 'x';
      }
    }
    return text;
  };
  for (int i = 0; i < 20000; ++i) {
    StarRecord r = star();
    r.volunteer_id = random_text();
    r.home_area = random_text();
    r.as_of = random_text();
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    auto text = [&w](const char* name, const std::string& value) {
      w.Key(name);
      w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    };
    auto integer = [&w](const char* name, int64_t value) {
      w.Key(name);
      w.Int64(value);
    };
    text("volunteer_id", r.volunteer_id);
    text("home_area", r.home_area);
    w.Key("registered");
    w.Bool(r.registered);
    w.Key("party_member");
    w.Bool(r.party_member);
    integer("star_level", r.star_level);
    integer("minutes_verified", r.minutes_verified);
    integer("logs_verified", r.logs_verified);
    integer("mean_quality_x100", r.mean_quality_x100);
    text("as_of", r.as_of);
    w.EndObject();
    ASSERT_EQ(to_json(r), std::string(buffer.GetString(), buffer.GetSize())) << i;
  }
}

}  // namespace
}  // namespace leifeng::schemas
