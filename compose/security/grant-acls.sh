#!/bin/bash
# compose.security.yaml's `acls` job: the ACLs of docs/security.md for the default topic prefix
# and application id (leifeng), as the admin user, once the cluster answers. Idempotent.
set -euo pipefail
: "${KAFKA_ADMIN_PASSWORD:?}"
p=${TOPIC_PREFIX:-leifeng} a=${APPLICATION_ID:-leifeng}
bootstrap=kafka-1:9092,kafka-2:9092,kafka-3:9092
config=/tmp/admin.properties
umask 077
cat > "$config" <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$KAFKA_ADMIN_PASSWORD";
ssl.truststore.type=PEM
ssl.truststore.location=/etc/kafka/certs/ca.pem
PROPS
acls() { /opt/kafka/bin/kafka-acls.sh --bootstrap-server "$bootstrap" --command-config "$config" "$@"; }
until acls --list > /dev/null 2>&1; do echo "waiting for the cluster"; sleep 2; done
acls --add --allow-principal User:leifeng --operation Read \
  --topic "$p.hours.v1" --topic "$p.activities.v1" --topic "$p.needs.v1"
acls --add --allow-principal User:leifeng --operation Write \
  --topic "$p.stars.v1" --topic "$p.star-changes.v1" --topic "$p.needs-status.v1" \
  --topic "$p.county-stats.v1" --topic "$p.need-matches.v1" --topic "$p.stations.v1" \
  --topic "$p.dead-letter.v1"
acls --add --allow-principal User:leifeng --operation Read --operation Write \
  --resource-pattern-type prefixed --topic "$a-"
acls --add --allow-principal User:leifeng --operation Read --group "$a"
acls --add --allow-principal User:leifeng --operation Write \
  --resource-pattern-type prefixed --transactional-id "$a-"
acls --add --allow-principal User:upstream --operation Write \
  --topic "$p.hours.v1" --topic "$p.activities.v1" --topic "$p.needs.v1"
acls --add --allow-principal User:analyst --operation Read \
  --topic "$p.stars.v1" --topic "$p.star-changes.v1" --topic "$p.needs-status.v1" \
  --topic "$p.county-stats.v1" --topic "$p.need-matches.v1" --topic "$p.stations.v1"
