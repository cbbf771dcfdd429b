#include "rocksdb_log.hpp"

#include <cstdio>
#include <utility>

#include "leifeng/runtime/logging.hpp"

namespace leifeng::runtime {

RocksDbLog::RocksDbLog(std::string database)
    : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL), database_(std::move(database)) {}

void RocksDbLog::Logv(const char* /*format*/, va_list /*ap*/) {
  // Without a level RocksDB means information: below what is kept.
}

void RocksDbLog::LogHeader(const char* /*format*/, va_list /*ap*/) {}

void RocksDbLog::Logv(rocksdb::InfoLogLevel level, const char* format, va_list ap) {
  if (level < rocksdb::InfoLogLevel::WARN_LEVEL || level == rocksdb::InfoLogLevel::HEADER_LEVEL)
    return;
  // RocksDB warns of write stalls (a flush behind the writes) many times a run: a matter of
  // speed, shown at debug. Its errors are leifeng's errors.
  const spdlog::level::level_enum ours =
      level == rocksdb::InfoLogLevel::WARN_LEVEL    ? spdlog::level::debug
      : level == rocksdb::InfoLogLevel::ERROR_LEVEL ? spdlog::level::err
                                                    : spdlog::level::critical;
  if (!spdlog::should_log(ours)) return;
  char line[1024];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  std::vsnprintf(line, sizeof line, format, ap);  // RocksDB's printf format; cut if longer
#pragma GCC diagnostic pop
  log_event(ours, line, "source", "rocksdb", "state", database_);
}

}  // namespace leifeng::runtime
