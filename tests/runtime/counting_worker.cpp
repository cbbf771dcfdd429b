// A stream-runtime instance running the counting processor, as its own process so the broker
// tests can SIGKILL it at any moment and start it again.
//
//   counting_worker --bootstrap B --app ID --input TOPIC --output TOPIC --state DIR
//                   --instance ID --mode run|caught-up [--stats FILE] [--commit-ms N]
//                   [--record-delay-us N] [--threads N]
//
// run: until SIGTERM; caught-up: until the input is processed (exit 0). On a clean exit the
// runtime's statistics are written to --stats as key=value lines. --threads: stream threads
// (default 1).
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "counting_processor.hpp"
#include "leifeng/runtime/stream_runtime.hpp"

using namespace leifeng::runtime;

namespace {

// Slows processing down so that a test's kills land in the middle of the work.
class Throttled final : public Processor {
 public:
  Throttled(std::unique_ptr<Processor> inner, int delay_us)
      : inner_(std::move(inner)), delay_(delay_us) {}
  Outcome process(const InputRecord& record, Emitter& out) override {
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
    return inner_->process(record, out);
  }
  void flush() override { inner_->flush(); }

 private:
  std::unique_ptr<Processor> inner_;
  std::chrono::microseconds delay_;
};

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args{
      {"--mode", "run"}, {"--commit-ms", "100"}, {"--record-delay-us", "0"}, {"--threads", "1"}};
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  for (const char* required :
       {"--bootstrap", "--app", "--input", "--output", "--state", "--instance"}) {
    if (!args.contains(required)) {
      std::cerr << "counting_worker: missing " << required << "\n";
      return 64;
    }
  }
  spdlog::set_level(spdlog::level::warn);
  try {
    const int delay_us = std::stoi(args["--record-delay-us"]);
    Topology topology(args["--app"]);
    topology.input("events", args["--input"])
        .output("counts", args["--output"])
        .processor("counter", {"events"}, {"counts"}, [delay_us](TaskContext& context) {
          return std::make_unique<Throttled>(
              std::make_unique<testing::CountingProcessor>(context, false), delay_us);
        });
    RuntimeOptions options;
    options.application_id = args["--app"];
    options.state_dir = args["--state"];
    options.bootstrap_servers = args["--bootstrap"];
    options.commit_interval_ms = std::stoi(args["--commit-ms"]);
    options.instance_id = args["--instance"];
    options.threads = std::stoi(args["--threads"]);
    StreamRuntime runtime(topology, options);
    const std::atomic<bool>& stop = stop_on_termination_signals();
    int code = 0;
    if (args["--mode"] == "caught-up") {
      code = runtime.run_until_caught_up(stop) ? 0 : 2;
    } else {
      runtime.run(stop);
    }
    if (args.contains("--stats")) {
      const StreamRuntimeStats stats = runtime.stats();
      std::ofstream out(args["--stats"]);
      out << "processed=" << stats.processed << "\ncommits=" << stats.commits
          << "\naborts=" << stats.aborts << "\nrestored_records=" << stats.restored_records
          << "\ntasks_wiped=" << stats.tasks_wiped << "\n";
    }
    return code;
  } catch (const std::exception& e) {
    std::cerr << "counting_worker: " << e.what() << "\n";
    return 1;
  }
}
