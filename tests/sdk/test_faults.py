"""Faults under load (issue 10, item 6), through the official SDKs (Tea IMS / RAM / SLS clients):

1. three localyun processes on one PostgreSQL database, ~32 client threads, and `kill -9` of a
   process (then a replacement on its port) at random moments;
2. the same on the embedded store: one process on a data dir, killed and restarted;
3. PostgreSQL itself stopped and started again mid-load (a private cluster made with initdb, since
   the shared server on 5432 must not be restarted), localyun left running.

Every SDK call is recorded as an *attempt*: what it would write, when it was sent and when its
answer (or error) came back, and its outcome: `ack` (2xx), `rejected` (a 4xx: the request
changed nothing), or `unknown` (a 503, a connection error: it may or may not have committed).
A client that sees a connection error or a 5xx moves to another live process and tries again,
as a load balancer and an SDK retry would; each try is its own attempt.

Only what must hold whatever the timing is asserted:

- no answer is a 5xx other than 503 (`ServiceUnavailable` / `Throttling`, SLS `ServerBusy`);
  no call times out (a hang); a connection error only comes from a process that was killed;
  the only 4xx are the tag quota (and `EntityAlreadyExists.User` for a CreateUser retried
  after an attempt with an unknown outcome);
- every user whose CreateUser was acknowledged exists afterwards, and no unknown user does;
- no resource has more than 20 tags, at the end or in any read during the load;
- for every (resource, tag key) the final state is one the history allows. Writes are
  serializable and each commit happens between an attempt's send and its answer (for an attempt
  whose process was killed: at the latest when the process was dead, plus a margin for a COMMIT
  PostgreSQL had already received). So an attempt X cannot be the last write of a key when an
  acknowledged attempt on that key was *sent after* X's latest possible commit; the final state
  is the value written (or the removal) by one of the attempts that are left, or "absent" when
  no write to the key was ever acknowledged. A key whose last acknowledged operation was an
  untag with no later attempt must be absent; one whose last was a tag must hold that value.
- "no lost update": six threads add distinct keys (18 in all) to one dedicated user at the same
  moments through different processes; every acknowledged key is there at the end.

The random choices (operations, kill moments) come from one seed, printed in every failure
(LOCALYUN_FAULT_SEED reuses one; thread timing still differs from run to run).
Server logs are in the test's tmp_path/logs (localyun-<port>.log).
"""
from __future__ import annotations

import collections
import glob
import math
import os
import pwd
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
import requests

import helpers
from helpers import Account, ApiError, ServerHandle, SlsApi, SlsError, http_get, psql, start_server, tea_call, upn

pytestmark = pytest.mark.slow

SEED = int(os.environ.get("LOCALYUN_FAULT_SEED") or random.SystemRandom().randrange(1 << 30))

TAG_QUOTA = 20
KEY_POOL = [f"k{i:02d}" for i in range(30)]
# After a process is dead, PostgreSQL may still run a COMMIT it had already received.
COMMIT_MARGIN_S = 3.0
OK_503_CODES = {"ServiceUnavailable", "Throttling", "ServerBusy"}
EXPECTED_4XX = {
    "ims_tag": {(400, "QuotaExceeded.TagNum")},
    "sls_tag": {(400, "ParameterInvalid")},  # more than 20 tags on the resource
    "ims_untag": set(),
    "sls_untag": set(),
    "create_user": set(),  # 409 only after an attempt with an unknown outcome (outcome "exists")
    "read": set(),
}
TAG_KINDS = ("ims_tag", "ims_untag", "sls_tag", "sls_untag")


def _pg_reason() -> str:
    return helpers.postgres_unreachable_reason()


# ============================================================================================
# the record of every attempt
# ============================================================================================

@dataclass
class Op:
    tid: int
    kind: str                       # ims_tag | ims_untag | sls_tag | sls_untag | create_user
    res: str                        # "user:<name>", "project:<p>", "logstore:<p>#<l>", or the new user's name
    writes: Dict[str, Optional[str]]  # tag key -> value written (None: removed)
    slot: int
    port: int
    start: float
    attempt: int = 1
    end: float = 0.0
    outcome: str = ""               # ack | rejected | exists | unknown
    status: Optional[int] = None
    code: str = ""
    detail: str = ""
    request_id: str = ""
    timeout: bool = False
    horizon: float = 0.0            # latest moment its commit (if any) can have happened

    def show(self, t0: float) -> str:
        what = ",".join(f"{k}={'<del>' if v is None else v}" for k, v in self.writes.items())
        err = f" {self.status} {self.code}".rstrip() if self.outcome != "ack" else ""
        det = f" [{self.detail[:120]}]" if self.detail and self.outcome == "unknown" else ""
        rid = f" req={self.request_id}" if self.request_id else ""
        return (f"t{self.tid}#{self.attempt} {self.kind} {self.res} {what} -> {self.outcome}{err}{det} "
                f"(sent {self.start - t0:.3f}s, answered {self.end - t0:.3f}s, slot {self.slot} port {self.port}{rid})")


class History:
    def __init__(self) -> None:
        self.ops: List[Op] = []
        self.lock = threading.Lock()

    def add(self, op: Op) -> None:
        with self.lock:
            self.ops.append(op)

    def snapshot(self) -> List[Op]:
        with self.lock:
            return list(self.ops)


def _settle(op: Op, exc: Optional[BaseException]) -> None:
    """Sets the outcome of an attempt from what its SDK call returned or raised."""
    op.end = time.monotonic()
    if exc is None:
        op.outcome, op.status = "ack", 200
        return
    if isinstance(exc, (ApiError, SlsError)):
        op.status, op.code = exc.status, exc.code or ""
        op.detail = (exc.message or "")[:300]
        op.request_id = (exc.data.get("RequestId", "") if isinstance(exc, ApiError) else exc.request_id) or ""
        op.outcome = "rejected" if isinstance(op.status, int) and 400 <= op.status < 500 else "unknown"
        return
    text = f"{type(exc).__name__}: {exc}"
    op.outcome, op.detail = "unknown", text[:400]
    op.timeout = "timed out" in text or "Timeout" in type(exc).__name__


# ============================================================================================
# localyun processes on one store, killed and restarted by PID
# ============================================================================================

class Fleet:
    """`n` localyun processes ("slots") on one store, all with the same default account. A slot
    can be killed (SIGKILL, by PID) and started again on its own port."""

    def __init__(self, store: str, log_dir: Path, n: int):
        self.store, self.log_dir = store, log_dir
        self.lock = threading.Lock()
        self.handles: List[Optional[ServerHandle]] = [None] * n
        self.ports: List[int] = [0] * n
        self.every: List[ServerHandle] = []
        self.kills: List[Tuple[int, float, float]] = []  # (slot, signalled at, dead at)
        self.creds: Optional[Dict[str, str]] = None
        for i in range(n):
            self.start(i)

    def start(self, slot: int) -> ServerHandle:
        h = start_server(self.store, self.log_dir, creds=self.creds, port=self.ports[slot] or None)
        with self.lock:
            if self.creds is None:
                self.creds = {"account_id": h.account_id, "ak": h.root_ak, "secret": h.root_secret}
            self.ports[slot] = h.port
            self.handles[slot] = h
            self.every.append(h)
        return h

    def kill(self, slot: int) -> None:
        with self.lock:
            h, self.handles[slot] = self.handles[slot], None
        assert h is not None, f"slot {slot} is not running"
        signalled = time.monotonic()
        h.stop(signal.SIGKILL, grace=10.0)
        with self.lock:
            self.kills.append((slot, signalled, time.monotonic()))

    def live(self) -> List[int]:
        with self.lock:
            return [i for i, h in enumerate(self.handles) if h is not None]

    def account(self, port: Optional[int] = None) -> Account:
        c = self.creds
        return Account(port or self.ports[0], c["account_id"], c["ak"], c["secret"])

    def dead_by_themselves(self) -> List[str]:
        """Processes that exited although nobody stopped them."""
        with self.lock:
            running = [h for h in self.handles if h is not None]
        return [f"pid {h.pid} port {h.port} exited with {h.proc.returncode}:\n{h.log()[-1500:]}"
                for h in running if not h.alive()]

    def stop_all(self, sig: int = signal.SIGTERM) -> None:
        with self.lock:
            self.handles = [None] * len(self.handles)
            every = list(self.every)
        for h in every:
            h.stop(sig, grace=5.0)

    def kills_text(self, t0: float) -> str:
        return ", ".join(f"slot {s} (port {self.ports[s]}) killed at {a - t0:.3f}s, dead at {b - t0:.3f}s"
                         for s, a, b in self.kills) or "no kill"


def _grep_logs(log_dir: Path, needles: List[str], limit: int = 30) -> str:
    """Server log lines that mention any of `needles` (request ids), for failure messages."""
    needles = [n for n in needles if n]
    if not needles:
        return ""
    out: List[str] = []
    for path in sorted(glob.glob(str(log_dir / "localyun-*.log"))):
        try:
            with open(path, errors="replace") as f:
                for line in f:
                    if any(n in line for n in needles):
                        out.append(f"{os.path.basename(path)}: {line.rstrip()[:400]}")
                        if len(out) >= limit:
                            return "\n".join(out)
        except OSError:
            pass
    return "\n".join(out)


def _error_lines(log_dir: Path, limit: int = 20) -> str:
    """ERROR/panic lines of every server log of the test."""
    out: List[str] = []
    for path in sorted(glob.glob(str(log_dir / "localyun-*.log"))):
        try:
            with open(path, errors="replace") as f:
                for line in f:
                    if " ERROR " in line or "panicked" in line:
                        out.append(f"{os.path.basename(path)}: {line.rstrip()[:400]}")
        except OSError:
            pass
    return "\n".join(out[:limit])


# ============================================================================================
# SDK clients of one thread, one set per port
# ============================================================================================

class Clients:
    """Tea IMS / RAM / SLS clients of one thread, made on first use for each port."""

    def __init__(self, creds: Dict[str, str]):
        self.creds = creds
        self._by_port: Dict[Tuple[str, int], Any] = {}

    def _get(self, what: str, port: int, make: Callable[[], Any]) -> Any:
        c = self._by_port.get((what, port))
        if c is None:
            c = self._by_port[(what, port)] = make()
        return c

    def ims(self, port: int):
        return self._get("ims", port, lambda: helpers.tea_ims(port, self.creds["ak"], self.creds["secret"]))

    def ram(self, port: int):
        return self._get("ram", port, lambda: helpers.tea_ram(port, self.creds["ak"], self.creds["secret"]))

    def sls(self, port: int) -> SlsApi:
        return self._get("sls", port, lambda: SlsApi("tea_v1", port, self.creds["ak"], self.creds["secret"]))


def _ims_models():
    from alibabacloud_ims20190815 import models

    return models


def _ram_models():
    from alibabacloud_ram20150501 import models

    return models


# ============================================================================================
# the workload
# ============================================================================================

@dataclass
class Plan:
    threads: int = 32
    duration: float = 13.0
    counter_threads: int = 6
    counter_keys: int = 3
    counter_rounds_at: Tuple[float, ...] = (2.0, 5.5, 9.0)
    creates_per_thread: int = 40
    op_bound_s: float = 25.0       # a logical op is retried for at most this long
    max_attempts: int = 12
    backoff: Tuple[float, float] = (0.02, 0.15)
    reader: bool = True


class Scenario:
    """Shared users and SLS resources on a fleet, client threads writing to them, and the checks."""

    def __init__(self, fleet: Fleet, rng: random.Random, plan: Plan, tag: str):
        self.fleet, self.rng, self.plan, self.tag = fleet, rng, plan, tag
        self.history = History()
        self.stop = threading.Event()
        self.t0 = time.monotonic()
        self.errors: List[str] = []  # exceptions in threads, quota seen above 20 by a reader
        self.reads = 0
        self.max_tags_seen = 0
        self.threads: List[threading.Thread] = []
        self.creds = fleet.creds
        acct = fleet.account()
        self.account_id = acct.account_id
        ram = acct.api()
        # users every load thread tags; a dedicated user for the "no lost update" check
        self.users: Dict[str, str] = {}
        for i in range(4):
            name = f"shared{i}-{tag}"
            self.users[name] = ram.call("CreateUser", UserName=name)["User"]["UserId"]
        self.counter = f"counter-{tag}"
        self.users[self.counter] = ram.call("CreateUser", UserName=self.counter)["User"]["UserId"]
        self.shared = [n for n in self.users if n != self.counter]
        sls = SlsApi("tea_v1", acct.port, acct.ak, acct.secret)
        self.project = helpers.sls_name("fault")
        sls.create_project(self.project, "fault injection")
        sls.create_logstore(self.project, "store1", ttl=1, shard_count=1)
        self.sls_resources = [("project", self.project), ("logstore", f"{self.project}#store1")]

    # ------------------------------------------------------------------ one logical operation
    def pick(self, home: int, avoid: Optional[int]) -> Optional[int]:
        live = self.fleet.live()
        if not live:
            return None
        if avoid is None and home in live:
            return home
        others = [s for s in live if s != avoid]
        return self.rng.choice(others or live)

    def perform(self, cs: Clients, tid: int, kind: str, res: str, writes: Dict[str, Optional[str]],
                call: Callable[[Clients, int], Any], persist: bool = False) -> Optional[Op]:
        """Runs one logical operation: on a connection error or a 5xx, again on another live
        process (a new attempt, recorded as such), until it is answered or its bound runs out."""
        plan = self.plan
        home = tid % len(self.fleet.ports)
        bound = time.monotonic() + plan.op_bound_s
        avoid, prior_unknown, last, attempt = None, False, None, 0
        while time.monotonic() < bound and (attempt < plan.max_attempts or persist):
            slot = self.pick(home, avoid)
            if slot is None:  # every process is down (being restarted)
                time.sleep(0.05)
                continue
            attempt += 1
            port = self.fleet.ports[slot]
            op = Op(tid, kind, res, dict(writes), slot, port, time.monotonic(), attempt)
            exc = None
            try:
                call(cs, port)
            except Exception as e:  # noqa: BLE001 - classified below
                exc = e
            _settle(op, exc)
            if (kind == "create_user" and op.outcome == "rejected" and prior_unknown
                    and (op.status, op.code) == (409, "EntityAlreadyExists.User")):
                op.outcome = "exists"  # an earlier attempt of this very call committed
            self.history.add(op)
            last = op
            if op.outcome != "unknown":
                return op
            prior_unknown, avoid = True, slot
            time.sleep(self.rng.uniform(*plan.backoff))
        return last

    def record(self, tid: int, kind: str, res: str, writes: Dict[str, Optional[str]], slot: int,
               call: Callable[[], Any]) -> Op:
        """One attempt, recorded, without any retry of ours (probes; calls retried by the SDK)."""
        op = Op(tid, kind, res, dict(writes), slot, self.fleet.ports[slot], time.monotonic())
        exc = None
        try:
            call()
        except Exception as e:  # noqa: BLE001 - classified
            exc = e
        _settle(op, exc)
        self.history.add(op)
        return op

    # ------------------------------------------------------------------ the calls
    def ims_tag(self, cs, tid, user, tags):
        uid = self.users[user]
        params = {"ResourceType": "user", "ResourceId": [uid], "Tag": [{"Key": k, "Value": v} for k, v in tags.items()]}
        return self.perform(cs, tid, "ims_tag", f"user:{user}", tags,
                            lambda c, p: tea_call(c.ims(p), "TagResources", params, _ims_models()),
                            persist=user == self.counter)

    def ims_untag(self, cs, tid, user, keys):
        params = {"ResourceType": "user", "ResourceId": [self.users[user]], "TagKey": list(keys)}
        return self.perform(cs, tid, "ims_untag", f"user:{user}", {k: None for k in keys},
                            lambda c, p: tea_call(c.ims(p), "UntagResources", params, _ims_models()))

    def sls_tag(self, cs, tid, rtype, rid, tags):
        return self.perform(cs, tid, "sls_tag", f"{rtype}:{rid}", tags, lambda c, p: c.sls(p).tag(rtype, rid, tags))

    def sls_untag(self, cs, tid, rtype, rid, keys):
        return self.perform(cs, tid, "sls_untag", f"{rtype}:{rid}", {k: None for k in keys},
                            lambda c, p: c.sls(p).untag(rtype, rid, list(keys)))

    def create_user(self, cs, tid, name, via_ims: bool):
        if via_ims:
            params = {"UserPrincipalName": upn(name, self.account_id), "DisplayName": name}
            call = lambda c, p: tea_call(c.ims(p), "CreateUser", params, _ims_models())  # noqa: E731
        else:
            call = lambda c, p: tea_call(c.ram(p), "CreateUser", {"UserName": name}, _ram_models())  # noqa: E731
        return self.perform(cs, tid, "create_user", name, {}, call)

    # ------------------------------------------------------------------ threads
    def _guard(self, fn: Callable[[], None], name: str) -> Callable[[], None]:
        def run() -> None:
            try:
                fn()
            except Exception as e:  # noqa: BLE001 - reported by check()
                self.errors.append(f"{name} raised {type(e).__name__}: {e}")
        return run

    def _worker(self, tid: int) -> None:
        rng = random.Random(self.rng.random())
        cs = Clients(self.creds)
        seq, creates = 0, 0
        while not self.stop.is_set():
            seq += 1
            value = f"{tid}.{seq}"
            r = rng.random()
            if r < 0.32:
                self.ims_tag(cs, tid, rng.choice(self.shared), {k: value for k in rng.sample(KEY_POOL, rng.randint(1, 3))})
            elif r < 0.50:
                self.ims_untag(cs, tid, rng.choice(self.shared), rng.sample(KEY_POOL, rng.randint(1, 2)))
            elif r < 0.64 and creates < self.plan.creates_per_thread:
                creates += 1
                self.create_user(cs, tid, f"cu{tid}-{seq}-{self.tag}", via_ims=rng.random() < 0.5)
            elif r < 0.86:
                rtype, rid = rng.choice(self.sls_resources)
                self.sls_tag(cs, tid, rtype, rid, {k: value for k in rng.sample(KEY_POOL, rng.randint(1, 2))})
            else:
                rtype, rid = rng.choice(self.sls_resources)
                self.sls_untag(cs, tid, rtype, rid, rng.sample(KEY_POOL, rng.randint(1, 2)))

    def _counter_worker(self, tid: int, index: int) -> None:
        """Adds its own keys to the counter user, at the same moments as the other counter threads."""
        cs = Clients(self.creds)
        for j, at in enumerate(self.plan.counter_rounds_at[: self.plan.counter_keys]):
            delay = self.t0 + at - time.monotonic()
            if delay > 0 and self.stop.wait(delay):
                return
            key = f"c{index}-{j}"
            self.ims_tag(cs, tid, self.counter, {key: f"v{index}-{j}"})

    def _reader(self) -> None:
        """Reads the tags of every tagged resource while the load runs: never more than 20."""
        apis: Dict[int, Any] = {}
        slss: Dict[int, SlsApi] = {}
        rng = random.Random(self.rng.random())
        while not self.stop.wait(0.2):
            live = self.fleet.live()
            if not live:
                continue
            port = self.fleet.ports[rng.choice(live)]
            ims = apis.setdefault(port, self.fleet.account(port).api(product="ims"))
            sls = slss.setdefault(port, SlsApi("tea_v1", port, self.creds["ak"], self.creds["secret"]))
            for what, read in [(f"user:{u}", lambda u=u: helpers.user_tags(ims, self.users[u])) for u in self.users] + \
                              [(f"{t}:{r}", lambda t=t, r=r: sls.tags_of(t, r)) for t, r in self.sls_resources]:
                try:
                    tags = read()
                except (ApiError, SlsError) as e:
                    if e.status != 503:
                        self.errors.append(f"reader: reading the tags of {what} answered {e.status} {e.code}: {e.message}")
                    continue
                except Exception:  # noqa: BLE001 - a connection error to a process being killed
                    continue
                self.reads += 1
                self.max_tags_seen = max(self.max_tags_seen, len(tags))
                if len(tags) > TAG_QUOTA:
                    self.errors.append(f"reader: {what} had {len(tags)} tags at {time.monotonic() - self.t0:.3f}s: {sorted(tags)}")

    def start(self) -> None:
        self.t0 = time.monotonic()
        specs = [(f"worker {t}", lambda t=t: self._worker(t)) for t in range(self.plan.threads)]
        specs += [(f"counter {i}", lambda i=i: self._counter_worker(self.plan.threads + i, i))
                  for i in range(self.plan.counter_threads)]
        if self.plan.reader:
            specs.append(("reader", self._reader))
        for name, fn in specs:
            t = threading.Thread(target=self._guard(fn, name), name=name, daemon=True)
            t.start()
            self.threads.append(t)

    def finish(self, join_s: float = 60.0) -> None:
        self.stop.set()
        deadline = time.monotonic() + join_s
        for t in self.threads:
            t.join(timeout=max(0.1, deadline - time.monotonic()))
        hung = [t.name for t in self.threads if t.is_alive()]
        assert not hung, f"client threads still running {join_s:.0f} s after the load stopped (a hung call?): {hung}"

    # ------------------------------------------------------------------ the checks
    def horizons(self, ops: List[Op]) -> None:
        """The latest moment each attempt can have committed."""
        kills = self.fleet.kills
        for op in ops:
            if op.outcome in ("ack", "rejected", "exists"):
                op.horizon = op.end
            elif op.status is not None:  # a 5xx answer: the request's transaction is over
                op.horizon = op.end
            else:
                dead = [b for s, a, b in kills if s == op.slot and a <= op.end + 2.0 and b >= op.start]
                if dead:
                    op.horizon = max(op.end, min(dead)) + COMMIT_MARGIN_S
                elif op.timeout:
                    op.horizon = math.inf
                else:
                    op.horizon = op.end + COMMIT_MARGIN_S

    def answer_failures(self, ops: List[Op], connection_errors_allowed: bool = True) -> List[str]:
        """Every answer that must not happen: a 5xx other than 503, an unexpected 4xx, a hang, a
        connection error from a process that nobody killed."""
        bad: List[str] = []
        kills = self.fleet.kills
        for op in ops:
            if op.outcome == "unknown" and op.status is not None:
                if op.status != 503 or op.code not in OK_503_CODES:
                    bad.append(f"server error {op.status} {op.code} ({op.detail[:200]}): {op.show(self.t0)}")
            elif op.outcome == "rejected" and (op.status, op.code) not in EXPECTED_4XX[op.kind]:
                bad.append(f"unexpected {op.status} {op.code} ({op.detail[:200]}): {op.show(self.t0)}")
            elif op.outcome == "unknown" and op.timeout:
                bad.append(f"no answer within the SDK timeout (a hang): {op.show(self.t0)}")
            elif op.outcome == "unknown":
                killed = any(s == op.slot and a <= op.end + 1.0 for s, a, b in kills)
                if not (connection_errors_allowed and killed):
                    bad.append(f"connection error from a process that was not killed: {op.show(self.t0)}")
        return bad

    def read_final(self, port: int) -> Tuple[Dict[str, Dict[str, str]], List[str]]:
        acct = self.fleet.account(port)
        ims = acct.api(product="ims")
        finals = {f"user:{u}": helpers.user_tags(ims, uid) for u, uid in self.users.items()}
        sls = SlsApi("tea_v1", port, acct.ak, acct.secret)
        for rtype, rid in self.sls_resources:
            finals[f"{rtype}:{rid}"] = sls.tags_of(rtype, rid)
        names: List[str] = []
        marker = None
        ram = acct.api()
        for _ in range(100):
            body = ram.call("ListUsers", MaxItems=1000, Marker=marker)
            names += [u["UserName"] for u in body["Users"].get("User", [])]
            if not body.get("IsTruncated"):
                break
            marker = body["Marker"]
        else:
            raise AssertionError("ListUsers never stopped paging")
        return finals, names

    def check_tags(self, ops: List[Op], finals: Dict[str, Dict[str, str]]) -> Tuple[List[str], Dict[str, int]]:
        by_key: Dict[Tuple[str, str], List[Op]] = collections.defaultdict(list)
        for op in ops:
            if op.kind in TAG_KINDS and op.outcome in ("ack", "unknown"):
                for k in op.writes:
                    by_key[(op.res, k)].append(op)
        bad: List[str] = []
        stats = collections.Counter()
        keys = set(by_key) | {(res, k) for res, tags in finals.items() for k in tags}
        for res, tags in finals.items():
            if len(tags) > TAG_QUOTA:
                bad.append(f"{res} has {len(tags)} tags at the end (quota {TAG_QUOTA}): {sorted(tags)}")
        for res, k in sorted(keys):
            history = by_key.get((res, k), [])
            acked = sorted((o for o in history if o.outcome == "ack"), key=lambda o: o.start, reverse=True)
            allowed = set()
            if not acked:
                allowed.add(None)
            for o in history:
                later = next((a.start for a in acked if a is not o), None)  # latest-sent acked attempt but o
                if later is not None and later > o.horizon:
                    continue  # an acknowledged write of this key was sent after o had committed (if ever)
                allowed.add(o.writes[k])
            actual = finals.get(res, {}).get(k)
            stats["keys"] += 1
            stats["determined"] += len(allowed) == 1
            if actual not in allowed:
                recent = sorted(history, key=lambda o: o.start)[-8:]
                bad.append(
                    f"{res} key {k}: final {'absent' if actual is None else repr(actual)}, but the history allows only "
                    f"{sorted('absent' if v is None else v for v in allowed)}; last attempts on the key:\n      "
                    + "\n      ".join(o.show(self.t0) for o in recent))
        return bad, dict(stats)

    def check_users(self, ops: List[Op], names: List[str]) -> List[str]:
        present = set(names)
        creates = [o for o in ops if o.kind == "create_user"]
        attempted = {o.res for o in creates}
        bad = [f"user {o.res} was acknowledged ({o.outcome}) but does not exist: {o.show(self.t0)}"
               for o in creates if o.outcome in ("ack", "exists") and o.res not in present]
        bad += [f"user {n} exists but no CreateUser of it was ever sent" for n in present - attempted - set(self.users)]
        missing_setup = set(self.users) - present
        if missing_setup:
            bad.append(f"users made before the load are gone: {sorted(missing_setup)}")
        return bad

    def check_counter(self, ops: List[Op], finals: Dict[str, Dict[str, str]]) -> List[str]:
        tags = finals[f"user:{self.counter}"]
        acked = {k: v for o in ops if o.res == f"user:{self.counter}" and o.outcome == "ack" for k, v in o.writes.items()}
        bad = [f"lost update: counter key {k}={v} was acknowledged but the user has {tags.get(k)!r}"
               for k, v in sorted(acked.items()) if tags.get(k) != v]
        sent = {k for o in ops if o.res == f"user:{self.counter}" for k in o.writes}
        bad += [f"counter user has key {k} that no request wrote" for k in set(tags) - sent]
        return bad

    def summary(self, ops: List[Op], stats: Optional[Dict[str, int]] = None) -> str:
        c = collections.Counter(o.outcome for o in ops)
        s503 = sum(1 for o in ops if o.status == 503)
        conn = sum(1 for o in ops if o.outcome == "unknown" and o.status is None)
        acks = collections.Counter(o.kind for o in ops if o.outcome == "ack")
        return (f"seed {SEED}; {len(ops)} attempts: {dict(c)}; 503 answers {s503}; connection errors {conn}; "
                f"acknowledged by kind {dict(acks)}; kills: {self.fleet.kills_text(self.t0)}; "
                f"reader: {self.reads} reads, at most {self.max_tags_seen} tags; keys: {stats or {}}; "
                f"logs in {self.fleet.log_dir}")

    def verify(self, extra_failures: List[str] = (), connection_errors_allowed: bool = True) -> str:
        """Stops the fleet, starts one fresh process on the same store and checks everything."""
        ops = self.history.snapshot()
        failures = list(extra_failures) + list(self.errors)
        failures += [f"localyun died by itself: {d}" for d in self.fleet.dead_by_themselves()]
        self.horizons(ops)
        failures += self.answer_failures(ops, connection_errors_allowed)
        self.fleet.stop_all(signal.SIGTERM)
        fresh = start_server(self.fleet.store, self.fleet.log_dir, creds=self.fleet.creds)
        self.fleet.every.append(fresh)
        try:
            finals, names = self.read_final(fresh.port)
        finally:
            fresh.stop(signal.SIGTERM)
        tag_bad, stats = self.check_tags(ops, finals)
        failures += tag_bad + self.check_users(ops, names) + self.check_counter(ops, finals)
        summary = self.summary(ops, stats)
        if failures:
            rids = [o.request_id for o in ops if o.status and o.status >= 500 and o.status != 503][:10]
            evidence = _grep_logs(self.fleet.log_dir, rids) or _error_lines(self.fleet.log_dir)
            pytest.fail(f"{len(failures)} problem(s):\n  - " + "\n  - ".join(failures[:25])
                        + f"\n{summary}\nserver log lines:\n{evidence or '(none)'}", pytrace=False)
        # the checks must have had something to check
        acks = collections.Counter(o.kind for o in ops if o.outcome == "ack")
        assert acks["ims_tag"] and acks["ims_untag"] and acks["create_user"] and acks["sls_tag"], summary
        assert len(finals[f"user:{self.counter}"]) >= 1, summary
        return summary


def _run_with_kills(sc: Scenario, kills_at: List[Tuple[float, float]], min_live: int) -> List[str]:
    """Runs the load for its duration; at each (moment, pause) kills a random live process with
    SIGKILL and starts a replacement on its port `pause` seconds later."""
    problems: List[str] = []
    sc.start()
    try:
        for at, pause in kills_at:
            delay = sc.t0 + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            live = sc.fleet.live()
            if len(live) < min_live:
                problems.append(f"only {len(live)} process(es) running at {at:.1f}s; kill skipped")
                continue
            slot = sc.rng.choice(live)
            sc.fleet.kill(slot)
            time.sleep(pause)
            try:
                sc.fleet.start(slot)
            except RuntimeError as e:
                problems.append(f"the replacement of slot {slot} did not start: {e}")
        delay = sc.t0 + sc.plan.duration - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    finally:
        sc.finish()
    return problems


@pytest.fixture
def fleets(tmp_path):
    """Factory: fleets(store, n) -> Fleet; every process of every fleet is stopped by PID at teardown."""
    made: List[Fleet] = []

    def make(store: str, n: int) -> Fleet:
        f = Fleet(store, tmp_path / "logs", n)
        made.append(f)
        return f

    yield make
    for f in made:
        f.stop_all(signal.SIGTERM)


# ============================================================================================
# 1. kill -9 under load: three processes on one PostgreSQL database
# ============================================================================================

@pytest.mark.skipif(bool(_pg_reason()), reason=_pg_reason() or "PostgreSQL reachable")
def test_kill9_under_load_three_processes_on_one_postgres_database(new_store, fleets):
    rng = random.Random(SEED)
    fleet = fleets(new_store("postgres"), 3)
    sc = Scenario(fleet, rng, Plan(threads=32, duration=13.0), "pg")
    kills = [(rng.uniform(2.0, 3.5), rng.uniform(0.3, 1.0)), (rng.uniform(5.0, 6.5), rng.uniform(0.3, 1.0)),
             (rng.uniform(8.0, 9.0), rng.uniform(0.3, 1.0))]
    problems = _run_with_kills(sc, kills, min_live=3)
    print(sc.verify(problems))


# ============================================================================================
# 2. kill -9 under load: the embedded store, one process killed and restarted
# ============================================================================================

def test_kill9_under_load_embedded_store(new_store, fleets):
    rng = random.Random(SEED + 1)
    fleet = fleets(new_store("sqlite"), 1)
    plan = Plan(threads=16, duration=10.0, counter_rounds_at=(1.5, 4.0, 6.8), op_bound_s=25.0, max_attempts=40,
                backoff=(0.05, 0.2))
    sc = Scenario(fleet, rng, plan, "lite")
    kills = [(rng.uniform(1.5, 2.5), rng.uniform(0.2, 0.6)), (rng.uniform(4.0, 5.0), rng.uniform(0.2, 0.6)),
             (rng.uniform(6.5, 7.0), rng.uniform(0.2, 0.6))]
    problems = _run_with_kills(sc, kills, min_live=1)
    print(sc.verify(problems))


# ============================================================================================
# 3. PostgreSQL restarted mid-load (a private cluster)
# ============================================================================================

def _pg_bindir() -> Optional[str]:
    env = os.environ.get("LOCALYUN_TEST_PG_BIN")
    if env:
        return env
    found = shutil.which("initdb")
    if found:
        return os.path.dirname(found)
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, timeout=10)
        if out.returncode == 0 and os.path.exists(os.path.join(out.stdout.strip(), "initdb")):
            return out.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]) if d.split("/")[-2].isdigit() else 0)
    dirs = [d for d in dirs if os.path.exists(os.path.join(d, "initdb")) and os.path.exists(os.path.join(d, "pg_ctl"))]
    return dirs[-1] if dirs else None


class PrivateCluster:
    """A PostgreSQL cluster of this test only: initdb into a temp dir, listening on 127.0.0.1 on
    a free port (socket dir inside the temp dir). As root, everything runs as the `postgres` OS
    user (PostgreSQL refuses to run as root)."""

    def __init__(self, bindir: str, base: Path, run_as: Optional[str]):
        self.bindir, self.base, self.run_as = bindir, base, run_as
        self.data, self.log = base / "data", base / "postgres.log"
        self.port = helpers.free_port()

    def _cmd(self, tool: str, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
        argv = [os.path.join(self.bindir, tool), *args]
        if self.run_as:
            argv = ["runuser", "-u", self.run_as, "--"] + argv
        return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)

    def _check(self, res: subprocess.CompletedProcess, what: str) -> None:
        if res.returncode != 0:
            raise RuntimeError(f"{what} failed ({res.returncode}): {res.stderr.strip() or res.stdout.strip()}\n{self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def init(self) -> None:
        self._check(self._cmd("initdb", "-D", str(self.data), "-U", "root", "--auth=trust", "--no-sync",
                              "-E", "UTF8", "--locale=C"), "initdb")

    def _options(self) -> str:
        return (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.base} "
                f"-c fsync=off -c max_connections=100")

    def start(self) -> None:
        self._check(self._cmd("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                              "-o", self._options(), "start", timeout=90), "pg_ctl start")

    def stop(self, mode: str = "fast") -> None:
        self._check(self._cmd("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", timeout=90),
                    f"pg_ctl stop -m {mode}")

    def url(self, db: str) -> str:
        return f"postgres://root@127.0.0.1:{self.port}/{db}"

    def create_database(self, name: str) -> str:
        res = psql(self.url("postgres"), f"CREATE DATABASE {name};")
        assert res.returncode == 0, f"CREATE DATABASE {name} on the private cluster failed: {res.stderr}"
        return self.url(name)

    def destroy(self) -> None:
        """pg_ctl stop -m immediate; the postmaster by its PID if it is still there; the directory."""
        pid_file = self.data / "postmaster.pid"
        pid = None
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            pass
        if pid_file.exists():
            try:
                self._cmd("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop", timeout=45)
            except subprocess.TimeoutExpired:
                pass
        if pid:
            try:
                os.kill(pid, 0)
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    is_pg = b"postgres" in f.read()
                if is_pg:
                    os.kill(pid, signal.SIGKILL)
            except (OSError, ProcessLookupError):
                pass
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture
def private_pg():
    bindir = _pg_bindir()
    if not bindir:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) found; set LOCALYUN_TEST_PG_BIN")
    if shutil.which("psql") is None:
        pytest.skip("psql is not installed")
    run_as = None
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no `postgres` OS user to run a private PostgreSQL cluster")
        if shutil.which("runuser") is None:
            pytest.skip("running as root and runuser is not installed (PostgreSQL refuses to run as root)")
        run_as = "postgres"
    base = Path(tempfile.mkdtemp(prefix="localyun-pg-"))
    if run_as:
        os.chown(base, pw.pw_uid, pw.pw_gid)
    cluster = PrivateCluster(bindir, base, run_as)
    try:
        cluster.init()
        cluster.start()
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        cluster.destroy()
        pytest.skip(f"cannot run a private PostgreSQL cluster here: {e}")
    try:
        yield cluster
    finally:
        cluster.destroy()


def _health(port: int) -> Tuple[Optional[int], dict]:
    try:
        r = http_get(port, "/_localyun/health", timeout=5.0)
        return r.status_code, r.json()
    except (requests.RequestException, ValueError) as e:
        return None, {"error": str(e)}


def _wait_for(what: Any, cond: Callable[[], bool], bound: float) -> float:
    """Polls `cond` for at most `bound` s; returns how long it took. `what` (a string, or a
    function giving one at the time of failure) says what did not happen."""
    start = time.monotonic()
    while time.monotonic() - start < bound:
        if cond():
            return time.monotonic() - start
        time.sleep(0.1)
    pytest.fail(f"{what() if callable(what) else what}: not within {bound:.0f} s (seed {SEED})", pytrace=False)


def _tea_ims_sdk_retry(port: int, creds: Dict[str, str]):
    """An IMS client whose own retry (Config.retry_options: the pinned tea-openapi's mechanism;
    it does not read RuntimeOptions.autoretry) retries 503 ServiceUnavailable and connection
    errors every 500 ms, up to 60 attempts."""
    from alibabacloud_ims20190815.client import Client
    from darabonba.policy.retry import RetryOptions

    cfg = helpers._tea_config(port, creds["ak"], creds["secret"], False)
    cfg.retry_options = RetryOptions({"retryable": True, "retryCondition": [{
        "maxAttempts": 60, "exception": ["RetryError"], "errorCode": ["ServiceUnavailable", "Throttling"],
        "backoff": {"policy": "Fixed", "period": 500}}]})
    return Client(cfg)


def _count_sdk_attempts(monkeypatch, thread_name: str) -> List[Tuple[float, Optional[int]]]:
    """Instruments the Tea HTTP layer (DaraCore.do_action) to note every HTTP attempt made by the
    thread called `thread_name`: (sent at, HTTP status or None for a connection error). The SDK's
    behaviour is unchanged; this only shows that its own retry loop ran."""
    from darabonba.core import DaraCore

    seen: List[Tuple[float, Optional[int]]] = []
    original = DaraCore.do_action

    def counting(*args, **kwargs):
        mine = threading.current_thread().name == thread_name
        t = time.monotonic()
        try:
            resp = original(*args, **kwargs)
        except Exception:
            if mine:
                seen.append((t, None))
            raise
        if mine:
            seen.append((t, resp.status_code))
        return resp

    monkeypatch.setattr(DaraCore, "do_action", staticmethod(counting))
    return seen


def test_postgres_restart_under_load(private_pg, fleets, monkeypatch):
    rng = random.Random(SEED + 2)
    url = private_pg.create_database("localyun_faults")
    fleet = fleets(url, 2)
    threads = 12
    plan = Plan(threads=threads, duration=0.0, counter_threads=4, counter_rounds_at=(1.0, 2.5, 4.0),
                creates_per_thread=30, op_bound_s=40.0, max_attempts=400, backoff=(0.2, 0.4))
    sc = Scenario(fleet, rng, plan, "pgr")
    creds = fleet.creds
    retry_user = "sdkretry-pgr"  # its own user: the shared ones are at their tag quota
    sc.users[retry_user] = fleet.account().api().call("CreateUser", UserName=retry_user)["User"]["UserId"]
    probe = fleet.account(fleet.ports[0])
    extra: List[str] = []
    sdk_results: List[Op] = []
    sdk_threads: List[threading.Thread] = []
    sc.start()
    try:
        time.sleep(3.0)
        t_down0 = time.monotonic()
        private_pg.stop("fast")
        t_down = time.monotonic()

        # health says "unavailable" (503) on every process
        for port in fleet.ports:
            seen: Dict[str, Any] = {}

            def unavailable(p: int = port, seen: Dict[str, Any] = seen) -> bool:
                seen["status"], seen["body"] = _health(p)
                return seen["status"] == 503 and seen["body"].get("status") == "unavailable"

            _wait_for(lambda p=port, seen=seen: f"health of port {p} answering 503 unavailable (last answer: {seen})",
                      unavailable, 15.0)
            assert seen["body"].get("store") == "postgres", seen

        # the SDK's own retry: started while the database is down, it must end in success
        ims_retry = _tea_ims_sdk_retry(fleet.ports[1], creds)
        params = {"ResourceType": "user", "ResourceId": [sc.users[retry_user]],
                  "Tag": [{"Key": "sdkretry", "Value": "yes"}]}
        sdk_attempts = _count_sdk_attempts(monkeypatch, "sdk-retry")
        t = threading.Thread(target=lambda: sdk_results.append(sc.record(
            -1, "ims_tag", f"user:{retry_user}", {"sdkretry": "yes"}, 1,
            lambda: tea_call(ims_retry, "TagResources", params, _ims_models()))), name="sdk-retry", daemon=True)
        t.start()
        t_sdk = time.monotonic()
        sdk_threads.append(t)

        # calls answer 503 at once: RPC ServiceUnavailable, SLS 503; never a 500, never a hang
        sls_probe = SlsApi("tea_v1", probe.port, probe.ak, probe.secret)
        down_user = helpers.unique("down")
        probes = [
            ("read", "ListUsers", {}, lambda: probe.api().call("ListUsers")),
            ("create_user", down_user, {}, lambda: probe.api("tea_v2").call("CreateUser", UserName=down_user)),
            ("read", "GetDefaultDomain", {}, lambda: probe.api(product="ims").call("GetDefaultDomain")),
            ("read", "ListProject", {}, lambda: sls_probe.list_projects()),
            ("sls_tag", f"project:{sc.project}", {"down": "x"}, lambda: sls_probe.tag("project", sc.project, {"down": "x"})),
        ]
        probe_ops: List[Op] = []
        probe_threads = [threading.Thread(target=lambda k=k, r=r, w=w, c=c: probe_ops.append(sc.record(-2, k, r, w, 0, c)),
                                          daemon=True) for k, r, w, c in probes]
        for t in probe_threads:
            t.start()
        for t in probe_threads:
            t.join(timeout=30)
        assert len(probe_ops) == len(probes), "a call made while PostgreSQL was down did not return within 30 s"
        for op in probe_ops:
            if op.outcome != "unknown" or op.status != 503 or op.code not in OK_503_CODES:
                extra.append(f"while PostgreSQL was down, expected 503 ServiceUnavailable/ServerBusy: {op.show(sc.t0)}")
        probe_s = max(op.end - op.start for op in probe_ops)

        # down for at least 2 s, and long enough that the SDK's first attempt has been answered
        # 503 (a request waits at most 3 s for a database connection)
        remaining = max(t_down + 2.0, t_sdk + 4.0) - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)
        t_up0 = time.monotonic()
        private_pg.start()
        t_up = time.monotonic()

        for port in fleet.ports:
            _wait_for(f"health of port {port} answering 200 ok after PostgreSQL came back",
                      lambda p=port: (lambda r: r[0] == 200 and r[1].get("status") == "ok")(_health(p)), 20.0)

        # every client thread gets its calls through again, without restarting localyun
        def all_threads_recovered() -> bool:
            done = {o.tid for o in sc.history.snapshot() if o.outcome in ("ack", "rejected") and o.start > t_up}
            return set(range(threads)) <= done

        recovered_in = _wait_for("every client thread succeeding again after PostgreSQL came back",
                                 all_threads_recovered, 20.0)
        time.sleep(3.0)
    finally:
        sc.finish()
        for t in sdk_threads:
            t.join(timeout=60)

    assert len(sdk_results) == len(sdk_threads), "the SDK-retry call was still running 60 s after the load stopped"
    for op in sdk_results:
        if op.outcome != "ack":
            extra.append(f"the call retried by the SDK (sent while PostgreSQL was down) failed: {op.show(sc.t0)}")
        elif op.end < t_up0:
            extra.append(f"the call retried by the SDK succeeded before PostgreSQL was started again: {op.show(sc.t0)}")
    statuses = [st for _, st in sdk_attempts]
    if len(statuses) < 2 or statuses[-1] != 200 or any(st != 503 for st in statuses[:-1]):
        extra.append(f"the SDK's own retry did not go as expected: HTTP attempts (sent at, status) "
                     f"{[(round(a - sc.t0, 2), st) for a, st in sdk_attempts]}, PostgreSQL back at {t_up0 - sc.t0:.2f}s")

    ops = sc.history.snapshot()
    # nothing is acknowledged while the database is down
    for o in ops:
        if o.outcome == "ack" and o.start > t_down + 0.5 and o.end < t_up0:
            extra.append(f"acknowledged while PostgreSQL was down: {o.show(sc.t0)}")
    during = [o for o in ops if o.tid >= 0 and o.start >= t_down0 and o.end <= t_up]  # load threads only
    n503 = sum(1 for o in during if o.status == 503)
    lat503 = sorted(o.end - o.start for o in ops if o.status == 503)
    if not n503:
        extra.append(f"no load thread got a 503 during the outage ({len(during)} attempts then)")
    first_after: Dict[int, float] = {}
    for o in ops:
        if o.tid >= 0 and o.outcome in ("ack", "rejected") and o.start > t_up:
            first_after[o.tid] = min(first_after.get(o.tid, math.inf), o.end - t_up)
    summary = sc.verify(extra, connection_errors_allowed=False)
    print(f"{summary}; outage: {t_down - t_down0:.2f}s stopping + {t_up0 - t_down:.2f}s down + {t_up - t_up0:.2f}s "
          f"starting; {n503} 503 answers during it (probes answered within {probe_s:.2f}s; 503 latency median {lat503[len(lat503) // 2] if lat503 else 0:.2f}s, max {lat503[-1] if lat503 else 0:.2f}s); every thread through again "
          f"{max(first_after.values()):.2f}s after PostgreSQL was up (checked {recovered_in:.2f}s after health was 200); the SDK retried call took {len(sdk_attempts)} HTTP attempts")
