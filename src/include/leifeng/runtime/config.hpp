// Loads the configuration file (config/leifeng.toml) into RuntimeOptions. Precedence, lowest
// first: built-in defaults, the file, environment variables LEIFENG_<TABLE>_<KEY>, the
// --bootstrap-servers flag.
//
// The runtime owns the tables [app], [topics], [runtime] and [kafka] and rejects unknown keys
// and wrong value types in them. Every other table (e.g. [rules]) belongs to another layer,
// which reads it from Config::document.
#pragma once

#include <toml++/toml.h>
#include <filesystem>
#include <map>
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

struct Config {
  RuntimeOptions runtime;
  // The parsed file as written (no environment overrides); empty without a file.
  toml::table document;
  // Directory of the configuration file, against which relative paths in it are resolved;
  // empty without a file.
  std::filesystem::path directory;

  // `path` as written in the file, made relative to the file's directory.
  std::filesystem::path resolve(const std::filesystem::path& path) const;
};

// `path` empty = built-in defaults (plus environment and flag). Throws ConfigError.
Config load_config(const std::string& path, const std::string& bootstrap_servers_flag,
                   const Environment& environment);
// Same, with the process environment.
Config load_config(const std::string& path, const std::string& bootstrap_servers_flag = {});

// The LEIFENG_<TABLE>_<KEY> variables of one table, by key in lower case (e.g. table "rules":
// LEIFENG_RULES_TIME_ZONE -> "time_zone"), for layers that own other tables.
std::map<std::string, std::string> environment_overrides(const Environment& environment,
                                                         std::string_view table);

}  // namespace leifeng::runtime
