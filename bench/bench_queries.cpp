// Interactive queries (issue 15): GET /v1/volunteers/{id} over 100k volunteers of state in
// RocksDB (6 task partitions), through the domain's routes alone and through the HTTP server on
// one keep-alive connection. Prints lookups/s and p50/p99 latency for BENCHMARKS.md. Plain
// program, no broker: the state is written as the runtime's commits write it.
//   bench_queries [VOLUNTEERS] [LOOKUPS]
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "leifeng/processors/ledger.hpp"
#include "leifeng/runtime/queryable_state.hpp"
#include "leifeng/runtime/typed_store.hpp"
#include "serve/query_routes.hpp"
#include "serve/query_server.hpp"
#include "state_db.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace leifeng;

void report(const char* what, std::vector<double>& micros, double seconds) {
  std::sort(micros.begin(), micros.end());
  const auto at = [&](double q) { return micros[static_cast<size_t>(q * (micros.size() - 1))]; };
  std::printf("%-28s %9.0f lookups/s  p50 %7.1f us  p99 %7.1f us  (%zu lookups)\n", what,
              static_cast<double>(micros.size()) / seconds, at(0.50), at(0.99), micros.size());
}

}  // namespace

int main(int argc, char** argv) {
  const int volunteers = argc > 1 ? std::stoi(argv[1]) : 100'000;
  const int lookups = argc > 2 ? std::stoi(argv[2]) : 200'000;
  constexpr int32_t kPartitions = 6;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("leifeng-bench-queries-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);

  runtime::Readiness readiness;
  readiness.starting();
  readiness.assigned();
  runtime::QueryableState queries(&readiness);
  queries.declare_store("volunteers", kPartitions);
  std::vector<std::unique_ptr<runtime::TaskStateDb>> tasks;
  for (int32_t p = 0; p < kPartitions; ++p) {
    tasks.push_back(std::make_unique<runtime::TaskStateDb>(
        dir / ("volunteers_" + std::to_string(p)), std::vector<std::string>{"volunteers"}));
  }
  // Volunteers with 12 hour logs each, about the demo's mean.
  std::vector<std::string> ids;
  for (int v = 0; v < volunteers; ++v) {
    const std::string id = "v-" + std::to_string(v);
    ids.push_back(id);
    processors::VolunteerState state;
    state.registered = true;
    state.registered_area = 410402;
    for (int l = 0; l < 12; ++l) {
      processors::HourLog log;
      log.state = l % 4 == 0 ? processors::LogState::submitted : processors::LogState::verified;
      log.minutes = 60;
      log.quality = 4;
      log.area = 410402;
      log.service_date = 20'900 + l;
      state.logs.add(log, "log-" + std::to_string(v) + "-" + std::to_string(l));
    }
    state.minutes_verified = 9 * 60;
    state.logs_verified = 9;
    state.quality_minutes = 4 * 9 * 60;
    state.as_of = "2027-04-30T20:00:00+08:00";
    auto& task = *tasks[static_cast<size_t>(runtime::partition_for_key(id, kPartitions))];
    task.store("volunteers")
        .put(id, runtime::TypedStore<processors::VolunteerState>::encode(state));
  }
  for (int32_t p = 0; p < kPartitions; ++p) {
    tasks[static_cast<size_t>(p)]->apply_committed({{"volunteers", volunteers}});
    queries.publish("volunteers", p, *tasks[static_cast<size_t>(p)]);
  }
  readiness.restored();

  std::mt19937 random(15);
  std::vector<std::string> paths;
  for (int i = 0; i < lookups; ++i) paths.push_back("/v1/volunteers/" + ids[random() % ids.size()]);

  app::QueryRoutes routes(queries, {"bench", "127.0.0.1:0"});
  std::vector<double> micros;
  micros.reserve(paths.size());
  auto started = Clock::now();
  for (const auto& path : paths) {
    const auto t = Clock::now();
    const app::QueryAnswer answer = routes.answer({path, {}});
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
    if (answer.status != 200) {
      std::fprintf(stderr, "%s: %d %s\n", path.c_str(), answer.status, answer.body.c_str());
      return 1;
    }
  }
  std::printf("%d volunteers of state, %d partitions\n", volunteers, kPartitions);
  report("routes (no HTTP)", micros, std::chrono::duration<double>(Clock::now() - started).count());

  app::QueryServer server(queries, {"bench", "127.0.0.1:0"}, nullptr);
  const int port = server.start("127.0.0.1", 0);
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  micros.clear();
  started = Clock::now();
  for (const auto& path : paths) {
    const auto t = Clock::now();
    auto response = client.Get(path);
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
    if (!response || response->status != 200) {
      std::fprintf(stderr, "%s: HTTP failed\n", path.c_str());
      return 1;
    }
  }
  report("HTTP, one connection", micros,
         std::chrono::duration<double>(Clock::now() - started).count());
  server.stop();
  tasks.clear();
  std::filesystem::remove_all(dir);
  return 0;
}
