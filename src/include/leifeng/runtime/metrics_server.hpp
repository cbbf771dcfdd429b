// The Prometheus scrape endpoint: GET /metrics on host:port, served from a background thread
// with the current Metrics::prometheus_text().
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "leifeng/runtime/metrics.hpp"

namespace httplib {
class Server;
}

namespace leifeng::runtime {

class MetricsServer {
 public:
  explicit MetricsServer(const Metrics& metrics);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Listens on host:port (port 0 = any free port) and returns the bound port. Throws
  // std::runtime_error when the port cannot be bound or the server is already running.
  int start(const std::string& host, int port);
  // Stops serving and joins the thread; idempotent.
  void stop();
  bool running() const;
  // The bound port; 0 before start().
  int port() const { return port_; }

 private:
  const Metrics& metrics_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace leifeng::runtime
