// The county table the demo prints: one row per county-level unit and one for the city.
#pragma once

#include <string>

#include "area_names_config.hpp"
#include "leifeng/report/area_names.hpp"
#include "leifeng/report/monthly_summary.hpp"

namespace leifeng::app {

// Columns: area code, name, verified hours, active volunteers, activities published, needs
// fulfilled, volunteers at one to five stars (all time). Names are padded by display width
// (CJK characters take two columns). A legend under the table says what each column counts.
std::string render_county_table(const report::MonthlySummary& summary);

}  // namespace leifeng::app
