#include "drivers/file_replay.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string_view>

#include "drivers/line_limit.hpp"

namespace leifeng::app {

namespace {

struct SkippedLine {
  int64_t skipped = 0;  // bytes of the line read past the buffer, its newline not counted
  size_t kept = 0;      // bytes after that newline, now at the front of the buffer
  bool at_end = false;  // the line ended with the input
};

// Reads the rest of a line that filled `buffer`, reusing the buffer, so an oversize line
// costs no more memory than the limit.
SkippedLine skip_rest_of_line(std::FILE* in, std::string& buffer) {
  SkippedLine result;
  for (;;) {
    const size_t got = std::fread(buffer.data(), 1, buffer.size(), in);
    if (got == 0) {
      result.at_end = true;
      return result;
    }
    const void* newline = std::memchr(buffer.data(), '\n', got);
    if (newline == nullptr) {
      result.skipped += static_cast<int64_t>(got);
      continue;
    }
    const size_t end = static_cast<size_t>(static_cast<const char*>(newline) - buffer.data());
    result.skipped += static_cast<int64_t>(end);
    result.kept = got - end - 1;
    std::memmove(buffer.data(), buffer.data() + end + 1, result.kept);
    return result;
  }
}

}  // namespace

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
  // A longer line grows the buffer up to max_line_bytes + 1; a line longer still is read to
  // its end without being kept (skip_rest_of_line) and dead-lettered with a prefix.
  const int64_t limit = replay.max_line_bytes();
  std::string buffer(256 << 10, '\0');
  size_t kept = 0;  // bytes of that unfinished line
  int64_t line_number = 0;
  for (bool at_end = false; !at_end;) {
    if (kept == buffer.size()) {
      if (static_cast<int64_t>(kept) > limit) {
        const std::string prefix(oversize_prefix(std::string_view(buffer.data(), kept)));
        const SkippedLine skipped = skip_rest_of_line(in, buffer);
        at_end = skipped.at_end;
        kept = skipped.kept;
        replay.feed_oversize(prefix, static_cast<int64_t>(buffer.size()) + skipped.skipped,
                             ++line_number);
        continue;
      }
      buffer.resize(std::min(2 * buffer.size(), static_cast<size_t>(limit) + 1));
    }
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
