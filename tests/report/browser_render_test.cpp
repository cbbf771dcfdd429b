// Renders the HTML report in headless Chromium and checks that the screenshot shows a page,
// not a blank or an error: the report must render offline in a real browser.
//
// Chromium is looked up on PATH as `chromium`, `chromium-browser` or `google-chrome`
// (scripts/setup.sh installs `chromium`). Without it the test FAILS, so that a machine that
// lost its browser cannot pass silently. LEIFENG_SKIP_BROWSER_TESTS=1 in the environment skips
// it instead (for development machines without a browser; CI never sets it).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "leifeng/report/render_report.hpp"
#include "report_fixture.hpp"

namespace leifeng::report {
namespace {

namespace fs = std::filesystem;

constexpr std::array<const char*, 3> kChromiumNames{"chromium", "chromium-browser",
                                                    "google-chrome"};

// The first of kChromiumNames that is an executable file in a directory of PATH; empty if none.
std::string find_chromium() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  for (const char* name : kChromiumNames) {
    std::string_view rest(path);
    while (true) {
      const std::size_t colon = rest.find(':');
      const std::string_view dir = rest.substr(0, colon);
      if (!dir.empty()) {
        const fs::path candidate = fs::path(dir) / name;
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0)
          return candidate.string();
      }
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  return "";
}

bool browser_tests_skipped() {
  const char* skip = std::getenv("LEIFENG_SKIP_BROWSER_TESTS");
  return skip != nullptr && std::string_view(skip) == "1";
}

// A month of all ten counties, with figures that differ from county to county.
std::vector<schemas::CountyStatsRecord> city_month() {
  const std::vector<std::string> counties{"410402", "410403", "410404", "410411", "410421",
                                          "410422", "410423", "410425", "410481", "410482"};
  const std::vector<std::string> categories{"neighborhood_watch", "caring_dedication",
                                            "paired_assistance",  "party_member_service",
                                            "window_service",     "online_campaign"};
  std::vector<schemas::CountyStatsRecord> records;
  std::map<std::string, int64_t> city, city_previous, city_total;
  for (std::size_t c = 0; c < counties.size(); ++c) {
    std::map<std::string, int64_t> month;
    int64_t minutes = 0;
    for (std::size_t k = 0; k < categories.size(); ++k) {
      const int64_t by_category = static_cast<int64_t>(((c + 3) * (k + 5) * 137) % 1900 + 60);
      month["hours.minutes_verified." + categories[k]] = by_category;
      minutes += by_category;
    }
    month["hours.minutes_verified"] = minutes;
    month["volunteers.active"] = static_cast<int64_t>(5 + c * 3);
    month["activities.published"] = static_cast<int64_t>(3 + c % 4);
    month["activities.completed"] = static_cast<int64_t>(2 + c % 3);
    month["activities.participants"] = static_cast<int64_t>(20 + c * 7);
    month["needs.posted"] = static_cast<int64_t>(2 + c);
    month["needs.fulfilled"] = static_cast<int64_t>(1 + c / 2);
    month["needs.fulfil_minutes"] = static_cast<int64_t>(600 + c * 250);
    const std::map<std::string, int64_t> previous{
        {"hours.minutes_verified", minutes + static_cast<int64_t>(c % 3) * 900 - 1200}};
    const std::map<std::string, int64_t> total{
        {"volunteers.registered", static_cast<int64_t>(40 + c)},
        {"volunteers.starred.1", static_cast<int64_t>(10 - c)},
        {"volunteers.starred.2", static_cast<int64_t>(c % 4)},
        {"volunteers.starred.3", static_cast<int64_t>(c % 3)},
        {"volunteers.starred.5", c == 9 ? 1 : 0}};
    for (const auto& [name, value] : month) city[name] += value;
    for (const auto& [name, value] : previous) city_previous[name] += value;
    for (const auto& [name, value] : total) city_total[name] += value;
    records.push_back(testing::stats(counties[c], "2027-03", month));
    records.push_back(testing::stats(counties[c], "2027-02", previous));
    records.push_back(testing::stats(counties[c], "total", total));
  }
  records.push_back(testing::stats("410400", "2027-03", city));
  records.push_back(testing::stats("410400", "2027-02", city_previous));
  records.push_back(testing::stats("410400", "total", city_total));
  return records;
}

// Runs Chromium headless on `page` and returns the PNG bytes it wrote (empty on failure).
std::string screenshot(const std::string& chromium, const fs::path& page, const fs::path& dir) {
  const fs::path png = dir / (page.stem().string() + ".png");
  const fs::path profile = dir / (page.stem().string() + "-profile");
  const std::vector<std::string> args{chromium,
                                      "--headless",
                                      "--no-sandbox",
                                      "--disable-gpu",
                                      "--disable-quic",
                                      "--no-first-run",
                                      "--disable-background-networking",
                                      "--disable-component-update",
                                      "--disable-sync",
                                      "--hide-scrollbars",
                                      "--user-data-dir=" + profile.string(),
                                      "--screenshot=" + png.string(),
                                      "--window-size=1280,2000",
                                      "file://" + page.string()};
  const fs::path log = dir / (page.stem().string() + "-chromium.log");
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Chromium logs harmless D-Bus complaints; keep them out of the test output.
    if (FILE* out = std::freopen(log.c_str(), "w", stdout)) ::dup2(::fileno(out), STDERR_FILENO);
    std::vector<char*> argv;
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << chromium << " failed on " << page << "; see " << log;
  std::ifstream in(png, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

uint32_t big_endian(const std::string& bytes, std::size_t at) {
  return static_cast<uint32_t>(static_cast<unsigned char>(bytes[at])) << 24 |
         static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 16 |
         static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 2])) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 3]));
}

TEST(BrowserRender, ReportScreenshotShowsMoreThanABlankPage) {
  if (browser_tests_skipped()) GTEST_SKIP() << "LEIFENG_SKIP_BROWSER_TESTS=1";
  const std::string chromium = find_chromium();
  ASSERT_FALSE(chromium.empty())
      << "Chromium not found on PATH (chromium, chromium-browser, google-chrome): install it "
         "(scripts/setup.sh), or set LEIFENG_SKIP_BROWSER_TESTS=1 to skip this test";
  // LEIFENG_REPORT_SCREENSHOT_DIR keeps the page and the screenshots (e.g. as CI artifacts).
  const char* keep = std::getenv("LEIFENG_REPORT_SCREENSHOT_DIR");
  const fs::path dir =
      keep != nullptr
          ? fs::path(keep)
          : fs::temp_directory_path() / ("leifeng-report-browser-" + std::to_string(::getpid()));
  fs::create_directories(dir);

  const fs::path report = dir / "report.html";
  std::ofstream(report, std::ios::binary) << render_report(
      city_month(), ReportMonth{2027, 3}, builtin_area_names(), ReportFormat::html);
  const fs::path blank = dir / "blank.html";
  std::ofstream(blank, std::ios::binary)
      << "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body></body></html>\n";

  const std::string report_png = screenshot(chromium, report, dir);
  const std::string blank_png = screenshot(chromium, blank, dir);
  ASSERT_GT(report_png.size(), 24u);
  ASSERT_GT(blank_png.size(), 24u);
  EXPECT_EQ(report_png.substr(0, 8), "\x89PNG\r\n\x1a\n");
  EXPECT_EQ(report_png.substr(12, 4), "IHDR");
  EXPECT_EQ(big_endian(report_png, 16), 1280u);  // width
  EXPECT_EQ(big_endian(report_png, 20), 2000u);  // height
  // Tables, text and charts compress far worse than an empty white page.
  EXPECT_GT(report_png.size(), 10 * blank_png.size())
      << "report " << report_png.size() << " bytes, blank page " << blank_png.size() << " bytes";
  if (keep == nullptr && !HasFailure()) fs::remove_all(dir);
}

}  // namespace
}  // namespace leifeng::report
