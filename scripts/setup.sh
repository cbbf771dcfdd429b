#!/usr/bin/env bash
# Installs everything leifeng needs on a fresh Debian 12 machine (run as root): the Debian
# packages it builds with, and the pinned Apache Kafka broker (scripts/kafka/pom.xml) into
# .cache/kafka/libs. Idempotent: a second run checks and changes nothing.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

packages=(
  build-essential cmake ninja-build pkg-config git python3
  librdkafka-dev librocksdb-dev libcereal-dev libspdlog-dev libfmt-dev rapidjson-dev libsimdjson-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libtomlplusplus-dev libcpp-httplib-dev
  libgoogle-perftools-dev  # tcmalloc, the leifeng binary's allocator
  clang-format kcat default-jre-headless maven
  chromium fonts-noto-cjk  # the report_browser_test renders the HTML report headless
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

kafka_version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$root/scripts/kafka/pom.xml")
libs="$root/.cache/kafka/libs"
if [ ! -f "$libs/kafka_2.13-$kafka_version.jar" ]; then
  echo "setup: fetching Apache Kafka $kafka_version and its dependencies"
  rm -rf "$libs"
  (cd "$root/scripts/kafka" && mvn -q -B dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$libs")
fi
echo "setup: ok (Kafka $kafka_version in $libs)"
