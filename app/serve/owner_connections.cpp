#include "serve/owner_connections.hpp"

#include <httplib.h>

#include <chrono>
#include <stdexcept>
#include <utility>

#include "serve/query_server.hpp"

namespace leifeng::app {
namespace {

// host:port -> (host, port); port 0 when malformed.
std::pair<std::string, int> split_address(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) return {address, 0};
  int port = 0;
  try {
    port = std::stoi(address.substr(colon + 1));
  } catch (const std::exception&) {
    port = 0;
  }
  return {address.substr(0, colon), port};
}

}  // namespace

OwnerConnections::OwnerConnections() = default;
OwnerConnections::~OwnerConnections() = default;

std::unique_ptr<httplib::Client> OwnerConnections::take(const std::string& address, bool& reused) {
  {
    std::lock_guard lock(mutex_);
    auto it = idle_.find(address);
    if (it != idle_.end() && !it->second.empty()) {
      auto client = std::move(it->second.back());
      it->second.pop_back();
      reused = true;
      return client;
    }
  }
  reused = false;
  const auto [host, port] = split_address(address);
  auto client = std::make_unique<httplib::Client>(host, port);
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);
  client->set_connection_timeout(std::chrono::seconds(1));
  client->set_read_timeout(std::chrono::seconds(5));
  return client;
}

void OwnerConnections::give(const std::string& address, std::unique_ptr<httplib::Client> client) {
  std::lock_guard lock(mutex_);
  auto& idle = idle_[address];
  if (idle.size() < kMaxIdle) idle.push_back(std::move(client));
}

std::optional<ForwardedAnswer> OwnerConnections::get(const std::string& address,
                                                     const std::string& target,
                                                     const std::string& forwarded_by) {
  for (;;) {
    bool reused = false;
    auto client = take(address, reused);
    auto result = client->Get(target, {{kForwardedHeader, forwarded_by}});
    if (!result) {
      // A fresh connection that fails: the owner does not answer. A reused one may only have
      // been closed by the owner (a restart): drop every idle one and ask once more on a new.
      if (!reused) return std::nullopt;
      std::lock_guard lock(mutex_);
      idle_.erase(address);
      continue;
    }
    ForwardedAnswer answer;
    answer.status = result->status;
    answer.body = std::move(result->body);
    if (result->has_header("Retry-After"))
      answer.retry_after = result->get_header_value("Retry-After");
    if (result->has_header(kServedByHeader))
      answer.served_by = result->get_header_value(kServedByHeader);
    answer.standby = result->has_header(kStandbyHeader);
    give(address, std::move(client));
    return answer;
  }
}

}  // namespace leifeng::app
