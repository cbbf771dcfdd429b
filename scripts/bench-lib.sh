# Sourced by the benchmark scripts that drive `leifeng run` on their own broker.
#
#   bench_build BUILD_DIR TARGET...   configure BUILD_DIR (Release, benchmarks on) if it has no
#                                     build yet, then build the targets
#   bench_broker DIR                  start a one-node broker under DIR (scripts/kafka.sh), set
#                                     `bootstrap`; at exit the broker stops, and the process in
#                                     `run_pid`, if any, is killed
bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

bench_build() {
  local build=$1
  shift
  if [[ ! -f $build/CMakeCache.txt ]]; then
    cmake -S "$bench_root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DLEIFENG_BENCHMARKS=ON >/dev/null
  fi
  cmake --build "$build" --target "$@" -j2 >/dev/null
}

run_pid=
bench_broker() {
  bench_broker_dir=$1
  bootstrap=$("$bench_root/scripts/kafka.sh" start "$bench_broker_dir" | tail -1)
  trap bench_cleanup EXIT
}

bench_cleanup() {
  [[ -n $run_pid ]] && kill "$run_pid" 2>/dev/null
  "$bench_root/scripts/kafka.sh" stop "$bench_broker_dir" >/dev/null 2>&1 || true
}
