#!/usr/bin/env bash
# The benchmark, side by side in one run: the ceiling (a bare hyper server), the peer (moto,
# the AWS mock) and localyun, at 1, 8 and 32 connections (IMS UntagResources also over TLS);
# start-up time and memory.
#
#   bench/run.sh            full run (about 9 minutes, most of it loading 1,000,000 users), writes bench/RESULTS.md
#   bench/run.sh --smoke    seconds-long check that everything still works (CI); writes nothing
#
# Loopback only; every server is started here and stopped by PID, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=full
[ "${1:-}" = "--smoke" ] && mode=smoke
if [ "$mode" = smoke ]; then seconds=1; conns="8"; scale_users=2000; else seconds=5; conns="1 8 32"; scale_users=1000000; fi
# The TLS row (issue 13) runs at this many connections, right after the plain row it is set against.
if [ "$mode" = smoke ]; then tls_conns=8; else tls_conns=32; fi

cargo build --release --quiet -p localyun -p localyun-bench
bin=target/release
work=$(mktemp -d)
pids=()
pg_dbs=()
# The PostgreSQL server the PostgreSQL rows use (its databases are made and dropped here).
pg_admin=${LOCALYUN_BENCH_POSTGRES:-postgres://root@127.0.0.1:5432/test}
pg_sql() { psql "$pg_admin" -qAtX -v ON_ERROR_STOP=1 -c "$1" >/dev/null 2>&1; }
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for d in "${pg_dbs[@]}"; do pg_sql "DROP DATABASE IF EXISTS $d WITH (FORCE)" || true; done
  rm -rf "$work"
}
trap cleanup EXIT

ceiling_addr=127.0.0.1:18990
moto_addr=127.0.0.1:18991
ly_addr=127.0.0.1:18992
. bench/common.sh

results="$work/results.jsonl"
record() {  # record <group> <target> <connections> <json>
  printf '{"group":"%s","target":"%s","connections":%s,"result":%s}\n' "$1" "$2" "$3" "$4" >>"$results"
}

# start-up on an empty data directory (the server is stopped again by the measurement)
record startup empty 0 "$("$bin/loadgen" startup --bin "$bin/localyun" --data-dir "$work/startup" --addr "$ly_addr")"

"$bin/ceiling" "$ceiling_addr" & ceiling_pid=$!; pids+=($ceiling_pid)
LOCALYUN_LOG=warn "$bin/localyun" serve --listen "$ly_addr" --data-dir "$work/data" & ly_pid=$!; pids+=($ly_pid)
wait_port "$ceiling_addr"
wait_port "$ly_addr"
"$bin/loadgen" setup --addr "$ly_addr" --account-id "$account" --ak "$root_ak" --secret "$root_secret" >"$work/ctx.json"
# The server's local CA, which the TLS row verifies its certificate against.
"$bin/localyun" ca export --data-dir "$work/data" >"$work/ca.pem"
rss_idle=$(awk '/VmRSS/ {print $2}' "/proc/$ly_pid/status")

with_moto=false
if [ "$mode" = full ]; then
  venv=bench/.venv
  if [ ! -x "$venv/bin/moto_server" ] || ! cmp -s bench/requirements.txt "$venv/.requirements"; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r bench/requirements.txt
    cp bench/requirements.txt "$venv/.requirements"
  fi
  "$venv/bin/moto_server" -H 127.0.0.1 -p "${moto_addr#*:}" >/dev/null 2>&1 & moto_pid=$!; pids+=($moto_pid)
  wait_port "$moto_addr"
  "$bin/loadgen" setup-moto --addr "$moto_addr"
  with_moto=true
fi

for c in $conns; do
  record ceiling hello "$c" "$("$bin/loadgen" run --target hello --addr "$ceiling_addr" --connections "$c" --seconds "$seconds" --server-pid "$ceiling_pid")"
  if $with_moto; then
    for t in moto-untag moto-tag moto-list; do
      record moto "$t" "$c" "$("$bin/loadgen" run --target "$t" --addr "$moto_addr" --connections "$c" --seconds "$seconds" --server-pid "$moto_pid")"
    done
  fi
  for t in ims-untag ims-tag ims-tag-untag ims-list sls-untag; do
    record localyun "$t" "$c" "$("$bin/loadgen" run --target "$t" --addr "$ly_addr" --connections "$c" --seconds "$seconds" --context "$work/ctx.json" --server-pid "$ly_pid")"
    # Issue 13: the same signed UntagResources over TLS on the same port, beside the plain row.
    if [ "$t" = ims-untag ] && [ "$c" = "$tls_conns" ]; then
      record tls "$t" "$c" "$("$bin/loadgen" run --target "$t" --addr "$ly_addr" --connections "$c" --seconds "$seconds" --context "$work/ctx.json" --server-pid "$ly_pid" --tls-ca "$work/ca.pem")"
    fi
  done
done
rss_loaded=$(awk '/VmRSS/ {print $2}' "/proc/$ly_pid/status")
kill "$ly_pid"; wait "$ly_pid" 2>/dev/null || true

# The embedded store with `--durability full` (an fsync per commit), same write targets.
full_addr=127.0.0.1:18994
LOCALYUN_LOG=warn "$bin/localyun" serve --listen "$full_addr" --data-dir "$work/data-full" --durability full & full_pid=$!; pids+=($full_pid)
wait_port "$full_addr"
"$bin/loadgen" setup --addr "$full_addr" --account-id "$account" --ak "$root_ak" --secret "$root_secret" >"$work/ctx-full.json"
for c in $conns; do
  for t in ims-untag ims-tag sls-untag; do
    record durability-full "$t" "$c" "$("$bin/loadgen" run --target "$t" --addr "$full_addr" --connections "$c" --seconds "$seconds" --context "$work/ctx-full.json" --server-pid "$full_pid")"
  done
done
kill "$full_pid"; wait "$full_pid" 2>/dev/null || true

# The PostgreSQL store, same targets: one process, then three processes on one database with the
# connections spread over them (as behind a round-robin balancer). The database's own CPU time
# (every postgres process, from /proc) is measured beside localyun's.
pg_ticks() {
  local t=0 p u s
  for p in $(pgrep -x postgres); do
    read -r u s < <(awk '{print $14, $15}' "/proc/$p/stat" 2>/dev/null) || continue
    t=$((t + u + s))
  done
  echo "$t"
}
pg_run() {  # pg_run <group> <target> <connections> <addrs> <pids>
  local before after out
  before=$(pg_ticks)
  out=$("$bin/loadgen" run --target "$2" --addr "$4" --connections "$3" --seconds "$seconds" --context "$work/ctx-$1.json" --server-pid "$5")
  after=$(pg_ticks)
  record "$1" "$2" "$3" "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); n=d["requests"]; d["db_cpu_us"]=(int(sys.argv[2])*10000/n if n else None); print(json.dumps(d))' "$out" "$((after - before))")"
}
if pg_sql "SELECT 1"; then
  pg_base=${pg_admin%/*}
  for group in pg1 pg3; do
    db="localyun_bench_${group}_$$"
    pg_sql "CREATE DATABASE $db"; pg_dbs+=("$db")
    n=${group#pg}; addrs=(); group_pids=()
    for i in $(seq 1 "$n"); do
      addr=127.0.0.1:$((18995 + i))
      LOCALYUN_LOG=warn "$bin/localyun" serve --listen "$addr" --store "$pg_base/$db" & p=$!; pids+=($p)
      wait_port "$addr"
      addrs+=("$addr"); group_pids+=("$p")
    done
    "$bin/loadgen" setup --addr "${addrs[0]}" --account-id "$account" --ak "$root_ak" --secret "$root_secret" >"$work/ctx-$group.json"
    all_addrs=$(IFS=,; echo "${addrs[*]}"); all_pids=$(IFS=,; echo "${group_pids[*]}")
    for c in $conns; do
      for t in ims-untag ims-tag sls-untag; do
        pg_run "$group" "$t" "$c" "$all_addrs" "$all_pids"
      done
    done
    for p in "${group_pids[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
  done
else
  echo "bench: PostgreSQL at $pg_admin is not reachable: no PostgreSQL rows" >&2
fi

# Scale: ListTagResources filtered by one tag over many tagged users (10 tags each), loaded
# with `localyun account load-users` (the API's validation and store functions, big
# transactions); then start-up and memory on that data directory.
scale_addr=127.0.0.1:18993
LOCALYUN_LOG=warn "$bin/localyun" serve --listen "$scale_addr" --data-dir "$work/scale" & scale_pid=$!; pids+=($scale_pid)
wait_port "$scale_addr"
"$bin/loadgen" setup --addr "$scale_addr" --account-id "$account" --ak "$root_ak" --secret "$root_secret" \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); d.update(filter_key="k0", filter_value="v7"); print(json.dumps(d))' >"$work/scale-ctx.json"
load_start=$(date +%s%N)
"$bin/localyun" account load-users --data-dir "$work/scale" --account-id "$account" --count "$scale_users" --tags-per-user 10 >/dev/null
load_ms=$(( ($(date +%s%N) - load_start) / 1000000 ))
record scale ims-list-by-tag 8 "$("$bin/loadgen" run --target ims-list-by-tag --addr "$scale_addr" --connections 8 --seconds "$seconds" --context "$work/scale-ctx.json")"
rss_scale=$(awk '/VmRSS/ {print $2}' "/proc/$scale_pid/status")
kill "$scale_pid"; wait "$scale_pid" 2>/dev/null || true
record startup scale 0 "$("$bin/loadgen" startup --bin "$bin/localyun" --data-dir "$work/scale" --addr "$scale_addr")"
db_mb=$(du -sm "$work/scale" | cut -f1)
printf '{"users":%s,"load_ms":%s,"rss_kb":%s,"db_mb":%s}\n' "$scale_users" "$load_ms" "$rss_scale" "$db_mb" >"$work/scale.json"

python3 bench/report.py "$results" "$mode" "$rss_idle" "$rss_loaded" "$work/scale.json"
