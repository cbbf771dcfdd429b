// An output record the producer refuses (over message.max.bytes) stops the run with an error
// that names the output topic and the input being processed: topic, partition and offset, so an
// operator can find the message (issue 14, point 2).
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "kafka_test_support.hpp"
#include "leifeng/runtime/processor.hpp"
#include "leifeng/runtime/stream_runtime.hpp"

namespace leifeng::runtime::testing {
namespace {

// Echoes each input; "big" becomes a 1,500,000-byte record, over librdkafka's default
// message.max.bytes of 1,000,000.
class EchoProcessor final : public Processor {
 public:
  Outcome process(const InputRecord& record, Emitter& out) override {
    const std::string value =
        record.value == "big" ? std::string(1'500'000, 'x') : std::string(record.value);
    out.emit("echoes", record.key.value_or(""), value);
    return Outcome::applied;
  }
};

TEST(OversizeOutput, ProduceErrorNamesTheOutputTopicAndTheInputTopicPartitionAndOffset) {
  const std::string bootstrap = test_bootstrap_servers();
  const std::string app = unique_name("oversize");
  const std::string input = app + ".events";
  const std::string echoes = app + ".echoes";
  create_topic(bootstrap, input, 1);
  create_topic(bootstrap, echoes, 1);
  produce_all(bootstrap, input, {{"k", "small"}, {"k", "small"}, {"k", "big"}});

  Topology topology(app);
  topology.input("events", input)
      .output("echoes", echoes)
      .processor("echo", {"events"}, {},
                 [](TaskContext&) { return std::make_unique<EchoProcessor>(); });
  RuntimeOptions options;
  options.application_id = app;
  options.state_dir = (std::filesystem::temp_directory_path() / app).string();
  options.bootstrap_servers = bootstrap;
  options.instance_id = "one";
  std::atomic<bool> stop{false};
  StreamRuntime runtime(std::move(topology), options);
  try {
    runtime.run_until_caught_up(stop);
    FAIL() << "the oversized record was produced";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("cannot produce a record of 1500001 bytes (key and value) to " + echoes),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("while processing " + input + " partition 0 offset 2"),
              std::string::npos)
        << message;
  }
  std::filesystem::remove_all(options.state_dir);
}

}  // namespace
}  // namespace leifeng::runtime::testing
