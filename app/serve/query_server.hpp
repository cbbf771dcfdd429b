// The query server (`[serve] port`): QueryRoutes over HTTP (cpp-httplib, on its own threads).
// A key another instance owns is forwarded to that instance's advertised address, found in the
// instance directory, and its answer passed back (one hop: a request that was already
// forwarded is never forwarded again). Forwarding rather than a 307 keeps clients simple: any
// instance's address answers every key. When the owner is unknown or does not answer, or this
// instance is not ready, and this instance keeps a standby copy of the partition
// ([runtime] standby_replicas), the copy answers: "served_by":"standby" with its lag in the
// body's `committed` object and the X-Leifeng-Standby header, never as the owner's state.
// Otherwise 503 with Retry-After: 1. Connections to the owners are kept open and reused
// (owner_connections.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "leifeng/runtime/instance_directory.hpp"
#include "serve/owner_connections.hpp"
#include "serve/query_routes.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace leifeng::app {

// Header a forwarded request carries (the forwarding instance's id) and every answer carries
// (the id of the instance whose state answered).
inline constexpr const char* kForwardedHeader = "X-Leifeng-Forwarded-By";
inline constexpr const char* kServedByHeader = "X-Leifeng-Served-By";
// Set ("true") on an answer read from a standby copy.
inline constexpr const char* kStandbyHeader = "X-Leifeng-Standby";

// The other instances, as the server asks about them: the instance directory, or whatever a
// test or benchmark brings. Either function may be empty (one instance: nothing to forward to).
struct QueryPeers {
  std::function<std::vector<runtime::InstanceInfo>()> instances;
  std::function<std::optional<runtime::InstanceInfo>(const std::string& store, int32_t partition)>
      owner;
};

class QueryServer {
 public:
  // `directory` may be null (one instance: nothing to forward to); `standby` too (no standby
  // copies: QueryableState::standby()). All must outlive this.
  QueryServer(const runtime::StateReader& state, QueryIdentity self,
              const runtime::InstanceDirectory* directory,
              const runtime::StateReader* standby = nullptr);
  QueryServer(const runtime::StateReader& state, QueryIdentity self, QueryPeers peers,
              const runtime::StateReader* standby = nullptr);
  ~QueryServer();
  QueryServer(const QueryServer&) = delete;
  QueryServer& operator=(const QueryServer&) = delete;

  // Listens on bind:port (0 = any free port); returns the bound port. Throws
  // std::runtime_error when it cannot listen.
  int start(const std::string& bind, int port);
  void stop();

  // Threads answering requests. Each open keep-alive connection holds one while it is open;
  // connections beyond that wait until one closes.
  static constexpr size_t kWorkerThreads = 64;

 private:
  void handle(const httplib::Request& request, httplib::Response& response);

  QueryPeers peers_;
  QueryIdentity self_;
  QueryRoutes routes_;
  OwnerConnections owners_;
  std::unique_ptr<QueryRoutes> standby_routes_;  // null without standby copies
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace leifeng::app
