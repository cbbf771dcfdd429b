// RocksDB's log, sent to leifeng's own: a task database's errors become error lines naming
// the database, its warnings (write stalls, mostly) debug lines, and nothing else is written.
// RocksDB's default writes a LOG file in every task directory and fills it at each open with a
// dump of every option of every column family: 3 % of the instructions of a 100k-event `run`
// (docs/performance-history.md, "Table records once per commit, and RocksDB's opens and log").
#pragma once

#include <rocksdb/env.h>

#include <cstdarg>
#include <string>

namespace leifeng::runtime {

class RocksDbLog : public rocksdb::Logger {
 public:
  explicit RocksDbLog(std::string database);

  void Logv(const char* format, va_list ap) override;
  void Logv(rocksdb::InfoLogLevel level, const char* format, va_list ap) override;
  void LogHeader(const char* format, va_list ap) override;  // the options dump: dropped

 private:
  std::string database_;
};

}  // namespace leifeng::runtime
