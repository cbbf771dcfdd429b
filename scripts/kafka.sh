#!/usr/bin/env bash
# Starts and stops a real Apache Kafka cluster (KRaft) on 127.0.0.1 for tests and the demo: one
# node, or several (each broker and controller at once) for failover tests. The broker jars come
# from scripts/setup.sh (.cache/kafka/libs).
#
#   scripts/kafka.sh start [--brokers N] [--security sasl_ssl] [DIR]  start N nodes (default 1)
#                                  with data and logs under DIR (default .cache/kafka/run), on
#                                  free ports; prints the bootstrap address list and writes it
#                                  to DIR/bootstrap. With N > 1 the internal topics get
#                                  replication min(N, 3) and min.insync.replicas 2; node K lives
#                                  in DIR/nodeK. --security sasl_ssl: clients and brokers talk
#                                  SASL_SSL (SCRAM-SHA-512) with certificates made now, the
#                                  standard authorizer is on, and DIR/security holds the CA, the
#                                  users' passwords and client settings (docs/security.md).
#   scripts/kafka.sh acls [--topic-prefix P] [--application-id A] [DIR]  grant the ACLs of
#                                  docs/security.md for topic prefix P and application id A
#                                  (both default "leifeng") on a --security cluster
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
  die "usage: kafka.sh start [--brokers N] [--security sasl_ssl] [DIR] | acls [--topic-prefix P] [--application-id A] [DIR] | stop|status [DIR] | kill-node|stop-node|start-node K [DIR] | node-of PORT [DIR]"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
brokers=1
security=
acl_prefix=leifeng
acl_application=leifeng
node=
case "$cmd" in
  start)
    while [ $# -gt 0 ]; do
      case "$1" in
        --brokers)
          [ $# -ge 2 ] || usage
          brokers=$2; shift 2
          [[ "$brokers" =~ ^[1-9]$ ]] || die "--brokers takes a number from 1 to 9, not '$brokers'" ;;
        --security)
          [ $# -ge 2 ] || usage
          security=$2; shift 2
          [ "$security" = sasl_ssl ] || die "--security takes sasl_ssl, not '$security'" ;;
        *) break ;;
      esac
    done ;;
  acls)
    while [ $# -gt 0 ]; do
      case "$1" in
        --topic-prefix) [ $# -ge 2 ] || usage; acl_prefix=$2; shift 2 ;;
        --application-id) [ $# -ge 2 ] || usage; acl_application=$2; shift 2 ;;
        *) break ;;
      esac
    done ;;
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

# Waits, up to 30 s, until every node's metadata lists all N brokers: a node logs "Kafka Server
# started" once it is unfenced, but the others may learn of that a moment later, and a client
# asking one of them then sees fewer brokers than replication factor 3 needs (topic creation
# failed so, once, in a test right after `start --brokers 3`). Needs kcat; without it, skipped.
wait_registered() {
  local n=$1 deadline=$((SECONDS + 30)) address args=()
  command -v kcat > /dev/null || return 0
  if [ -n "$(security_mode)" ]; then
    args=(-X security.protocol=SASL_SSL -X sasl.mechanisms=SCRAM-SHA-512 -X sasl.username=admin
      -X "sasl.password=$(password_of admin)" -X "ssl.ca.location=$(security_dir)/ca.pem")
  fi
  for address in $(tr ',' ' ' < "$dir/bootstrap"); do
    until [ "$(kcat -L -b "$address" -m 5 "${args[@]}" 2>/dev/null | grep -c '^  broker ')" = "$n" ]; do
      [ $SECONDS -lt $deadline ] || die "the metadata of $address does not list $n brokers after 30 s"
      sleep 0.2
    done
  done
}

# --- --security sasl_ssl (docs/security.md) --------------------------------------------------
# Every listener speaks SASL_SSL with one broker certificate signed by a CA made here: clients
# and brokers (inter-broker) authenticate with SCRAM-SHA-512, controllers with PLAIN (KRaft
# cannot use SCRAM on the controller listener: its credentials live in the metadata the
# controllers serve). The broker's own user is the only super user besides "admin"; every
# other principal gets exactly the ACLs of `kafka.sh acls`. Files live in DIR/security.
security_users="broker admin leifeng upstream analyst"
security_dir() { echo "$dir/security"; }
security_mode() { cat "$dir/security/mode" 2>/dev/null || true; }
password_of() { cat "$(security_dir)/$1.password"; }

# A CA, and a broker certificate for 127.0.0.1/localhost signed by it, in a PKCS12 keystore.
make_certificates() {
  local s; s=$(security_dir)
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=leifeng test CA" \
    -keyout "$s/ca.key" -out "$s/ca.pem" > "$s/openssl.log" 2>&1 || { cat "$s/openssl.log" >&2; die "cannot make the CA"; }
  openssl req -newkey rsa:2048 -nodes -subj "/CN=broker" -keyout "$s/broker.key" \
    -out "$s/broker.csr" >> "$s/openssl.log" 2>&1 || die "cannot make the broker key"
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$s/broker.ext"
  openssl x509 -req -in "$s/broker.csr" -CA "$s/ca.pem" -CAkey "$s/ca.key" -CAcreateserial \
    -days 30 -extfile "$s/broker.ext" -out "$s/broker.pem" >> "$s/openssl.log" 2>&1 ||
    die "cannot sign the broker certificate"
  openssl pkcs12 -export -in "$s/broker.pem" -inkey "$s/broker.key" -certfile "$s/ca.pem" \
    -name broker -passout "pass:$(password_of keystore)" -out "$s/broker.p12" >> "$s/openssl.log" 2>&1 ||
    die "cannot write the broker keystore"
  rm -f "$s/broker.csr" "$s/broker.ext"
}

# Random passwords for the SCRAM users and the keystore; the settings a client of each user
# needs: USER.properties (Java clients, kafka-acls) and USER.toml (leifeng's [kafka] table).
make_users() {
  local s u bootstrap=$1; s=$(security_dir)
  for u in $security_users keystore; do
    (umask 077; openssl rand -hex 16 > "$s/$u.password")
  done
  for u in $security_users; do
    (umask 077
     cat > "$s/$u.properties" <<PROPS
bootstrap.servers=$bootstrap
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$u" password="$(password_of "$u")";
ssl.truststore.type=PEM
ssl.truststore.location=$s/ca.pem
PROPS
     cat > "$s/$u.toml" <<TOML
[kafka]
"bootstrap.servers" = "$bootstrap"
"security.protocol" = "SASL_SSL"
"sasl.mechanisms" = "SCRAM-SHA-512"
"sasl.username" = "$u"
"sasl.password" = "$(password_of "$u")"
"ssl.ca.location" = "$s/ca.pem"
TOML
    )
  done
}

# Node K's listeners switched to SASL_SSL, TLS, SASL and the authorizer.
secure_node_config() {
  local d=$1 port=$2 ctrl=$3 s; s=$(security_dir)
  sed -i -e "s|^listeners=.*|listeners=SASL_SSL://127.0.0.1:$port,CONTROLLER://127.0.0.1:$ctrl|" \
    -e "s|^advertised.listeners=.*|advertised.listeners=SASL_SSL://127.0.0.1:$port|" \
    -e "s|^listener.security.protocol.map=.*|listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SASL_SSL|" \
    -e "s|^inter.broker.listener.name=.*|inter.broker.listener.name=SASL_SSL|" "$d/server.properties"
  chmod 600 "$d/server.properties"
  cat >> "$d/server.properties" <<PROPS
# --security sasl_ssl (docs/security.md)
ssl.keystore.type=PKCS12
ssl.keystore.location=$s/broker.p12
ssl.keystore.password=$(password_of keystore)
ssl.truststore.type=PEM
ssl.truststore.location=$s/ca.pem
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="$(password_of broker)";
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="$(password_of broker)" user_broker="$(password_of broker)";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:broker;User:admin
allow.everyone.if.no.acl.found=false
PROPS
}

# --add-scram arguments for StorageTool format: every user's SCRAM-SHA-512 credentials.
scram_arguments() {
  local u
  for u in $security_users; do
    printf '%s\n' --add-scram "SCRAM-SHA-512=[name=$u,password=$(password_of "$u")]"
  done
}

# One kafka-acls call (kafka.admin.AclCommand) as the admin user; its output in
# DIR/security/acls.log.
acl() {
  local log; log="$(security_dir)/acls.log"
  java -Xmx256m -cp "$cp" kafka.admin.AclCommand --bootstrap-server "$(cat "$dir/bootstrap")" \
    --command-config "$(security_dir)/admin.properties" --add "$@" >> "$log" 2>&1 ||
    { tail -n 20 "$log" >&2; die "kafka-acls --add $* failed"; }
}

# The ACLs of docs/security.md for topic prefix $acl_prefix and application id $acl_application:
# leifeng reads its inputs, writes its outputs, reads and writes its internal topics
# (<application_id>-*), uses its group and its transactional ids (<application_id>-*); upstream
# writes the inputs; analyst reads the outputs except the dead letters (raw payloads).
grant_acls() {
  [ "$(security_mode)" = sasl_ssl ] || die "no --security cluster in $dir"
  local p=$acl_prefix a=$acl_application
  local inputs=() outputs=() analyst=() t
  for t in hours activities needs; do inputs+=(--topic "$p.$t.v1"); done
  for t in stars star-changes needs-status county-stats need-matches stations; do analyst+=(--topic "$p.$t.v1"); done
  outputs=("${analyst[@]}" --topic "$p.dead-letter.v1")
  # Independent calls; each is a JVM start, so they run side by side.
  local pids=()
  acl --allow-principal User:leifeng --operation Read "${inputs[@]}" & pids+=($!)
  acl --allow-principal User:leifeng --operation Write "${outputs[@]}" & pids+=($!)
  acl --allow-principal User:leifeng --operation Read --operation Write \
    --resource-pattern-type prefixed --topic "$a-" & pids+=($!)
  acl --allow-principal User:leifeng --operation Read --group "$a" & pids+=($!)
  acl --allow-principal User:leifeng --operation Write --resource-pattern-type prefixed \
    --transactional-id "$a-" & pids+=($!)
  acl --allow-principal User:upstream --operation Write "${inputs[@]}" & pids+=($!)
  acl --allow-principal User:analyst --operation Read "${analyst[@]}" & pids+=($!)
  local pid failed=0
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  [ $failed -eq 0 ] || die "granting ACLs failed"
}

start() {
  [ -d "$libs" ] || die "no broker in $libs: run scripts/setup.sh first"
  if [ -f "$dir/bootstrap" ] && all_running && [ "$(security_mode)" = "$security" ]; then
    cat "$dir/bootstrap"; return 0
  fi
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
  local format_extra=()
  if [ -n "$security" ]; then
    mkdir -p "$(security_dir)"; echo "$security" > "$(security_dir)/mode"
    make_users "$bootstrap"
    make_certificates
    mapfile -t format_extra < <(scram_arguments)
  fi
  local cluster_id
  cluster_id=$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null)
  for k in $(seq 1 "$brokers"); do
    local d; d=$(node_dir "$k")
    write_node_config "$k" "$d" "${ports[k]}" "${ctrls[k]}" "$voters" "$brokers"
    [ -z "$security" ] || secure_node_config "$d" "${ports[k]}" "${ctrls[k]}"
    # shellcheck disable=SC2046
    java $(jvm_options "$d") -cp "$cp" kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$d/server.properties" "${format_extra[@]}" > "$d/format.log" 2>&1 || { cat "$d/format.log" >&2; die "storage format failed for node $k"; }
  done
  # All nodes start together: a controller quorum needs a majority before any node serves.
  for k in $(seq 1 "$brokers"); do launch_node "$k"; done
  echo "$bootstrap" > "$dir/bootstrap"
  for k in $(seq 1 "$brokers"); do wait_ready "$k"; done
  [ "$brokers" -eq 1 ] || wait_registered "$brokers"
  [ -z "$security" ] || grant_acls
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
    grep -Eq "^advertised.listeners=[A-Z_]+://127.0.0.1:$node\$" "$(node_dir "$k")/server.properties" &&
      { echo "$k"; return 0; }
  done
  die "no node of $dir listens on port $node"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) all_running ;;
  acls) grant_acls ;;
  kill-node) check_node; stop_node "$node" KILL ;;
  stop-node) check_node; stop_node "$node" TERM ;;
  start-node)
    check_node
    node_running "$node" || { launch_node "$node"; wait_ready "$node"; } ;;
  node-of) node_of ;;
  *) usage ;;
esac
