#include "leifeng/runtime/instance_id.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <system_error>

namespace leifeng::runtime {
namespace {

namespace fs = std::filesystem;

// Kafka's limit for topic names, which it also applies to group.instance.id.
constexpr std::size_t kMaxLength = 249;

bool legal(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

std::string host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof(buffer) - 1) != 0 || buffer[0] == '\0') return "instance";
  std::string host;
  for (const char* c = buffer; *c != '\0' && host.size() < 64; ++c) host += legal(*c) ? *c : '_';
  return host;
}

std::string repair_hint(const fs::path& file) {
  return fmt::format("delete {} to generate a new instance id, or set [app] instance_id",
                     file.string());
}

std::string system_error(const std::string& what, const fs::path& path) {
  return fmt::format("{} {}: {}", what, path.string(), std::strerror(errno));
}

// The id kept in `file`; throws when it cannot be read or is not a valid id.
std::string read_instance_id(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InstanceIdError(system_error("cannot read the instance id file", file));
  std::ostringstream text;
  text << in.rdbuf();
  std::string id = text.str();
  // One line; a trailing line break (or blanks) from an editor is fine.
  while (!id.empty() &&
         (id.back() == '\n' || id.back() == '\r' || id.back() == ' ' || id.back() == '\t'))
    id.pop_back();
  if (id.empty())
    throw InstanceIdError(
        fmt::format("instance id file {} is empty: {}", file.string(), repair_hint(file)));
  if (const std::string problem = instance_id_problem(id); !problem.empty())
    throw InstanceIdError(fmt::format("instance id file {} holds no valid instance id ({}): {}",
                                      file.string(), problem, repair_hint(file)));
  return id;
}

// Writes `id` to a temporary file and links it as `file`: readers never see a partial file,
// and of two concurrent writers exactly one wins (link fails with EEXIST for the other).
// When `file` exists already it is left as it is.
void create_instance_id_file(const fs::path& file, const std::string& id) {
  const fs::path temporary = fs::path(file).concat(fmt::format(".{}.tmp", id));
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw InstanceIdError(system_error("cannot write the instance id file", temporary));
  const std::string line = id + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                       ::fsync(fd) == 0;
  const int write_errno = errno;
  ::close(fd);
  if (!written) {
    ::unlink(temporary.c_str());
    errno = write_errno;
    throw InstanceIdError(system_error("cannot write the instance id file", temporary));
  }
  const bool linked = ::link(temporary.c_str(), file.c_str()) == 0;
  const int link_errno = errno;
  ::unlink(temporary.c_str());
  if (linked || link_errno == EEXIST) return;
  errno = link_errno;
  throw InstanceIdError(system_error("cannot create the instance id file", file));
}

}  // namespace

std::string instance_id_problem(std::string_view id) {
  if (id.empty()) return "it is empty";
  if (id == "." || id == "..") return fmt::format("'{}' is not allowed", id);
  if (id.size() > kMaxLength)
    return fmt::format("it has {} characters, more than {}", id.size(), kMaxLength);
  for (const char c : id) {
    if (!legal(c))
      return fmt::format("'{}' holds characters other than a-z, A-Z, 0-9, '.', '_' and '-'", id);
  }
  return {};
}

std::string generate_instance_id() {
  std::random_device random;
  const uint64_t bits = (static_cast<uint64_t>(random()) << 32) ^ random();
  return fmt::format("{}-{:016x}", host_name(), bits);
}

std::string resolve_instance_id(const std::string& configured, const fs::path& state_dir) {
  if (!configured.empty()) {
    if (const std::string problem = instance_id_problem(configured); !problem.empty())
      throw InstanceIdError(fmt::format("[app] instance_id: {}", problem));
    return configured;
  }
  const fs::path file = state_dir / kInstanceIdFile;
  std::error_code error;
  if (fs::exists(file, error)) return read_instance_id(file);
  fs::create_directories(state_dir, error);
  if (error)
    throw InstanceIdError(fmt::format("cannot create the state directory {}: {}",
                                      state_dir.string(), error.message()));
  // When another process created the file first, its id is the one read back.
  create_instance_id_file(file, generate_instance_id());
  return read_instance_id(file);
}

}  // namespace leifeng::runtime
