#include "area_names_config.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace leifeng::app {

report::AreaNames configured_area_names(const Settings& settings) {
  // From the file or from LEIFENG_RULES_AREAS_FILE (made absolute by the config loader).
  const std::optional<std::string> configured =
      settings.config.document["rules"]["areas_file"].value<std::string>();
  // Empty: any county-level code is accepted, there is no list of names.
  if (configured && configured->empty()) return report::builtin_area_names();
  if (configured || !settings.config.directory.empty()) {
    const std::filesystem::path path = settings.config.resolve(configured.value_or("areas.csv"));
    if (std::filesystem::exists(path)) return report::load_area_names(path);
  }
  return report::builtin_area_names();
}

}  // namespace leifeng::app
