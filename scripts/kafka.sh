#!/usr/bin/env bash
# Starts and stops a real single-node Apache Kafka broker (KRaft) on 127.0.0.1 for tests and
# the demo. The broker jars come from scripts/setup.sh (.cache/kafka/libs).
#
#   scripts/kafka.sh start [DIR]   start a broker with its data and log under DIR (default
#                                  .cache/kafka/run), on a free port; prints the bootstrap
#                                  address and writes it to DIR/bootstrap
#   scripts/kafka.sh stop  [DIR]   stop that broker (SIGTERM, then SIGKILL after 20 s)
#   scripts/kafka.sh status [DIR]  exit 0 when it runs
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
libs="$root/.cache/kafka/libs"
cmd=${1:-}
dir=${2:-$root/.cache/kafka/run}

die() { echo "kafka.sh: $*" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

running() { [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; }

start() {
  [ -d "$libs" ] || die "no broker in $libs: run scripts/setup.sh first"
  if running; then cat "$dir/bootstrap"; return 0; fi
  rm -rf "$dir"; mkdir -p "$dir/data"
  local port ctrl
  port=$(free_port); ctrl=$(free_port)
  while [ "$ctrl" = "$port" ]; do ctrl=$(free_port); done
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$ctrl
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$ctrl
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=1
# One node: internal topics must not wait for replicas that will never exist.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
min.insync.replicas=1
default.replication.factor=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.cleaner.backoff.ms=1000
PROPS
  cat > "$dir/log4j.properties" <<'L4J'
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${kafka.logs.dir}/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
L4J
  local cp="$libs/*"
  local jvm=(-Xms256m -Xmx1g -XX:+UseG1GC -Dkafka.logs.dir="$dir" -Dlog4j.configuration="file:$dir/log4j.properties")
  java "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool format -t "$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null)" \
    -c "$dir/server.properties" > "$dir/format.log" 2>&1 || { cat "$dir/format.log" >&2; die "storage format failed"; }
  nohup java "${jvm[@]}" -cp "$cp" kafka.Kafka "$dir/server.properties" > "$dir/stdout.log" 2>&1 &
  echo $! > "$dir/pid"
  echo "127.0.0.1:$port" > "$dir/bootstrap"
  local deadline=$((SECONDS + 90))
  until grep -q "Kafka Server started" "$dir/server.log" 2>/dev/null; do
    running || { tail -n 30 "$dir/stdout.log" "$dir/server.log" >&2 2>/dev/null; die "broker exited during start-up"; }
    [ $SECONDS -lt $deadline ] || die "broker not ready after 90 s (see $dir/server.log)"
    sleep 0.5
  done
  cat "$dir/bootstrap"
}

stop() {
  running || { rm -f "$dir/pid"; return 0; }
  local pid; pid=$(cat "$dir/pid")
  kill -TERM "$pid"
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$dir/pid"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) running ;;
  *) die "usage: kafka.sh start|stop|status [DIR]" ;;
esac
