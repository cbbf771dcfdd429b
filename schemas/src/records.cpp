// JSON of the output records (SPEC §6): compact, fields in SPEC order, absent values null.
#include "leifeng/schemas/records.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <cstring>

#include "sha256.hpp"
#include "utf8.hpp"

namespace leifeng::schemas {
namespace {

namespace rj = rapidjson;

// True when `text` has a byte JSON must escape (rapidjson's Writer escapes exactly these: the
// control bytes below 0x20, '"' and '\\'). Eight bytes at a time.
bool needs_escape(std::string_view text) {
  constexpr uint64_t kOnes = 0x0101010101010101u;
  constexpr uint64_t kHighs = 0x8080808080808080u;
  auto has_zero_byte = [](uint64_t x) { return ((x - kOnes) & ~x & kHighs) != 0; };
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t x = 0;
    std::memcpy(&x, text.data() + i, 8);
    // A byte below 0x20 has bit 7 clear and borrows when 0x20 is subtracted.
    const bool control = ((x - 0x20 * kOnes) & ~x & kHighs) != 0;
    if (control || has_zero_byte(x ^ ('"' * kOnes)) || has_zero_byte(x ^ ('\\' * kOnes))) {
      return true;
    }
  }
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == '"' || c == '\\') return true;
  }
  return false;
}

class RecordWriter {
 public:
  RecordWriter() : writer_(buffer_) { writer_.StartObject(); }

  RecordWriter& text(const char* name, std::string_view value) {
    key(name);
    string(value);
    return *this;
  }
  RecordWriter& nullable_text(const char* name, const std::optional<std::string>& value) {
    if (value) return text(name, *value);
    key(name);
    writer_.Null();
    return *this;
  }
  RecordWriter& integer(const char* name, int64_t value) {
    key(name);
    writer_.Int64(value);
    return *this;
  }
  RecordWriter& boolean(const char* name, bool value) {
    key(name);
    writer_.Bool(value);
    return *this;
  }
  // A key or a string value. Most need no escaping: they are copied in one go instead of the
  // Writer's byte-by-byte escape loop. An empty RawValue makes the Writer put the separator
  // and count the value; the quoted text then goes straight into the buffer.
  void string(std::string_view value) {
    if (needs_escape(value)) {
      writer_.String(value.data(), static_cast<rj::SizeType>(value.size()));
      return;
    }
    quoted(value);
  }
  // A member name: a literal of this file, which never needs escaping.
  void key(std::string_view name) { quoted(name); }
  rj::Writer<rj::StringBuffer>& raw() { return writer_; }

  std::string finish() {
    writer_.EndObject();
    return {buffer_.GetString(), buffer_.GetSize()};
  }

 private:
  void quoted(std::string_view value) {
    writer_.RawValue("", 0, rj::kStringType);
    char* out = buffer_.Push(value.size() + 2);
    out[0] = '"';
    std::memcpy(out + 1, value.data(), value.size());
    out[value.size() + 1] = '"';
  }

  rj::StringBuffer buffer_;
  rj::Writer<rj::StringBuffer> writer_;
};

// Reads the fields of one JSON object; any field missing or of the wrong type clears ok().
class RecordReader {
 public:
  explicit RecordReader(const rj::Value& object) : object_(object) {}

  bool ok() const { return ok_; }

  std::string text(const char* name) {
    const rj::Value* v = find(name);
    if (!v || !v->IsString()) return fail<std::string>();
    return {v->GetString(), v->GetStringLength()};
  }
  std::optional<std::string> nullable_text(const char* name) {
    const rj::Value* v = find(name);
    if (v && v->IsNull()) return std::nullopt;
    return text(name);
  }
  int64_t integer(const char* name) {
    const rj::Value* v = find(name);
    if (!v || !v->IsInt64()) return fail<int64_t>();
    return v->GetInt64();
  }
  int32_t integer32(const char* name) {
    const int64_t value = integer(name);
    if (value < INT32_MIN || value > INT32_MAX) return fail<int32_t>();
    return static_cast<int32_t>(value);
  }
  bool boolean(const char* name) {
    const rj::Value* v = find(name);
    if (!v || !v->IsBool()) return fail<bool>();
    return v->GetBool();
  }
  bool has(const char* name) const { return find(name) != nullptr; }
  const rj::Value* array(const char* name) {
    const rj::Value* v = find(name);
    if (!v || !v->IsArray()) return fail<const rj::Value*>();
    return v;
  }
  const rj::Value* object(const char* name) {
    const rj::Value* v = find(name);
    if (!v || !v->IsObject()) return fail<const rj::Value*>();
    return v;
  }
  template <typename T>
  T fail() {
    ok_ = false;
    return T{};
  }

 private:
  const rj::Value* find(const char* name) const {
    const auto it = object_.FindMember(name);
    return it == object_.MemberEnd() ? nullptr : &it->value;
  }

  const rj::Value& object_;
  bool ok_ = true;
};

// Parses `json` as one object and hands it to `read`; nullopt when anything does not fit.
template <typename Record, typename Read>
std::optional<Record> parse_record(std::string_view json, Read read) {
  rj::Document doc;
  doc.Parse<rj::kParseValidateEncodingFlag | rj::kParseIterativeFlag>(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  RecordReader reader(doc);
  Record record = read(reader);
  if (!reader.ok()) return std::nullopt;
  return record;
}

}  // namespace

std::string to_json(const StarRecord& r) {
  return RecordWriter()
      .text("volunteer_id", r.volunteer_id)
      .text("home_area", r.home_area)
      .boolean("registered", r.registered)
      .boolean("party_member", r.party_member)
      .integer("star_level", r.star_level)
      .integer("minutes_verified", r.minutes_verified)
      .integer("logs_verified", r.logs_verified)
      .integer("mean_quality_x100", r.mean_quality_x100)
      .text("as_of", r.as_of)
      .finish();
}

std::string to_json(const StarChange& r) {
  return RecordWriter()
      .text("volunteer_id", r.volunteer_id)
      .integer("from_level", r.from_level)
      .integer("to_level", r.to_level)
      .integer("minutes_verified", r.minutes_verified)
      .integer("mean_quality_x100", r.mean_quality_x100)
      .text("cause_event_id", r.cause_event_id)
      .text("occurred_at", r.occurred_at)
      .finish();
}

std::string to_json(const NeedStatusRecord& r) {
  return RecordWriter()
      .text("need_id", r.need_id)
      .text("area_code", r.area_code)
      .text("kind", r.kind)
      .text("service_type", r.service_type)
      .text("target_group", r.target_group)
      .text("status", r.status)
      .text("posted_at", r.posted_at)
      .nullable_text("claimed_at", r.claimed_at)
      .nullable_text("claimant_id", r.claimant_id)
      .nullable_text("fulfilled_at", r.fulfilled_at)
      .nullable_text("fulfilled_by", r.fulfilled_by)
      .nullable_text("closed_at", r.closed_at)
      .finish();
}

std::string to_json(const NeedMatchRecord& r) {
  RecordWriter out;
  out.text("need_id", r.need_id)
      .text("area_code", r.area_code)
      .text("service_type", r.service_type)
      .text("kind", r.kind)
      .text("status", r.status);
  auto& w = out.raw();
  out.key("candidates");
  w.StartArray();
  for (const MatchCandidate& c : r.candidates) {
    w.StartObject();
    out.key("volunteer_id");
    out.string(c.volunteer_id);
    out.key("star_level");
    w.Int(c.star_level);
    out.key("party_member");
    w.Bool(c.party_member);
    w.EndObject();
  }
  w.EndArray();
  return out.text("as_of", r.as_of).finish();
}

std::string to_json(const StationRecord& r) {
  RecordWriter out;
  out.text("area_code", r.area_code).text("station_id", r.station_id);
  auto& w = out.raw();
  out.key("months");
  w.StartArray();
  for (const std::string& month : r.months) out.string(month);
  w.EndArray();
  return out.finish();
}

std::string to_json(const CountyStatsRecord& r) {
  RecordWriter out;
  out.text("area_code", r.area_code).text("period", r.period);
  auto& w = out.raw();
  out.key("metrics");
  w.StartObject();
  for (const auto& [name, value] : r.metrics) {  // std::map: keys already in sorted order
    out.string(name);
    w.Int64(value);
  }
  w.EndObject();
  return out.integer("revision", r.revision).text("as_of", r.as_of).finish();
}

std::string to_json(const DeadLetterRecord& r) {
  RecordWriter out;
  out.text("reason", to_string(r.reason))
      .nullable_text("field", r.field)
      .text("detail", r.detail)
      .nullable_text("event_id", r.event_id)
      .nullable_text("type", r.type);
  auto& w = out.raw();
  out.key("source");
  w.StartObject();
  if (const auto* kafka = std::get_if<KafkaSource>(&r.source)) {
    out.text("topic", kafka->topic);
    out.key("partition");
    w.Int(kafka->partition);
    out.key("offset");
    w.Int64(kafka->offset);
  } else {
    const auto& file = std::get<FileSource>(r.source);
    out.text("file", file.file);
    out.key("line");
    w.Int64(file.line);
  }
  w.EndObject();
  // The payload keeps the original text, but the record itself must stay valid JSON.
  out.text("payload", utf8::with_replacements(r.payload)).nullable_text("at", r.at);
  if (r.cut) {
    out.boolean("payload_truncated", true)
        .integer("payload_bytes", r.cut->original_bytes)
        .text("payload_sha256", r.cut->sha256);
  }
  return out.finish();
}

namespace {

// The bytes rapidjson's Writer writes for the ASCII byte `c` inside a string.
size_t escaped_size(unsigned char c) {
  if (c == '"' || c == '\\') return 2;
  if (c >= 0x20) return 1;
  switch (c) {
    case '\b':
    case '\t':
    case '\n':
    case '\f':
    case '\r':
      return 2;
    default:
      return 6;  // \u00XX
  }
}

// Bytes of `text` whose JSON form (as to_json writes it) fits in `limit` bytes: a whole
// number of characters, so a cut never splits a UTF-8 sequence or an escape.
size_t prefix_that_fits(std::string_view text, size_t limit) {
  size_t pos = 0;
  size_t encoded = 0;
  while (pos < text.size()) {
    const auto c = static_cast<unsigned char>(text[pos]);
    size_t length = 1;
    size_t size = 0;
    if (c < 0x80) {
      size = escaped_size(c);
    } else if (const size_t n = utf8::sequence_length(text, pos); n > 0) {
      length = size = n;
    } else {
      size = 3;  // one byte that is not UTF-8 becomes U+FFFD
    }
    if (encoded + size > limit) break;
    encoded += size;
    pos += length;
  }
  return pos;
}

}  // namespace

void set_dead_letter_payload(DeadLetterRecord& record, std::string_view payload, size_t limit) {
  // A byte grows to at most six in JSON: shorter payloads fit without looking at them.
  const size_t keep =
      payload.size() <= limit / 6 ? payload.size() : prefix_that_fits(payload, limit);
  record.payload.assign(payload.substr(0, keep));
  if (keep == payload.size()) {
    record.cut.reset();
  } else {
    record.cut = PayloadCut{static_cast<int64_t>(payload.size()), sha256_hex(payload)};
  }
}

std::string cut_dead_letter_text(std::string_view text, size_t limit) {
  if (text.size() <= limit) return std::string(text);
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  std::string out(text.substr(0, cut));
  out.append("…");
  return out;
}

std::optional<StarRecord> star_record_from_json(std::string_view json) {
  return parse_record<StarRecord>(json, [](RecordReader& in) {
    StarRecord r;
    r.volunteer_id = in.text("volunteer_id");
    r.home_area = in.text("home_area");
    r.registered = in.boolean("registered");
    r.party_member = in.boolean("party_member");
    r.star_level = in.integer32("star_level");
    r.minutes_verified = in.integer("minutes_verified");
    r.logs_verified = in.integer("logs_verified");
    r.mean_quality_x100 = in.integer("mean_quality_x100");
    r.as_of = in.text("as_of");
    return r;
  });
}

std::optional<StarChange> star_change_from_json(std::string_view json) {
  return parse_record<StarChange>(json, [](RecordReader& in) {
    StarChange r;
    r.volunteer_id = in.text("volunteer_id");
    r.from_level = in.integer32("from_level");
    r.to_level = in.integer32("to_level");
    r.minutes_verified = in.integer("minutes_verified");
    r.mean_quality_x100 = in.integer("mean_quality_x100");
    r.cause_event_id = in.text("cause_event_id");
    r.occurred_at = in.text("occurred_at");
    return r;
  });
}

std::optional<NeedStatusRecord> need_status_from_json(std::string_view json) {
  return parse_record<NeedStatusRecord>(json, [](RecordReader& in) {
    NeedStatusRecord r;
    r.need_id = in.text("need_id");
    r.area_code = in.text("area_code");
    r.kind = in.text("kind");
    r.service_type = in.text("service_type");
    r.target_group = in.text("target_group");
    r.status = in.text("status");
    r.posted_at = in.text("posted_at");
    r.claimed_at = in.nullable_text("claimed_at");
    r.claimant_id = in.nullable_text("claimant_id");
    r.fulfilled_at = in.nullable_text("fulfilled_at");
    r.fulfilled_by = in.nullable_text("fulfilled_by");
    r.closed_at = in.nullable_text("closed_at");
    return r;
  });
}

std::optional<NeedMatchRecord> need_match_from_json(std::string_view json) {
  return parse_record<NeedMatchRecord>(json, [](RecordReader& in) {
    NeedMatchRecord r;
    r.need_id = in.text("need_id");
    r.area_code = in.text("area_code");
    r.service_type = in.text("service_type");
    r.kind = in.text("kind");
    r.status = in.text("status");
    if (const rj::Value* candidates = in.array("candidates")) {
      for (const rj::Value& c : candidates->GetArray()) {
        if (!c.IsObject()) return in.fail<NeedMatchRecord>();
        RecordReader entry(c);
        MatchCandidate candidate;
        candidate.volunteer_id = entry.text("volunteer_id");
        candidate.star_level = entry.integer32("star_level");
        candidate.party_member = entry.boolean("party_member");
        if (!entry.ok()) return in.fail<NeedMatchRecord>();
        r.candidates.push_back(std::move(candidate));
      }
    }
    r.as_of = in.text("as_of");
    return r;
  });
}

std::optional<StationRecord> station_from_json(std::string_view json) {
  return parse_record<StationRecord>(json, [](RecordReader& in) {
    StationRecord r;
    r.area_code = in.text("area_code");
    r.station_id = in.text("station_id");
    if (const rj::Value* months = in.array("months")) {
      for (const rj::Value& month : months->GetArray()) {
        if (!month.IsString()) return in.fail<StationRecord>();
        r.months.emplace_back(month.GetString(), month.GetStringLength());
      }
    }
    return r;
  });
}

std::optional<CountyStatsRecord> county_stats_from_json(std::string_view json) {
  return parse_record<CountyStatsRecord>(json, [](RecordReader& in) {
    CountyStatsRecord r;
    r.area_code = in.text("area_code");
    r.period = in.text("period");
    if (const rj::Value* metrics = in.object("metrics")) {
      for (auto m = metrics->MemberBegin(); m != metrics->MemberEnd(); ++m) {
        if (!m->value.IsInt64()) return in.fail<CountyStatsRecord>();
        r.metrics[std::string(m->name.GetString(), m->name.GetStringLength())] =
            m->value.GetInt64();
      }
    }
    r.revision = in.integer("revision");
    r.as_of = in.text("as_of");
    return r;
  });
}

std::optional<DeadLetterRecord> dead_letter_from_json(std::string_view json) {
  return parse_record<DeadLetterRecord>(json, [](RecordReader& in) {
    DeadLetterRecord r;
    const auto reason = parse_reason(in.text("reason"));
    if (!reason) return in.fail<DeadLetterRecord>();
    r.reason = *reason;
    r.field = in.nullable_text("field");
    r.detail = in.text("detail");
    r.event_id = in.nullable_text("event_id");
    r.type = in.nullable_text("type");
    if (const rj::Value* source = in.object("source")) {
      RecordReader from(*source);
      if (source->HasMember("topic")) {
        KafkaSource kafka;
        kafka.topic = from.text("topic");
        kafka.partition = from.integer32("partition");
        kafka.offset = from.integer("offset");
        r.source = kafka;
      } else {
        FileSource file;
        file.file = from.text("file");
        file.line = from.integer("line");
        r.source = file;
      }
      if (!from.ok()) return in.fail<DeadLetterRecord>();
    }
    r.payload = in.text("payload");
    r.at = in.nullable_text("at");
    if (in.has("payload_truncated")) {
      if (!in.boolean("payload_truncated")) return in.fail<DeadLetterRecord>();
      r.cut = PayloadCut{in.integer("payload_bytes"), in.text("payload_sha256")};
    }
    return r;
  });
}

}  // namespace leifeng::schemas
