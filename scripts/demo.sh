#!/usr/bin/env bash
# The main job (README): installs what is missing, builds the leifeng binary and runs
# `leifeng demo` on a real local Kafka broker. Arguments go to `leifeng demo`
# (e.g. --embedded, --seed 7, --events 50000).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
"$root/scripts/setup.sh"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build --target leifeng -j "$(nproc)"
exec "$root/build/app/leifeng" demo "$@"
