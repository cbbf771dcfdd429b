// The query server's connections to the owners it forwards to (owner_connections.hpp): one
// keep-alive connection reused for request after request, a new one when the owner restarted,
// nothing when it is gone. Local HTTP servers, no broker.
#include "serve/owner_connections.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <set>
#include <string>
#include <thread>

#include "leifeng/runtime/http_listener.hpp"
#include "serve/query_server.hpp"

namespace leifeng::app {
namespace {

// An owner that answers every GET with the client's port and the forwarded-by header.
class Owner {
 public:
  explicit Owner(int port = 0) {
    server_.set_keep_alive_max_count(10000);  // as the query server
    server_.set_keep_alive_timeout(1);
    server_.Get(R"(/.*)", [](const httplib::Request& request, httplib::Response& response) {
      response.set_header(kServedByHeader, "owner");
      response.set_content(std::to_string(request.remote_port) + " " +
                               request.get_header_value(kForwardedHeader) + " " + request.path,
                           "text/plain");
    });
    port_ = runtime::listen_in_background(server_, "127.0.0.1", port, "owner", thread_);
  }
  ~Owner() { stop(); }
  void stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

TEST(OwnerConnections, ReuseOneConnectionForRequestAfterRequest) {
  Owner owner;
  OwnerConnections connections;
  std::set<std::string> client_ports;
  for (int i = 0; i < 20; ++i) {
    const auto answer = connections.get(owner.address(), "/v1/needs/n-" + std::to_string(i), "me");
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(answer->status, 200);
    EXPECT_EQ(answer->served_by, "owner");
    const std::string& body = answer->body;
    EXPECT_EQ(body.substr(body.find(' ')), " me /v1/needs/n-" + std::to_string(i));
    client_ports.insert(body.substr(0, body.find(' ')));
  }
  EXPECT_EQ(client_ports.size(), 1u) << "one connection, reused";
}

TEST(OwnerConnections, OpenANewConnectionWhenTheOwnerRestartedAndNoneWhenItIsGone) {
  auto owner = std::make_unique<Owner>();
  const std::string address = owner->address();
  const int port = owner->port();
  OwnerConnections connections;
  ASSERT_TRUE(connections.get(address, "/a", "me").has_value());
  owner.reset();  // its connections close
  owner = std::make_unique<Owner>(port);
  const auto answer = connections.get(address, "/b", "me");
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 200);
  owner.reset();
  EXPECT_FALSE(connections.get(address, "/c", "me").has_value());
}

}  // namespace
}  // namespace leifeng::app
