#include "settings.hpp"

namespace leifeng::app {

Settings load_settings(const GlobalOptions& global) {
  Settings settings;
  settings.config = runtime::load_config(global.config_file, global.bootstrap_servers);
  if (!global.config_file.empty()) {
    settings.domain =
        processors::domain_config_from_toml(settings.config.document, settings.config.directory);
  }
  return settings;
}

}  // namespace leifeng::app
