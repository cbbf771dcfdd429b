// Logging: one spdlog logger writing to stderr, one line per event in key=value form, e.g.
//   ts=2027-03-05T09:30:00.123+08:00 level=info msg="task started" partition=3
// so that logs can be grepped and parsed without a schema. The level comes from an
// environment variable the caller names (trace, debug, info, warn, error, critical, off).
#pragma once

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

namespace leifeng::runtime {

// Installs the stderr logger as spdlog's default, at the level the environment variable
// `level_variable` names (e.g. "TOOL_LOG_LEVEL"); `default_level` applies when it is unset or
// empty. Throws std::invalid_argument for an unknown level name.
void setup_logging(std::string_view level_variable, std::string_view default_level);

// Parses a level name; throws std::invalid_argument naming the accepted names.
spdlog::level::level_enum parse_log_level(std::string_view name);

// A value as it appears after `key=`: bare when it is a plain token, else in double quotes
// with backslash and quote escaped (log lines stay one line: newlines become \n).
std::string log_value(std::string_view value);

// Logs `msg="<message>" key=value ...`; values are formatted with fmt and quoted if needed.
//   log_event(spdlog::level::info, "task started", "partition", 3, "topic", name);
template <typename... Fields>
void log_event(spdlog::level::level_enum level, std::string_view message, const Fields&... fields);

namespace detail {
inline void append_fields(std::string&) {}
template <typename Value, typename... Rest>
void append_fields(std::string& out, std::string_view key, const Value& value,
                   const Rest&... rest) {
  out += ' ';
  out += key;
  out += '=';
  out += log_value(fmt::format("{}", value));
  append_fields(out, rest...);
}
}  // namespace detail

template <typename... Fields>
void log_event(spdlog::level::level_enum level, std::string_view message, const Fields&... fields) {
  static_assert(sizeof...(Fields) % 2 == 0, "log_event takes key, value pairs");
  if (!spdlog::should_log(level)) return;
  std::string line = "msg=" + log_value(message);
  detail::append_fields(line, fields...);
  spdlog::log(level, "{}", line);
}

}  // namespace leifeng::runtime
