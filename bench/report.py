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

PG_GROUPS = ("pg1", "pg3")
OTHER_GROUPS = ("startup", "scale", "durability-full", "tls") + PG_GROUPS
runs = {(r["target"], r["connections"]): r["result"] for r in rows if r["group"] not in OTHER_GROUPS}
full = {(r["target"], r["connections"]): r["result"] for r in rows if r["group"] == "durability-full"}
pg = {(r["group"], r["target"], r["connections"]): r["result"] for r in rows if r["group"] in PG_GROUPS}
tls = {(r["target"], r["connections"]): r["result"] for r in rows if r["group"] == "tls"}
scale_run = next(r["result"] for r in rows if r["group"] == "scale")
conns = sorted({c for (_, c) in runs})
ceiling = {c: runs[("hello", c)] for c in conns}
moto_for = {"ims-untag": "moto-untag", "ims-tag": "moto-tag", "ims-tag-untag": "moto-tag", "ims-list": "moto-list", "sls-untag": "moto-untag"}


def line(target, c):
    r = runs[(target, c)]
    ceil = ceiling[c]
    ratio_ceiling = r["rps"] / ceil["rps"] if ceil["rps"] else 0
    peer = runs.get((moto_for.get(target, ""), c))
    ratio_moto = f"{r['rps'] / peer['rps']:.0f}x" if peer and peer["rps"] else "-"
    p99_ratio = r["p99_us"] / ceil["p99_us"] if ceil["p99_us"] else 0
    def cpu(key):
        return f"{r[key]:.1f}" if r.get(key) is not None else "-"
    return (f"| {target} | {c} | {r['rps']:.0f} | {r['p50_us'] / 1000:.2f} | {r['p99_us'] / 1000:.2f} | {r['p999_us'] / 1000:.2f} "
            f"| {ratio_ceiling:.0%} | {p99_ratio:.1f}x | {ratio_moto} | {cpu('server_cpu_us')} | {cpu('loadgen_cpu_us')} |")


out = []
out.append("| target | conns | req/s | p50 ms | p99 ms | p99.9 ms | ÷ ceiling | p99 ÷ ceiling p99 | ÷ moto | server CPU µs/req | loadgen CPU µs/req |")
out.append("|---|---|---|---|---|---|---|---|---|---|---|")
for c in conns:
    for target in ["hello", "moto-untag", "moto-tag", "moto-list", "ims-untag", "ims-tag", "ims-tag-untag", "ims-list", "sls-untag"]:
        if (target, c) in runs:
            out.append(line(target, c))
if tls:
    out.append("")
    out.append("TLS (issue 13): the same signed calls on the same port and server over TLS (rustls, ALPN http/1.1, keep-alive; "
               "the load generator verifies the certificate against the server's local CA), run right after the plain row; "
               "each connection's handshake is inside the run.")
    out.append("")
    out.append("| target | conns | plain req/s | TLS req/s | TLS ÷ plain | plain server CPU µs/req | TLS server CPU µs/req "
               "| plain p50 / p99 ms | TLS p50 / p99 ms | loadgen CPU µs/req plain / TLS |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")

    def us(r, key):
        return f"{r[key]:.1f}" if r.get(key) is not None else "-"

    for (target, c), r in sorted(tls.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        base = runs.get((target, c))
        if not base:
            continue
        ratio = f"{r['rps'] / base['rps']:.2f}" if base["rps"] else "-"
        out.append(f"| {target} | {c} | {base['rps']:.0f} | {r['rps']:.0f} | {ratio} | {us(base, 'server_cpu_us')} | {us(r, 'server_cpu_us')} "
                   f"| {base['p50_us'] / 1000:.2f} / {base['p99_us'] / 1000:.2f} | {r['p50_us'] / 1000:.2f} / {r['p99_us'] / 1000:.2f} "
                   f"| {us(base, 'loadgen_cpu_us')} / {us(r, 'loadgen_cpu_us')} |")
if pg:
    out.append("")
    out.append("PostgreSQL store (issue 10): `pg1` one localyun process, `pg3` three processes on one database with the "
               "connections spread over them; ÷ embedded is against the same target and connections on the embedded store "
               "above; database CPU is every postgres process's CPU time over the run, per answered request.")
    out.append("")
    out.append("| store | target | conns | req/s | ÷ embedded | p50 ms | p99 ms | localyun CPU µs/req | database CPU µs/req |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    for c in conns:
        for group in PG_GROUPS:
            for target in ["ims-untag", "ims-tag", "sls-untag"]:
                r = pg.get((group, target, c))
                if not r:
                    continue
                base = runs.get((target, c))
                ratio = f"{r['rps'] / base['rps']:.0%}" if base and base["rps"] else "-"
                db = f"{r['db_cpu_us']:.0f}" if r.get("db_cpu_us") is not None else "-"
                srv = f"{r['server_cpu_us']:.0f}" if r.get("server_cpu_us") is not None else "-"
                out.append(f"| {group} | {target} | {c} | {r['rps']:.0f} | {ratio} | {r['p50_us'] / 1000:.2f} | {r['p99_us'] / 1000:.2f} | {srv} | {db} |")
if full:
    out.append("")
    out.append("Embedded store with `--durability full` (issue 11: SQLite `synchronous=FULL`, the WAL flushed at every commit; "
               "group commit shares one flush among the requests of a batch); ÷ normal is against the same target and "
               "connections on the default `--durability normal` above.")
    out.append("")
    out.append("| durability | target | conns | req/s | ÷ normal | p50 ms | p99 ms | localyun CPU µs/req |")
    out.append("|---|---|---|---|---|---|---|---|")
    for c in conns:
        for target in ["ims-untag", "ims-tag", "sls-untag"]:
            r = full.get((target, c))
            if not r:
                continue
            base = runs.get((target, c))
            ratio = f"{r['rps'] / base['rps']:.0%}" if base and base["rps"] else "-"
            srv = f"{r['server_cpu_us']:.0f}" if r.get("server_cpu_us") is not None else "-"
            out.append(f"| full | {target} | {c} | {r['rps']:.0f} | {ratio} | {r['p50_us'] / 1000:.2f} | {r['p99_us'] / 1000:.2f} | {srv} |")
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
# The targets of issue 6, judged from this run.
def yes(ok):
    return "yes" if ok else "no"


if 32 in conns and ("moto-untag", 32) in runs:
    ims, sls, ceil32, moto32 = runs[("ims-untag", 32)], runs[("sls-untag", 32)], ceiling[32], runs[("moto-untag", 32)]
    r_ceil, r_moto = ims["rps"] / ceil32["rps"], ims["rps"] / moto32["rps"]
    p99 = ims["p99_us"] / ceil32["p99_us"]
    r_sls = sls["rps"] / ceil32["rps"]
    empty, big = startup["empty"], startup["scale"]
    out += [
        "",
        "## The targets of issue 6 in this run",
        "",
        "| measure | target | this run | met |",
        "|---|---|---|---|",
        f"| IMS UntagResources/s at 32 connections | ≥ 50 % of the ceiling and ≥ 100× moto UntagUser | {r_ceil:.0%} of the ceiling, {r_moto:.0f}× moto | {yes(r_ceil >= 0.5 and r_moto >= 100)} |",
        f"| p99 at 32 connections | ≤ 2× the ceiling's p99 | {p99:.1f}× | {yes(p99 <= 2)} |",
        f"| SLS `POST /untag`/s at 32 connections | ≥ 50 % of the ceiling | {r_sls:.0%} | {yes(r_sls >= 0.5)} |",
        f"| ListTagResources by tag over {scale['users']:,} tagged users | p50 < 5 ms | {scale_run['p50_us'] / 1000:.2f} ms | {yes(scale_run['p50_us'] < 5000)} |",
        f"| start → first answer | < 20 ms empty, < 100 ms with the large data set | {empty['start_ms']:.1f} ms, {big['start_ms']:.1f} ms | {yes(empty['start_ms'] < 20 and big['start_ms'] < 100)} |",
        f"| RSS | < 10 MB idle; < 256 MB with the large data set | {rss_idle / 1024:.1f} MB idle; {scale['rss_kb'] / 1024:.1f} MB | idle {yes(rss_idle < 10240)}, large {yes(scale['rss_kb'] < 262144)} |",
    ]
pg1, pg3 = pg.get(("pg1", "ims-untag", 32)), pg.get(("pg3", "ims-untag", 32))
if pg1 and pg3 and ("ims-untag", 32) in runs:
    emb = runs[("ims-untag", 32)]
    r1, r3 = pg1["rps"] / emb["rps"], pg3["rps"] / pg1["rps"]
    out += [
        "",
        "## The targets of issue 10 in this run",
        "",
        "| measure | target | this run | met |",
        "|---|---|---|---|",
        f"| IMS UntagResources/s at 32 connections, one process on PostgreSQL | ≥ 30 % of the embedded store's | {r1:.0%} ({pg1['rps']:.0f} vs {emb['rps']:.0f}) | {yes(r1 >= 0.3)} |",
        f"| the same, three processes on one database | no slower than one | {r3:.2f}× one process ({pg3['rps']:.0f}) | {yes(r3 >= 1.0)} |",
    ]
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
        "CPU µs/req: CPU time (user + system, from /proc) the server and the load generator spent per answered",
        "request during the run; on two shared cores their sum bounds the rate (2 s of CPU per second).",
        "Every localyun request is freshly signed (ACS3-HMAC-SHA256 or SLS v1) by a RAM user whose access comes",
        "from five attached policies, authenticated, authorized and, for writes, durably committed (request",
        "logging off: `LOCALYUN_LOG=warn`). Tag calls (`ims-tag`, `moto-tag`) set a new value each time, so each",
        "is a real write; `ims-tag-untag` alternates setting and removing a tag, so nearly every call changes the",
        "user. The untag targets remove a tag that, after the first call, is gone: on both servers they find",
        "nothing to remove, as the issue's UntagResources/UntagUser comparison asks.",
        "",
    ]
    notes_path = os.path.join(os.path.dirname(__file__), "NOTES.md")
    notes = open(notes_path).read() if os.path.exists(notes_path) else ""
    with open(os.path.join(os.path.dirname(__file__), "RESULTS.md"), "w") as f:
        f.write("\n".join(header) + "\n" + table + "\n\n" + notes)
