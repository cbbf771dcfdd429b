#!/usr/bin/env bash
# How long a rebalance stops a busy instance (tasks kept open across a rebalance,
# src/kept_tasks.hpp). Each round: instance A (`leifeng run`, a fresh application id) processes
# a generated events file; after BENCH_JOIN_AFTER seconds (default 3) instance B of
# the same application joins, which rebalances the group (twice with two stream threads: B's
# threads join one after the other); both stop a while later. From A's info log, per rebalance:
# its revocation until its assignment (the group waiting for the members), its assignment until
# every stream thread of A processes again, and the tasks A opened and took over. With
# BENCH_LEIFENG_B set to another build of leifeng, each round runs both builds, alternating.
# Not part of CI.
#
#   scripts/bench-rebalance.sh [BUILD_DIR] [EVENTS] [ROUNDS]
#
# EVENTS (default 1000000) go to `leifeng generate` with seed 7; ROUNDS defaults to 3. A
# single-node broker is started under $TMPDIR/leifeng-bench-rebalance/kafka and stopped at the
# end.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build-bench}
events=${2:-1000000}
rounds=${3:-3}
join_after=${BENCH_JOIN_AFTER:-3}
work=${TMPDIR:-/tmp}/leifeng-bench-rebalance

die() { echo "bench-rebalance.sh: $*" >&2; exit 1; }

source "$root/scripts/bench-lib.sh"
bench_build "$build" leifeng
builds=("$build/app/leifeng")
[[ -n ${BENCH_LEIFENG_B:-} ]] && builds+=("$BENCH_LEIFENG_B")

rm -rf "$work"
mkdir -p "$work"
bench_broker "$work/kafka"
leifeng=${builds[0]}
"$leifeng" generate --events "$events" --seed 7 -o "$work/events.jsonl" 2>/dev/null
"$leifeng" --bootstrap-servers "$bootstrap" topics create >/dev/null 2>&1
"$leifeng" --bootstrap-servers "$bootstrap" publish --quiet "$work/events.jsonl" >/dev/null 2>&1
echo "broker: $bootstrap; $(wc -l <"$work/events.jsonl") events published; B joins after ${join_after} s"

# Prints one line per rebalance of A after B started: "revoked->assigned+assigned->all
# processing ms, opened/taken over tasks".
rebalances() {  # A's log, A's stream threads
  awk '
    function t(line,  m) { match(line, /T[0-9:.]+/); split(substr(line, RSTART + 1, RLENGTH - 1), m, ":"); return m[1] * 3600 + m[2] * 60 + m[3] }
    /revoking/ { if (!open) { start = t($0); assigned = 0; done = 0; opened = 0; kept = 0; open = 1 } next }
    /level=info assigned/ { if (open && !assigned) assigned = t($0); next }
    /tasks opened/ {
      if (!open || !assigned) next
      match($0, /[0-9]+ tasks opened/); opened += substr($0, RSTART, RLENGTH) + 0
      if (match($0, /\([0-9]+ kept\)/)) kept += substr($0, RSTART + 1, RLENGTH - 2) + 0
      last = t($0); if (++done == threads) {
        printf "%.0f+%.0f ms, %d opened/%d taken over\n", (assigned - start) * 1000, (last - assigned) * 1000, opened, kept
        open = 0
      }
    }' threads="$2" "$1"
}

round() {  # build index, round
  local bin=${builds[$1]} name="rebalance-$1-$2"
  printf '[app]\napplication_id = "%s"\nstate_dir = "%s/a-%s"\n' "$name" "$work" "$name" >"$work/$name-a.toml"
  printf '[app]\napplication_id = "%s"\nstate_dir = "%s/b-%s"\n' "$name" "$work" "$name" >"$work/$name-b.toml"
  LEIFENG_LOG_LEVEL=info "$bin" --bootstrap-servers "$bootstrap" -c "$work/$name-a.toml" run \
    --progress-interval 0 >/dev/null 2>"$work/$name-a.log" &
  run_pid=$!
  local a=$run_pid
  sleep "$join_after"
  LEIFENG_LOG_LEVEL=info "$bin" --bootstrap-servers "$bootstrap" -c "$work/$name-b.toml" run \
    --progress-interval 0 >/dev/null 2>"$work/$name-b.log" &
  local b=$!
  sleep 15
  kill -INT "$b"
  wait "$b" || true
  kill -INT "$a"
  wait "$a" || true
  run_pid=
  local threads
  threads=$(grep -o -m1 'threads=[0-9]*' "$work/$name-a.log" | cut -d= -f2 || true)
  # The two rebalances B's joins cause; with several threads A's own threads' join (the first
  # thread holds its first assignment until the others have joined) comes before them.
  local skip=1
  ((${threads:-1} > 1)) && skip=2
  local lines
  lines=$(rebalances "$work/$name-a.log" "${threads:-1}" | tail -n +"$skip" | head -n 2 |
    paste -sd ';' -)
  echo "round $2, ${bin}: ${lines:-no rebalance seen}"
  rm -rf "$work/a-$name" "$work/b-$name"
}

for ((r = 1; r <= rounds; r++)); do
  if ((r % 2 == 1)); then order=("${!builds[@]}"); else order=($(printf '%s\n' "${!builds[@]}" | sort -rn)); fi
  for i in "${order[@]}"; do round "$i" "$r"; done
done
