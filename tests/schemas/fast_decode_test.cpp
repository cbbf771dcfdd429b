// decode_event reads most lines with the flat scanner and the rest with rapidjson. Both must
// give the reference decoder's result byte for byte (dead-letter outputs are compared
// exactly): checked on the samples, the golden inputs, generated city lines and a fixed-seed
// mutation fuzz, and that the flat path is really taken for typical lines.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "decode_internal.hpp"
#include "leifeng/generator/generator.hpp"
#include "leifeng/schemas/validation.hpp"
#include "sample_events.hpp"
#include "utf8.hpp"

namespace leifeng::schemas {
namespace {

using internal::decode_event_reference;
using internal::decode_event_traced;
using internal::DecodePath;
using namespace testing_support;

std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7F) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

// Empty when equal, else what differs.
std::string difference(const DecodeResult& got, const DecodeResult& want) {
  if (got.event_id != want.event_id) return "event_id differs";
  if (got.type != want.type) return "type differs";
  if (got.ok() != want.ok()) {
    return got.ok() ? "accepted, reference rejected: " + want.rejection().detail
                    : "rejected (" + got.rejection().detail + "), reference accepted";
  }
  if (got.ok()) return got.event() == want.event() ? "" : "the events differ";
  const Rejection& a = got.rejection();
  const Rejection& b = want.rejection();
  if (a.reason != b.reason) {
    return "reason " + std::string(to_string(a.reason)) + " vs " + std::string(to_string(b.reason));
  }
  if (a.field != b.field) return "field \"" + a.field + "\" vs \"" + b.field + "\"";
  if (a.detail != b.detail) return "detail \"" + a.detail + "\" vs \"" + b.detail + "\"";
  return "";
}

struct Counts {
  size_t flat = 0;
  size_t flat_ok = 0;
  size_t total = 0;
};

// decode_event against the reference for one input; counts the path taken.
void expect_same(std::string_view json, const ValidationRules& rules, Counts& counts,
                 std::optional<InputTopic> topic = std::nullopt,
                 std::optional<std::string_view> key = std::nullopt) {
  // Decoded from an exact-size copy, so that ASan reports any read past the end (a
  // std::string has a NUL there).
  const auto exact = std::make_unique<char[]>(json.size());
  if (!json.empty()) std::memcpy(exact.get(), json.data(), json.size());
  const std::string_view input(exact.get(), json.size());
  DecodePath path = DecodePath::reference;
  const DecodeResult got = decode_event_traced(input, rules, topic, key, &path);
  const DecodeResult want = decode_event_reference(json, rules, topic, key);
  const std::string diff = difference(got, want);
  EXPECT_EQ(diff, "") << "input: " << printable(json);
  // The public entry point is the traced one.
  EXPECT_EQ(difference(decode_event(input, rules, topic, key), got), "");
  // Decoding into a result that held the inputs before this one leaves nothing of them.
  static DecodeResult reused;
  decode_event_into(reused, input, rules, topic, key);
  EXPECT_EQ(difference(reused, want), "") << "reused result, input: " << printable(json);
  ++counts.total;
  if (path == DecodePath::flat) {
    ++counts.flat;
    if (got.ok()) ++counts.flat_ok;
  }
}

DecodePath path_of(std::string_view json) {
  DecodePath path = DecodePath::reference;
  decode_event_traced(json, pingdingshan_rules(), std::nullopt, std::nullopt, &path);
  return path;
}

std::vector<std::string> lines_of(std::istream& in) {
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::filesystem::path golden_dir() {
  const char* dir = std::getenv("LEIFENG_SOURCE_DIR");
  return std::filesystem::path(dir != nullptr ? dir : LEIFENG_SOURCE_DIR_FALLBACK) / "tests" /
         "golden";
}

std::vector<std::string> golden_lines() {
  std::vector<std::string> lines;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(golden_dir())) {
    if (entry.path().extension() != ".jsonl") continue;
    std::ifstream in(entry.path());
    for (auto& line : lines_of(in)) lines.push_back(std::move(line));
  }
  return lines;
}

// A month of a small city with the generator's bad input and re-sends.
std::vector<std::string> generated_lines(int64_t events) {
  generator::GeneratorOptions options;
  options.seed = 7;
  options.events = events;
  options.bad_share = 0.05;
  std::stringstream out;
  generator::generate(options, out);
  return lines_of(out);
}

std::vector<std::string> sample_lines() {
  std::vector<std::string> lines;
  for (const Event& e : sample_events()) lines.push_back(to_json(e));
  lines.push_back(kHoursSubmittedLine);
  return lines;
}

// Hand-made edges of the flat shape: each is decided by either path, never differently.
const std::vector<std::string>& edge_lines() {
  static const std::vector<std::string> lines = [] {
    const std::string h = kHoursSubmittedLine;
    const auto minutes = [&](std::string_view raw) { return with_field(h, "minutes", raw); };
    std::vector<std::string> out = {
        "",
        " ",
        "{}",
        "[]",
        "null",
        "\"text\"",
        "17",
        "{ }",
        "{\"a\":1}",
        "{\"type\":\"hours.submitted\"}",
        "{\"type\":\"hours.submitted\",\"type\":null}",
        "{\"type\":null,\"type\":\"hours.submitted\"}",
        " \t\r\n" + h + " \t\r\n",
        h + "\n",
        h + "x",
        h + "}",
        h + "{}",
        h.substr(0, h.size() - 1),
        h.substr(0, h.size() - 1) + ",}",
        "{ \"event_id\" : \"hs-1\" , \"type\" : \"hours.verified\" , \"schema_version\" : 1 , "
        "\"occurred_at\" : \"2027-03-05T18:00:00+08:00\" , \"volunteer_id\" : \"v-1\" , "
        "\"log_id\" : \"l\" , \"verifier_id\" : \"o\" , \"quality\" : 5 }",
        minutes("0"),
        minutes("-0"),
        minutes("1440"),
        minutes("-1"),
        minutes("999999999999999999"),
        minutes("-999999999999999999"),
        minutes("1000000000000000000"),
        minutes("-1000000000000000000"),
        minutes("9223372036854775807"),
        minutes("9223372036854775808"),
        minutes("-9223372036854775808"),
        minutes("-9223372036854775809"),
        minutes("18446744073709551615"),
        minutes("18446744073709551616"),
        minutes("90.0"),
        minutes("9e1"),
        minutes("\"90\""),
        minutes("true"),
        minutes("null"),
        minutes("[]"),
        minutes("{}"),
        with_field(h, "schema_version", "2"),
        with_field(h, "schema_version", "-1"),
        with_field(h, "schema_version", "1.0"),
        with_field(h, "schema_version", "4294967296"),
        with_field(h, "schema_version", "-2147483649"),
        with_field(h, "source", "null"),
        with_field(h, "source", "\"\""),
        with_field(h, "event_id", "\"\""),
        with_field(h, "event_id", "\"a b\""),
        with_field(h, "event_id", "\"中文\""),
        with_field(h, "event_id", "7"),
        with_field(h, "type", "[\"hours.submitted\"]"),
        with_field(h, "type", "\"need.posted\""),
        with_field(h, "service_type", "[\"companionship\"]"),
        with_field(h, "volunteer_id", "{\"a\":1}"),
    };
    // Raw edits rapidjson's writer would not produce.
    out.push_back("{\"minutes\":01}");
    out.push_back("{\"minutes\":-}");
    out.push_back("{\"minutes\":--1}");
    out.push_back("{\"minutes\":+1}");
    out.push_back("{\"minutes\":1,}");
    out.push_back("{\"minutes\" 1}");
    out.push_back("{\"minutes\":tru}");
    out.push_back("{\"minutes\":nul}");
    out.push_back("{\"minutes\":falsey}");
    out.push_back("{\"a\":[\"x\",]}");
    out.push_back("{\"a\":[\"x\" \"y\"]}");
    out.push_back("{\"a\":[\"x\",1]}");
    out.push_back("{\"a\":[[]]}");
    out.push_back("{\"a\":\"\\u4e2d\"}");
    out.push_back("{\"a\":\"x\ty\"}");
    out.push_back("{\"a\":\"x\x7fy\"}");
    out.push_back(std::string("{\"a\":\"x\0y\"}", 11));
    out.push_back(std::string("{\"a\":1}\0", 8));
    out.push_back("{\"a\":\"\xC3\"}");
    out.push_back("{\"a\":\"\xC0\x80\"}");
    out.push_back("{\"a\":\"\xED\xA0\x80\"}");
    out.push_back("{\"a\":\"\xF4\x90\x80\x80\"}");
    out.push_back("{\"a\":\"\xF0\x9F\x98\x80\"}");
    out.push_back("\xEF\xBB\xBF{}");
    out.push_back("{\"\xC3\xA9\":1}");
    out.push_back("{\xC3\xA9:1}");
    out.push_back("{\"a\":1}\xC3\xA9");
    out.push_back("{\"a\":1} // comment");
    out.push_back("{\"a\":1}\f");
    out.push_back("{\"a\":1}\v");
    out.push_back(std::string(40, ' ') + "{\"a\":\"" + std::string(100, 'x') + "\"}");
    std::string many = "{";
    for (int i = 0; i < 40; ++i)
      many += "\"m" + std::to_string(i) + "\":" + std::to_string(i) + ",";
    out.push_back(many + h.substr(1));
    std::string long_array = h.substr(0, h.size() - 1) + ",\"x\":[";
    for (int i = 0; i < 70; ++i) long_array += std::string(i > 0 ? "," : "") + "\"s\"";
    out.push_back(long_array + "]}");
    std::string long_skills =
        R"({"event_id":"e","type":"volunteer.registered","schema_version":1,)"
        R"("occurred_at":"2027-03-05T09:30:00+08:00","volunteer_id":"v","area_code":"410402",)"
        R"("party_member":false,"skills":[)";
    for (int i = 0; i < 64; ++i) long_skills += std::string(i > 0 ? "," : "") + "\"other\"";
    out.push_back(long_skills + "]}");
    out.push_back(long_skills + "\"other\"]}");
    return out;
  }();
  return lines;
}

TEST(FastDecode, SamplesMatchTheReferenceOnEveryTopicAndKey) {
  const ValidationRules rules = pingdingshan_rules();
  Counts counts;
  for (const Event& e : sample_events()) {
    const std::string json = to_json(e);
    const InputTopic topic = topic_of(e.envelope.type);
    expect_same(json, rules, counts);
    expect_same(json, rules, counts, topic, e.aggregate_id());
    expect_same(json, rules, counts, topic, "another-key");
    for (InputTopic other : {InputTopic::hours, InputTopic::activities, InputTopic::needs}) {
      expect_same(json, rules, counts, other);
    }
    expect_same(json, ValidationRules{}, counts);
  }
  EXPECT_EQ(counts.flat, counts.total);
}

TEST(FastDecode, GoldenInputsMatchTheReference) {
  const std::vector<std::string> lines = golden_lines();
  ASSERT_GE(lines.size(), 30u);
  Counts counts;
  for (const std::string& line : lines) expect_same(line, pingdingshan_rules(), counts);
  EXPECT_GE(counts.flat_ok, 20u);
}

TEST(FastDecode, EdgeLinesMatchTheReference) {
  Counts counts;
  for (const std::string& line : edge_lines()) {
    expect_same(line, pingdingshan_rules(), counts);
    expect_same(line, pingdingshan_rules(), counts, InputTopic::hours, "v-00042");
  }
}

TEST(FastDecode, GeneratedCityMatchesTheReference) {
  const std::vector<std::string> lines = generated_lines(20'000);
  ASSERT_GE(lines.size(), 15'000u);
  const ValidationRules rules = pingdingshan_rules();
  Counts counts;
  for (const std::string& line : lines) expect_same(line, rules, counts);
  // Valid generated lines are all flat; only some of the bad ones are not.
  EXPECT_GE(counts.flat, lines.size() * 9 / 10);
  EXPECT_GE(counts.flat_ok, lines.size() * 9 / 10);
}

TEST(FastDecode, TypicalLinesTakeTheFlatPath) {
  for (const std::string& line : sample_lines()) {
    EXPECT_EQ(path_of(line), DecodePath::flat) << line;
    EXPECT_TRUE(decode_event(line, pingdingshan_rules()).ok()) << line;
  }
  const std::string h = kHoursSubmittedLine;
  EXPECT_EQ(path_of(" \t\r\n" + h + " \n"), DecodePath::flat);
  EXPECT_EQ(path_of("{}"), DecodePath::flat);
  EXPECT_EQ(path_of(with_field(h, "minutes", "-0")), DecodePath::flat);
  EXPECT_EQ(path_of(with_field(h, "minutes", "999999999999999999")), DecodePath::flat);
  EXPECT_EQ(path_of(with_field(h, "minutes", "null")), DecodePath::flat);
  EXPECT_EQ(path_of(with_field(h, "event_id", "\"学雷锋\"")), DecodePath::flat);
  EXPECT_EQ(path_of(with_field(h, "skills", "[]")), DecodePath::flat);
}

std::string replaced(std::string text, std::string_view from, std::string_view to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

TEST(FastDecode, OtherLinesTakeTheReferencePath) {
  const std::string h = kHoursSubmittedLine;
  for (const std::string& line : {
           std::string(""),
           std::string("[]"),
           std::string("not json"),
           with_field(h, "minutes", "1000000000000000000"),
           with_field(h, "minutes", "90.5"),
           with_field(h, "minutes", "9e1"),
           with_field(h, "minutes", "{}"),
           with_field(h, "minutes", "[1]"),
           replaced(h, "log-00042-0001", "a\\\"b"),
           replaced(h, "log-00042-0001", "\\u4e2d"),
           std::string("{\"a\":\"\xC3\"}"),
           std::string("{\"a\":\"x\ty\"}"),
           std::string("{\"a\":1}\0", 8),
           h + "x",
           h.substr(0, h.size() - 1),
       }) {
    EXPECT_EQ(path_of(line), DecodePath::reference) << printable(line);
  }
}

// Random edits of valid and invalid lines, from a fixed seed so a failure reproduces.
class Mutator {
 public:
  explicit Mutator(uint64_t seed) : rng_(seed) {}

  std::string mutate(std::string line) {
    const int edits = 1 + static_cast<int>(below(3));
    for (int i = 0; i < edits; ++i) line = edit(std::move(line));
    return line;
  }

 private:
  uint64_t below(uint64_t n) { return n == 0 ? 0 : rng_() % n; }

  std::string_view pick(const std::vector<std::string_view>& choices) {
    return choices[below(choices.size())];
  }

  std::string edit(std::string line) {
    static const std::vector<std::string_view> kBytes = {"\\",       "\"",
                                                         "{",        "}",
                                                         "[",        "]",
                                                         ",",        ":",
                                                         "0",        "1",
                                                         "9",        "-",
                                                         "+",        ".",
                                                         "e",        "E",
                                                         " ",        "\t",
                                                         "\n",       "\r",
                                                         "\f",       std::string_view("\0", 1),
                                                         "\x01",     "\x1f",
                                                         "\x7f",     "\xff",
                                                         "\x80",     "\xc3",
                                                         "\xe4\xb8", "\xed\xa0\x80",
                                                         "\xc0\x80", "\xf4\x90\x80\x80",
                                                         "é",        "中",
                                                         "😀",        "t",
                                                         "n",        "u",
                                                         "\\u",      "\\n",
                                                         "\\\"",     "\\u4e2d",
                                                         "\\ud800",  "a"};
    static const std::vector<std::string_view> kValues = {"null",
                                                          "{}",
                                                          "[]",
                                                          "[1]",
                                                          "[\"x\",2]",
                                                          "[\"other\",\"tutoring\"]",
                                                          "[\"x\"]",
                                                          "{\"a\":1}",
                                                          "123456789012345678901234",
                                                          "999999999999999999",
                                                          "1000000000000000000",
                                                          "-5",
                                                          "-0",
                                                          "0",
                                                          "1",
                                                          "1.5",
                                                          "1e3",
                                                          "-1E-2",
                                                          "\"\"",
                                                          "\"x\"",
                                                          "true",
                                                          "false",
                                                          "\"410402\"",
                                                          "\"2027-03-05\"",
                                                          "\"2027-03-05T18:00:00+08:00\"",
                                                          "4294967296",
                                                          "-2147483649",
                                                          "9223372036854775808",
                                                          "18446744073709551616",
                                                          "\"a\\u0000b\"",
                                                          "\"学雷锋\""};
    const size_t size = line.size();
    switch (below(11)) {
      case 0:  // replace a byte
        if (size > 0) line.replace(below(size), 1, pick(kBytes));
        return line;
      case 1:  // delete bytes
        if (size > 0) line.erase(below(size), 1 + below(3));
        return line;
      case 2:  // insert
        line.insert(below(size + 1), pick(kBytes));
        return line;
      case 3:  // truncate
        line.resize(below(size + 1));
        return line;
      case 4: {  // flip one bit
        if (size > 0) line[below(size)] ^= static_cast<char>(1u << below(8));
        return line;
      }
      case 5:  // whitespace around a structural character
      {
        const size_t at = line.find_first_of(",:{}[]", below(size + 1));
        if (at != std::string::npos) line.insert(at + below(2), pick({" ", "\t", "\r\n", "  "}));
        return line;
      }
      case 6:  // replace a number with another token
      {
        const size_t at = line.find_first_of("-0123456789", below(size + 1));
        if (at == std::string::npos) return line;
        size_t end = line.find_first_not_of("-0123456789", at);
        if (end == std::string::npos) end = line.size();
        line.replace(at, end - at, pick(kValues));
        return line;
      }
      default:
        return edit_member(std::move(line));
    }
  }

  // Edits of whole members when the line is a JSON object: set a value, duplicate or drop a
  // member, add an unknown one.
  std::string edit_member(std::string line) {
    rapidjson::Document doc;
    doc.Parse(line.data(), line.size());
    if (doc.HasParseError() || !doc.IsObject() || doc.MemberCount() == 0) {
      line.insert(below(line.size() + 1), pick(kBytesShort()));
      return line;
    }
    auto& alloc = doc.GetAllocator();
    const auto index = static_cast<rapidjson::SizeType>(below(doc.MemberCount()));
    auto member = doc.MemberBegin() + index;
    const std::string name(member->name.GetString(), member->name.GetStringLength());
    rapidjson::Document value(&alloc);
    const std::string_view raw =
        pick({"null", "{}", "[]", "[1]", "[\"x\",2]", "\"x\"", "\"\"", "7", "-7", "0", "1.5", "1e2",
              "true", "false", "99999999999999999999", "999999999999999999", "[\"companionship\"]",
              "\"companionship\"", "\"other\""});
    value.Parse(raw.data(), raw.size());
    switch (below(4)) {
      case 0:
        member->value.CopyFrom(value, alloc);
        break;
      case 1: {  // a duplicate, before or after: the last one wins
        rapidjson::Value copy(member->value, alloc);
        if (below(2) == 0) copy.CopyFrom(value, alloc);
        doc.AddMember(rapidjson::Value(name.c_str(), alloc), copy, alloc);
        break;
      }
      case 2:
        doc.EraseMember(member);
        break;
      default:
        doc.AddMember(rapidjson::Value(pick({"unknown", "x", "", "types"}).data(), alloc), value,
                      alloc);
        break;
    }
    return serialise(doc);
  }

  static const std::vector<std::string_view>& kBytesShort() {
    static const std::vector<std::string_view> bytes = {"\\", "\"", ",", "0", " ", "}", "\xff"};
    return bytes;
  }

  std::mt19937_64 rng_;
};

TEST(FastDecode, MutantsMatchTheReference) {
  std::vector<std::string> seeds = sample_lines();
  for (auto& line : golden_lines()) seeds.push_back(std::move(line));
  for (const auto& line : edge_lines()) seeds.push_back(line);
  const std::vector<std::string> city = generated_lines(2'000);
  seeds.insert(seeds.end(), city.begin(), city.end());

  const ValidationRules rules = pingdingshan_rules();
  Mutator mutator(20270305);
  Counts counts;
  constexpr int kMutants = 200'000;
  for (int i = 0; i < kMutants; ++i) {
    const std::string& seed = seeds[static_cast<size_t>(i) % seeds.size()];
    const std::string mutant = mutator.mutate(seed);
    if (i % 8 == 0) {
      expect_same(mutant, rules, counts, InputTopic::hours, "v-1");
    } else {
      expect_same(mutant, rules, counts);
    }
    if (HasFailure()) break;  // one reproducible input is enough
  }
  // Not vacuous: many mutants go through the flat path, and some of those are valid.
  EXPECT_GT(counts.flat, counts.total / 5);
  EXPECT_GT(counts.flat_ok, counts.total / 50);
  EXPECT_LT(counts.flat, counts.total);
  std::printf("%zu mutants: %zu on the flat path, %zu of them valid\n", counts.total, counts.flat,
              counts.flat_ok);
}

// utf8::first_invalid checks three-byte sequences (Chinese text) inline; every one of them,
// between ASCII bytes, is judged as the general sequence_length judges it.
TEST(Utf8, ThreeByteSequencesAreJudgedAsSequenceLengthJudgesThem) {
  int valid = 0;
  for (int lead = 0xE0; lead <= 0xEF; ++lead) {
    for (int b1 = 0; b1 < 256; ++b1) {
      for (int b2 = 0; b2 < 256; ++b2) {
        const char sequence[] = {static_cast<char>(lead), static_cast<char>(b1),
                                 static_cast<char>(b2)};
        const std::string_view bytes(sequence, sizeof sequence);
        const std::string text = "abcdefgh" + std::string(bytes) + "z";
        const bool expected_valid = utf8::sequence_length(bytes, 0) == 3;
        const size_t expected = expected_valid ? std::string_view::npos : 8;
        ASSERT_EQ(utf8::first_invalid(text), expected) << printable(text);
        valid += expected_valid ? 1 : 0;
      }
    }
  }
  EXPECT_EQ(valid, 16 * 64 * 64 - 32 * 64 - 32 * 64);  // less overlongs and surrogates
  // Cut short at the end of the text.
  EXPECT_EQ(utf8::first_invalid("ab\xE4\xB8"), 2u);
  EXPECT_EQ(utf8::first_invalid("ab\xE4\xB8\xAD"), std::string_view::npos);
}

}  // namespace
}  // namespace leifeng::schemas
