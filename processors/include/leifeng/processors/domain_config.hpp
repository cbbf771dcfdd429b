// The domain rules that are configuration (SPEC §4 "Configuration defaults"): star thresholds,
// the quality floor, the time zone and the area list. Built-in defaults equal config/.
#pragma once

#include <toml++/toml.h>
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

  static std::vector<schemas::AreaCode> default_areas();
  schemas::ValidationRules validation_rules() const;
  friend bool operator==(const DomainConfig&, const DomainConfig&);
};

// Reads the `[rules]` table of a leifeng TOML file; keys that are absent keep their defaults.
// `areas_file` is resolved relative to the directory of `config_file`. Throws
// runtime::ConfigError.
DomainConfig load_domain_config(const std::filesystem::path& config_file);
// The `[rules]` table of a parsed file (runtime::Config::document); `base_dir` resolves a
// relative `areas_file`.
DomainConfig domain_config_from_toml(const toml::table& root,
                                     const std::filesystem::path& base_dir);
// The same from TOML text; `base_dir` resolves a relative `areas_file`.
DomainConfig domain_config_from_toml(std::string_view toml_text,
                                     const std::filesystem::path& base_dir);

// "area_code,name" lines with a header; throws runtime::ConfigError on a bad line.
std::vector<schemas::AreaCode> load_area_list(const std::filesystem::path& csv_file);

}  // namespace leifeng::processors
