#!/usr/bin/env bash
# The restore benchmark (issue 17): how fast `leifeng run` rebuilds its state from the
# changelogs when the state directory is lost. Builds the state once (`run --until-caught-up`
# over `generate --events N --seed 7`), then ROUNDS times deletes the state directory, starts
# `run` and reads its "N tasks opened (K kept) in X ms, restored R changelog records in T ms"
# line, and reads the same changelogs with a bare consumer (bench_passthrough consume, read_committed,
# records discarded): the floor of a restore on this broker. Not part of CI.
#
#   scripts/bench-restore.sh [BUILD_DIR] [EVENTS] [ROUNDS]
#
# EVENTS defaults to 1000000, ROUNDS to 3. BENCH_RUNTIME (optional) is added to the [runtime]
# table, e.g. BENCH_RUNTIME='threads = 1'; BENCH_LEIFENG (optional) is a leifeng binary to
# measure instead of BUILD_DIR's (an older build, for a before/after). A single-node broker is started under
# $TMPDIR/leifeng-bench-restore/kafka and stopped at the end.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build-bench}
events=${2:-1000000}
rounds=${3:-3}
work=${TMPDIR:-/tmp}/leifeng-bench-restore

die() { echo "bench-restore.sh: $*" >&2; exit 1; }

source "$root/scripts/bench-lib.sh"
if [[ -n ${BENCH_LEIFENG:-} ]]; then
  leifeng=$BENCH_LEIFENG
else
  bench_build "$build" leifeng
  leifeng=$build/app/leifeng
fi
bench_build "$build" bench_passthrough
probe=$build/bench/bench_passthrough
[[ -x $probe ]] || die "$probe missing: configure $build with -DLEIFENG_BENCHMARKS=ON"

rm -rf "$work"
mkdir -p "$work"
"$leifeng" generate --events "$events" --seed 7 -o "$work/events.jsonl" 2>/dev/null
bench_broker "$work/kafka"
printf '[app]\nstate_dir = "%s"\n[runtime]\n%s\n' "$work/state" "${BENCH_RUNTIME:-}" >"$work/leifeng.toml"
kafka=(-c "$work/leifeng.toml" --bootstrap-servers "$bootstrap")
"$leifeng" "${kafka[@]}" topics create >/dev/null 2>&1
"$leifeng" "${kafka[@]}" publish --quiet "$work/events.jsonl" >/dev/null 2>&1
"$leifeng" "${kafka[@]}" run --until-caught-up --progress-interval 0 >/dev/null 2>"$work/build.err" ||
  die "building the state failed: $(tail -3 "$work/build.err")"
echo "broker: $bootstrap; state of $events events built ($(du -sm "$work/state" | cut -f1) MB)"
changelogs=$("$leifeng" "${kafka[@]}" topics list 2>/dev/null | awk '$1 ~ /-changelog$/ {print $1}' |
  paste -sd, -)
[[ -n $changelogs ]] || die "no changelog topics listed"

for ((r = 1; r <= rounds; r++)); do
  rm -rf "$work/state"
  : >"$work/restore-$r.err"
  "$leifeng" "${kafka[@]}" run --progress-interval 0 >/dev/null 2>"$work/restore-$r.err" &
  run_pid=$!
  # Each stream thread restores its own tasks and logs its own line.
  threads=
  for _ in $(seq 1 600); do
    [[ -z $threads ]] && threads=$(grep -o -m1 'threads=[0-9]*' "$work/restore-$r.err" | cut -d= -f2 || true)
    [[ -n $threads ]] && (($(grep -c "tasks opened" "$work/restore-$r.err") >= threads)) && break
    sleep 0.2
  done
  kill "$run_pid"
  wait "$run_pid" || true
  run_pid=
  lines=$(grep -o "restored [0-9]* changelog records in [0-9]* ms" "$work/restore-$r.err" |
    head -n "${threads:-1}") || die "no restore line: $(tail -3 "$work/restore-$r.err")"
  # The threads restore side by side: their records over the longest one's time.
  awk -v r="$r" -v t="${threads:-1}" '{n += $2; if ($6 > ms) ms = $6}
    END {printf "round %s: %d records in %d ms (%d threads) -> %.0f records/s\n", r, n, ms, t, n * 1000 / ms}' <<<"$lines"
  # "consume <records> records <seconds> s <cpu> cpu-s"
  "$probe" consume --bootstrap "$bootstrap" --topics "$changelogs" |
    awk -v r="$r" '{printf "round %s: bare consume of the changelogs: %d records in %.0f ms -> %.0f records/s\n", r, $2, $4 * 1000, $2 / $4}'
done
