// What every command reads from GlobalOptions: the runtime configuration (file, environment,
// --bootstrap-servers) and the domain rules ([rules] of the same file and LEIFENG_RULES_*).
#pragma once

#include "commands/commands.hpp"
#include "leifeng/processors/domain_config.hpp"
#include "leifeng/runtime/config.hpp"

namespace leifeng::app {

struct Settings {
  runtime::Config config;           // [app], [topics], [runtime], [kafka]
  processors::DomainConfig domain;  // [rules] and LEIFENG_RULES_*; else built-in defaults
  bool embedded = false;            // --embedded: the in-process cluster was asked for
  const runtime::RuntimeOptions& runtime() const { return config.runtime; }
};

// Throws runtime::ConfigError naming the file and the key.
Settings load_settings(const GlobalOptions& global);

}  // namespace leifeng::app
