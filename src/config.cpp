// Configuration loader: one table of known fields drives the file, the environment and the
// error messages, so the three cannot disagree about names, types or ranges. Environment
// variables are written over the parsed file (Config::document) by the kinds of their keys,
// the runtime's own (kFields) and other layers' (TableKeys) alike; the runtime's tables are
// then read from the document, so file and environment values pass the same checks.
#include "leifeng/runtime/config.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <system_error>
#include <vector>

#include "leifeng/runtime/instance_id.hpp"

extern char** environ;

namespace leifeng::runtime {
namespace {

namespace fs = std::filesystem;

// The runtime's own keys: ValueKind::text or ValueKind::integer.
struct Field {
  std::string_view table;
  std::string_view key;
  ValueKind kind;
  int64_t min = 0;
  int64_t max = 0;
  void (*set_text)(RuntimeOptions&, std::string) = nullptr;
  void (*set_integer)(RuntimeOptions&, int64_t) = nullptr;
  // Why a text value cannot be used, or "" when it can; null = any non-empty text.
  std::string (*problem)(std::string_view) = nullptr;
  // An integer that may also be -1: "leave it to the broker's default".
  bool broker_default = false;
};

constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kInt16Max = std::numeric_limits<int16_t>::max();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kBrokerDefault = -1;

// A listening address must be an IP address: a host name could resolve to several, or to
// another interface than the operator meant.
std::string ip_address_problem(std::string_view text) {
  const std::string address(text);
  in_addr v4{};
  in6_addr v6{};
  if (::inet_pton(AF_INET, address.c_str(), &v4) == 1 ||
      ::inet_pton(AF_INET6, address.c_str(), &v6) == 1)
    return "";
  return fmt::format(
      "'{}' is not an IP address (127.0.0.1: this host only; 0.0.0.0: every interface)", address);
}

// A topic that needs more in-sync replicas than it has could never be written to.
void check_replication(const Config& config) {
  const RuntimeOptions& o = config.runtime;
  if (o.replication_factor > 0 && o.min_insync_replicas > o.replication_factor)
    throw ConfigError(fmt::format(
        "{}: [topics] min_insync_replicas ({}) must not exceed [topics] replication_factor ({}): "
        "no write could ever succeed",
        config.origin("topics", "min_insync_replicas"), o.min_insync_replicas,
        o.replication_factor));
}

const std::array<Field, 19> kFields{{
    {"app", "application_id", ValueKind::text, 0, 0,
     [](RuntimeOptions& o, std::string v) { o.application_id = std::move(v); }, nullptr},
    {"app", "topic_prefix", ValueKind::text, 0, 0,
     [](RuntimeOptions& o, std::string v) { o.topic_prefix = std::move(v); }, nullptr},
    {"app", "state_dir", ValueKind::text, 0, 0,
     [](RuntimeOptions& o, std::string v) { o.state_dir = std::move(v); }, nullptr},
    {"app", "instance_id", ValueKind::text, 0, 0,
     [](RuntimeOptions& o, std::string v) { o.instance_id = std::move(v); }, nullptr,
     instance_id_problem},
    {"topics", "partitions", ValueKind::integer, 1, kInt32Max, nullptr,
     [](RuntimeOptions& o, int64_t v) { o.partitions = static_cast<int32_t>(v); }},
    {"topics", "replication_factor", ValueKind::integer, 1, kInt16Max, nullptr,
     [](RuntimeOptions& o, int64_t v) { o.replication_factor = static_cast<int16_t>(v); }, nullptr,
     true},
    {"topics", "min_insync_replicas", ValueKind::integer, 1, kInt16Max, nullptr,
     [](RuntimeOptions& o, int64_t v) { o.min_insync_replicas = static_cast<int16_t>(v); }, nullptr,
     true},
    {"topics", "dead_letter_retention_ms", ValueKind::integer, 1, kInt64Max, nullptr,
     [](RuntimeOptions& o, int64_t v) { o.dead_letter_retention_ms = v; }},
    {"runtime", "commit_interval_ms", ValueKind::integer, 1, kInt32Max, nullptr,
     [](RuntimeOptions& o, int64_t v) { o.commit_interval_ms = static_cast<int32_t>(v); }},
    {"runtime", "min_commit_interval_ms", ValueKind::integer, 0, kInt32Max, nullptr,
     [](RuntimeOptions& o, int64_t v) { o.min_commit_interval_ms = static_cast<int32_t>(v); }},
    {"runtime", "max_commit_interval_ms", ValueKind::integer, 1, kInt32Max, nullptr,
     [](RuntimeOptions& o, int64_t v) { o.max_commit_interval_ms = static_cast<int32_t>(v); }},
    // Only 0 or 1: more copies per partition than "one on every other instance" is not built.
    {"runtime", "standby_replicas", ValueKind::integer, 0, 1, nullptr,
     [](RuntimeOptions& o, int64_t v) { o.standby_replicas = static_cast<int32_t>(v); }},
    {"runtime", "threads", ValueKind::integer, 0, 256, nullptr,
     [](RuntimeOptions& o, int64_t v) { o.threads = static_cast<int32_t>(v); }},
    {"runtime", "metrics_port", ValueKind::integer, 0, 65535, nullptr,
     [](RuntimeOptions& o, int64_t v) { o.metrics_port = static_cast<int32_t>(v); }},
    {"runtime", "metrics_address", ValueKind::text, 0, 0,
     [](RuntimeOptions& o, std::string v) { o.metrics_address = std::move(v); }, nullptr,
     ip_address_problem},
    {"runtime", "connect_timeout_ms", ValueKind::integer, 1, kInt32Max, nullptr,
     [](RuntimeOptions& o, int64_t v) { o.connect_timeout_ms = static_cast<int32_t>(v); }},
    {"serve", "port", ValueKind::integer, 0, 65535, nullptr,
     [](RuntimeOptions& o, int64_t v) { o.serve_port = static_cast<int32_t>(v); }},
    {"serve", "bind", ValueKind::text, 0, 0,
     [](RuntimeOptions& o, std::string v) { o.serve_bind = std::move(v); }, nullptr,
     ip_address_problem},
    {"serve", "advertised_address", ValueKind::text, 0, 0,
     [](RuntimeOptions& o, std::string v) { o.serve_advertised = std::move(v); }, nullptr},
}};

// The tables of kFields; [kafka] is passed through to librdkafka.
constexpr std::array<std::string_view, 4> kRuntimeTables{"app", "topics", "runtime", "serve"};
constexpr std::string_view kKafkaTable = "kafka";

bool owned_table(std::string_view table) {
  return std::find(kRuntimeTables.begin(), kRuntimeTables.end(), table) != kRuntimeTables.end();
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

// The file named in the region itself (toml::parse_file names it).
std::string where(const toml::source_region& region) {
  return where(region.path ? *region.path : std::string("(TOML text)"), region);
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

// Range and emptiness checks; `origin` says where the value came from (file or environment).
void assign(const Field& field, RuntimeOptions& options, const std::string& origin,
            std::string text, std::optional<int64_t> integer) {
  if (field.kind == ValueKind::text) {
    if (text.empty())
      throw ConfigError(
          fmt::format("{}: [{}] {} must not be empty", origin, field.table, field.key));
    if (field.problem != nullptr) {
      if (const std::string problem = field.problem(text); !problem.empty())
        throw ConfigError(
            fmt::format("{}: [{}] {} cannot be used: {}", origin, field.table, field.key, problem));
    }
    field.set_text(options, std::move(text));
    return;
  }
  if (field.broker_default && *integer == kBrokerDefault) {
    field.set_integer(options, *integer);
    return;
  }
  if (*integer < field.min || *integer > field.max)
    throw ConfigError(fmt::format("{}: [{}] {} must be {}between {} and {}, not {}", origin,
                                  field.table, field.key,
                                  field.broker_default ? "-1 (the broker's default) or " : "",
                                  field.min, field.max, *integer));
  field.set_integer(options, *integer);
}

// One of the runtime's tables of `config.document` (file values and environment overrides
// alike) into config.runtime.
void apply_table(Config& config, std::string_view table_name, const toml::table& table) {
  for (const auto& [key, node] : table) {
    const Field* field = find_field(table_name, key.str());
    if (field == nullptr)
      throw ConfigError(fmt::format("{}: unknown key '{}' in [{}] (known: {})", where(key.source()),
                                    key.str(), table_name, known_keys(table_name)));
    const std::string origin = config.origin(table_name, key.str());
    const bool text = field->kind == ValueKind::text;
    if ((text && !node.is_string()) || (!text && !node.is_integer()))
      throw ConfigError(fmt::format("{}: [{}] {} must be {}, not {}", origin, table_name, key.str(),
                                    text ? "a string" : "an integer", type_name(node)));
    if (text) {
      assign(*field, config.runtime, origin, *node.value<std::string>(), std::nullopt);
    } else {
      assign(*field, config.runtime, origin, {}, *node.value<int64_t>());
    }
  }
}

// [kafka] values go to librdkafka as strings. An unquoted dotted key (bootstrap.servers = ...)
// is a nested table in TOML, so nested tables are joined back with dots.
// `origins` gets where each property was written: for a dotted key, where its first part is.
void collect_kafka(const std::string& file, const toml::table& table, const std::string& prefix,
                   const std::string& prefix_origin, std::map<std::string, std::string>& out,
                   std::map<std::string, std::string, std::less<>>& origins) {
  for (const auto& [key, node] : table) {
    std::string name =
        prefix.empty() ? std::string(key.str()) : fmt::format("{}.{}", prefix, key.str());
    const std::string origin = prefix.empty() ? where(file, key.source()) : prefix_origin;
    if (const auto* nested = node.as_table()) {
      collect_kafka(file, *nested, name, origin, out, origins);
      continue;
    }
    origins[name] = origin;
    if (const auto* s = node.as_string()) {
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

// Every top-level key of the file must be a table, so that environment overrides can be
// written into any table.
void check_top_level(const std::string& file, const toml::table& document) {
  for (const auto& [key, node] : document) {
    const std::string_view name = key.str();
    const bool ours = owned_table(name) || name == kKafkaTable;
    if (!node.is_table()) {
      throw ConfigError(fmt::format("{}: top-level key '{}' must be a table{}", where(file, node),
                                    name, ours ? fmt::format(" [{}]", name) : ""));
    }
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

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::optional<double> parse_finite_double(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::general);
  if (text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::string_view kind_description(ValueKind kind) {
  switch (kind) {
    case ValueKind::integer:
      return "an integer";
    case ValueKind::number:
      return "a number";
    case ValueKind::integer_list:
      return "integers separated by commas";
    default:
      return "a string";
  }
}

// Writes the value of `text` as `kind` (ValueKind) to table[key]; false when `text` is not one.
bool put(toml::table& table, const std::string& key, ValueKind kind, const std::string& text) {
  switch (kind) {
    case ValueKind::text:
      table.insert_or_assign(key, text);
      return true;
    case ValueKind::path:
      table.insert_or_assign(key, text.empty() ? text : fs::absolute(text).string());
      return true;
    case ValueKind::integer: {
      auto integer = parse_integer(text);
      if (integer) table.insert_or_assign(key, *integer);
      return integer.has_value();
    }
    case ValueKind::number: {
      if (auto integer = parse_integer(text)) {
        table.insert_or_assign(key, *integer);
        return true;
      }
      auto number = parse_finite_double(text);
      if (number) table.insert_or_assign(key, *number);
      return number.has_value();
    }
    case ValueKind::integer_list: {
      toml::array array;
      std::string_view rest(text);
      while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        auto integer = parse_integer(trim(rest.substr(0, comma)));
        if (!integer) return false;
        array.push_back(*integer);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
        if (rest.empty()) return false;  // a trailing comma
      }
      table.insert_or_assign(key, std::move(array));
      return true;
    }
  }
  return false;
}

// The <environment_prefix><TABLE>_<KEY> variables of one table into config.document[table],
// each parsed by the kind of its key.
void apply_environment_to_table(const Environment& environment, std::string_view environment_prefix,
                                const TableKeys& table, Config& config) {
  for (const auto& [key, value] :
       environment_overrides(environment, environment_prefix, table.table)) {
    const std::string variable =
        fmt::format("{}{}_{}", environment_prefix, upper(table.table), upper(key));
    const std::string origin = "environment variable " + variable;
    const auto known = std::find_if(table.keys.begin(), table.keys.end(),
                                    [&](const KeyKind& k) { return k.key == key; });
    if (known == table.keys.end()) {
      std::string keys;
      for (const KeyKind& k : table.keys)
        keys += fmt::format("{}{}", keys.empty() ? "" : ", ", k.key);
      throw ConfigError(
          fmt::format("{}: unknown key '{}' in [{}] (known: {})", origin, key, table.table, keys));
    }
    if (!config.document.contains(table.table)) config.document.insert(table.table, toml::table{});
    if (!put(*config.document[table.table].as_table(), key, known->kind, value))
      throw ConfigError(fmt::format("{}: [{}] {} must be {}, not '{}'", origin, table.table, key,
                                    kind_description(known->kind), value));
    config.environment_variables[fmt::format("{}.{}", table.table, key)] = variable;
  }
}

void apply_environment(const Environment& environment, std::string_view environment_prefix,
                       std::span<const TableKeys> other_tables, Config& config) {
  // The runtime's own tables, described as other layers describe theirs.
  for (const std::string_view table : kRuntimeTables) {
    std::vector<KeyKind> keys;
    for (const auto& field : kFields) {
      if (field.table == table) keys.push_back({field.key, field.kind});
    }
    apply_environment_to_table(environment, environment_prefix, TableKeys{table, keys}, config);
  }
  for (const TableKeys& other : other_tables)
    apply_environment_to_table(environment, environment_prefix, other, config);
  for (const auto& [key, value] :
       environment_overrides(environment, environment_prefix, kKafkaTable)) {
    std::string property = key;
    std::replace(property.begin(), property.end(), '_', '.');
    config.runtime.kafka[property] = value;
    config.kafka_origins[property] = fmt::format("environment variable {}{}_{}", environment_prefix,
                                                 upper(kKafkaTable), upper(key));
  }
}

// Every [kafka] property set on a scratch librdkafka configuration, so that a misspelt name
// (bootstrap.server) or a malformed value stops the command at load time, by librdkafka's
// own list of properties rather than one kept here.
void check_kafka_properties(const Config& config) {
  std::unique_ptr<rd_kafka_conf_t, void (*)(rd_kafka_conf_t*)> scratch(rd_kafka_conf_new(),
                                                                       &rd_kafka_conf_destroy);
  for (const auto& [name, value] : config.runtime.kafka) {
    char error[512] = {};
    const rd_kafka_conf_res_t result =
        rd_kafka_conf_set(scratch.get(), name.c_str(), value.c_str(), error, sizeof error);
    if (result == RD_KAFKA_CONF_OK) continue;
    const std::string origin = config.kafka_origin(name);
    if (result == RD_KAFKA_CONF_UNKNOWN)
      throw ConfigError(
          fmt::format("{}: unknown librdkafka property '{}' in [kafka]", origin, name));
    throw ConfigError(fmt::format("{}: [kafka] {}: {}", origin, name, error));
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
                                                         std::string_view environment_prefix,
                                                         std::string_view table) {
  std::map<std::string, std::string> overrides;
  // Only the documented upper-case spelling counts.
  const std::string prefix = std::string(environment_prefix) + upper(table) + "_";
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

std::string Config::kafka_origin(const std::string& property) const {
  if (auto it = kafka_origins.find(property); it != kafka_origins.end()) return it->second;
  return fmt::format("[kafka] {}", property);
}

std::string Config::origin(std::string_view table, std::string_view key) const {
  if (auto it = environment_variables.find(fmt::format("{}.{}", table, key));
      it != environment_variables.end())
    return "environment variable " + it->second;
  const toml::node* node = document[table][key].node();
  if (node == nullptr) return fmt::format("[{}] {}", table, key);
  return where(node->source());
}

Config load_config(const ConfigDefaults& defaults, const std::string& path,
                   const std::string& bootstrap_servers_flag, const Environment& environment,
                   std::span<const TableKeys> other_tables) {
  Config config;
  config.runtime = defaults.runtime;
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
    check_top_level(path, config.document);
    if (const auto* kafka = config.document[kKafkaTable].as_table())
      collect_kafka(path, *kafka, "", "", config.runtime.kafka, config.kafka_origins);
  }
  apply_environment(environment, defaults.environment_prefix, other_tables, config);
  for (const std::string_view name : kRuntimeTables) {
    if (const auto* table = config.document[name].as_table()) apply_table(config, name, *table);
  }
  check_replication(config);
  if (!bootstrap_servers_flag.empty()) {
    config.runtime.kafka["bootstrap.servers"] = bootstrap_servers_flag;
    config.kafka_origins["bootstrap.servers"] = "--bootstrap-servers";
  }
  check_kafka_properties(config);
  // One source of truth for the address: the librdkafka property.
  if (auto it = config.runtime.kafka.find("bootstrap.servers"); it != config.runtime.kafka.end())
    config.runtime.bootstrap_servers = it->second;
  return config;
}

Config load_config(const ConfigDefaults& defaults, const std::string& path,
                   const std::string& bootstrap_servers_flag,
                   std::span<const TableKeys> other_tables) {
  return load_config(defaults, path, bootstrap_servers_flag, process_environment(), other_tables);
}

}  // namespace leifeng::runtime
