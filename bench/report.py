"""Renders the benchmark's JSON lines as a table with ratios (bench/run.sh). A run with errors is
invalid: it fails loudly. In full mode the table is written to bench/RESULTS.md."""
import datetime
import json
import os
import platform
import subprocess
import sys

path, mode, rss_idle, rss_loaded = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
scale = json.load(open(sys.argv[5]))
rows = [json.loads(line) for line in open(path)]
bad = [r for r in rows if r["result"].get("errors")]
if bad:
    for r in bad:
        print(f"bench: {r['target']} at {r['connections']} connections had errors: {r['result']['first_error']}", file=sys.stderr)
    sys.exit(1)

runs = {(r["target"], r["connections"]): r["result"] for r in rows if r["group"] not in ("startup", "scale")}
scale_run = next(r["result"] for r in rows if r["group"] == "scale")
conns = sorted({c for (_, c) in runs})
ceiling = {c: runs[("hello", c)] for c in conns}
moto_for = {"ims-untag": "moto-untag", "ims-tag": "moto-tag", "ims-list": "moto-list", "sls-untag": "moto-untag"}


def line(target, c):
    r = runs[(target, c)]
    ceil = ceiling[c]
    ratio_ceiling = r["rps"] / ceil["rps"] if ceil["rps"] else 0
    peer = runs.get((moto_for.get(target, ""), c))
    ratio_moto = f"{r['rps'] / peer['rps']:.0f}x" if peer and peer["rps"] else "-"
    p99_ratio = r["p99_us"] / ceil["p99_us"] if ceil["p99_us"] else 0
    return (f"| {target} | {c} | {r['rps']:.0f} | {r['p50_us'] / 1000:.2f} | {r['p99_us'] / 1000:.2f} | {r['p999_us'] / 1000:.2f} "
            f"| {ratio_ceiling:.0%} | {p99_ratio:.1f}x | {ratio_moto} |")


out = []
out.append("| target | conns | req/s | p50 ms | p99 ms | p99.9 ms | ÷ ceiling | p99 ÷ ceiling p99 | ÷ moto |")
out.append("|---|---|---|---|---|---|---|---|---|")
for c in conns:
    for target in ["hello", "moto-untag", "moto-tag", "moto-list", "ims-untag", "ims-tag", "ims-list", "sls-untag"]:
        if (target, c) in runs:
            out.append(line(target, c))
startup = {r["target"]: r["result"] for r in rows if r["group"] == "startup"}
out.append("")
out.append(f"Scale: {scale['users']:,} users with 10 tags each, loaded in {scale['load_ms'] / 1000:.0f} s ({scale['db_mb']} MB on disk); "
           f"ListTagResources filtered by one tag (k0=v7, {scale['users'] // 1000:,} matching users), 8 connections: "
           f"{scale_run['rps']:.0f} req/s, p50 {scale_run['p50_us'] / 1000:.2f} ms, p99 {scale_run['p99_us'] / 1000:.2f} ms.")
out.append("")
for key, what in [("empty", "empty data directory"), ("scale", f"{scale['users']:,}-user data directory")]:
    r = startup[key]
    out.append(f"- start → first answered request ({what}): {r['start_ms']:.1f} ms; RSS then {r['rss_kb'] / 1024:.1f} MB")
out.append(f"- RSS idle after set-up: {rss_idle / 1024:.1f} MB; after the load runs: {rss_loaded / 1024:.1f} MB; "
           f"serving the {scale['users']:,}-user data set: {scale['rss_kb'] / 1024:.1f} MB")
table = "\n".join(out)
print(table)

if mode == "full":
    def cmd(*a):
        try:
            return subprocess.run(a, capture_output=True, text=True, timeout=10).stdout.strip()
        except Exception:
            return "?"
    mem = cmd("sh", "-c", "free -h | awk '/Mem:/ {print $2}'")
    header = [
        "# Benchmark results",
        "",
        f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC} with `bench/run.sh` on {platform.machine()}, "
        f"{os.cpu_count()} cores (`nproc` {cmd('nproc')}), {mem} memory; {cmd('rustc', '--version')}; "
        f"moto {cmd('bench/.venv/bin/python', '-c', 'import moto; print(moto.__version__)')}.",
        "The load generator runs on the same cores as the servers; only ratios from this one run mean anything.",
        "Every localyun request is freshly signed (ACS3-HMAC-SHA256 or SLS v1) by a RAM user whose access comes",
        "from five attached policies, authenticated, authorized and, for writes, durably committed.",
        "",
    ]
    notes_path = os.path.join(os.path.dirname(__file__), "NOTES.md")
    notes = open(notes_path).read() if os.path.exists(notes_path) else ""
    with open(os.path.join(os.path.dirname(__file__), "RESULTS.md"), "w") as f:
        f.write("\n".join(header) + table + "\n\n" + notes)
