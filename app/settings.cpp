#include "settings.hpp"

#include "product.hpp"

namespace leifeng::app {

Settings load_settings(const GlobalOptions& global) {
  Settings settings;
  // The domain's tables get their environment overrides from the same loader, with or
  // without a file.
  settings.config = runtime::load_config(config_defaults(), global.config_file,
                                         global.bootstrap_servers, processors::kDomainTables);
  settings.domain = processors::domain_config_from(settings.config);
  settings.embedded = global.embedded;
  return settings;
}

}  // namespace leifeng::app
