#!/usr/bin/env bash
# The restore benchmark (issue 17): how fast `leifeng run` rebuilds its state from the
# changelogs when the state directory is lost. Builds the state once (`run --until-caught-up`
# over `generate --events N --seed 7`), then ROUNDS times deletes the state directory, starts
# `run` and reads its "N tasks opened in X ms, restored R changelog records in T ms" line.
# Not part of CI.
#
#   scripts/bench-restore.sh [BUILD_DIR] [EVENTS] [ROUNDS]
#
# EVENTS defaults to 1000000, ROUNDS to 3. A single-node broker is started under
# $TMPDIR/leifeng-bench-restore/kafka and stopped at the end.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build-bench}
events=${2:-1000000}
rounds=${3:-3}
work=${TMPDIR:-/tmp}/leifeng-bench-restore

die() { echo "bench-restore.sh: $*" >&2; exit 1; }

source "$root/scripts/bench-lib.sh"
bench_build "$build" leifeng
leifeng=$build/app/leifeng

rm -rf "$work"
mkdir -p "$work"
"$leifeng" generate --events "$events" --seed 7 -o "$work/events.jsonl" 2>/dev/null
bench_broker "$work/kafka"
printf '[app]\nstate_dir = "%s"\n' "$work/state" >"$work/leifeng.toml"
kafka=(-c "$work/leifeng.toml" --bootstrap-servers "$bootstrap")
"$leifeng" "${kafka[@]}" topics create >/dev/null 2>&1
"$leifeng" "${kafka[@]}" publish --quiet "$work/events.jsonl" >/dev/null 2>&1
"$leifeng" "${kafka[@]}" run --until-caught-up --progress-interval 0 >/dev/null 2>"$work/build.err" ||
  die "building the state failed: $(tail -3 "$work/build.err")"
echo "broker: $bootstrap; state of $events events built ($(du -sm "$work/state" | cut -f1) MB)"

for ((r = 1; r <= rounds; r++)); do
  rm -rf "$work/state"
  : >"$work/restore-$r.err"
  "$leifeng" "${kafka[@]}" run --progress-interval 0 >/dev/null 2>"$work/restore-$r.err" &
  run_pid=$!
  for _ in $(seq 1 600); do
    grep -q "tasks opened" "$work/restore-$r.err" && break
    sleep 0.2
  done
  kill "$run_pid"
  wait "$run_pid" || true
  run_pid=
  line=$(grep -o "restored [0-9]* changelog records in [0-9]* ms" "$work/restore-$r.err") ||
    die "no restore line: $(tail -3 "$work/restore-$r.err")"
  awk -v r="$r" '{printf "round %s: %s -> %.0f records/s\n", r, $0, $2 * 1000 / $6}' <<<"$line"
done
