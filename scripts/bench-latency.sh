#!/usr/bin/env bash
# The latency benchmark (issue 17): a running `leifeng run` under a steady load of input
# events, measured from an event handed to the producer to its stars record readable
# (read_committed) — bench/bench_latency.cpp. Each round runs it three times on the same
# broker, in rotating order: `leifeng run` with the default early commits under light load
# ([runtime] min_commit_interval_ms = 10), `leifeng run` with commits only every commit
# interval (min_commit_interval_ms = 100 = commit_interval_ms), and the floor: a bare
# exactly-once copy of the hours topic to the stars topic (bench_passthrough serve), one hop
# with nothing computed, committing as early. Each run has its own topic prefix, application
# id and state directory. BENCH_LINGER_MS (default 5, librdkafka's) is the input producer's
# linger.ms. BENCH_CONFIG (optional) is added to the configuration of both runs of leifeng,
# e.g. BENCH_CONFIG=$'[topics]\npartitions = 2'. Not part of CI.
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
bench_build "$build" leifeng bench_latency bench_passthrough
leifeng=$build/app/leifeng
probe=$build/bench/bench_latency
copy=$build/bench/bench_passthrough
linger=${BENCH_LINGER_MS:-5}
[[ -x $probe && -x $copy ]] ||
  die "$probe or $copy missing: configure $build with -DLEIFENG_BENCHMARKS=ON"

rm -rf "$work"
mkdir -p "$work"
bench_broker "$work/kafka"
echo "broker: $bootstrap; $rate events/s for $seconds s per run; input linger.ms $linger"

# Starts `leifeng run` (min_commit_interval_ms $2) or, for the floor, the bare copy, on fresh
# topics named lat-LABEL-ROUND, and waits until it has its partitions.
start() {  # label min_commit_interval_ms round
  local name="lat-$1-$3" config="$work/lat-$1-$3.toml" ready="tasks opened"
  printf '[app]\ntopic_prefix = "%s"\napplication_id = "%s"\nstate_dir = "%s"\n' \
    "$name" "$name" "$work/state-$name" >"$config"
  printf '[runtime]\ncommit_interval_ms = 100\nmin_commit_interval_ms = %s\n%s\n' "$2" \
    "${BENCH_CONFIG:-}" >>"$config"
  "$leifeng" -c "$config" --bootstrap-servers "$bootstrap" topics create >/dev/null 2>&1
  : >"$work/$name.err"
  if [[ $1 == floor ]]; then
    "$copy" serve --bootstrap "$bootstrap" --topics "$name.hours.v1" --output "$name.stars.v1" \
      --id "$name" >/dev/null 2>"$work/$name.err" &
    ready="serving"
  else
    "$leifeng" -c "$config" --bootstrap-servers "$bootstrap" run --progress-interval 0 \
      >/dev/null 2>"$work/$name.err" &
  fi
  run_pid=$!
  for _ in $(seq 1 120); do
    grep -q "$ready" "$work/$name.err" && break
    sleep 0.5
  done
  grep -q "$ready" "$work/$name.err" || die "$1 did not start: $(tail -3 "$work/$name.err")"
}

measure() {  # label min_commit_interval_ms round
  local name="lat-$1-$3" result label="$1 (min_commit_interval_ms $2)" commits=
  start "$@"
  result=$("$probe" --bootstrap "$bootstrap" --topic-prefix "$name" --rate "$rate" \
    --seconds "$seconds" --linger-ms "$linger") || die "lost records: $result"
  kill "$run_pid"
  wait "$run_pid" || true
  run_pid=
  if [[ $1 == floor ]]; then
    label="floor (bare exactly-once copy)"
  else
    commits="; $(grep -o 'commits=[0-9]*' "$work/$name.err")"
  fi
  echo "round $3: $label: $result$commits"
}

# A fresh broker creates its transaction and offset topics on first use: a run that pays for
# that first, not counted.
measure warm-up 10 0 >/dev/null
kinds=("early 10" "interval 100" "floor 10")
for ((r = 1; r <= rounds; r++)); do
  for ((k = 0; k < 3; k++)); do
    # shellcheck disable=SC2086 # "label interval" is two words on purpose
    measure ${kinds[(r + k) % 3]} "$r"
  done
done
