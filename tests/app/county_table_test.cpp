// The demo's county table (app/demo/county_table.hpp): its rows and the legend that says what
// "active" and "activities" count and why the counties' active volunteers can outnumber the
// city's.
#include "demo/county_table.hpp"

#include <gtest/gtest.h>

#include <string>

namespace leifeng::app {
namespace {

report::AreaSummary area(const std::string& code, const std::string& name, int64_t active) {
  report::AreaSummary summary;
  summary.area_code = code;
  summary.area_name = name;
  summary.is_city = code.ends_with("00");
  summary.minutes_verified = 90;
  summary.volunteers_active = active;
  summary.activities_published = 2;
  return summary;
}

TEST(CountyTable, LegendExplainsActiveActivitiesAndWhyCountiesOutnumberTheCity) {
  report::MonthlySummary summary;
  // One volunteer served in both counties: 2 + 2 active in the counties, 3 in the city.
  summary.areas = {area("410402", "新华区", 2), area("410403", "卫东区", 2),
                   area("410400", "平顶山市", 3)};
  const std::string table = render_county_table(summary);

  EXPECT_NE(table.find("410402   新华区"), std::string::npos) << table;
  EXPECT_NE(table.find("410400   平顶山市"), std::string::npos) << table;
  const size_t legend = table.find("\nactive ");
  ASSERT_NE(legend, std::string::npos) << table;
  EXPECT_GT(legend, table.find("410400")) << "the legend follows the table";
  EXPECT_NE(table.find("distinct volunteers with at least one hour log now verified in the area"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("\nactivities  activities published in the area"), std::string::npos)
      << table;
  EXPECT_NE(table.find("active in each of them but counts once in\nthe city's row"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("can add up to more than the city's"), std::string::npos) << table;
}

}  // namespace
}  // namespace leifeng::app
