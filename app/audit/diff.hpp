// `leifeng audit diff DIR` (SPEC §7): the live tables against a replay directory, record by
// record and field by field.
//
// What counts as equal:
// - stars, needs-status: the same keys with the same field values;
// - county-stats: the same, `revision` and `as_of` ignored (they count and date updates, which
//   differ between drivers) and an absent metric equal to 0 (zero metrics may be left out);
// - star-changes: each volunteer's sequence of changes, position by position;
// - dead-letter: the same multiset of (reason, event_id, payload); `source` differs between a
//   file replay and live. Dead letters that `publish` wrote itself (source {"file","line"}:
//   lines no processor ever saw, so not on any input topic) are in a replay of the published
//   file but not in a replay from topics: the replay may have them or not; those it lacks
//   are counted in `publish_dead_letters_skipped`, not reported as differences.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "drivers/replay.hpp"
#include "leifeng/runtime/topic_admin.hpp"

namespace leifeng::app {

struct TableDifference {
  std::string table;  // stars, star-changes, needs-status, county-stats, dead-letter
  std::string key;    // volunteer, need, area/period; dead letters: event_id (or payload)
  std::string field;  // e.g. star_level, metrics.hours.logs_verified, change 2 to_level
  std::string live;   // the value as JSON, "(none)" when the record is missing
  std::string replayed;
};

struct AuditDiff {
  std::vector<TableDifference> differences;
  int64_t records_compared = 0;  // live records looked at, all tables
  int64_t publish_dead_letters_skipped = 0;
  bool equal() const { return differences.empty(); }
};

// Compares two sets of tables as the files of a replay directory hold them.
AuditDiff diff_tables(const ReplayOutputs& live, const ReplayOutputs& replayed);

// The five .jsonl files of a replay directory. Throws std::runtime_error naming a file that
// is missing or unreadable.
ReplayOutputs read_replay_dir(const std::filesystem::path& dir);

// The live tables, read with the code of `leifeng export`. Throws runtime::TopicReadError.
ReplayOutputs read_live_tables(const runtime::KafkaProperties& kafka,
                               const std::string& topic_prefix);

// The readable report: a header, then at most `limit` differences as aligned columns (table,
// key, field, live, replayed), then how many more there are. One line "... equal" when none.
std::string format_audit_diff(const AuditDiff& diff, std::size_t limit);

}  // namespace leifeng::app
