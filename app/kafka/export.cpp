#include "kafka/export.hpp"

#include <stdexcept>
#include <utility>

#include "drivers/replay.hpp"
#include "leifeng/processors/wiring.hpp"
#include "leifeng/runtime/topic_reader.hpp"
#include "product.hpp"

namespace leifeng::app {

namespace outputs = processors::outputs;

const std::vector<std::string>& exportable_tables() {
  static const std::vector<std::string> tables = [] {
    std::vector<std::string> names;
    for (const processors::OutputSpec& output : processors::kOutputs) {
      names.emplace_back(output.name);
    }
    return names;
  }();
  return tables;
}

std::vector<std::string> export_table(const runtime::KafkaProperties& kafka,
                                      const std::string& topic_prefix, std::string_view table) {
  const processors::OutputSpec* output = processors::find_output(table);
  if (output == nullptr) {
    std::string names;
    for (const auto& name : exportable_tables()) names += (names.empty() ? "" : ", ") + name;
    throw std::invalid_argument("unknown table '" + std::string(table) + "' (known: " + names +
                                ")");
  }
  const std::string topic = processors::kafka_topic_name(topic_prefix, table);
  runtime::TopicReader reader(kafka, topic_reader_options());
  // The same order as the replay's file of this output (OutputKind).
  const processors::OutputKind kind = output->kind;
  if (kind == processors::OutputKind::table) {
    KeyedTable latest;
    reader.read(topic, [&](const runtime::TopicRecord& record) {
      const std::string key(record.key.value_or(std::string_view{}));
      if (record.value) {
        latest.insert_or_assign(key, std::string(*record.value));
      } else {
        latest.erase(key);  // tombstone
      }
    });
    return sorted_by_key(std::move(latest));
  }
  if (kind == processors::OutputKind::keyed_stream) {
    std::vector<std::pair<std::string, std::string>> changes;
    reader.read(topic, [&](const runtime::TopicRecord& record) {
      if (!record.value) return;
      changes.emplace_back(record.key.value_or(std::string_view{}), *record.value);
    });
    return stable_sorted_by_key(std::move(changes));
  }
  std::vector<std::string> records;
  reader.read(topic, [&](const runtime::TopicRecord& record) {
    if (record.value) records.emplace_back(*record.value);
  });
  return records;
}

std::vector<schemas::CountyStatsRecord> export_county_stats(const runtime::KafkaProperties& kafka,
                                                            const std::string& topic_prefix) {
  std::vector<schemas::CountyStatsRecord> records;
  for (const auto& line : export_table(kafka, topic_prefix, outputs::kCountyStats)) {
    auto record = schemas::county_stats_from_json(line);
    if (!record) throw std::runtime_error("not a county-stats record: " + line);
    records.push_back(std::move(*record));
  }
  return records;
}

std::vector<schemas::StationRecord> export_stations(const runtime::KafkaProperties& kafka,
                                                    const std::string& topic_prefix) {
  std::vector<schemas::StationRecord> records;
  for (const auto& line : export_table(kafka, topic_prefix, outputs::kStations)) {
    auto record = schemas::station_from_json(line);
    if (!record) throw std::runtime_error("not a stations record: " + line);
    records.push_back(std::move(*record));
  }
  return records;
}

std::vector<schemas::StarRecord> export_stars(const runtime::KafkaProperties& kafka,
                                              const std::string& topic_prefix) {
  std::vector<schemas::StarRecord> records;
  for (const auto& line : export_table(kafka, topic_prefix, outputs::kStars)) {
    auto record = schemas::star_record_from_json(line);
    if (!record) throw std::runtime_error("not a stars record: " + line);
    records.push_back(std::move(*record));
  }
  return records;
}

}  // namespace leifeng::app
