// Starting a cpp-httplib server in the background, shared by the metrics endpoint and the
// query server. httplib.h stays out of this header: it is large and pulls in OpenSSL.
#pragma once

#include <string>
#include <string_view>
#include <thread>

namespace httplib {
class Server;
}

namespace leifeng::runtime {

// Binds `server` to host:port (port 0: any free one), runs its accept loop on `thread` and
// returns the bound port once the loop runs. Throws std::runtime_error naming `what` when the
// address cannot be bound.
int listen_in_background(httplib::Server& server, const std::string& host, int port,
                         std::string_view what, std::thread& thread);

}  // namespace leifeng::runtime
