// The identity of one runtime instance: its consumer's group.instance.id (static membership)
// and the suffix of its producer's transactional.id (<application_id>-<instance_id>). Two live
// instances of one application must never share it (each would fence the other), and one
// instance must keep it across restarts (so that it fences its own crashed predecessor and
// gets its partitions back at once).
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace leifeng::runtime {

// The file under the state directory that keeps a generated instance id.
inline constexpr std::string_view kInstanceIdFile = "instance-id";

// An instance id that cannot be used; what() says why and how to repair it.
class InstanceIdError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Why `id` cannot be an instance id, or "" when it can. Kafka checks group.instance.id like a
// topic name: 1 to 249 of the characters a-z A-Z 0-9 . _ -, and neither "." nor "..".
std::string instance_id_problem(std::string_view id);

// A new instance id: the host name (characters Kafka refuses become '_'), '-', and 64 random
// bits in hex, e.g. "worker-3-9f86d081884c7d65".
std::string generate_instance_id();

// The instance id to run with: `configured` when it is not empty (then nothing is read or
// written); else the one kept in <state_dir>/instance-id, which the first call generates and
// writes (atomically: concurrent first calls agree). An empty or invalid file is an error,
// not silently replaced: the id names the instance to the broker. Throws InstanceIdError.
std::string resolve_instance_id(const std::string& configured,
                                const std::filesystem::path& state_dir);

}  // namespace leifeng::runtime
