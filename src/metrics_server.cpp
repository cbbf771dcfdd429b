// MetricsServer on cpp-httplib. httplib.h stays out of the public header: it is large and
// pulls in OpenSSL.
#include "leifeng/runtime/metrics_server.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace leifeng::runtime {

MetricsServer::MetricsServer(const Metrics& metrics, const Readiness* readiness)
    : metrics_(metrics), readiness_(readiness) {}

MetricsServer::~MetricsServer() {
  stop();
}

int MetricsServer::start(const std::string& host, int port) {
  if (server_) throw std::runtime_error(fmt::format("metrics server already on port {}", port_));
  auto server = std::make_unique<httplib::Server>();
  server->Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics_.prometheus_text(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server->Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("alive\n", "text/plain; charset=utf-8");
  });
  if (readiness_ != nullptr) {
    server->Get("/readyz", [this](const httplib::Request&, httplib::Response& response) {
      const ReadinessState state = readiness_->state();
      response.status = state == ReadinessState::ready ? 200 : 503;
      response.set_content(std::string(readiness_name(state)) + "\n", "text/plain; charset=utf-8");
    });
  }
  int bound = port;
  if (port == 0) {
    bound = server->bind_to_any_port(host);
  } else if (!server->bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound <= 0)
    throw std::runtime_error(fmt::format("metrics server: cannot listen on {}:{}", host, port));
  httplib::Server* raw = server.get();
  thread_ = std::thread([raw] { raw->listen_after_bind(); });
  // stop() is a no-op until the accept loop runs, so wait for it; the socket already listens
  // (connections queue), this only bounds the race with an early stop().
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!raw->is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  server_ = std::move(server);
  port_ = bound;
  return bound;
}

void MetricsServer::stop() {
  if (!server_) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

bool MetricsServer::running() const {
  return server_ && server_->is_running();
}

}  // namespace leifeng::runtime
