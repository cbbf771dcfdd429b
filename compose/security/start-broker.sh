#!/bin/bash
# Entry point of a broker (and controller) of compose.security.yaml: writes server.properties
# with the listeners, TLS, SASL and authorizer of docs/security.md, formats the storage once
# with the SCRAM users (KRaft brokers need theirs before they can talk to each other), starts.
set -euo pipefail
: "${KAFKA_NODE_ID:?}" "${CLUSTER_ID:?}" "${KAFKA_CONTROLLER_QUORUM_VOTERS:?}"
: "${KAFKA_KEYSTORE_PASSWORD:?}" "${KAFKA_BROKER_PASSWORD:?}" "${KAFKA_ADMIN_PASSWORD:?}"
: "${LEIFENG_PASSWORD:?}" "${UPSTREAM_PASSWORD:?}" "${ANALYST_PASSWORD:?}"
host=$(hostname)
props=/tmp/server.properties
umask 077
cat > "$props" <<PROPS
process.roles=broker,controller
node.id=$KAFKA_NODE_ID
controller.quorum.voters=$KAFKA_CONTROLLER_QUORUM_VOTERS
listeners=SASL_SSL://:9092,CONTROLLER://:9093
advertised.listeners=SASL_SSL://$host:9092
controller.listener.names=CONTROLLER
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SASL_SSL
inter.broker.listener.name=SASL_SSL
log.dirs=/var/lib/kafka/data
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
min.insync.replicas=2
default.replication.factor=3
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
ssl.keystore.type=PKCS12
ssl.keystore.location=/etc/kafka/certs/$host.p12
ssl.keystore.password=$KAFKA_KEYSTORE_PASSWORD
ssl.truststore.type=PEM
ssl.truststore.location=/etc/kafka/certs/ca.pem
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="$KAFKA_BROKER_PASSWORD";
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="$KAFKA_BROKER_PASSWORD" user_broker="$KAFKA_BROKER_PASSWORD";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:broker;User:admin
allow.everyone.if.no.acl.found=false
PROPS
/opt/kafka/bin/kafka-storage.sh format --ignore-formatted -t "$CLUSTER_ID" -c "$props" \
  --add-scram "SCRAM-SHA-512=[name=broker,password=$KAFKA_BROKER_PASSWORD]" \
  --add-scram "SCRAM-SHA-512=[name=admin,password=$KAFKA_ADMIN_PASSWORD]" \
  --add-scram "SCRAM-SHA-512=[name=leifeng,password=$LEIFENG_PASSWORD]" \
  --add-scram "SCRAM-SHA-512=[name=upstream,password=$UPSTREAM_PASSWORD]" \
  --add-scram "SCRAM-SHA-512=[name=analyst,password=$ANALYST_PASSWORD]"
exec /opt/kafka/bin/kafka-server-start.sh "$props"
