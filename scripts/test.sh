#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what is missing, builds, runs every test
# (the Kafka ones against a real broker the tests start and stop themselves), then builds
# again with ASan+UBSan and runs the unit tests under the sanitizers.
#   scripts/test.sh            everything
#   scripts/test.sh --quick    one build, no sanitizer pass
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
quick=0
[ "${1:-}" = "--quick" ] && quick=1
jobs=$(nproc)

"$root/scripts/setup.sh"

echo "== format check (.clang-format)"
files=$(git ls-files '*.cpp' '*.hpp')
if [ -n "$files" ]; then
  clang-format --dry-run -Werror $files
fi

echo "== build (RelWithDebInfo, with the benchmarks so that they keep compiling)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLEIFENG_BENCHMARKS=ON > /dev/null
cmake --build build -j "$jobs"

echo "== tests (unit and Kafka, real broker)"
ctest --test-dir build --output-on-failure -j "$jobs"

if [ $quick -eq 0 ]; then
  echo "== unit tests under ASan+UBSan"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DLEIFENG_SANITIZE=ON \
    -DLEIFENG_BENCHMARKS=OFF > /dev/null
  cmake --build build-asan -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" -L unit
fi
