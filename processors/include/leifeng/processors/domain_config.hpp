// The domain rules that are configuration (SPEC §4 "Configuration defaults"): star thresholds,
// the quality floor, the time zone and the area list. Built-in defaults equal config/.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "leifeng/runtime/config.hpp"
#include "leifeng/schemas/domain.hpp"
#include "leifeng/schemas/validation.hpp"

namespace leifeng::processors {

inline constexpr int kStarLevels = 5;

struct DomainConfig {
  // Cumulative verified hours for one to five stars, ascending.
  std::array<int64_t, kStarLevels> star_thresholds_hours{100, 300, 600, 1000, 1500};
  // Minute-weighted mean quality below this lowers a star level by one; 300 = 3.00.
  int64_t min_quality_x100 = 300;
  schemas::UtcOffset zone{8 * 60};
  // County-level codes accepted in events; empty = any county-level code.
  std::vector<schemas::AreaCode> areas = default_areas();
  // Input bounds: deepest nesting of a message (schemas::ValidationRules), and longest line of
  // an events file (`replay --input`, `publish`) in bytes, its newline not counted. Both fit
  // 1 MB Kafka messages; beyond them an input is `malformed`.
  int64_t max_nesting_depth = 16;
  int64_t max_line_bytes = 1'000'000;
  // Longest dead-letter payload, in bytes of its JSON form; longer is cut (SPEC §6). The
  // default leaves the record's other fields room under librdkafka's 1,000,000-byte
  // message.max.bytes.
  int64_t dead_letter_payload_bytes = 512 * 1024;
  // [matching] max_candidates (SPEC §8): suggested volunteers per open need; 0 turns matching
  // off (no matching processor, no need-matches records).
  int64_t max_candidates = 5;

  static std::vector<schemas::AreaCode> default_areas();
  schemas::ValidationRules validation_rules() const;
  friend bool operator==(const DomainConfig&, const DomainConfig&);
};

// The keys of [rules] and how their environment variables LEIFENG_RULES_<KEY> are written
// (runtime::ValueKind): STAR_THRESHOLDS_HOURS as integers separated by commas
// ("100,300,600,1000,1500"), MIN_QUALITY as a number ("3.5"), TIME_ZONE as in the file
// ("+08:00"), AREAS_FILE as a path, relative to the working directory (empty: any
// county-level code), MAX_NESTING_DEPTH and MAX_LINE_BYTES as integers.
inline constexpr std::array<runtime::KeyKind, 7> kRulesKeys{{
    {"star_thresholds_hours", runtime::ValueKind::integer_list},
    {"min_quality", runtime::ValueKind::number},
    {"time_zone", runtime::ValueKind::text},
    {"areas_file", runtime::ValueKind::path},
    {"max_nesting_depth", runtime::ValueKind::integer},
    {"max_line_bytes", runtime::ValueKind::integer},
    {"dead_letter_payload_bytes", runtime::ValueKind::integer},
}};
// [matching] (SPEC §8): MAX_CANDIDATES as an integer, 0 to 100.
inline constexpr std::array<runtime::KeyKind, 1> kMatchingKeys{{
    {"max_candidates", runtime::ValueKind::integer},
}};
inline constexpr int64_t kMaxCandidatesLimit = 100;
// Every table of the configuration file that the domain owns, for runtime::load_config, which
// applies their environment overrides to runtime::Config::document.
inline constexpr std::array<runtime::TableKeys, 2> kDomainTables{
    {{"rules", kRulesKeys}, {"matching", kMatchingKeys}}};

// The `[rules]` and `[matching]` tables of a loaded configuration (runtime::load_config with
// kDomainTables: the file with the environment overrides); keys that are absent keep their
// defaults. A relative `areas_file` is resolved against the file's directory
// (runtime::Config::resolve). Throws runtime::ConfigError beginning with where the bad value came
// from: <file>:<line>:<column> or the environment variable.
DomainConfig domain_config_from(const runtime::Config& config);
// runtime::load_config of `config_file` with kDomainTables, the application's `defaults`
// (which name its environment variables) and `environment`, then the above.
DomainConfig load_domain_config(
    const runtime::ConfigDefaults& defaults, const std::filesystem::path& config_file,
    const runtime::Environment& environment = runtime::process_environment());
// The same from TOML text alone, without environment overrides; `base_dir` resolves a
// relative `areas_file`.
DomainConfig domain_config_from_toml(std::string_view toml_text,
                                     const std::filesystem::path& base_dir);

// "area_code,name" lines with a header; throws runtime::ConfigError on a bad line.
std::vector<schemas::AreaCode> load_area_list(const std::filesystem::path& csv_file);

}  // namespace leifeng::processors
