#include "drivers/file_replay.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string_view>

namespace leifeng::app {

void read_events_file(const std::string& input, Replay& replay, const ReplayProgress& progress) {
  std::FILE* in = input == "-" ? stdin : std::fopen(input.c_str(), "rb");
  if (in == nullptr) {
    throw std::runtime_error("cannot read " + input + ": " + std::strerror(errno));
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(in == stdin ? nullptr : in, &std::fclose);
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  auto last_report = started;

  // Whole lines go to the replay a block at a time, straight from the read buffer; the
  // unfinished line at the end moves to the front for the next read. 256 KiB stays in the L2
  // cache while it is decoded (docs/performance-history.md: a little faster than 1 or 4 MiB).
  std::string buffer(256 << 10, '\0');
  size_t kept = 0;  // bytes of that unfinished line
  int64_t line_number = 0;
  for (;;) {
    if (kept == buffer.size()) buffer.resize(2 * buffer.size());  // a line longer than the buffer
    const size_t got = std::fread(buffer.data() + kept, 1, buffer.size() - kept, in);
    if (got == 0) break;
    const size_t filled = kept + got;
    const size_t last_newline = std::string_view(buffer.data(), filled).rfind('\n');
    if (last_newline == std::string_view::npos) {
      kept = filled;
      continue;
    }
    line_number +=
        replay.feed_lines(std::string_view(buffer.data(), last_newline + 1), line_number + 1);
    kept = filled - (last_newline + 1);
    std::memmove(buffer.data(), buffer.data() + last_newline + 1, kept);
    if (Clock::now() - last_report >= std::chrono::seconds(2)) {
      last_report = Clock::now();
      if (progress) {
        progress(replay.summary().events_read,
                 std::chrono::duration<double>(last_report - started).count());
      }
    }
  }
  if (std::ferror(in)) throw std::runtime_error("error while reading " + input);
  if (kept > 0) replay.feed_lines(std::string_view(buffer.data(), kept), line_number + 1);
}

}  // namespace leifeng::app
