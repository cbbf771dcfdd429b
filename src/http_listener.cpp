#include "leifeng/runtime/http_listener.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <chrono>
#include <stdexcept>

namespace leifeng::runtime {

int listen_in_background(httplib::Server& server, const std::string& host, int port,
                         std::string_view what, std::thread& thread) {
  int bound = port;
  if (port == 0) {
    bound = server.bind_to_any_port(host);
  } else if (!server.bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound <= 0)
    throw std::runtime_error(fmt::format("{}: cannot listen on {}:{}", what, host, port));
  httplib::Server* raw = &server;
  thread = std::thread([raw] { raw->listen_after_bind(); });
  // stop() is a no-op until the accept loop runs, so wait for it; the socket already listens
  // (connections queue), this only bounds the race with an early stop().
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!raw->is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return bound;
}

}  // namespace leifeng::runtime
