#!/usr/bin/env bash
# The whole test suite, from a fresh clone: formatting, lints, Rust unit and store tests, then
# the official-SDK integration tests against the release binary (a pinned Python venv is made
# in .venv on first use and whenever tests/sdk/requirements.txt changes).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
cargo build --release

venv=.venv
if [ ! -x "$venv/bin/pytest" ] || ! cmp -s tests/sdk/requirements.txt "$venv/.requirements"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/sdk/requirements.txt
  cp tests/sdk/requirements.txt "$venv/.requirements"
fi
LOCALYUN_BIN="$PWD/target/release/localyun" "$venv/bin/pytest" -q -p no:cacheprovider tests/sdk "$@"

# The benchmark in its seconds-long smoke mode: checks that it still runs, times nothing.
bench/run.sh --smoke
