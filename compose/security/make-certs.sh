#!/bin/bash
# compose.security.yaml's `certs` job: a CA and a certificate per broker (kafka-1..3) in the
# `certs` volume, made once (docs/security.md). Nothing of it is checked in.
set -euo pipefail
: "${KAFKA_KEYSTORE_PASSWORD:?}"
out=/etc/kafka/certs
[ -f "$out/ca.pem" ] && { echo "certificates exist"; exit 0; }
umask 077
openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=leifeng Kafka CA" \
  -keyout "$out/ca.key" -out "$out/ca.pem"
for host in kafka-1 kafka-2 kafka-3; do
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$host" -keyout "$out/$host.key" -out "$out/$host.csr"
  printf 'subjectAltName=DNS:%s\n' "$host" > "$out/$host.ext"
  openssl x509 -req -in "$out/$host.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" -CAcreateserial \
    -days 365 -extfile "$out/$host.ext" -out "$out/$host.pem"
  openssl pkcs12 -export -in "$out/$host.pem" -inkey "$out/$host.key" -certfile "$out/ca.pem" \
    -name "$host" -passout "pass:$KAFKA_KEYSTORE_PASSWORD" -out "$out/$host.p12"
  rm -f "$out/$host.csr" "$out/$host.ext" "$out/$host.key"
done
chmod 644 "$out/ca.pem"
# The apache/kafka image runs as uid 1000; the CA key stays root's.
chown 1000:1000 "$out"/kafka-*.p12
