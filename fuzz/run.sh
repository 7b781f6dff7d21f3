#!/usr/bin/env bash
# Runs every fuzz target for a bounded time on its committed seeds and fails if any input makes
# a parser panic (or hang, or run out of memory). Prints the executions of each target.
#
#   fuzz/run.sh [seconds-per-target]      (or FUZZ_SECONDS=N; default 20)
#
# Works on a stable toolchain: without a sanitizer cargo-fuzz passes no -Z flags (only
# -Cpasses=sancov-module and -Cllvm-args, both stable). Panics are what we look for, and safe
# Rust needs no AddressSanitizer for them (cargo-fuzz's default sanitizer needs nightly).
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:-${FUZZ_SECONDS:-20}}"
# Debug assertions and overflow checks on: an overflow on the request path is a bug too.
# 16 codegen units: a much faster build for a slightly slower fuzzer (the CI step builds cold).
flags=(--sanitizer none --debug-assertions --codegen-units 16)

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

start=$(date +%s)
cargo fuzz build "${flags[@]}"
echo "fuzz: built all targets in $(( $(date +%s) - start ))s"

# The binaries are run directly rather than through `cargo fuzz run`, so that nothing is rebuilt
# between targets. New inputs go to a scratch corpus; the committed seeds are only read.
bin="target/$(rustc -vV | sed -n 's/^host: //p')/release"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
for target in $(cargo fuzz list); do
    mkdir -p "$work/$target"
    log="$work/$target.log"
    mkdir -p "artifacts/$target"
    if "$bin/$target" -artifact_prefix="artifacts/$target/" -max_total_time="$seconds" -timeout=20 \
        -print_final_stats=1 "$work/$target" "corpus/$target" >"$log" 2>&1; then
        status=ok
    else
        status=FAILED
        failed+=("$target")
        # The panic message and the top of its backtrace, then libFuzzer's summary.
        grep -a -A12 -m1 'panicked at' "$log" || true
        grep -a -E '^(==[0-9]+== ERROR|SUMMARY|MS: |artifact_prefix|Test unit written)' "$log" || tail -n 20 "$log"
    fi
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    printf 'fuzz: %-18s %10s executions in %ss  %s\n' "$target" "$execs" "$seconds" "$status"
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz: crashes in ${failed[*]}; the inputs are in fuzz/artifacts/<target>/" >&2
    echo "      replay one with: fuzz/$bin/<target> <artifact>" >&2
    exit 1
fi
echo "fuzz: no crash in $(( $(date +%s) - start ))s"
