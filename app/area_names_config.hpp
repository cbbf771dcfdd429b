// Which names the county tables use (report, demo): the configuration's areas file, else the
// built-in ones.
#pragma once

#include "leifeng/report/area_names.hpp"
#include "settings.hpp"

namespace leifeng::app {

// Names of the configured areas file ([rules] areas_file relative to the configuration, or
// LEIFENG_RULES_AREAS_FILE; default areas.csv next to the configuration) when it exists, else
// the built-in names of SPEC §1 (also when areas_file is empty).
report::AreaNames configured_area_names(const Settings& settings);

}  // namespace leifeng::app
