#!/usr/bin/env bash
# The live benchmark (issue 17): `leifeng run --until-caught-up` against two baselines on the
# same broker and the same input topics, in alternating rounds:
#   - consume:     a bare consumer reading every input partition (what the broker hands out),
#                  with queued.min.messages 1,000,000: at librdkafka's default the
#                  one-second fetch pause described below took 3 of 8 runs from 0.5 s to
#                  1.16-1.27 s for the same records, with it none of 8 (0.49-0.74 s);
#   - passthrough: a bare consume -> transactional produce copy (group, read_committed,
#                  offsets in each transaction, 100 ms commits), the floor of exactly-once;
#   - passthrough_deep: the same copy with queued.min.messages 1,000,000 and
#                  queued.max.messages.kbytes at librdkafka's maximum: librdkafka 2.0.2 stops
#                  fetching while its queue holds queued.min.messages (100,000 by default) or
#                  queued.max.messages.kbytes (64 MiB, about 220,000 of these events) and looks
#                  again up to a second later, which bounds the plain copy;
#   - leifeng:     `run --until-caught-up` with a fresh application id and state directory;
#   - replay:      `replay --input` of the same file (no Kafka), for CPU per event.
# Prints each round, then medians, events/s and the ratios the issue's targets name, and the
# broker's CPU during each kind (the broker shares the machine's cores). Each run waits for the
# broker to be idle first, and each `run`'s internal topics are deleted after it (untimed).
# Not part of CI; numbers and the command go to BENCHMARKS.md ("Live path").
#
#   scripts/bench-live.sh [BUILD_DIR] [EVENTS] [ROUNDS]
#
# BUILD_DIR (default build-bench) is configured as a Release build if it does not exist yet;
# EVENTS (default 1000000) and seed 7 go to `leifeng generate`; ROUNDS defaults to 3.
# BENCH_RUNTIME (optional) is added to the [runtime] table of run's configuration, e.g.
# BENCH_RUNTIME='max_commit_interval_ms = 100'. BENCH_RUNTIME_B (optional) adds a kind
# `leifeng_b`, run with that [runtime] text instead, for an A/B comparison in the same rounds.
# Other tables may follow in the text: BENCH_RUNTIME_B=$'threads = 1\n[kafka]\n"linger.ms" = 50'.
# BENCH_LEIFENG_B (optional) also adds `leifeng_b`, run with that binary instead (an older
# build, for a before/after). BENCH_LEIFENG (optional) runs the `leifeng` kind with that
# binary instead of BUILD_DIR's: with both set, an A/B runs again with the roles swapped (the two
# kinds' slots in the rounds have differed by more than a change's effect).
# BENCH_WRITE_PERCENT (optional, e.g. 41) adds a kind `passthrough_share`: the deep copy writing
# only that many of every 100 records (`leifeng run` writes about 41), with transactions of
# BENCH_SHARE_COMMIT_MS (default 100; run's grow from 100 to 1000 ms under load) and a producer
# queue of 1,000,000 records (at 100,000 it waited 10 ms for a full queue 68 times a run).
# Consume, a share written and committed offsets, no processing and no state: the floor of a
# live run.
# BENCH_WARMUP_ROUNDS (default 1) rounds of every kind run first and are not counted. Before
# them, `run`s alone until the broker's JIT compiler threads use under BENCH_WARM_JIT (default
# 0.5) s of CPU in one (at most BENCH_WARM_RUNS, default 12): a fresh broker kept compiling
# during each of its first dozen `run`s (2.7 s in the first, 0.4 s in the eighth), which a
# long-lived broker has long done. Each line gives the broker's CPU and, in it, its compilers'.
# A single-node broker is started under
# $TMPDIR/leifeng-bench-live/kafka and stopped at the end.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build-bench}
events=${2:-1000000}
rounds=${3:-3}
warmup=${BENCH_WARMUP_ROUNDS:-1}
work=${TMPDIR:-/tmp}/leifeng-bench-live
input=$work/events-$events.jsonl

die() { echo "bench-live.sh: $*" >&2; exit 1; }
[[ -x /usr/bin/time ]] || die "needs GNU time (/usr/bin/time, Debian package 'time')"

if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLEIFENG_BENCHMARKS=ON >/dev/null
fi
cmake --build "$build" --target leifeng bench_passthrough -j2 >/dev/null
leifeng=$build/app/leifeng
baseline=$build/bench/bench_passthrough
[[ -x $baseline ]] || die "$baseline missing: configure $build with -DLEIFENG_BENCHMARKS=ON"

mkdir -p "$work"
rm -rf "$work"/kafka "$work"/state-* "$work"/round-*.toml
if [[ ! -s $input ]]; then
  "$leifeng" generate --events "$events" --seed 7 -o "$input" 2>/dev/null
fi
bootstrap=$("$root/scripts/kafka.sh" start "$work/kafka" | tail -1)
trap '"$root/scripts/kafka.sh" stop "$work/kafka" >/dev/null 2>&1 || true' EXIT
echo "broker: $bootstrap; input: $input ($(wc -l <"$input") lines)"
"$leifeng" --bootstrap-servers "$bootstrap" topics create >/dev/null 2>&1
# The passthrough's output: leifeng's topics under another prefix (bench.hours.v1 and so on).
printf '[app]\ntopic_prefix = "bench"\n' >"$work/copy.toml"
"$leifeng" -c "$work/copy.toml" --bootstrap-servers "$bootstrap" topics create >/dev/null 2>&1
"$leifeng" --bootstrap-servers "$bootstrap" publish --quiet "$input" >/dev/null 2>&1
inputs=leifeng.hours.v1,leifeng.activities.v1,leifeng.needs.v1
broker_pid=$(cat "$work/kafka/pid")
# The broker's user + system CPU so far, in seconds.
broker_cpu() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$broker_pid/stat"; }
# The same for its JIT compiler threads ("C1 CompilerThre", "C2 CompilerThre").
broker_jit_cpu() {
  local task ticks=0
  for task in /proc/"$broker_pid"/task/*; do
    [[ $(cat "$task/comm" 2>/dev/null) == C[12]\ CompilerThre* ]] || continue
    ticks=$((ticks + $(awk '{print $14 + $15}' "$task/stat" 2>/dev/null || echo 0)))
  done
  awk -v t="$ticks" 'BEGIN {printf "%.2f", t / 100}'
}

# "<wall> <cpu>" of a command, its output discarded.
timed() {
  /usr/bin/time -f '%e %U %S' -o "$work/time" "$@" >"$work/out" 2>"$work/err" ||
    { cat "$work/err" >&2; die "failed: $*"; }
  awk '{printf "%s %.2f\n", $1, $2 + $3}' "$work/time"
}
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# Waits, up to 60 s, until the broker used under 0.03 s of CPU in half a second: its log
# cleaner compacting the topics a run has grown would otherwise fall into the next kind's run
# (rounds of one binary took 7.5 to 12.3 s of CPU, the broker 2.6 to 8.6 s).
settle() {
  local i a
  for ((i = 0; i < 120; i++)); do
    a=$(broker_cpu)
    sleep 0.5
    awk -v a="$a" -v b="$(broker_cpu)" 'BEGIN {exit !(b - a < 0.03)}' && return 0
  done
  echo "(the broker is still busy after 60 s)"
}

declare -A wall cpu broker
records=0
last_jit=0
run_one() {  # kind round
  local kind=$1 r=$2 result before jit_before reset_with=
  settle
  before=$(broker_cpu)
  jit_before=$(broker_jit_cpu)
  case $kind in
    consume)
      result=$(timed "$baseline" consume --bootstrap "$bootstrap" --topics "$inputs" \
        --queued-min-messages 1000000)
      records=$(awk '{print $2}' "$work/out") ;;
    passthrough)
      result=$(timed "$baseline" passthrough --bootstrap "$bootstrap" --topics "$inputs" \
        --output bench.hours.v1 --id "bench-pass-$r-$$") ;;
    passthrough_deep)
      result=$(timed "$baseline" passthrough --bootstrap "$bootstrap" --topics "$inputs" \
        --output bench.hours.v1 --id "bench-deep-$r-$$" --queued-min-messages 1000000 \
        --queued-max-kbytes 2097151) ;;
    passthrough_share)
      result=$(timed "$baseline" passthrough --bootstrap "$bootstrap" --topics "$inputs" \
        --output bench.hours.v1 --id "bench-share-$r-$$" --queued-min-messages 1000000 \
        --queued-max-kbytes 2097151 \
        --write-percent "$BENCH_WRITE_PERCENT" --commit-interval-ms "${BENCH_SHARE_COMMIT_MS:-100}" \
        --producer-queue-messages 1000000) ;;
    leifeng | leifeng_b)
      local runtime=${BENCH_RUNTIME:-} binary=${BENCH_LEIFENG:-$leifeng}
      if [[ $kind == leifeng_b ]]; then
        runtime=${BENCH_RUNTIME_B:-$runtime}
        binary=${BENCH_LEIFENG_B:-$leifeng}
      fi
      printf '[app]\napplication_id = "bench-%s-%s-%s"\nstate_dir = "%s"\n[runtime]\n%s\n' \
        "$kind" "$r" "$$" "$work/state-$kind-$r" "$runtime" >"$work/round-$r.toml"
      result=$(timed "$binary" -c "$work/round-$r.toml" --bootstrap-servers "$bootstrap" \
        run --until-caught-up --progress-interval 0)
      reset_with=$binary ;;
    replay)
      rm -rf "$work/replay-out"
      result=$(timed "$leifeng" replay --input "$input" --out "$work/replay-out") ;;
  esac
  local used
  used=$(awk -v a="$before" -v b="$(broker_cpu)" 'BEGIN {printf "%.2f", b - a}')
  last_jit=$(awk -v a="$jit_before" -v b="$(broker_jit_cpu)" 'BEGIN {printf "%.2f", b - a}')
  local line="$kind ${result% *} s wall, ${result#* } s CPU, broker $used s CPU (compilers $last_jit s)"
  if [[ $r == j* ]]; then
    echo "broker warm-up ${r#j}: $line (not counted)"
  elif [[ $r == w* ]]; then
    echo "warm-up ${r#w}: $line (not counted)"
  else
    wall[$kind]+="${result% *} "
    cpu[$kind]+="${result#* } "
    broker[$kind]+="$used "
    echo "round $r: $line"
  fi
  # Untimed, after the broker's count: the run's changelogs and repartition topics deleted, so
  # that the broker does not carry every earlier round's partitions into the next runs. `reset`
  # refuses while the group still lists the run's static members (session.timeout.ms, 10 s).
  if [[ -n $reset_with ]]; then
    local tries
    for ((tries = 0; tries < 15; tries++)); do
      "$reset_with" -c "$work/round-$r.toml" --bootstrap-servers "$bootstrap" reset --execute \
        >/dev/null 2>&1 && break
      sleep 2
    done
    ((tries < 15)) || echo "(the reset after the $kind run failed)"
  fi
}

kinds=(consume passthrough passthrough_deep leifeng replay)
[[ -n ${BENCH_RUNTIME_B:-}${BENCH_LEIFENG_B:-} ]] && kinds+=(leifeng_b)
[[ -n ${BENCH_WRITE_PERCENT:-} ]] && kinds+=(passthrough_share)
# Warm-up, not counted: a broker just started compiles its request paths; `run` uses the most
# of them, so `run`s alone first (see the header), then one round of every kind.
for ((r = 1; r <= ${BENCH_WARM_RUNS:-12}; r++)); do
  run_one leifeng "j$r"
  awk -v j="$last_jit" -v max="${BENCH_WARM_JIT:-0.5}" 'BEGIN {exit !(j < max)}' && break
done
for ((r = 1; r <= warmup; r++)); do
  for kind in "${kinds[@]}"; do run_one "$kind" "w$r"; done
done
for ((r = 1; r <= rounds; r++)); do
  # Alternate the order so that a slow spell of the shared machine does not favour one kind.
  order=("${kinds[@]}")
  if ((r % 2 == 0)); then
    for ((i = ${#kinds[@]} - 1, j = 0; i >= 0; i--, j++)); do order[j]=${kinds[i]}; done
  fi
  for kind in "${order[@]}"; do run_one "$kind" "$r"; done
done

echo "records on the input topics: $records; medians of $rounds rounds:"
declare -A rate cpu_us
for kind in "${kinds[@]}"; do
  w=$(tr ' ' '\n' <<<"${wall[$kind]}" | grep . | median)
  c=$(tr ' ' '\n' <<<"${cpu[$kind]}" | grep . | median)
  b=$(tr ' ' '\n' <<<"${broker[$kind]}" | grep . | median)
  rate[$kind]=$(awk -v n="$records" -v w="$w" 'BEGIN {printf "%.0f", n / w}')
  cpu_us[$kind]=$(awk -v n="$records" -v c="$c" 'BEGIN {printf "%.2f", c * 1e6 / n}')
  printf '  %-16s %8s events/s  %6s s wall  %6s s CPU  %6s us CPU/event  broker %6s s CPU\n' \
    "$kind" "${rate[$kind]}" "$w" "$c" "${cpu_us[$kind]}" "$b"
done
awk -v l="${rate[leifeng]}" -v c="${rate[consume]}" -v p="${rate[passthrough]}" \
  -v d="${rate[passthrough_deep]}" -v lc="${cpu_us[leifeng]}" -v rc="${cpu_us[replay]}" 'BEGIN {
    printf "leifeng / consume:     %.3f (target >= 0.25)\n", l / c
    printf "leifeng / passthrough: %.3f (target >= 0.6)\n", l / p
    printf "leifeng / passthrough_deep: %.3f; passthrough_deep / consume: %.3f\n", l / d, d / c
    printf "leifeng CPU per event / replay --input: %.2f (target <= 3)\n", lc / rc
  }'
if [[ -n ${BENCH_WRITE_PERCENT:-} ]]; then
  awk -v s="${rate[passthrough_share]}" -v c="${rate[consume]}" -v l="${rate[leifeng]}" 'BEGIN {
      printf "passthrough_share / consume: %.3f; leifeng / passthrough_share: %.3f\n", s / c, l / s
    }'
fi
if [[ -n ${BENCH_RUNTIME_B:-}${BENCH_LEIFENG_B:-} ]]; then
  awk -v a="${rate[leifeng]}" -v b="${rate[leifeng_b]}" -v ac="${cpu_us[leifeng]}" \
    -v bc="${cpu_us[leifeng_b]}" 'BEGIN {
      printf "leifeng_b / leifeng: %.3f events/s, %.3f CPU per event\n", b / a, bc / ac
    }'
fi
