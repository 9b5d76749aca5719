#!/usr/bin/env bash
# One command to set up and run the whole test suite: installs dependencies, builds with
# AddressSanitizer + UBSan, runs the unit tests (ctest), the fuzz targets over their kept
# corpora, and the end-to-end tests (pytest) against the real binary.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# How long each stage took, printed at the end (docs/testing.md keeps typical figures).
stage_times=()
stage_start=$SECONDS
stage_done() {
  stage_times+=("$(printf '%-28s %5d s' "$1" $((SECONDS - stage_start)))")
  stage_start=$SECONDS
}
print_stage_times() {
  echo "== stage times"
  printf '  %s\n' "${stage_times[@]}"
  echo "  total                        $SECONDS s"
}
trap print_stage_times EXIT

scripts/deps.sh --test
stage_done "dependencies"

build=${MAGPIE_TEST_BUILD:-build-asan}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMAGPIE_SANITIZE=ON -DMAGPIE_TESTS=ON >/dev/null
ninja -C "$build" magpie magpie_unit
stage_done "build (ASan+UBSan)"
# The same source without sanitizers, for the e2e tests a sanitizer runtime cannot take
# part in (running out of file descriptors: test_hostile.py).
plain=${MAGPIE_PLAIN_BUILD:-build-plain}
cmake -S . -B "$plain" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMAGPIE_TESTS=OFF >/dev/null
ninja -C "$plain" magpie
export MAGPIE_PLAIN_BIN="$root/$plain/magpie"
stage_done "build (plain)"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
# libclamav keeps some one-time allocations to the end of the process (tests/lsan.supp).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/lsan.supp}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# deps.sh installed every test tool, so a skipped e2e test means a broken setup: fail it.
export MAGPIE_NO_SKIP=${MAGPIE_NO_SKIP:-1}

echo "== unit tests"
ctest --test-dir "$build" --output-on-failure -j2
stage_done "unit tests"

if [[ -d fuzz && -n "$(ls fuzz/fuzz_*.cpp 2>/dev/null)" ]]; then
  echo "== fuzz targets over their corpora"
  fbuild=${MAGPIE_FUZZ_BUILD:-build-fuzz}
  CC=clang CXX=clang++ cmake -S . -B "$fbuild" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMAGPIE_FUZZ=ON \
      -DMAGPIE_SANITIZE=ON -DMAGPIE_TESTS=OFF >/dev/null
  for src in fuzz/fuzz_*.cpp; do
    name=$(basename "$src" .cpp)
    ninja -C "$fbuild" "$name" >/dev/null
    corpus=fuzz/corpus/${name#fuzz_}
    mkdir -p "$corpus"
    # Replays the kept corpus, then explores for a few seconds (new inputs go to a temp dir).
    scratch=$(mktemp -d)
    "$fbuild/fuzz/$name" -max_total_time=15 -timeout=10 "$scratch" "$corpus" 2>&1 | tail -1
    rm -rf "$scratch"
  done
  stage_done "fuzz build + corpora"
fi

echo "== end-to-end tests"
export MAGPIE_BIN="$root/$build/magpie"
set +e
/usr/bin/python3 -m pytest -q -rfE -p no:cacheprovider tests/e2e "$@"
rc=$?
set -e
stage_done "end-to-end tests"
exit $rc
