// Logging setup. Messages carry their own key=value fields (log_event); the pattern adds the
// time and level in the same form.
#include "leifeng/runtime/logging.hpp"

#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

namespace leifeng::runtime {

spdlog::level::level_enum parse_log_level(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, spdlog::level::level_enum>, 7> kLevels{{
      {"trace", spdlog::level::trace},
      {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},
      {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},
      {"critical", spdlog::level::critical},
      {"off", spdlog::level::off},
  }};
  for (const auto& [level_name, level] : kLevels) {
    if (level_name == name) return level;
  }
  throw std::invalid_argument("unknown log level '" + std::string(name) +
                              "' (use trace, debug, info, warn, error, critical or off)");
}

void setup_logging(std::string_view level_variable, std::string_view default_level) {
  const char* from_environment = std::getenv(std::string(level_variable).c_str());
  const auto level = from_environment != nullptr && *from_environment != '\0'
                         ? parse_log_level(from_environment)
                         : parse_log_level(default_level);
  // stderr: stdout belongs to command output (export, generate write JSON Lines there).
  // Built directly, not through the registry, so that a second call replaces the first.
  auto logger =
      std::make_shared<spdlog::logger>("stderr", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%e%z level=%l %v");
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

std::string log_value(std::string_view value) {
  const bool plain = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte > ' ' && byte != 0x7f && c != '"' && c != '=' && c != '\\';
  });
  if (plain) return std::string(value);
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += c;
    } else if (c == '\n') {
      quoted += "\\n";
    } else if (c == '\r') {
      quoted += "\\r";
    } else {
      quoted += c;
    }
  }
  quoted += '"';
  return quoted;
}

}  // namespace leifeng::runtime
