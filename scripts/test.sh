#!/usr/bin/env bash
# The whole test suite, from a fresh clone: formatting, lints, Rust unit and store tests, the
# fuzz targets for 10 s each (FUZZ_SECONDS), then
# the official-SDK integration tests against the release binary, once on the embedded store and
# once on PostgreSQL (a pinned Python venv is made in .venv on first use and whenever
# tests/sdk/requirements.txt changes, and the pinned Node SDKs of tests/node whenever its
# package-lock.json does).
#
# PostgreSQL: LOCALYUN_TEST_POSTGRES (default postgres://root@127.0.0.1:5432/test) is a database
# the tests connect to for CREATE/DROP DATABASE; every test run makes its own databases there
# and drops them. Extra arguments are passed to both pytest runs.
set -euo pipefail
cd "$(dirname "$0")/.."

export LOCALYUN_TEST_POSTGRES="${LOCALYUN_TEST_POSTGRES:-postgres://root@127.0.0.1:5432/test}"

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
# With LOCALYUN_TEST_POSTGRES set, the store and server crates also run their PostgreSQL tests.
cargo test --workspace
# Every parser that sees request bytes, fuzzed for a bounded time from the committed corpora
# (fuzz/README.md); cargo-fuzz is installed on first use, and runs on the stable toolchain.
fuzz/run.sh "${FUZZ_SECONDS:-10}"
cargo build --release

venv=.venv
if [ ! -x "$venv/bin/pytest" ] || ! cmp -s tests/sdk/requirements.txt "$venv/.requirements"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/sdk/requirements.txt
  cp tests/sdk/requirements.txt "$venv/.requirements"
fi
# The Node SDKs of tests/node (test_node_clients.py), installed exactly as its package-lock.json
# pins them, on first use and whenever the lock file changes; without npm those tests skip with
# the reason. No install scripts: the only two (@alicloud/openapi-core, protobufjs) do nothing on
# Node 20.
node_dir=tests/node
if command -v npm >/dev/null 2>&1 &&
  { [ ! -d "$node_dir/node_modules" ] || ! cmp -s "$node_dir/package-lock.json" "$node_dir/node_modules/.localyun-lock"; }; then
  rm -rf "$node_dir/node_modules"
  npm ci --prefix "$node_dir" --ignore-scripts --no-audit --no-fund --loglevel=error
  cp "$node_dir/package-lock.json" "$node_dir/node_modules/.localyun-lock"
fi
for store in sqlite postgres; do
  echo "== SDK suite on the $store store"
  start=$SECONDS
  LOCALYUN_TEST_STORE=$store LOCALYUN_BIN="$PWD/target/release/localyun" \
    "$venv/bin/pytest" -q -p no:cacheprovider tests/sdk "$@"
  echo "== SDK suite on the $store store: $((SECONDS - start)) s"
done

# The benchmark in its seconds-long smoke mode: checks that it still runs, times nothing.
bench/run.sh --smoke
