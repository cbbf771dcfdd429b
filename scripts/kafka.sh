#!/usr/bin/env bash
# Starts and stops a real Apache Kafka cluster (KRaft) on 127.0.0.1 for tests and the demo: one
# node, or several (each broker and controller at once) for failover tests. The broker jars come
# from scripts/setup.sh (.cache/kafka/libs).
#
#   scripts/kafka.sh start [--brokers N] [DIR]  start N nodes (default 1) with data and logs under
#                                  DIR (default .cache/kafka/run), on free ports; prints the
#                                  bootstrap address list and writes it to DIR/bootstrap. With
#                                  N > 1 the internal topics get replication min(N, 3) and
#                                  min.insync.replicas 2; node K lives in DIR/nodeK.
#   scripts/kafka.sh stop  [DIR]   stop every node (SIGTERM, then SIGKILL after 20 s)
#   scripts/kafka.sh status [DIR]  exit 0 when every node runs
#   scripts/kafka.sh kill-node  K [DIR]   SIGKILL node K (a crash)
#   scripts/kafka.sh stop-node  K [DIR]   stop node K cleanly (a rolling restart's first half)
#   scripts/kafka.sh start-node K [DIR]   start node K again on its old ports and data; waits
#                                  until it serves
#   scripts/kafka.sh node-of PORT [DIR]   print the node id whose client port is PORT
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
libs="$root/.cache/kafka/libs"
cp="$libs/*"

die() { echo "kafka.sh: $*" >&2; exit 1; }
usage() {
  die "usage: kafka.sh start [--brokers N] [DIR] | stop|status [DIR] | kill-node|stop-node|start-node K [DIR] | node-of PORT [DIR]"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
brokers=1
node=
case "$cmd" in
  start)
    if [ "${1:-}" = "--brokers" ]; then
      [ $# -ge 2 ] || usage
      brokers=$2; shift 2
      [[ "$brokers" =~ ^[1-9]$ ]] || die "--brokers takes a number from 1 to 9, not '$brokers'"
    fi ;;
  kill-node|stop-node|start-node|node-of)
    [ $# -ge 1 ] || usage
    node=$1; shift ;;
esac
dir=${1:-$root/.cache/kafka/run}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Node K's directory: DIR itself for a single node (the layout older runs used), DIR/nodeK otherwise.
node_dir() {
  if [ "$(node_count)" -eq 1 ]; then echo "$dir"; else echo "$dir/node$1"; fi
}
node_count() { cat "$dir/brokers" 2>/dev/null || echo 1; }
node_running() { local d; d=$(node_dir "$1"); [ -f "$d/pid" ] && kill -0 "$(cat "$d/pid")" 2>/dev/null; }
all_running() {
  local k
  for k in $(seq 1 "$(node_count)"); do node_running "$k" || return 1; done
}

jvm_options() {
  local d=$1 heap=1g
  [ "$(node_count)" -gt 1 ] && heap=512m
  echo "-Xms128m -Xmx$heap -XX:+UseG1GC -Dkafka.logs.dir=$d -Dlog4j.configuration=file:$d/log4j.properties"
}

write_node_config() {
  local k=$1 d=$2 port=$3 ctrl=$4 voters=$5 n=$6
  local replicas=$((n < 3 ? n : 3)) min_isr=$((n < 2 ? 1 : 2))
  mkdir -p "$d/data"
  cat > "$d/server.properties" <<PROPS
process.roles=broker,controller
node.id=$k
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$ctrl
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$d/data
num.partitions=1
# Internal topics: replicated like production on a cluster; one node must not wait for
# replicas that will never exist.
offsets.topic.replication.factor=$replicas
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=$replicas
transaction.state.log.min.isr=$min_isr
transaction.state.log.num.partitions=4
min.insync.replicas=$min_isr
default.replication.factor=$replicas
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.cleaner.backoff.ms=1000
PROPS
  cat > "$d/log4j.properties" <<'L4J'
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${kafka.logs.dir}/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
L4J
}

# Starts node K's JVM on its existing configuration; a previous server.log is kept aside so
# that the readiness check sees only this start.
launch_node() {
  local k=$1 d
  d=$(node_dir "$k")
  [ -f "$d/server.log" ] && mv "$d/server.log" "$d/server.log.$(date +%s%N)"
  # shellcheck disable=SC2046
  nohup java $(jvm_options "$d") -cp "$cp" kafka.Kafka "$d/server.properties" > "$d/stdout.log" 2>&1 &
  echo $! > "$d/pid"
}

wait_ready() {
  local k=$1 d deadline=$((SECONDS + 90))
  d=$(node_dir "$k")
  until grep -q "Kafka Server started" "$d/server.log" 2>/dev/null; do
    node_running "$k" || { tail -n 30 "$d/stdout.log" "$d/server.log" >&2 2>/dev/null; die "node $k exited during start-up"; }
    [ $SECONDS -lt $deadline ] || die "node $k not ready after 90 s (see $d/server.log)"
    sleep 0.5
  done
}

start() {
  [ -d "$libs" ] || die "no broker in $libs: run scripts/setup.sh first"
  if [ -f "$dir/bootstrap" ] && all_running; then cat "$dir/bootstrap"; return 0; fi
  [ -f "$dir/brokers" ] && stop
  rm -rf "$dir"; mkdir -p "$dir"
  echo "$brokers" > "$dir/brokers"
  local used=" " ports=() ctrls=() k p
  pick() { p=$(free_port); while [[ "$used" == *" $p "* ]]; do p=$(free_port); done; used+="$p "; }
  for k in $(seq 1 "$brokers"); do pick; ports[k]=$p; pick; ctrls[k]=$p; done
  local voters="" bootstrap=""
  for k in $(seq 1 "$brokers"); do
    voters+="${voters:+,}$k@127.0.0.1:${ctrls[k]}"
    bootstrap+="${bootstrap:+,}127.0.0.1:${ports[k]}"
  done
  local cluster_id
  cluster_id=$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null)
  for k in $(seq 1 "$brokers"); do
    local d; d=$(node_dir "$k")
    write_node_config "$k" "$d" "${ports[k]}" "${ctrls[k]}" "$voters" "$brokers"
    # shellcheck disable=SC2046
    java $(jvm_options "$d") -cp "$cp" kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$d/server.properties" > "$d/format.log" 2>&1 || { cat "$d/format.log" >&2; die "storage format failed for node $k"; }
  done
  # All nodes start together: a controller quorum needs a majority before any node serves.
  for k in $(seq 1 "$brokers"); do launch_node "$k"; done
  echo "$bootstrap" > "$dir/bootstrap"
  for k in $(seq 1 "$brokers"); do wait_ready "$k"; done
  cat "$dir/bootstrap"
}

stop_node() {
  local k=$1 signal=$2 d pid
  d=$(node_dir "$k")
  node_running "$k" || { rm -f "$d/pid"; return 0; }
  pid=$(cat "$d/pid")
  kill "-$signal" "$pid"
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$d/pid"
}

stop() {
  local k
  for k in $(seq 1 "$(node_count)"); do stop_node "$k" TERM & done
  wait
}

check_node() {
  [[ "$node" =~ ^[1-9]$ ]] && [ "$node" -le "$(node_count)" ] ||
    die "no node '$node' in $dir (it has $(node_count))"
  [ -f "$(node_dir "$node")/server.properties" ] || die "no cluster in $dir"
}

node_of() {
  local k
  for k in $(seq 1 "$(node_count)"); do
    grep -q "^advertised.listeners=PLAINTEXT://127.0.0.1:$node\$" "$(node_dir "$k")/server.properties" &&
      { echo "$k"; return 0; }
  done
  die "no node of $dir listens on port $node"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) all_running ;;
  kill-node) check_node; stop_node "$node" KILL ;;
  stop-node) check_node; stop_node "$node" TERM ;;
  start-node)
    check_node
    node_running "$node" || { launch_node "$node"; wait_ready "$node"; } ;;
  node-of) node_of ;;
  *) usage ;;
esac
