// Which names the county tables use (report, demo): the configuration's areas file, else the
// built-in ones.
#pragma once

#include "leifeng/report/area_names.hpp"
#include "settings.hpp"

namespace leifeng::app {

// Names of the configured areas file ([rules] areas_file relative to the configuration,
// default areas.csv there) when it exists, else the built-in names of SPEC §1.
report::AreaNames configured_area_names(const Settings& settings);

}  // namespace leifeng::app
