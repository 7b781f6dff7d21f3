#!/usr/bin/env bash
# Two builds side by side in one run: the working tree's localyun against the one of a base
# revision (default: HEAD~1), on the same machine, same targets, interleaved (each round runs
# every target on both, alternating which goes first) so that drift of the machine falls on both
# equally; the median of the rounds is reported with the spread.
# For refactors that must not cost speed (issue 12): prints req/s and server CPU µs per request
# of each, and head/base ratios.
#
#   bench/compare.sh [BASE_REV] [SECONDS] [ROUNDS]     (COMPARE_TARGETS, COMPARE_CONNS narrow it)
#
# A target ending in `-tls` (e.g. `ims-untag-tls`) is that target over TLS, verified against each
# server's own local CA (the base must serve TLS: issue 13 or later).
#
# Loopback only; every server is started here and stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
base_rev=${1:-HEAD~1}
seconds=${2:-4}
rounds=${3:-3}
conns=${COMPARE_CONNS:-"1 32"}
targets=${COMPARE_TARGETS:-"ims-untag ims-tag ims-list sls-untag"}

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  git worktree remove --force "$work/base-src" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release --quiet -p localyun -p localyun-bench
bin=target/release
# The base build reuses this checkout's target directory under its own name, so only what
# changed is rebuilt.
git worktree add --quiet --detach "$work/base-src" "$base_rev"
CARGO_TARGET_DIR="$PWD/target/compare-base" cargo build --release --quiet --manifest-path "$work/base-src/Cargo.toml" -p localyun
base_bin="$PWD/target/compare-base/release/localyun"

. bench/common.sh
start() {  # start <name> <binary> <port>
  LOCALYUN_LOG=warn "$2" serve --listen "127.0.0.1:$3" --data-dir "$work/data-$1" & local p=$!
  pids+=($p); eval "${1}_pid=$p"
  wait_port "127.0.0.1:$3"
  "$bin/loadgen" setup --addr "127.0.0.1:$3" --account-id "$account" --ak "$root_ak" --secret "$root_secret" >"$work/ctx-$1.json"
  case " $targets " in *"-tls "*) "$2" ca export --data-dir "$work/data-$1" >"$work/ca-$1.pem" ;; esac
}
start base "$base_bin" 18981
start head "$bin/localyun" 18982

results="$work/results.jsonl"
run() {  # run <name> <port> <target> <connections>
  local pid_var="${1}_pid" target=$3 tls=()
  case $target in *-tls) target=${target%-tls}; tls=(--tls-ca "$work/ca-$1.pem") ;; esac
  printf '{"build":"%s","target":"%s","connections":%s,"result":%s}\n' "$1" "$3" "$4" \
    "$("$bin/loadgen" run --target "$target" --addr "127.0.0.1:$2" --connections "$4" --seconds "$seconds" --context "$work/ctx-$1.json" --server-pid "${!pid_var}" "${tls[@]}")" >>"$results"
}
for r in $(seq 1 "$rounds"); do
  for c in $conns; do
    for t in $targets; do
      if [ $((r % 2)) -eq 1 ]; then run base 18981 "$t" "$c"; run head 18982 "$t" "$c"
      else run head 18982 "$t" "$c"; run base 18981 "$t" "$c"; fi
    done
  done
done

python3 - "$results" "$base_rev" "$(git rev-parse --short "$base_rev")" <<'PY'
import json, sys
from collections import defaultdict
from statistics import median
rows = [json.loads(l) for l in open(sys.argv[1])]
acc = defaultdict(lambda: {"rps": [], "cpu": []})
for r in rows:
    k = (r["target"], r["connections"], r["build"])
    acc[k]["rps"].append(r["result"]["rps"])
    if r["result"].get("server_cpu_us") is not None:
        acc[k]["cpu"].append(r["result"]["server_cpu_us"])
med = lambda xs: median(xs) if xs else float("nan")
spread = lambda xs: f"{min(xs):,.0f}-{max(xs):,.0f}" if xs else "-"
n = len(next(iter(acc.values()))["rps"]) if acc else 0
print(f"base = {sys.argv[2]} ({sys.argv[3]}), head = working tree; median of {n} interleaved rounds (range)")
print("| target | conns | base req/s | head req/s | head/base | base CPU µs/req | head CPU µs/req | head/base |")
print("|---|---|---|---|---|---|---|---|")
for (t, c) in sorted({(k[0], k[1]) for k in acc}, key=lambda x: (x[1], x[0])):
    b, h = acc[(t, c, "base")], acc[(t, c, "head")]
    br, hr, bc, hc = med(b["rps"]), med(h["rps"]), med(b["cpu"]), med(h["cpu"])
    print(f"| {t} | {c} | {br:,.0f} ({spread(b['rps'])}) | {hr:,.0f} ({spread(h['rps'])}) | {hr/br:.2f} | {bc:.1f} | {hc:.1f} | {hc/bc:.2f} |")
PY
