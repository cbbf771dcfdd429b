// Configuration loader: one table of known fields drives the file, the environment and the
// error messages, so the three cannot disagree about names, types or ranges.
#include "leifeng/runtime/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <system_error>

extern char** environ;

namespace leifeng::runtime {
namespace {

namespace fs = std::filesystem;

enum class FieldKind { text, integer };

struct Field {
  std::string_view table;
  std::string_view key;
  FieldKind kind;
  int64_t min = 0;
  int64_t max = 0;
  void (*set_text)(RuntimeOptions&, std::string) = nullptr;
  void (*set_integer)(RuntimeOptions&, int64_t) = nullptr;
};

constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kInt16Max = std::numeric_limits<int16_t>::max();

const std::array<Field, 7> kFields{{
    {"app", "application_id", FieldKind::text, 0, 0,
     [](RuntimeOptions& o, std::string v) { o.application_id = std::move(v); }, nullptr},
    {"app", "topic_prefix", FieldKind::text, 0, 0,
     [](RuntimeOptions& o, std::string v) { o.topic_prefix = std::move(v); }, nullptr},
    {"app", "state_dir", FieldKind::text, 0, 0,
     [](RuntimeOptions& o, std::string v) { o.state_dir = std::move(v); }, nullptr},
    {"topics", "partitions", FieldKind::integer, 1, kInt32Max, nullptr,
     [](RuntimeOptions& o, int64_t v) { o.partitions = static_cast<int32_t>(v); }},
    {"topics", "replication_factor", FieldKind::integer, 1, kInt16Max, nullptr,
     [](RuntimeOptions& o, int64_t v) { o.replication_factor = static_cast<int16_t>(v); }},
    {"runtime", "commit_interval_ms", FieldKind::integer, 1, kInt32Max, nullptr,
     [](RuntimeOptions& o, int64_t v) { o.commit_interval_ms = static_cast<int32_t>(v); }},
    {"runtime", "metrics_port", FieldKind::integer, 0, 65535, nullptr,
     [](RuntimeOptions& o, int64_t v) { o.metrics_port = static_cast<int32_t>(v); }},
}};

constexpr std::string_view kKafkaTable = "kafka";
constexpr std::string_view kEnvironmentPrefix = "LEIFENG_";

bool owned_table(std::string_view table) {
  return std::any_of(kFields.begin(), kFields.end(),
                     [&](const Field& f) { return f.table == table; });
}

const Field* find_field(std::string_view table, std::string_view key) {
  for (const auto& field : kFields) {
    if (field.table == table && field.key == key) return &field;
  }
  return nullptr;
}

std::string known_keys(std::string_view table) {
  std::string keys;
  for (const auto& field : kFields) {
    if (field.table != table) continue;
    if (!keys.empty()) keys += ", ";
    keys += field.key;
  }
  return keys;
}

std::string where(const std::string& file, const toml::source_region& region) {
  return fmt::format("{}:{}:{}", file, region.begin.line, region.begin.column);
}

std::string where(const std::string& file, const toml::node& node) {
  return where(file, node.source());
}

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date or time";
  }
}

// Range and emptiness checks shared by the file and the environment; `origin` says where the
// value came from.
void assign(const Field& field, RuntimeOptions& options, const std::string& origin,
            std::string text, std::optional<int64_t> integer) {
  if (field.kind == FieldKind::text) {
    if (text.empty())
      throw ConfigError(
          fmt::format("{}: [{}] {} must not be empty", origin, field.table, field.key));
    field.set_text(options, std::move(text));
    return;
  }
  if (*integer < field.min || *integer > field.max)
    throw ConfigError(fmt::format("{}: [{}] {} must be between {} and {}, not {}", origin,
                                  field.table, field.key, field.min, field.max, *integer));
  field.set_integer(options, *integer);
}

void apply_file_table(const std::string& file, std::string_view table_name,
                      const toml::table& table, RuntimeOptions& options) {
  for (const auto& [key, node] : table) {
    const Field* field = find_field(table_name, key.str());
    if (field == nullptr)
      throw ConfigError(fmt::format("{}: unknown key '{}' in [{}] (known: {})",
                                    where(file, key.source()), key.str(), table_name,
                                    known_keys(table_name)));
    const bool text = field->kind == FieldKind::text;
    if ((text && !node.is_string()) || (!text && !node.is_integer()))
      throw ConfigError(fmt::format("{}: [{}] {} must be {}, not {}", where(file, node), table_name,
                                    key.str(), text ? "a string" : "an integer", type_name(node)));
    if (text) {
      assign(*field, options, where(file, node), *node.value<std::string>(), std::nullopt);
    } else {
      assign(*field, options, where(file, node), {}, *node.value<int64_t>());
    }
  }
}

// [kafka] values go to librdkafka as strings. An unquoted dotted key (bootstrap.servers = ...)
// is a nested table in TOML, so nested tables are joined back with dots.
void collect_kafka(const std::string& file, const toml::table& table, const std::string& prefix,
                   std::map<std::string, std::string>& out) {
  for (const auto& [key, node] : table) {
    std::string name =
        prefix.empty() ? std::string(key.str()) : fmt::format("{}.{}", prefix, key.str());
    if (const auto* nested = node.as_table()) {
      collect_kafka(file, *nested, name, out);
    } else if (const auto* s = node.as_string()) {
      out[name] = s->get();
    } else if (const auto* i = node.as_integer()) {
      out[name] = std::to_string(i->get());
    } else if (const auto* b = node.as_boolean()) {
      out[name] = b->get() ? "true" : "false";
    } else {
      throw ConfigError(fmt::format("{}: [kafka] {} must be a string, integer or boolean, not {}",
                                    where(file, node), name, type_name(node)));
    }
  }
}

void apply_document(const std::string& file, const toml::table& document, RuntimeOptions& options) {
  for (const auto& [key, node] : document) {
    const std::string_view name = key.str();
    const bool ours = owned_table(name) || name == kKafkaTable;
    if (!node.is_table()) {
      throw ConfigError(fmt::format("{}: top-level key '{}' must be a table{}", where(file, node),
                                    name, ours ? fmt::format(" [{}]", name) : ""));
    }
    if (name == kKafkaTable) {
      collect_kafka(file, *node.as_table(), "", options.kafka);
    } else if (owned_table(name)) {
      apply_file_table(file, name, *node.as_table(), options);
    }
    // Any other table belongs to another layer (Config::document).
  }
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::optional<int64_t> parse_integer(std::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

void apply_environment(const Environment& environment, RuntimeOptions& options) {
  for (const auto& table :
       {std::string_view("app"), std::string_view("topics"), std::string_view("runtime")}) {
    for (const auto& [key, value] : environment_overrides(environment, table)) {
      const std::string origin =
          fmt::format("environment variable {}{}_{}", kEnvironmentPrefix, upper(table), upper(key));
      const Field* f = find_field(table, key);
      if (f == nullptr)
        throw ConfigError(fmt::format("{}: unknown key '{}' in [{}] (known: {})", origin, key,
                                      table, known_keys(table)));
      if (f->kind == FieldKind::text) {
        assign(*f, options, origin, value, std::nullopt);
      } else {
        auto integer = parse_integer(value);
        if (!integer)
          throw ConfigError(
              fmt::format("{}: [{}] {} must be an integer, not '{}'", origin, table, key, value));
        assign(*f, options, origin, {}, integer);
      }
    }
  }
  for (const auto& [key, value] : environment_overrides(environment, kKafkaTable)) {
    std::string property = key;
    std::replace(property.begin(), property.end(), '_', '.');
    options.kafka[property] = value;
  }
}

}  // namespace

Environment process_environment() {
  Environment environment;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    environment.emplace(text.substr(0, equals), text.substr(equals + 1));
  }
  return environment;
}

std::map<std::string, std::string> environment_overrides(const Environment& environment,
                                                         std::string_view table) {
  std::map<std::string, std::string> overrides;
  // Only the documented upper-case spelling counts.
  const std::string prefix = std::string(kEnvironmentPrefix) + upper(table) + "_";
  for (const auto& [name, value] : environment) {
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    overrides[lower(std::string_view(name).substr(prefix.size()))] = value;
  }
  return overrides;
}

fs::path Config::resolve(const fs::path& path) const {
  if (path.is_absolute() || directory.empty()) return path;
  return directory / path;
}

Config load_config(const std::string& path, const std::string& bootstrap_servers_flag,
                   const Environment& environment) {
  Config config;
  if (!path.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
      throw ConfigError(fmt::format("configuration file '{}' not found", path));
    try {
      config.document = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
      throw ConfigError(fmt::format("{}:{}:{}: TOML syntax error: {}", path, e.source().begin.line,
                                    e.source().begin.column, e.description()));
    }
    config.directory = fs::absolute(path).parent_path();
    apply_document(path, config.document, config.runtime);
  }
  apply_environment(environment, config.runtime);
  if (!bootstrap_servers_flag.empty())
    config.runtime.kafka["bootstrap.servers"] = bootstrap_servers_flag;
  // One source of truth for the address: the librdkafka property.
  if (auto it = config.runtime.kafka.find("bootstrap.servers"); it != config.runtime.kafka.end())
    config.runtime.bootstrap_servers = it->second;
  return config;
}

Config load_config(const std::string& path, const std::string& bootstrap_servers_flag) {
  return load_config(path, bootstrap_servers_flag, process_environment());
}

}  // namespace leifeng::runtime
