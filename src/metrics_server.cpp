// MetricsServer on cpp-httplib. httplib.h stays out of the public header: it is large and
// pulls in OpenSSL.
#include "leifeng/runtime/metrics_server.hpp"

#include "leifeng/runtime/http_listener.hpp"

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
  const int bound = listen_in_background(*server, host, port, "metrics server", thread_);
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
