#!/usr/bin/env bash
# Failover time of interactive queries (issue 15): two `leifeng run` instances serve the state
# of VOLUNTEERS volunteers; the owner of a volunteer's partition is killed with SIGKILL and the
# survivor is asked for that volunteer every 20 ms. Printed per mode (with and without
# [runtime] standby_replicas): ms from the kill to the first 200 answer (from the survivor's
# standby copy, marked "served_by":"standby", when there is one), ms until the survivor answers
# as the partition's owner, the changelog records its takeover restored, and each instance's
# peak RSS before the kill. Numbers and the command are recorded in BENCHMARKS.md
# ("Interactive queries").
#
#   scripts/bench-failover.sh [BUILD_DIR] [VOLUNTEERS] [EVENTS]
#
# BUILD_DIR (default build) must hold app/leifeng; VOLUNTEERS (default 1000000) and EVENTS
# (default 1.5 x VOLUNTEERS) are passed to `leifeng generate --seed 9`. The broker: $BOOTSTRAP,
# else one started with scripts/kafka.sh in the work directory (and stopped at the end).
# MODES (default "1 0") are the standby_replicas values to run, in that order.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
volunteers=${2:-1000000}
events=${3:-$((volunteers * 3 / 2))}
work=${TMPDIR:-/tmp}/leifeng-bench-failover
leifeng=$(realpath "$build/app/leifeng" 2>/dev/null || echo "$build/app/leifeng")
input=$work/events-$volunteers-$events.jsonl

die() { echo "bench-failover.sh: $*" >&2; exit 1; }
[[ -x $leifeng ]] || die "no $leifeng (build the leifeng target first)"
mkdir -p "$work"
pids=()
started_broker=
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  if [[ -n $started_broker ]]; then "$root/scripts/kafka.sh" stop "$work/kafka" >/dev/null || true; fi
}
trap cleanup EXIT
if [[ -z ${BOOTSTRAP:-} ]]; then
  "$root/scripts/kafka.sh" start "$work/kafka" >/dev/null
  started_broker=1
  BOOTSTRAP=$(cat "$work/kafka/bootstrap")
fi
if [[ ! -s $input ]]; then
  "$leifeng" generate --seed 9 --volunteers "$volunteers" --events "$events" -o "$input" 2>/dev/null
fi
echo "input: $input ($(wc -l <"$input") lines); broker $BOOTSTRAP"
mapfile -t candidates < <(grep -o '"volunteer_id":"[^"]*"' "$input" | head -3000 | cut -d'"' -f4 |
  sort -u | head -300)

now_ms() { echo $(($(date +%s%N) / 1000000)); }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# status, and whether the answer came from a standby copy: "200 true" / "503 "
ask() {
  local headers
  headers=$(curl -s -m 5 -o /dev/null -D - "http://127.0.0.1:$1$2" 2>/dev/null | tr -d '\r') || true
  local status standby
  status=$(awk 'NR==1 {print $2}' <<<"$headers")
  standby=$(awk -F': ' 'tolower($1)=="x-leifeng-standby" {print $2}' <<<"$headers")
  echo "${status:-000} $standby"
}
# The peak resident set of a process so far, in MiB.
peak_rss_mib() { awk '/^VmHWM:/ {printf "%d", $2 / 1024}' "/proc/$1/status"; }
# The latest progress line of every log shows nothing left to process.
idle() {
  local log line
  for log in "$@"; do
    line=$(grep 'run progress' "$log" | tail -1)
    [[ $line == *"per_second=0 "* && $line == *"lag_hours=0 lag_activities=0 lag_needs=0"* ]] ||
      return 1
  done
}

run_mode() {
  local standby=$1 prefix="bench-failover-$1-$$-$RANDOM" dir="$work/mode-$1"
  rm -rf "$dir"
  mkdir -p "$dir/a" "$dir/b"
  local env=(LEIFENG_APP_TOPIC_PREFIX="$prefix" LEIFENG_APP_APPLICATION_ID="$prefix"
    LEIFENG_RUNTIME_STANDBY_REPLICAS="$standby")
  env "${env[@]}" "$leifeng" --bootstrap-servers "$BOOTSTRAP" topics create >/dev/null 2>&1
  local t0
  t0=$(now_ms)
  env "${env[@]}" "$leifeng" --bootstrap-servers "$BOOTSTRAP" publish -q "$input" >/dev/null 2>&1
  echo "standby_replicas=$standby: published in $(($(now_ms) - t0)) ms"
  local port_a port_b
  port_a=$(free_port)
  port_b=$(free_port)
  (cd "$dir/a" && exec env "${env[@]}" LEIFENG_SERVE_PORT="$port_a" "$leifeng" \
    --bootstrap-servers "$BOOTSTRAP" run --progress-interval 1 >run.out 2>run.err) &
  local pid_a=$!
  pids+=("$pid_a")
  (cd "$dir/b" && exec env "${env[@]}" LEIFENG_SERVE_PORT="$port_b" "$leifeng" \
    --bootstrap-servers "$BOOTSTRAP" run --progress-interval 1 >run.out 2>run.err) &
  local pid_b=$!
  pids+=("$pid_b")
  t0=$(now_ms)
  sleep 5
  local calm=0
  while ((calm < 3)); do
    sleep 1
    if idle "$dir/a/run.err" "$dir/b/run.err"; then calm=$((calm + 1)); else calm=0; fi
    kill -0 "$pid_a" "$pid_b" 2>/dev/null || die "an instance exited; see $dir/*/run.err"
  done
  echo "  processed in $(($(now_ms) - t0 - 3000)) ms (both instances idle); peak RSS" \
    "$(peak_rss_mib "$pid_a") and $(peak_rss_mib "$pid_b") MiB"
  # A volunteer whose partition the second instance owns: the first forwards it there.
  local moved="" id
  for id in "${candidates[@]}"; do
    if curl -s -m 5 -D - -o /dev/null "http://127.0.0.1:$port_a/v1/volunteers/$id" |
      grep -qi '^x-leifeng-forwarded-by'; then
      moved=$id
      break
    fi
  done
  [[ -n $moved ]] || die "no volunteer of the second instance found"
  sleep 2  # the standby applies what the owner committed
  local log_before answer first="" owner=""
  log_before=$(wc -c <"$dir/a/run.err")
  kill -KILL "$pid_b"
  local killed
  killed=$(now_ms)
  while (($(now_ms) - killed < 300000)); do
    answer=$(ask "$port_a" "/v1/volunteers/$moved")
    if [[ $answer == 200* && -z $first ]]; then
      first=$(($(now_ms) - killed))
      echo "  kill -9 -> first 200 for $moved after $first ms (X-Leifeng-Standby: '${answer#200 }')"
    fi
    if [[ $answer == "200 " ]]; then
      owner=$(($(now_ms) - killed))
      break
    fi
    sleep 0.02
  done
  local restored
  restored=$(tail -c +"$((log_before + 1))" "$dir/a/run.err" |
    grep -o 'restored [0-9]* changelog records in [0-9]* ms' | tr '\n' ';')
  echo "  standby_replicas=$standby: first answer ${first:-none} ms; new owner answers ${owner:-never} ms; takeover: ${restored:-no restore logged}"
  kill -TERM "$pid_a"
  wait "$pid_a" || true
}

for mode in ${MODES:-1 0}; do run_mode "$mode"; done
