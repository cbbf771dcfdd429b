// Reading an output topic back as JSON Lines (`leifeng export`, the demo, audits): the same
// lines, in the same order, as `replay --input` writes into its files.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "leifeng/runtime/topic_admin.hpp"
#include "leifeng/schemas/records.hpp"

namespace leifeng::app {

// The tables `export` accepts: stars, star-changes, needs-status, county-stats, dead-letter.
const std::vector<std::string>& exportable_tables();

// Compacted tables (stars, needs-status, county-stats): the latest value per key, sorted by
// key; a tombstone removes its key. star-changes: every record, stable-sorted by volunteer id
// (each volunteer's changes in the order they happened). dead-letter: every record, partition
// by partition in offset order. Reads only committed records (read_committed), from the
// beginning to the end each partition had when reading started.
// Throws std::invalid_argument for another table, runtime::TopicReadError for Kafka errors.
// The county-stats table parsed (the report and the demo read it this way). Throws
// std::runtime_error for a record that is not a county-stats record.
std::vector<schemas::CountyStatsRecord> export_county_stats(const runtime::KafkaProperties& kafka,
                                                            const std::string& topic_prefix);

// The stations and stars tables parsed (the report's lists, SPEC §9). Throw
// std::runtime_error for a record of another form.
std::vector<schemas::StationRecord> export_stations(const runtime::KafkaProperties& kafka,
                                                    const std::string& topic_prefix);
std::vector<schemas::StarRecord> export_stars(const runtime::KafkaProperties& kafka,
                                              const std::string& topic_prefix);

std::vector<std::string> export_table(const runtime::KafkaProperties& kafka,
                                      const std::string& topic_prefix, std::string_view table);

}  // namespace leifeng::app
