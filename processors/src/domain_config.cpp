#include "leifeng/processors/domain_config.hpp"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <optional>

namespace leifeng::processors {

std::vector<schemas::AreaCode> DomainConfig::default_areas() {
  // The ten county-level units of Pingdingshan (SPEC §1).
  return {{410402}, {410403}, {410404}, {410411}, {410421},
          {410422}, {410423}, {410425}, {410481}, {410482}};
}

schemas::ValidationRules DomainConfig::validation_rules() const {
  schemas::ValidationRules rules;
  rules.zone = zone;
  rules.areas = areas;
  rules.max_nesting_depth = static_cast<int>(max_nesting_depth);
  return rules;
}

bool operator==(const DomainConfig& a, const DomainConfig& b) {
  return a.star_thresholds_hours == b.star_thresholds_hours &&
         a.min_quality_x100 == b.min_quality_x100 && a.zone.minutes == b.zone.minutes &&
         a.areas == b.areas && a.max_nesting_depth == b.max_nesting_depth &&
         a.max_line_bytes == b.max_line_bytes && a.max_candidates == b.max_candidates &&
         a.dead_letter_payload_bytes == b.dead_letter_payload_bytes;
}

std::vector<schemas::AreaCode> load_area_list(const std::filesystem::path& csv_file) {
  std::ifstream in(csv_file);
  if (!in) throw runtime::ConfigError("cannot read area list " + csv_file.string());
  std::vector<schemas::AreaCode> areas;
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::string code = line.substr(0, line.find(','));
    if (number == 1 && code == "area_code") continue;  // header
    auto area = schemas::parse_area_code(code);
    if (!area || !area->is_county_level()) {
      throw runtime::ConfigError(csv_file.string() + ":" + std::to_string(number) + ": '" + code +
                                 "' is not a county-level six-digit area code");
    }
    areas.push_back(*area);
  }
  return areas;
}

namespace {

constexpr std::string_view kRules = "rules";

// "<where>: [rules] <key> <what>", where is the file position or the environment variable.
[[noreturn]] void fail(const runtime::Config& config, std::string_view key, std::string_view what) {
  throw runtime::ConfigError(
      fmt::format("{}: [{}] {} {}", config.origin(kRules, key), kRules, key, what));
}

void read_thresholds(const runtime::Config& config, const toml::node& node, DomainConfig& domain) {
  const auto* array = node.as_array();
  if (array == nullptr || array->size() != kStarLevels) {
    fail(config, "star_thresholds_hours", "must be an array of five integers");
  }
  int64_t previous = 0;
  for (size_t i = 0; i < kStarLevels; ++i) {
    auto hours = (*array)[i].value<int64_t>();
    if (!hours || !(*array)[i].is_integer() || *hours <= previous) {
      fail(config, "star_thresholds_hours", "must be five ascending positive integers");
    }
    domain.star_thresholds_hours[i] = *hours;
    previous = *hours;
  }
}

void read_min_quality(const runtime::Config& config, const toml::node& node, DomainConfig& domain) {
  // Two decimals (e.g. 3.00): kept as an integer x100 so comparisons are exact.
  std::optional<double> value;
  if (node.is_integer()) value = static_cast<double>(*node.value<int64_t>());
  if (node.is_floating_point()) value = node.value<double>();
  if (!value || !(*value >= 0 && *value <= 5)) {  // NaN too
    fail(config, "min_quality", "must be a number from 0 to 5");
  }
  const double x100 = *value * 100.0;
  if (std::fabs(x100 - std::round(x100)) > 1e-6) {
    fail(config, "min_quality", "has more than two decimals");
  }
  domain.min_quality_x100 = static_cast<int64_t>(std::llround(x100));
}

// An integer key within [low, high].
int64_t read_bounded(const runtime::Config& config, const toml::node& node, std::string_view key,
                     int64_t low, int64_t high) {
  const std::optional<int64_t> value = node.is_integer() ? node.value<int64_t>() : std::nullopt;
  if (!value || *value < low || *value > high) {
    fail(config, key, fmt::format("must be an integer from {} to {}", low, high));
  }
  return *value;
}

void read_matching(const runtime::Config& config, DomainConfig& domain) {
  constexpr std::string_view kMatching = "matching";
  const toml::table* matching = config.document[kMatching].as_table();
  if (matching == nullptr) return;
  if (const toml::node* node = matching->get("max_candidates")) {
    auto value = node->value<int64_t>();
    if (!node->is_integer() || !value || *value < 0 || *value > kMaxCandidatesLimit) {
      throw runtime::ConfigError(
          fmt::format("{}: [{}] max_candidates must be an integer from 0 to {}",
                      config.origin(kMatching, "max_candidates"), kMatching, kMaxCandidatesLimit));
    }
    domain.max_candidates = *value;
  }
}

}  // namespace

DomainConfig domain_config_from(const runtime::Config& config) {
  DomainConfig domain;
  read_matching(config, domain);
  const toml::table* rules = config.document[kRules].as_table();
  if (rules == nullptr) return domain;
  if (const toml::node* node = rules->get("star_thresholds_hours"))
    read_thresholds(config, *node, domain);
  if (const toml::node* node = rules->get("min_quality")) read_min_quality(config, *node, domain);
  if (const toml::node* node = rules->get("time_zone")) {
    auto text = node->value<std::string>();
    auto zone = text ? schemas::parse_utc_offset(*text) : std::nullopt;
    if (!zone) fail(config, "time_zone", "must be a UTC offset such as \"+08:00\"");
    domain.zone = *zone;
  }
  // An event nests 2 levels (arrays in an object); the flat scanner takes those anyway.
  if (const toml::node* node = rules->get("max_nesting_depth"))
    domain.max_nesting_depth = read_bounded(config, *node, "max_nesting_depth", 2, 10'000);
  // Room for the largest valid event; at most 1 GiB held in memory for one line.
  if (const toml::node* node = rules->get("max_line_bytes"))
    domain.max_line_bytes = read_bounded(config, *node, "max_line_bytes", 1024, 1LL << 30);
  // At most 900,000: the record's other fields (each cut at 1 KiB, escaped at most six times
  // that) and the key must still fit under the producer's 1,000,000 bytes.
  if (const toml::node* node = rules->get("dead_letter_payload_bytes")) {
    domain.dead_letter_payload_bytes =
        read_bounded(config, *node, "dead_letter_payload_bytes", 1024, 900'000);
  }
  if (const toml::node* node = rules->get("areas_file")) {
    auto file = node->value<std::string>();
    if (!file) fail(config, "areas_file", "must be a string");
    if (file->empty()) {
      domain.areas.clear();  // any county-level code
    } else {
      try {
        domain.areas = load_area_list(config.resolve(*file));
      } catch (const runtime::ConfigError& e) {
        fail(config, "areas_file", fmt::format("= \"{}\": {}", *file, e.what()));
      }
    }
  }
  return domain;
}

DomainConfig domain_config_from_toml(std::string_view toml_text,
                                     const std::filesystem::path& base_dir) {
  runtime::Config config;
  try {
    config.document = toml::parse(toml_text, std::string_view("(TOML text)"));
  } catch (const toml::parse_error& e) {
    throw runtime::ConfigError(
        fmt::format("invalid TOML: {} at line {}", e.description(), e.source().begin.line));
  }
  config.directory = base_dir;
  return domain_config_from(config);
}

DomainConfig load_domain_config(const runtime::ConfigDefaults& defaults,
                                const std::filesystem::path& config_file,
                                const runtime::Environment& environment) {
  return domain_config_from(
      runtime::load_config(defaults, config_file.string(), "", environment, kDomainTables));
}

}  // namespace leifeng::processors
