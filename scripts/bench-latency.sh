#!/usr/bin/env bash
# The latency benchmark (issue 17): a running `leifeng run` under a steady load of input
# events, measured from an event handed to the producer to its stars record readable
# (read_committed) — bench/bench_latency.cpp. Each round runs it twice on the same broker, in
# alternating order: with the default early commits under light load
# ([runtime] min_commit_interval_ms = 10) and with commits only every commit interval
# (min_commit_interval_ms = 100 = commit_interval_ms). Each run has its own topic prefix,
# application id and state directory. Not part of CI.
#
#   scripts/bench-latency.sh [BUILD_DIR] [RATE] [SECONDS] [ROUNDS]
#
# RATE events per second (default 5000) for SECONDS (default 20, the first 3 left out of the
# percentiles); ROUNDS defaults to 3. A single-node broker is started under
# $TMPDIR/leifeng-bench-latency/kafka and stopped at the end.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build-bench}
rate=${2:-5000}
seconds=${3:-20}
rounds=${4:-3}
work=${TMPDIR:-/tmp}/leifeng-bench-latency

die() { echo "bench-latency.sh: $*" >&2; exit 1; }

source "$root/scripts/bench-lib.sh"
bench_build "$build" leifeng bench_latency
leifeng=$build/app/leifeng
probe=$build/bench/bench_latency
[[ -x $probe ]] || die "$probe missing: configure $build with -DLEIFENG_BENCHMARKS=ON"

rm -rf "$work"
mkdir -p "$work"
bench_broker "$work/kafka"
echo "broker: $bootstrap; $rate events/s for $seconds s per run"

measure() {  # label min_commit_interval_ms round
  local name="lat-$1-$3" config="$work/lat-$1-$3.toml"
  printf '[app]\ntopic_prefix = "%s"\napplication_id = "%s"\nstate_dir = "%s"\n' \
    "$name" "$name" "$work/state-$name" >"$config"
  printf '[runtime]\ncommit_interval_ms = 100\nmin_commit_interval_ms = %s\n' "$2" >>"$config"
  "$leifeng" -c "$config" --bootstrap-servers "$bootstrap" topics create >/dev/null 2>&1
  : >"$work/$name.err"
  "$leifeng" -c "$config" --bootstrap-servers "$bootstrap" run --progress-interval 0 \
    >/dev/null 2>"$work/$name.err" &
  run_pid=$!
  for _ in $(seq 1 120); do
    grep -q "tasks opened" "$work/$name.err" && break
    sleep 0.5
  done
  grep -q "tasks opened" "$work/$name.err" || die "run did not start: $(tail -3 "$work/$name.err")"
  local result
  result=$("$probe" --bootstrap "$bootstrap" --topic-prefix "$name" --rate "$rate" \
    --seconds "$seconds") || die "lost records: $result"
  kill "$run_pid"
  wait "$run_pid" || true
  run_pid=
  echo "round $3: $1 (min_commit_interval_ms $2): $result;" \
    "$(grep -o 'commits=[0-9]*' "$work/$name.err")"
}

# A fresh broker creates its transaction and offset topics on first use: a run that pays for
# that first, not counted.
measure warm-up 10 0 >/dev/null
for ((r = 1; r <= rounds; r++)); do
  if ((r % 2)); then
    measure early 10 "$r"
    measure interval 100 "$r"
  else
    measure interval 100 "$r"
    measure early 10 "$r"
  fi
done
