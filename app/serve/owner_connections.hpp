// Keep-alive connections from a query server to the instances it forwards requests to, reused
// across requests: a new TCP connection per forwarded request cost a connect and a close on
// both sides each time, and under load left so many sockets in TIME_WAIT that connects failed
// (BENCHMARKS.md, "Interactive queries"). Thread-safe: each request takes an idle connection
// to the owner, or opens one, and gives it back when the answer has arrived.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace httplib {
class Client;
}

namespace leifeng::app {

struct ForwardedAnswer {
  int status = 0;
  std::string body;
  std::string retry_after;  // empty when absent
  std::string served_by;    // X-Leifeng-Served-By, empty when absent
  bool standby = false;     // X-Leifeng-Standby: answered from the owner's standby copy
};

class OwnerConnections {
 public:
  OwnerConnections();
  ~OwnerConnections();
  OwnerConnections(const OwnerConnections&) = delete;
  OwnerConnections& operator=(const OwnerConnections&) = delete;

  // Idle connections kept per owner; more concurrent requests open more, closed afterwards.
  static constexpr size_t kMaxIdle = 64;

  // GET `target` (path and query string) from `address` (host:port) with the header
  // X-Leifeng-Forwarded-By: `forwarded_by`; nullopt when the owner does not answer. When a
  // reused connection fails (the owner restarted), the idle ones to it are dropped and the
  // request is sent once more on a new one.
  std::optional<ForwardedAnswer> get(const std::string& address, const std::string& target,
                                     const std::string& forwarded_by);

 private:
  std::unique_ptr<httplib::Client> take(const std::string& address, bool& reused);
  void give(const std::string& address, std::unique_ptr<httplib::Client> client);

  std::mutex mutex_;
  std::map<std::string, std::vector<std::unique_ptr<httplib::Client>>> idle_;
};

}  // namespace leifeng::app
