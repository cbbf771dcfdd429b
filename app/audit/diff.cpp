#include "audit/diff.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "kafka/export.hpp"
#include "leifeng/processors/wiring.hpp"

namespace leifeng::app {

namespace {

namespace outputs = processors::outputs;

constexpr const char* kNone = "(none)";
constexpr std::size_t kValueWidth = 60;  // longer values are cut in the report

// A record's fields by name as compact JSON; nested objects flattened to "outer.inner".
using Fields = std::map<std::string, std::string>;

std::string compact(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

void flatten(const rapidjson::Value& object, const std::string& prefix, Fields& fields) {
  for (const auto& member : object.GetObject()) {
    const std::string name =
        prefix + std::string(member.name.GetString(), member.name.GetStringLength());
    if (member.value.IsObject()) {
      flatten(member.value, name + ".", fields);
    } else {
      fields[name] = compact(member.value);
    }
  }
}

std::optional<rapidjson::Document> parse_object(const std::string& line) {
  rapidjson::Document document;
  document.Parse(line.data(), line.size());
  if (document.HasParseError() || !document.IsObject()) return std::nullopt;
  return document;
}

std::string string_member(const rapidjson::Value& object, const char* name) {
  const auto member = object.FindMember(name);
  if (member == object.MemberEnd() || !member->value.IsString()) return {};
  return {member->value.GetString(), member->value.GetStringLength()};
}

// How one table names its records and which fields it leaves out of the comparison.
struct TableRules {
  std::string_view table;
  std::string (*key_of)(const rapidjson::Value&);
  std::vector<std::string> ignored;
  bool absent_metric_is_zero = false;
};

std::string volunteer_key(const rapidjson::Value& record) {
  return string_member(record, "volunteer_id");
}
std::string need_key(const rapidjson::Value& record) {
  return string_member(record, "need_id");
}
std::string station_key(const rapidjson::Value& record) {
  return string_member(record, "area_code") + "/" + string_member(record, "station_id");
}
std::string county_key(const rapidjson::Value& record) {
  return string_member(record, "area_code") + "/" + string_member(record, "period");
}

std::string excerpt(const std::string& text) {
  if (text.size() <= kValueWidth) return text;
  return text.substr(0, kValueWidth - 3) + "...";
}

class Differ {
 public:
  explicit Differ(AuditDiff& diff) : diff_(diff) {}

  void add(std::string_view table, std::string key, std::string field, std::string live,
           std::string replayed) {
    diff_.differences.push_back({std::string(table), std::move(key), std::move(field),
                                 std::move(live), std::move(replayed)});
  }

  void compare_fields(std::string_view table, const std::string& key, const std::string& prefix,
                      const Fields& live, const Fields& replayed, const TableRules* rules) {
    auto ignored = [&](const std::string& name) {
      return rules != nullptr &&
             std::find(rules->ignored.begin(), rules->ignored.end(), name) != rules->ignored.end();
    };
    auto value_of = [&](const Fields& fields, const std::string& name) -> std::string {
      if (auto it = fields.find(name); it != fields.end()) return it->second;
      if (rules != nullptr && rules->absent_metric_is_zero && name.starts_with("metrics.")) {
        return "0";
      }
      return kNone;
    };
    std::vector<std::string> names;
    for (const auto& [name, value] : live) names.push_back(name);
    for (const auto& [name, value] : replayed) {
      if (!live.contains(name)) names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      if (ignored(name)) continue;
      std::string live_value = value_of(live, name);
      std::string replayed_value = value_of(replayed, name);
      if (live_value != replayed_value) {
        add(table, key, prefix + name, std::move(live_value), std::move(replayed_value));
      }
    }
  }

  // Tables with one record per key (stars, needs-status, county-stats).
  void compare_keyed(const TableRules& rules, const std::vector<std::string>& live,
                     const std::vector<std::string>& replayed) {
    const auto live_records = index(rules, live);
    const auto replayed_records = index(rules, replayed);
    diff_.records_compared += static_cast<int64_t>(live.size());
    for (const auto& [key, fields] : live_records) {
      auto other = replayed_records.find(key);
      if (other == replayed_records.end()) {
        add(rules.table, key, "(record)", "present", kNone);
      } else {
        compare_fields(rules.table, key, "", fields, other->second, &rules);
      }
    }
    for (const auto& [key, fields] : replayed_records) {
      if (!live_records.contains(key)) add(rules.table, key, "(record)", kNone, "present");
    }
  }

  // star-changes: per volunteer, the sequence of changes position by position.
  void compare_star_changes(const std::vector<std::string>& live,
                            const std::vector<std::string>& replayed) {
    const auto live_changes = sequences(live);
    const auto replayed_changes = sequences(replayed);
    diff_.records_compared += static_cast<int64_t>(live.size());
    std::vector<std::string> volunteers;
    for (const auto& [volunteer, changes] : live_changes) volunteers.push_back(volunteer);
    for (const auto& [volunteer, changes] : replayed_changes) {
      if (!live_changes.contains(volunteer)) volunteers.push_back(volunteer);
    }
    std::sort(volunteers.begin(), volunteers.end());
    static const std::vector<Fields> kNoChanges;
    for (const std::string& volunteer : volunteers) {
      auto find = [&](const auto& all) -> const std::vector<Fields>& {
        auto it = all.find(volunteer);
        return it == all.end() ? kNoChanges : it->second;
      };
      const std::vector<Fields>& a = find(live_changes);
      const std::vector<Fields>& b = find(replayed_changes);
      if (a.size() != b.size()) {
        add(outputs::kStarChanges, volunteer, "number of changes", std::to_string(a.size()),
            std::to_string(b.size()));
      }
      for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
        compare_fields(outputs::kStarChanges, volunteer, "change " + std::to_string(i + 1) + " ",
                       a[i], b[i], nullptr);
      }
    }
  }

  // dead-letter: multisets of (reason, event_id, payload). Letters `publish` wrote (source
  // {"file","line"}) may or may not be in the replay: a file replay has them, a replay from
  // topics cannot.
  void compare_dead_letters(const std::vector<std::string>& live,
                            const std::vector<std::string>& replayed) {
    using Letter = std::tuple<std::string, std::string, std::string>;  // event_id, reason, payload
    struct Counts {
      int64_t processors = 0;  // live, written by a processor
      int64_t publish = 0;     // live, written by publish
      int64_t replayed = 0;
    };
    std::map<Letter, Counts> letters;
    auto count = [&](const std::vector<std::string>& lines, bool is_live) {
      for (const std::string& line : lines) {
        auto record = parse_object(line);
        Letter letter{"", "", line};
        bool file_source = false;
        if (record) {
          letter = {string_member(*record, "event_id"), string_member(*record, "reason"),
                    string_member(*record, "payload")};
          const auto source = record->FindMember("source");
          file_source = source != record->MemberEnd() && source->value.IsObject() &&
                        source->value.HasMember("file");
        }
        Counts& counts = letters[letter];
        ++(!is_live ? counts.replayed : file_source ? counts.publish : counts.processors);
      }
    };
    count(live, true);
    count(replayed, false);
    diff_.records_compared += static_cast<int64_t>(live.size());
    for (const auto& [letter, counts] : letters) {
      const auto& [event_id, reason, payload] = letter;
      const int64_t publish_matched =
          std::clamp<int64_t>(counts.replayed - counts.processors, 0, counts.publish);
      diff_.publish_dead_letters_skipped += counts.publish - publish_matched;
      if (counts.replayed >= counts.processors &&
          counts.replayed <= counts.processors + counts.publish) {
        continue;
      }
      const std::string key = event_id.empty() ? "payload " + excerpt(payload) : event_id;
      add(outputs::kDeadLetter, key, "count of reason " + reason,
          std::to_string(counts.processors + counts.publish), std::to_string(counts.replayed));
    }
  }

 private:
  std::map<std::string, Fields> index(const TableRules& rules,
                                      const std::vector<std::string>& lines) {
    std::map<std::string, Fields> records;
    for (const std::string& line : lines) {
      auto record = parse_object(line);
      if (!record) {
        records["(not JSON) " + excerpt(line)] = {};
        continue;
      }
      Fields fields;
      flatten(*record, "", fields);
      records[rules.key_of(*record)] = std::move(fields);  // the latest value wins
    }
    return records;
  }

  std::map<std::string, std::vector<Fields>> sequences(const std::vector<std::string>& lines) {
    std::map<std::string, std::vector<Fields>> changes;
    for (const std::string& line : lines) {
      auto record = parse_object(line);
      Fields fields;
      if (record) {
        flatten(*record, "", fields);
      } else {
        fields["(not JSON)"] = excerpt(line);
      }
      changes[record ? volunteer_key(*record) : std::string()].push_back(std::move(fields));
    }
    return changes;
  }

  AuditDiff& diff_;
};

std::vector<std::string> read_file_lines(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string() + " (not a replay directory?)");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(std::move(line));
  }
  if (in.bad()) throw std::runtime_error("error while reading " + file.string());
  return lines;
}

}  // namespace

AuditDiff diff_tables(const ReplayOutputs& live, const ReplayOutputs& replayed) {
  AuditDiff diff;
  Differ differ(diff);
  differ.compare_keyed({outputs::kStars, &volunteer_key, {}, false}, live.of(outputs::kStars),
                       replayed.of(outputs::kStars));
  differ.compare_star_changes(live.of(outputs::kStarChanges), replayed.of(outputs::kStarChanges));
  differ.compare_keyed({outputs::kNeedsStatus, &need_key, {}, false},
                       live.of(outputs::kNeedsStatus), replayed.of(outputs::kNeedsStatus));
  differ.compare_keyed({outputs::kCountyStats, &county_key, {"revision", "as_of"}, true},
                       live.of(outputs::kCountyStats), replayed.of(outputs::kCountyStats));
  differ.compare_dead_letters(live.of(outputs::kDeadLetter), replayed.of(outputs::kDeadLetter));
  // SPEC §8: once every input is processed, every field but as_of is a function of the inputs.
  differ.compare_keyed({outputs::kNeedMatches, &need_key, {"as_of"}, false},
                       live.of(outputs::kNeedMatches), replayed.of(outputs::kNeedMatches));
  // SPEC §9 as built: a station's months are a function of the inputs alone.
  differ.compare_keyed({outputs::kStations, &station_key, {}, false}, live.of(outputs::kStations),
                       replayed.of(outputs::kStations));
  return diff;
}

ReplayOutputs read_replay_dir(const std::filesystem::path& dir) {
  ReplayOutputs tables;
  for (const processors::OutputSpec& output : processors::kOutputs) {
    tables.of(output.name) = read_file_lines(dir / output_file_name(output.name));
  }
  return tables;
}

ReplayOutputs read_live_tables(const runtime::KafkaProperties& kafka,
                               const std::string& topic_prefix) {
  ReplayOutputs tables;
  for (const processors::OutputSpec& output : processors::kOutputs) {
    tables.of(output.name) = export_table(kafka, topic_prefix, output.name);
  }
  return tables;
}

std::string format_audit_diff(const AuditDiff& diff, std::size_t limit) {
  std::string out;
  if (diff.equal()) {
    out = "audit diff: live tables and replay are equal (" + std::to_string(diff.records_compared) +
          " live records compared)\n";
  } else {
    out = "audit diff: " + std::to_string(diff.differences.size()) +
          " differences between the live tables and the replay\n";
    const std::size_t shown = std::min(limit, diff.differences.size());
    std::vector<std::array<std::string, 5>> rows{{"TABLE", "KEY", "FIELD", "LIVE", "REPLAYED"}};
    for (std::size_t i = 0; i < shown; ++i) {
      const TableDifference& d = diff.differences[i];
      rows.push_back({d.table, excerpt(d.key), d.field, excerpt(d.live), excerpt(d.replayed)});
    }
    std::array<std::size_t, 5> width{};
    for (const auto& row : rows) {
      for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    }
    for (const auto& row : rows) {
      std::string line;
      for (std::size_t c = 0; c < row.size(); ++c) {
        line += row[c];
        if (c + 1 < row.size()) line += std::string(width[c] - row[c].size() + 2, ' ');
      }
      out += line + "\n";
    }
    if (shown < diff.differences.size()) {
      out += "... and " + std::to_string(diff.differences.size() - shown) + " more differences\n";
    }
  }
  if (diff.publish_dead_letters_skipped > 0) {
    out += "note: " + std::to_string(diff.publish_dead_letters_skipped) +
           " live dead letters written by `publish` (lines no processor saw) are not in the "
           "replay, as in any replay from topics; not counted as differences\n";
  }
  return out;
}

}  // namespace leifeng::app
