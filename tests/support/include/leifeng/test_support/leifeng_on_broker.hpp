// The leifeng binary against the fixture broker, with its own topic prefix, application id,
// state directory and working directory, so tests never see each other's topics or state.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "leifeng/test_support/files.hpp"
#include "leifeng/test_support/leifeng_command.hpp"

namespace leifeng::test_support {

class LeifengOnBroker {
 public:
  // `stem` names the prefix (made unique) and the directory; the broker's address comes from
  // the file named by LEIFENG_TEST_BOOTSTRAP_FILE.
  explicit LeifengOnBroker(const std::string& stem);

  // Runs `args` after the global flags: `-c leifeng.toml` when the directory holds one, and
  // the broker's address unless `with_kafka` is false.
  CommandResult run(const std::string& args, bool with_kafka = true) const;
  // Starts `args` in the background (see LeifengCommand::start).
  pid_t start(const std::string& args, const std::string& out, const std::string& err) const;

  // The prefixed name of a topic of SPEC §2, e.g. "<prefix>.hours.v1".
  std::string topic(const std::string& name) const { return prefix_ + "." + name + ".v1"; }
  const std::string& prefix() const { return prefix_; }
  const std::string& bootstrap() const { return bootstrap_; }
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  std::vector<std::string> arguments(const std::string& args, bool with_kafka) const;

  std::string bootstrap_;
  std::string prefix_;
  ScratchDir dir_;
  LeifengCommand command_;
};

}  // namespace leifeng::test_support
