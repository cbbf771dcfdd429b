#!/usr/bin/env bash
# Throughput of `leifeng replay --input` through the whole pipeline (decode, ledger, activities,
# needs, county statistics, output files) on a generated events file, and its peak RSS.
# Numbers and the command are recorded in BENCHMARKS.md ("Replay --input").
#
#   scripts/bench-replay.sh [BUILD_DIR] [EVENTS] [RUNS] [THREADS...]
#
# BUILD_DIR (default build-bench) is configured as a Release build if it does not exist yet;
# EVENTS (default 2020000, which gives a little over two million lines) and seed 7 are passed
# to `leifeng generate`. Each round replays once per THREADS value (`--threads`; default: 1 and
# the number of cores), alternating, and checks that every output equals the first one's; each
# replay prints events/s per wall second and per user-CPU second plus the peak RSS. The last
# lines are the median run by wall time of each thread count, after RUNS (default 3) rounds.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build-bench}
events=${2:-2020000}
runs=${3:-3}
threads=("${@:4}")
[[ ${#threads[@]} -gt 0 ]] || threads=(1 "$(nproc)")
work=${TMPDIR:-/tmp}/leifeng-bench-replay
input=$work/events-$events.jsonl

die() { echo "bench-replay.sh: $*" >&2; exit 1; }
[[ -x /usr/bin/time ]] || die "needs GNU time (/usr/bin/time, Debian package 'time')"

if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target leifeng -j2 >/dev/null
leifeng=$build/app/leifeng

mkdir -p "$work"
if [[ ! -s $input ]]; then
  "$leifeng" generate --events "$events" --seed 7 -o "$input" 2>/dev/null
fi
echo "input: $input ($(wc -l <"$input") lines, $(du -m "$input" | cut -f1) MB)"

declare -A results
for ((run = 1; run <= runs; run++)); do
  for t in "${threads[@]}"; do
    out=$work/out-$t
    rm -rf "$out"
    /usr/bin/time -f '%e %U %S %M' -o "$work/time" \
      "$leifeng" replay --threads "$t" --input "$input" --out "$out" >/dev/null 2>&1
    read -r wall user sys rss_kb <"$work/time"
    if [[ $t != "${threads[0]}" ]]; then
      diff -rq "$work/out-${threads[0]}" "$out" >/dev/null ||
        die "outputs of --threads $t differ from those of --threads ${threads[0]}"
    fi
    read_count=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["events_read"])' \
      "$out/summary.json")
    line=$(python3 -c '
import sys
n, wall, user, sys_s, rss = int(sys.argv[1]), *map(float, sys.argv[2:6])
print(f"{n} events  wall {wall:.2f} s  user {user:.2f} s  sys {sys_s:.2f} s  "
      f"{n / wall / 1e6:.2f} M events/s (wall)  {n / user / 1e6:.2f} M events/s (user CPU)  "
      f"peak RSS {rss / 1024:.0f} MB")' "$read_count" "$wall" "$user" "$sys" "$rss_kb")
    echo "round $run, --threads $t: $line"
    results[$t]+="$wall $line"$'\n'
  done
done
for t in "${threads[@]}"; do
  median=$(printf '%s' "${results[$t]}" | sort -n | sed -n "$(((runs + 1) / 2))p" | cut -d' ' -f2-)
  echo "median, --threads $t: $median"
done
