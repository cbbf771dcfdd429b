// Loads a configuration file into RuntimeOptions. Precedence, lowest first: the caller's
// defaults, the file, environment variables <PREFIX><TABLE>_<KEY> (the caller's prefix), the
// --bootstrap-servers flag.
//
// The runtime owns the tables [app], [topics], [runtime] and [kafka] and rejects unknown keys
// and wrong value types in them ([kafka]: what librdkafka itself refuses to set). Every other table
// (e.g. [rules]) belongs to another layer, which reads it from Config::document. Such a layer
// declares the keys of its table and their kinds (TableKeys) to load_config, which then applies
// that table's environment variables too, by the same rules as for its own tables: one override
// mechanism for every table.
#pragma once

#include <toml++/toml.h>
#include <filesystem>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "leifeng/runtime/options.hpp"

namespace leifeng::runtime {

// A configuration that cannot be used; what() names the file (or variable), line and key.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Environment variables by name (a copy, so tests can pass their own).
using Environment = std::map<std::string, std::string, std::less<>>;

Environment process_environment();

// How the text of an environment variable <PREFIX><TABLE>_<KEY> becomes the TOML value of the
// key. Anything else is a ConfigError naming the variable.
enum class ValueKind {
  // The text as it is, a string.
  text,
  // A decimal integer such as 12 or -3, nothing around it.
  integer,
  // A decimal integer or fraction such as 3 or 3.5 (an integer or a floating-point number).
  number,
  // Decimal integers separated by commas, blanks around each allowed: "100,300, 600" is
  // [100, 300, 600]. An empty text is an empty array.
  integer_list,
  // A file path, a string. A relative one is made absolute against the working directory,
  // where the variable was set (relative paths in the file are relative to the file).
  path,
};

struct KeyKind {
  std::string_view key;
  ValueKind kind;
};

// A table that another layer owns and reads from Config::document, with every key it knows.
struct TableKeys {
  std::string_view table;
  std::span<const KeyKind> keys;
};

struct Config {
  RuntimeOptions runtime;
  // The parsed file (empty without one) with the environment overrides of [app], [topics],
  // [runtime] and of the tables given to load_config written over it. [kafka] overrides go to
  // RuntimeOptions::kafka only.
  toml::table document;
  // Directory of the configuration file, against which relative paths in it are resolved;
  // empty without a file.
  std::filesystem::path directory;
  // By "table.key", the environment variable that set that key of `document`.
  std::map<std::string, std::string, std::less<>> environment_variables;
  // By librdkafka property of RuntimeOptions::kafka, where it was set: "<file>:<line>:<column>",
  // "environment variable STREAMS_KAFKA_..." or "--bootstrap-servers".
  std::map<std::string, std::string, std::less<>> kafka_origins;

  // `path` as written in the file, made relative to the file's directory.
  std::filesystem::path resolve(const std::filesystem::path& path) const;
  // Where the value of [table] key in `document` came from, to begin an error message with:
  // "environment variable TOOL_RULES_MIN_QUALITY" or "<file>:<line>:<column>".
  std::string origin(std::string_view table, std::string_view key) const;
  // Where a [kafka] property came from (kafka_origins), else "[kafka] <property>".
  std::string kafka_origin(const std::string& property) const;
};

// What an application's configuration starts from: its defaults, and the prefix of its
// environment variables (<environment_prefix><TABLE>_<KEY>).
struct ConfigDefaults {
  RuntimeOptions runtime;
  std::string environment_prefix = "STREAMS_";
};

// `path` empty = the defaults (plus environment and flag). `other_tables`: the tables of other
// layers whose environment variables are applied to Config::document; a variable of such a
// table with an unknown key or a malformed value is an error. Throws ConfigError.
Config load_config(const ConfigDefaults& defaults, const std::string& path,
                   const std::string& bootstrap_servers_flag, const Environment& environment,
                   std::span<const TableKeys> other_tables = {});
// Same, with the process environment.
Config load_config(const ConfigDefaults& defaults, const std::string& path,
                   const std::string& bootstrap_servers_flag = {},
                   std::span<const TableKeys> other_tables = {});

// The <environment_prefix><TABLE>_<KEY> variables of one table, by key in lower case (e.g.
// "TOOL_", table "rules": TOOL_RULES_TIME_ZONE -> "time_zone"), as given: load_config parses
// them.
std::map<std::string, std::string> environment_overrides(const Environment& environment,
                                                         std::string_view environment_prefix,
                                                         std::string_view table);

}  // namespace leifeng::runtime
