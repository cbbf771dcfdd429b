// The Prometheus scrape endpoint and the orchestrators' probes on one listener (host:port),
// served from a background thread:
//   GET /metrics  the current Metrics::prometheus_text()
//   GET /healthz  200 "alive" while the process serves it (liveness)
//   GET /readyz   200 "ready" when the Readiness says so, else 503 with the state's name
//                 (not_assigned, restoring, rebalancing, stopped); only with a Readiness
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "leifeng/runtime/metrics.hpp"
#include "leifeng/runtime/readiness.hpp"

namespace httplib {
class Server;
}

namespace leifeng::runtime {

class MetricsServer {
 public:
  // `readiness` may be null (then there is no /readyz); both must outlive the server.
  explicit MetricsServer(const Metrics& metrics, const Readiness* readiness = nullptr);
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
  const Readiness* readiness_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace leifeng::runtime
