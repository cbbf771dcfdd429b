#include "serve/query_server.hpp"

#include "leifeng/runtime/http_listener.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <chrono>
#include <stdexcept>

namespace leifeng::app {
namespace {

constexpr const char* kJson = "application/json; charset=utf-8";

void send(const QueryAnswer& answer, httplib::Response& response) {
  response.status = answer.status;
  if (answer.retry_after_seconds > 0)
    response.set_header("Retry-After", std::to_string(answer.retry_after_seconds));
  response.set_content(answer.body + "\n", kJson);
}

void unavailable(httplib::Response& response, std::string_view code, const std::string& detail) {
  QueryAnswer answer;
  answer.status = 503;
  answer.retry_after_seconds = 1;
  answer.body =
      fmt::format(R"({{"error":{},"detail":{}}})", json_string(code), json_string(detail));
  send(answer, response);
}

QueryPeers peers_of(const runtime::InstanceDirectory* directory) {
  if (directory == nullptr) return {};
  return {[directory] { return directory->instances(); },
          [directory](const std::string& store, int32_t partition) {
            return directory->owner(store, partition);
          }};
}

}  // namespace

QueryServer::QueryServer(const runtime::StateReader& state, QueryIdentity self,
                         const runtime::InstanceDirectory* directory,
                         const runtime::StateReader* standby)
    : QueryServer(state, std::move(self), peers_of(directory), standby) {}

QueryServer::QueryServer(const runtime::StateReader& state, QueryIdentity self, QueryPeers peers,
                         const runtime::StateReader* standby)
    : peers_(std::move(peers)), self_(self), routes_(state, std::move(self), peers_.instances) {
  if (standby != nullptr) standby_routes_ = std::make_unique<QueryRoutes>(*standby, self_);
}

QueryServer::~QueryServer() {
  stop();
}

void QueryServer::handle(const httplib::Request& request, httplib::Response& response) {
  QueryRequest query;
  query.path = request.path;
  for (const auto& [name, value] : request.params) query.params[name] = value;
  const QueryAnswer answer = routes_.answer(query);
  // A standby copy's answer (only a found record: its "not found" may be lag), when the
  // owner's state cannot be had.
  auto from_standby = [&] {
    if (!standby_routes_) return false;
    const QueryAnswer copy = standby_routes_->answer(query);
    if (copy.status != 200) return false;
    response.set_header(kServedByHeader, self_.instance_id);
    response.set_header(kStandbyHeader, "true");
    send(copy, response);
    return true;
  };
  if (answer.status == 503 && from_standby()) return;  // not ready here (a rebalance)
  if (!answer.not_here()) {
    response.set_header(kServedByHeader, self_.instance_id);
    send(answer, response);
    return;
  }
  if (request.has_header(kForwardedHeader)) {
    unavailable(response, "moved",
                fmt::format("{} partition {} moved away from this instance; ask again",
                            answer.store, answer.partition));
    return;
  }
  const auto owner = peers_.owner ? peers_.owner(answer.store, answer.partition) : std::nullopt;
  if (!owner || owner->instance_id == self_.instance_id) {
    if (from_standby()) return;
    unavailable(response, "owner_unknown",
                fmt::format("no instance serves {} partition {} now (a rebalance?)", answer.store,
                            answer.partition));
    return;
  }
  // The client encodes the (decoded) path again.
  const std::string target = httplib::append_query_params(request.path, request.params);
  const auto forwarded = owners_.get(owner->address, target, self_.instance_id);
  if (!forwarded) {
    if (from_standby()) return;
    unavailable(response, "owner_unreachable",
                fmt::format("instance {} at {}, which serves {} partition {}, does not answer",
                            owner->instance_id, owner->address, answer.store, answer.partition));
    return;
  }
  response.status = forwarded->status;
  if (!forwarded->retry_after.empty()) response.set_header("Retry-After", forwarded->retry_after);
  if (!forwarded->served_by.empty()) response.set_header(kServedByHeader, forwarded->served_by);
  if (forwarded->standby) response.set_header(kStandbyHeader, "true");
  response.set_header(kForwardedHeader, self_.instance_id);
  response.set_content(forwarded->body, kJson);
}

int QueryServer::start(const std::string& bind, int port) {
  if (server_) throw std::runtime_error("query server already running");
  auto server = std::make_unique<httplib::Server>();
  // Small answers: without TCP_NODELAY each one waits for the client's delayed ACK (~40 ms).
  server->set_tcp_nodelay(true);
  server->set_keep_alive_max_count(10000);
  // An idle keep-alive connection holds a worker, and stop() waits for it to time out: other
  // instances keep theirs open for forwarding (owner_connections.hpp), so keep the wait short.
  server->set_keep_alive_timeout(1);
  server->new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  server->Get(R"(/.*)", [this](const httplib::Request& request, httplib::Response& response) {
    handle(request, response);
  });
  const int bound = runtime::listen_in_background(*server, bind, port, "query server", thread_);
  server_ = std::move(server);
  return bound;
}

void QueryServer::stop() {
  if (!server_) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace leifeng::app
