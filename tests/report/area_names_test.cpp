// Area names for the report: the CSV of config/ and the built-in list.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "leifeng/report/area_names.hpp"

namespace leifeng::report {
namespace {

namespace fs = std::filesystem;

fs::path write_temp(const std::string& name, const std::string& content) {
  const fs::path path = fs::temp_directory_path() / ("leifeng-report-" + name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(AreaNames, BuiltInAreTheTenUnitsOfPingdingshanAndTheCity) {
  const AreaNames names = builtin_area_names();
  EXPECT_EQ(names.size(), 11u);
  EXPECT_EQ(area_name(names, "410400"), "平顶山市");
  EXPECT_EQ(area_name(names, "410482"), "汝州市");
  EXPECT_EQ(area_name(names, "999901"), "999901");
}

TEST(AreaNames, TheConfigFileAgreesWithTheBuiltInList) {
  const char* source = std::getenv("LEIFENG_SOURCE_DIR");
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(load_area_names(fs::path(source) / "config" / "areas.csv"), builtin_area_names());
}

TEST(AreaNames, CsvWithBomCrlfAndBlankLines) {
  const fs::path csv = write_temp("ok.csv",
                                  "\xEF\xBB\xBF"
                                  "area_code,name\r\n410102,中原区\r\n\r\n 410103 , 二七区 \r\n");
  const AreaNames names = load_area_names(csv);
  EXPECT_EQ(names, (AreaNames{{"410102", "中原区"}, {"410103", "二七区"}}));  // no built-in city
  fs::remove(csv);
}

TEST(AreaNames, MalformedLineNamesFileAndLine) {
  const fs::path csv = write_temp("bad.csv", "area_code,name\n410402,新华区\n41040,卫东区\n");
  try {
    load_area_names(csv);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.csv:3:"), std::string::npos) << e.what();
  }
  fs::remove(csv);
  EXPECT_THROW(load_area_names(fs::temp_directory_path() / "leifeng-report-missing.csv"),
               std::runtime_error);
}

}  // namespace
}  // namespace leifeng::report
