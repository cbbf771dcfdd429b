#include "area_names_config.hpp"

#include <filesystem>
#include <string>

namespace leifeng::app {

report::AreaNames configured_area_names(const Settings& settings) {
  const std::string areas_file =
      settings.config.document["rules"]["areas_file"].value_or(std::string("areas.csv"));
  if (!settings.config.directory.empty()) {
    const std::filesystem::path path = settings.config.resolve(areas_file);
    if (std::filesystem::exists(path)) return report::load_area_names(path);
  }
  return report::builtin_area_names();
}

}  // namespace leifeng::app
