// Interactive queries (issue 15): GET /v1/volunteers/{id} over 100k volunteers of state in
// RocksDB (6 task partitions), through the domain's routes alone, then over HTTP from 1, 4 and
// 16 client threads (each on its own keep-alive connection), answered locally and forwarded
// by a second query server that owns no partition. The HTTP clients run in a child process
// (this program again, with --clients), so that the CPU time of this process is the query
// servers' alone: "per server CPU-second" is lookups per second of one core busy serving.
// Prints lookups/s, p50/p99 latency for BENCHMARKS.md. Plain program, no broker: the state is
// written as the runtime's commits write it.
//   bench_queries [VOLUNTEERS] [LOOKUPS]
#include <fmt/format.h>
#include <httplib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
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

double cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Prints the line without its end: the caller may add to it.
void report(const char* what, std::vector<double>& micros, double seconds) {
  std::sort(micros.begin(), micros.end());
  const auto at = [&](double q) { return micros[static_cast<size_t>(q * (micros.size() - 1))]; };
  const double count = static_cast<double>(micros.size());
  std::printf("%-26s %7.0f lookups/s  p50 %7.1f us  p99 %7.1f us", what, count / seconds, at(0.50),
              at(0.99));
  std::fflush(stdout);
}

// The lookups: `lookups` random volunteers of `volunteers` (v-0 ...), the same every run.
std::vector<std::string> lookup_paths(int volunteers, int lookups) {
  std::mt19937 random(15);
  std::vector<std::string> paths;
  for (int i = 0; i < lookups; ++i)
    paths.push_back("/v1/volunteers/v-" + std::to_string(random() % volunteers));
  return paths;
}

// `clients` threads, each on its own keep-alive connection, share `paths` and ask one at a
// time. False when a lookup fails.
bool http_lookups(const char* what, int port, int clients, const std::vector<std::string>& paths) {
  std::vector<std::vector<double>> micros(static_cast<size_t>(clients));
  std::atomic<bool> failed{false};
  const auto started = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      auto& mine = micros[static_cast<size_t>(c)];
      for (size_t i = static_cast<size_t>(c); i < paths.size(); i += static_cast<size_t>(clients)) {
        const auto t = Clock::now();
        auto response = client.Get(paths[i]);
        mine.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
        if (!response || response->status != 200) {
          std::fprintf(stderr, "%s: %s\n", paths[i].c_str(),
                       response ? response->body.c_str() : "HTTP failed");
          failed = true;
          return;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (failed) return false;
  std::vector<double> all;
  for (const auto& mine : micros) all.insert(all.end(), mine.begin(), mine.end());
  report(what, all, seconds);
  return true;
}

// Runs `clients` client threads in a child process and adds the lookups per CPU-second this
// process (the query servers) spent meanwhile. False when a lookup failed.
bool http_lookups_from_child(const char* self, const std::string& what, int port, int clients,
                             int volunteers, int lookups) {
  const std::vector<std::string> args{self,
                                      "--clients",
                                      what,
                                      std::to_string(port),
                                      std::to_string(clients),
                                      std::to_string(volunteers),
                                      std::to_string(lookups)};
  std::vector<char*> argv;
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::fflush(stdout);
  const double cpu_before = cpu_seconds();
  const pid_t child = ::fork();
  if (child == 0) {
    ::execv("/proc/self/exe", argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  const double cpu = cpu_seconds() - cpu_before;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return false;
  std::printf("  %6.0f per server CPU-second\n", lookups / cpu);
  std::fflush(stdout);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 7 && std::string(argv[1]) == "--clients") {
    // The child: WHAT PORT CLIENTS VOLUNTEERS LOOKUPS.
    const auto paths = lookup_paths(std::stoi(argv[5]), std::stoi(argv[6]));
    return http_lookups(argv[2], std::stoi(argv[3]), std::stoi(argv[4]), paths) ? 0 : 1;
  }
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
  for (int v = 0; v < volunteers; ++v) {
    const std::string id = "v-" + std::to_string(v);
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

  const std::vector<std::string> paths = lookup_paths(volunteers, lookups);

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
  std::printf("\n");

  // Local: the instance that owns every partition answers. Forwarded: an instance that owns
  // none forwards each request to it (one hop), as a second instance of the group would.
  app::QueryServer owner(queries, {"owner", "127.0.0.1:0"}, app::QueryPeers{});
  const int owner_port = owner.start("127.0.0.1", 0);
  runtime::Readiness elsewhere_ready;
  elsewhere_ready.starting();
  elsewhere_ready.assigned();
  elsewhere_ready.restored();
  runtime::QueryableState nothing_here(&elsewhere_ready);
  nothing_here.declare_store("volunteers", kPartitions);
  const runtime::InstanceInfo owner_info{"owner", "127.0.0.1:" + std::to_string(owner_port), {}, 0};
  app::QueryServer forwarder(
      nothing_here, {"forwarder", "127.0.0.1:0"},
      app::QueryPeers{{}, [&](const std::string&, int32_t) { return std::optional(owner_info); }});
  const int forwarder_port = forwarder.start("127.0.0.1", 0);

  for (const auto& [what, port] : {std::pair{"local", owner_port}, {"forwarded", forwarder_port}}) {
    for (const int clients : {1, 4, 16}) {
      const auto line = fmt::format("HTTP {}, {} client{}", what, clients, clients > 1 ? "s" : "");
      if (!http_lookups_from_child(argv[0], line, port, clients, volunteers, lookups)) return 1;
    }
  }
  forwarder.stop();
  owner.stop();
  tasks.clear();
  std::filesystem::remove_all(dir);
  return 0;
}
