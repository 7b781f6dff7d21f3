"""The shared PostgreSQL store (`--store postgres://…`): the CLI contract, several localyun
processes serving one database at once (no stale cache, one name, one quota), replay refused
across processes and restarts, and health/503 while the database cannot be reached.

These tests make their own databases on LOCALYUN_TEST_POSTGRES (default
postgres://root@127.0.0.1:5432/test), whatever LOCALYUN_TEST_STORE says, and skip with the
reason when PostgreSQL cannot be reached. The replay-after-restart test also runs on an
embedded data dir. Every call goes through an official SDK; the replay tests use the hand signer
(signer.py), since no SDK resends a request's bytes.
"""
from __future__ import annotations

import dataclasses
import datetime
import json
import os
import signal
import sqlite3
import socket
import subprocess
import threading
import time
from typing import Callable, List, Optional, Tuple
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

import helpers
from authz_helpers import new_user, user_denied, user_res
from helpers import (Account, ApiError, SlsApi, binary, clean_env, create_account, expect_error, expect_sls_error,
                     free_port, http_get, list_accounts, psql, run_cli, sls_name, unique, user_tags)
from signer import Reply, Signer, send

BOUND_S = 15.0  # every wait of this file is bounded by this


def _pg_reason() -> str:
    return helpers.postgres_unreachable_reason()


needs_postgres = pytest.mark.skipif(bool(_pg_reason()), reason=_pg_reason() or "PostgreSQL reachable")


@pytest.fixture
def pg_url(new_store) -> str:
    """A fresh PostgreSQL database of this test (dropped at teardown)."""
    reason = _pg_reason()
    if reason:
        pytest.skip(reason)
    return new_store("postgres")


def _creds(srv) -> dict:
    return {"account_id": srv.account_id, "ak": srv.root_ak, "secret": srv.root_secret}


@pytest.fixture
def pair(pg_url, spawn_server):
    """Two localyun processes A and B on one PostgreSQL database, with the same default account."""
    a = spawn_server(store=pg_url)
    b = spawn_server(store=pg_url, creds=_creds(a))
    assert a.pid != b.pid
    return a, b


@pytest.fixture
def shared_account(pair) -> Tuple[Account, Account]:
    """A fresh account (`account create --store URL`), bound once to A's port and once to B's."""
    a, b = pair
    acct = create_account(a.store, a.port)
    return acct, dataclasses.replace(acct, port=b.port)


def _run(args: List[str], env: Optional[dict] = None, timeout: float = 10.0) -> subprocess.CompletedProcess:
    try:
        return subprocess.run([binary()] + args, capture_output=True, text=True, timeout=timeout,
                              env=clean_env(**(env or {})), stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:  # subprocess.run has already killed the child
        pytest.fail(f"localyun {' '.join(args)} kept running instead of exiting")


def _health(port: int) -> Tuple[int, dict]:
    r = http_get(port, "/_localyun/health", timeout=5.0)
    return r.status_code, r.json()


# ============================================================================================
# CLI contract
# ============================================================================================

@needs_postgres
def test_data_dir_and_store_together_is_a_usage_error(tmp_path, pg_url):
    data = tmp_path / "d"
    data.mkdir()
    for cmd in (["serve", "--listen", f"127.0.0.1:{free_port()}"], ["account", "create"], ["account", "list"]):
        res = _run(cmd + ["--data-dir", str(data), "--store", pg_url])
        assert res.returncode == 2, f"{cmd}: exit {res.returncode}: {res.stdout} {res.stderr}"
        assert "--data-dir" in res.stderr and "--store" in res.stderr, res.stderr
        assert res.stdout == "", res.stdout
    # LOCALYUN_STORE counts as --store
    res = _run(["serve", "--listen", f"127.0.0.1:{free_port()}", "--data-dir", str(data)], env={"LOCALYUN_STORE": pg_url})
    assert res.returncode == 2, f"exit {res.returncode}: {res.stderr}"
    assert "--store" in res.stderr or "LOCALYUN_STORE" in res.stderr, res.stderr
    assert list(data.iterdir()) == [], "a refused command wrote into the data dir"
    # --in-memory conflicts with both
    for flags in (["--data-dir", str(data)], ["--store", pg_url]):
        res = _run(["serve", "--listen", f"127.0.0.1:{free_port()}", "--in-memory"] + flags)
        assert res.returncode == 2, f"--in-memory {flags}: exit {res.returncode}: {res.stderr}"
        assert res.stderr.strip(), "no message"


@pytest.mark.parametrize("store", ["notaurl", "mysql://root@127.0.0.1/x", "/tmp/some/dir", ""],
                         ids=["word", "other-scheme", "path", "empty"])
def test_store_must_be_a_postgres_url(store):
    for cmd in (["serve", "--listen", f"127.0.0.1:{free_port()}"], ["account", "create"], ["account", "list"]):
        res = _run(cmd + ["--store", store])
        assert res.returncode == 2, f"{cmd} --store {store!r}: exit {res.returncode}: {res.stdout} {res.stderr}"
        assert "postgres" in res.stderr, res.stderr  # the message says what --store takes
        assert res.stdout == "", res.stdout
    res = _run(["serve", "--listen", f"127.0.0.1:{free_port()}"], env={"LOCALYUN_STORE": "notaurl"})
    assert res.returncode == 2 and "postgres" in res.stderr, f"exit {res.returncode}: {res.stderr}"


def test_unreachable_database_refuses_to_start():
    """A server whose database cannot be reached at start exits (2) with a message, no hang."""
    url = f"postgres://root@127.0.0.1:{free_port()}/nothing_listens_here"
    res = _run(["serve", "--listen", f"127.0.0.1:{free_port()}", "--store", url], timeout=BOUND_S)
    assert res.returncode == 2, f"exit {res.returncode}: {res.stderr}"
    assert "nothing_listens_here" in res.stderr or "127.0.0.1" in res.stderr, res.stderr
    res = _run(["account", "create", "--store", url], timeout=BOUND_S)
    assert res.returncode == 2 and res.stdout == "", f"exit {res.returncode}: {res.stdout} {res.stderr}"


# The format of issue 10 (the PostgreSQL store) is 2; later builds may add migration steps, so a
# health answer must report at least that, and exactly what the store records.
MIN_FORMAT = 2


def _stored_format(store: str) -> int:
    """The format version the store itself records (meta / localyun_meta, key 'format')."""
    if helpers.is_postgres(store):
        res = psql(store, "SELECT v FROM localyun_meta WHERE k = 'format';")
        assert res.returncode == 0, res.stderr
        return int(res.stdout.strip())
    conn = sqlite3.connect(os.path.join(store, "localyun.db"), timeout=10)
    try:
        return int(conn.execute("SELECT v FROM meta WHERE k = 'format'").fetchone()[0])
    finally:
        conn.close()


def _check_format(body: dict, store: str) -> None:
    fv = body["formatVersion"]
    assert isinstance(fv, int) and fv >= MIN_FORMAT, body
    assert fv == _stored_format(store), f"health says format {fv}, the store records {_stored_format(store)}"


def test_health_reports_sqlite_on_a_data_dir(spawn_server, new_store):
    srv = spawn_server(store=new_store("sqlite"))
    status, body = _health(srv.port)
    assert status == 200, body
    assert (body["status"], body["store"]) == ("ok", "sqlite"), body
    _check_format(body, srv.store)


def test_health_reports_postgres_and_its_format(spawn_server, pg_url):
    srv = spawn_server(store=pg_url)
    status, body = _health(srv.port)
    assert status == 200, body
    assert (body["status"], body["store"]) == ("ok", "postgres"), body
    assert body["region"] == "cn-hangzhou" and body["version"], body
    _check_format(body, pg_url)  # the binary made its schema in that database
    res = psql(pg_url, "SELECT count(*) FROM pg_tables WHERE tablename IN ('localyun_meta', 'localyun_kv', 'localyun_nonce');")
    assert res.stdout.strip() == "3", res.stdout + res.stderr


def test_account_create_and_list_with_store_url(spawn_server, pg_url):
    created = []
    for _ in range(2):
        res = run_cli(["account", "create", "--store", pg_url])
        assert res.returncode == 0, res.stderr
        obj = json.loads(res.stdout)  # exactly one JSON document
        assert {"AccountId", "AccessKeyId", "AccessKeySecret"} <= set(obj), obj
        created.append(obj)
    assert created[0]["AccountId"] != created[1]["AccountId"]
    ids = [a["AccountId"] for a in list_accounts(pg_url)]
    assert {c["AccountId"] for c in created} <= set(ids), ids
    assert len(ids) == len(set(ids))

    # a server started afterwards on that database serves those accounts, and accounts made while
    # it runs work at once
    srv = spawn_server(store=pg_url)
    for obj in created + [json.loads(run_cli(["account", "create", "--store", pg_url]).stdout)]:
        acct = Account(srv.port, obj["AccountId"], obj["AccessKeyId"], obj["AccessKeySecret"])
        assert acct.api().call("ListUsers")["Users"].get("User", []) == []
    listed = list_accounts(pg_url)
    defaults = [a["AccountId"] for a in listed if a.get("Default")]
    assert defaults == [srv.account_id], listed


def test_localyun_store_env_works_like_store_flag(spawn_server, pg_url):
    srv = spawn_server(store=pg_url, store_via_env=True)
    assert "--store" not in srv.args and "--data-dir" not in srv.args, srv.args
    status, body = _health(srv.port)
    assert (status, body["store"]) == (200, "postgres"), body
    name = unique("env")
    uid = srv.root().api().call("CreateUser", UserName=name)["User"]["UserId"]

    # account create / list through the variable
    res = run_cli(["account", "create"], env={"LOCALYUN_STORE": pg_url})
    assert res.returncode == 0, res.stderr
    acct_id = json.loads(res.stdout)["AccountId"]
    res = run_cli(["account", "list"], env={"LOCALYUN_STORE": pg_url})
    assert res.returncode == 0, res.stderr
    assert acct_id in [a["AccountId"] for a in json.loads(res.stdout)]

    # the same database through --store: the same state
    other = spawn_server(store=pg_url, creds=_creds(srv))
    assert other.root().api().call("GetUser", UserName=name)["User"]["UserId"] == uid
    assert acct_id in [a["AccountId"] for a in list_accounts(pg_url)]


# ============================================================================================
# two processes, one database: what one writes, the other serves at once
# ============================================================================================

def test_user_created_on_a_is_served_by_b(shared_account):
    a, b = shared_account
    name = unique("shared")
    created = a.api().call("CreateUser", UserName=name, DisplayName="from A")["User"]
    got = b.api().call("GetUser", UserName=name)["User"]
    assert (got["UserId"], got["DisplayName"]) == (created["UserId"], "from A")
    assert b.api(product="ims").call("GetUser", UserPrincipalName=b.upn(name))["User"]["UserId"] == created["UserId"]
    assert name in [u["UserName"] for u in b.api("tea_v2").call("ListUsers")["Users"]["User"]]

    b.api().call("UpdateUser", UserName=name, NewDisplayName="from B")
    assert a.api("core_post").call("GetUser", UserName=name)["User"]["DisplayName"] == "from B"
    b.api().call("DeleteUser", UserName=name)
    expect_error(lambda: a.api().call("GetUser", UserName=name), 404, "EntityNotExist.User")


def test_tags_set_on_a_are_listed_by_b(shared_account):
    a, b = shared_account
    name = unique("tagged")
    uid = a.api().call("CreateUser", UserName=name)["User"]["UserId"]
    ims_a, ims_b = a.api(product="ims"), b.api(product="ims")
    assert user_tags(ims_b, uid) == {}  # B has read this user's tags before
    ims_a.call("TagResources", ResourceType="user", ResourceId=[uid],
               Tag=[{"Key": "team", "Value": "dev"}, {"Key": "env", "Value": "prod"}])
    assert user_tags(ims_b, uid) == {"team": "dev", "env": "prod"}
    listed = ims_b.call("ListUsers", Tag=[{"TagKey": "team", "TagValue": "dev"}])["Users"]["User"]
    assert [u["UserId"] for u in listed] == [uid]
    ims_b.call("UntagResources", ResourceType="user", ResourcePrincipalName=[b.upn(name)], TagKey=["env"])
    ims_b.call("TagResources", ResourceType="user", ResourceId=[uid], Tag=[{"Key": "team", "Value": "ops"}])
    assert user_tags(ims_a, uid) == {"team": "ops"}


def test_key_deactivated_on_a_is_refused_by_b_at_once(shared_account):
    a, b = shared_account
    key = a.api().call("CreateAccessKey")["AccessKey"]  # a second root key of the account
    kid, ksecret = key["AccessKeyId"], key["AccessKeySecret"]
    on_b = b.api(ak=kid, secret=ksecret)
    on_b_ims = b.api(product="ims", ak=kid, secret=ksecret)
    for _ in range(3):  # B has served the key: it is in B's credential cache
        on_b.call("ListUsers")
        on_b_ims.call("ListUsers")

    a.api().call("UpdateAccessKey", UserAccessKeyId=kid, Status="Inactive")
    expect_error(lambda: on_b.call("ListUsers"), 400, "InvalidAccessKeyId.Inactive")
    expect_error(lambda: on_b_ims.call("ListUsers"), 400, "InvalidAccessKeyId.Inactive")
    expect_error(lambda: b.api("core_get", ak=kid, secret=ksecret).call("ListUsers"), 400, "InvalidAccessKeyId.Inactive")

    a.api().call("UpdateAccessKey", UserAccessKeyId=kid, Status="Active")
    on_b.call("ListUsers")
    a.api().call("DeleteAccessKey", UserAccessKeyId=kid)
    expect_error(lambda: on_b.call("ListUsers"), 404, "InvalidAccessKeyId.NotFound")

    # a RAM user's key, deactivated through B, is refused by A on its next request
    name = unique("keyed")
    b.api().call("CreateUser", UserName=name)
    ukey = b.api().call("CreateAccessKey", UserName=name)["AccessKey"]
    as_user_a = a.api(product="ims", ak=ukey["AccessKeyId"], secret=ukey["AccessKeySecret"])
    # without a policy the user is authenticated, then refused: A has the key cached now
    expect_error(lambda: as_user_a.call("ListUsers"), 403, "NoPermission")
    b.api().call("UpdateAccessKey", UserName=name, UserAccessKeyId=ukey["AccessKeyId"], Status="Inactive")
    expect_error(lambda: as_user_a.call("ListUsers"), 400, "InvalidAccessKeyId.Inactive")


def test_policy_attached_on_a_takes_effect_on_b(shared_account):
    a, b = shared_account
    user = new_user(a)  # a RAM user with one key and no policy, made through A
    as_user_b = b.api(ak=user.ak, secret=user.secret)
    user_denied(user, lambda: as_user_b.call("ListUsers"), "ram:ListUsers", "*")  # B caches the key

    a.api().call("AttachPolicyToUser", PolicyType="System", PolicyName="ReadOnlyAccess", UserName=user.name)
    assert user.name in [u["UserName"] for u in as_user_b.call("ListUsers")["Users"]["User"]]
    assert as_user_b.call("GetUser", UserName=user.name)["User"]["UserId"] == user.user_id
    fresh = unique()
    user_denied(user, lambda: as_user_b.call("CreateUser", UserName=fresh), "ram:CreateUser",
                user_res(a.account_id, fresh))  # ReadOnlyAccess: still no writes

    b.api().call("DetachPolicyFromUser", PolicyType="System", PolicyName="ReadOnlyAccess", UserName=user.name)
    user_denied(user, lambda: a.api(ak=user.ak, secret=user.secret).call("ListUsers"), "ram:ListUsers", "*")
    user_denied(user, lambda: as_user_b.call("ListUsers"), "ram:ListUsers", "*")


def test_group_membership_changed_on_a_takes_effect_on_b(shared_account):
    a, b = shared_account
    user = new_user(a)
    as_user_b = b.api(ak=user.ak, secret=user.secret)
    group = unique("readers")
    a.api().call("CreateGroup", GroupName=group)
    a.api().call("AttachPolicyToGroup", PolicyType="System", PolicyName="ReadOnlyAccess", GroupName=group)
    user_denied(user, lambda: as_user_b.call("ListUsers"), "ram:ListUsers", "*")  # B caches what applies

    a.api().call("AddUserToGroup", GroupName=group, UserName=user.name)
    assert user.name in [u["UserName"] for u in as_user_b.call("ListUsers")["Users"]["User"]]
    b.api().call("RemoveUserFromGroup", GroupName=group, UserName=user.name)
    user_denied(user, lambda: a.api(ak=user.ak, secret=user.secret).call("ListUsers"), "ram:ListUsers", "*")
    user_denied(user, lambda: as_user_b.call("ListUsers"), "ram:ListUsers", "*")


def test_default_policy_version_set_on_a_takes_effect_on_b(shared_account):
    a, b = shared_account
    user = new_user(a)
    as_user_b = b.api(ak=user.ak, secret=user.secret)
    name = unique("pol")
    only_get = json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ram:GetUser", "Resource": "*"}]})
    allow_list = json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ram:ListUsers", "Resource": "*"}]})
    a.api().call("CreatePolicy", PolicyName=name, PolicyDocument=only_get)
    a.api().call("CreatePolicyVersion", PolicyName=name, PolicyDocument=allow_list, SetAsDefault="false")
    a.api().call("AttachPolicyToUser", PolicyType="Custom", PolicyName=name, UserName=user.name)
    user_denied(user, lambda: as_user_b.call("ListUsers"), "ram:ListUsers", "*")  # v1 is the default

    a.api().call("SetDefaultPolicyVersion", PolicyName=name, VersionId="v2")
    assert user.name in [u["UserName"] for u in as_user_b.call("ListUsers")["Users"]["User"]]
    b.api().call("SetDefaultPolicyVersion", PolicyName=name, VersionId="v1")
    user_denied(user, lambda: a.api(ak=user.ak, secret=user.secret).call("ListUsers"), "ram:ListUsers", "*")
    user_denied(user, lambda: as_user_b.call("ListUsers"), "ram:ListUsers", "*")


def test_sls_project_created_on_a_is_visible_on_b(shared_account):
    a, b = shared_account
    sa, sb = SlsApi("tea_v1", a.port, a.ak, a.secret), SlsApi("tea_v1", b.port, b.ak, b.secret)
    p = sls_name("shared")
    sa.create_project(p, "made on A")
    got = sb.get_project(p)
    assert (got["projectName"], got["description"], got["owner"]) == (p, "made on A", a.account_id)
    assert p in [x["projectName"] for x in sb.list_projects(name=p)["projects"]]
    sb.create_logstore(p, "store1", ttl=3, shard_count=1)
    assert sa.get_logstore(p, "store1")["ttl"] == 3
    sb.tag("project", p, {"env": "shared"})
    expect_sls_error(lambda: sb.create_project(p, "again"), 400, "ProjectAlreadyExist")
    sa.delete_project(p)
    expect_sls_error(lambda: sb.get_project(p), 404, "ProjectNotExist")


# ============================================================================================
# replay: a nonce is used once per store, across processes and restarts
# ============================================================================================

def _replay(port: int, reply) -> Reply:
    """The very same request line and body again (Host names `port`)."""
    assert reply.url.startswith("/?"), reply.url
    return send(port, "POST", reply.url, {})


def _user_names(account: Account) -> List[str]:
    return [u["UserName"] for u in account.api().call("ListUsers")["Users"].get("User", [])]


def test_v1_request_accepted_by_a_is_a_replay_on_b(shared_account):
    a, b = shared_account
    name = unique("once")
    first = Signer(a.port, a.ak, a.secret).v1("CreateUser", [("UserName", name)])
    assert first.status == 200, first.text
    again = _replay(b.port, first)
    assert again.status == 400, again.text
    assert again.json()["Code"] == "SignatureNonceUsed", again.text
    again = _replay(a.port, first)
    assert (again.status, again.json()["Code"]) == (400, "SignatureNonceUsed"), again.text
    assert _user_names(b).count(name) == 1
    # a read with a used nonce is refused too, on either process
    read = Signer(b.port, b.ak, b.secret).v1("ListUsers", method="GET")
    assert read.status == 200, read.text
    for port in (a.port, b.port):
        r = send(port, "GET", read.url, {})
        assert (r.status, r.json()["Code"]) == (400, "SignatureNonceUsed"), r.text


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_replay_after_restart_is_refused(spawn_server, new_store, kind, sig):
    if kind == "postgres" and _pg_reason():
        pytest.skip(_pg_reason())
    store = new_store(kind)
    srv = spawn_server(store=store)
    name = unique("restart")
    first = Signer(srv.port, srv.root_ak, srv.root_secret).v1("CreateUser", [("UserName", name)])
    assert first.status == 200, first.text
    srv.stop(sig, grace=10.0)

    again = spawn_server(store=store, creds=_creds(srv), port=srv.port)  # same port: same bytes, Host included
    replay = _replay(again.port, first)
    assert replay.status == 400, replay.text
    assert replay.json()["Code"] == "SignatureNonceUsed", replay.text
    assert _user_names(again.root()).count(name) == 1
    assert again.root().api().call("GetUser", UserName=name)["User"]["UserName"] == name


# ============================================================================================
# uniqueness and quotas across processes
# ============================================================================================

def _race(calls: List[Callable[[], object]]) -> List[object]:
    """Runs every call on its own thread, released together; returns each result or ApiError."""
    results: List[object] = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=BOUND_S)
            results[i] = calls[i]()
        except ApiError as e:
            results[i] = e
        except Exception as e:  # noqa: BLE001 - reported by the caller
            results[i] = e

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=BOUND_S * 2)
    assert not any(t.is_alive() for t in threads), "a racing call did not finish"
    return results


def _describe(results) -> str:
    return "; ".join(f"{type(r).__name__}: {r}" for r in results if not isinstance(r, dict))[:2000]


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_create_user_one_name_two_processes(shared_account, round_):
    a, b = shared_account
    name = unique("race")
    apis = [(a if i % 2 == 0 else b).api("tea_v3" if i % 4 < 2 else "tea_v2") for i in range(16)]
    results = _race([lambda api=api: api.call("CreateUser", UserName=name) for api in apis])
    ok = [r for r in results if isinstance(r, dict)]
    errors = [r for r in results if not isinstance(r, dict)]
    assert all(isinstance(e, ApiError) for e in errors), _describe(results)
    assert not [e for e in errors if e.status >= 500], f"server errors: {_describe(results)}"
    assert len(ok) == 1, f"{len(ok)} CreateUser succeeded: {_describe(results)}"
    assert all((e.status, e.code) == (409, "EntityAlreadyExists.User") for e in errors), _describe(results)
    uid = ok[0]["User"]["UserId"]
    assert a.api().call("GetUser", UserName=name)["User"]["UserId"] == uid
    assert b.api().call("GetUser", UserName=name)["User"]["UserId"] == uid
    assert _user_names(b).count(name) == 1


def test_concurrent_tagging_two_processes_never_exceeds_the_quota(shared_account):
    a, b = shared_account
    name = unique("quota")
    uid = a.api().call("CreateUser", UserName=name)["User"]["UserId"]
    keys = [f"k{i:02d}" for i in range(26)]
    apis = [(a if i % 2 == 0 else b).api(product="ims") for i in range(len(keys))]
    results = _race([lambda api=api, k=k: api.call("TagResources", ResourceType="user", ResourceId=[uid],
                                                   Tag=[{"Key": k, "Value": "v"}])
                     for api, k in zip(apis, keys)])
    errors = [r for r in results if not isinstance(r, dict)]
    assert all(isinstance(e, ApiError) for e in errors), _describe(results)
    assert not [e for e in errors if e.status >= 500], f"server errors: {_describe(results)}"
    assert all((e.status, e.code) == (400, "QuotaExceeded.TagNum") for e in errors), _describe(results)
    tagged = {k for k, r in zip(keys, results) if isinstance(r, dict)}
    assert len(tagged) == 20, f"{len(tagged)} of {len(keys)} distinct keys were accepted: {_describe(results)}"
    assert user_tags(b.api(product="ims"), uid) == {k: "v" for k in tagged}
    assert user_tags(a.api(product="ims"), uid) == {k: "v" for k in tagged}


# ============================================================================================
# health and 503 while the database cannot be reached
# ============================================================================================

class TcpProxy:
    """Forwards 127.0.0.1:port to an upstream address; stop() closes the listener and every
    forwarded connection, start() listens again on the same port."""

    def __init__(self, upstream: Tuple[str, int], port: Optional[int] = None):
        self.upstream = upstream
        self.port = port or free_port()
        self._lock = threading.Lock()
        self._socks: List[socket.socket] = []
        self._listener: Optional[socket.socket] = None
        self._threads: List[threading.Thread] = []

    def start(self) -> None:
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        deadline = time.monotonic() + BOUND_S
        while True:
            try:
                ls.bind(("127.0.0.1", self.port))
                break
            except OSError:
                if time.monotonic() > deadline:
                    ls.close()
                    raise
                time.sleep(0.1)
        ls.listen(64)
        self._listener = ls
        t = threading.Thread(target=self._accept, args=(ls,), daemon=True)
        t.start()
        self._threads.append(t)

    def _accept(self, ls: socket.socket) -> None:
        while True:
            try:
                client, _ = ls.accept()
            except OSError:
                return  # listener closed
            try:
                up = socket.create_connection(self.upstream, timeout=5)
                up.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not ls:  # stopped meanwhile
                    client.close()
                    up.close()
                    return
                self._socks += [client, up]
            for src, dst in ((client, up), (up, client)):
                t = threading.Thread(target=self._pump, args=(src, dst), daemon=True)
                t.start()
                self._threads.append(t)

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        with self._lock:
            ls, self._listener = self._listener, None
            socks, self._socks = self._socks, []
        if ls is not None:
            try:
                ls.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            ls.close()
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        for t in self._threads:
            t.join(timeout=5)
        self._threads = [t for t in self._threads if t.is_alive()]


@pytest.fixture
def pg_proxy(pg_url):
    """A TCP proxy to the test PostgreSQL; yields (proxy, the database URL through the proxy)."""
    parts = urlsplit(pg_url)
    proxy = TcpProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    proxy.start()
    netloc = f"{parts.username}@127.0.0.1:{proxy.port}" if parts.username else f"127.0.0.1:{proxy.port}"
    yield proxy, urlunsplit(parts._replace(netloc=netloc))
    proxy.stop()


def _wait_for(what: str, cond: Callable[[], bool], bound: float = BOUND_S) -> float:
    start = time.monotonic()
    while time.monotonic() - start < bound:
        if cond():
            return time.monotonic() - start
        time.sleep(0.1)
    pytest.fail(f"{what} not within {bound:.0f} s")


def _health_is(port: int, status: int, state: str) -> bool:
    try:
        r = http_get(port, "/_localyun/health", timeout=5.0)
        return r.status_code == status and r.json().get("status") == state
    except (requests.RequestException, ValueError):
        return False


def test_health_and_calls_answer_503_while_the_database_is_unreachable(spawn_server, pg_proxy):
    proxy, url = pg_proxy
    srv = spawn_server(store=url)
    root = srv.root()
    ram = root.api()  # Tea: no automatic retry unless asked for
    ram.call("CreateUser", UserName=unique("before"))
    status, body = _health(srv.port)
    assert (status, body["status"], body["store"]) == (200, "ok", "postgres"), body

    proxy.stop()
    _wait_for("health answering 503 unavailable", lambda: _health_is(srv.port, 503, "unavailable"))
    r = http_get(srv.port, "/_localyun/health")
    assert r.status_code == 503 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert (body["status"], body["store"]) == ("unavailable", "postgres"), body
    assert isinstance(body["formatVersion"], int) and body["formatVersion"] >= MIN_FORMAT, body

    # RPC calls answer 503 ServiceUnavailable (never a 500, never a hang), reads and writes alike
    for call in (lambda: ram.call("ListUsers"), lambda: ram.call("CreateUser", UserName=unique("during")),
                 lambda: root.api(product="ims").call("GetDefaultDomain")):
        t0 = time.monotonic()
        expect_error(call, 503, "ServiceUnavailable")
        assert time.monotonic() - t0 < BOUND_S
    expect_sls_error(lambda: SlsApi("tea_v1", srv.port, root.ak, root.secret).list_projects(), 503)
    assert srv.alive(), "localyun exited while its database was unreachable"

    proxy.start()  # the database is back, on the same address
    _wait_for("health answering 200 ok again", lambda: _health_is(srv.port, 200, "ok"))

    def call_succeeds() -> bool:
        try:
            ram.call("ListUsers")
            return True
        except ApiError as e:
            assert (e.status, e.code) == (503, "ServiceUnavailable"), f"{e.status} {e.code}: {e.message}"
            return False

    _wait_for("ListUsers succeeding again", call_succeeds)
    name = unique("after")
    ram.call("CreateUser", UserName=name)
    for _ in range(5):
        assert name in [u["UserName"] for u in ram.call("ListUsers")["Users"]["User"]]
    assert srv.alive()


def test_access_key_policy_set_on_a_is_enforced_by_b_at_once(shared_account):
    """Issue 14: the network policy travels with cached credentials, so B must see A's change
    through the identity generation, not after a cache timeout."""
    a, b = shared_account
    name = unique("akp")
    a.api().call("CreateUser", UserName=name)
    key = a.api().call("CreateAccessKey", UserName=name)["AccessKey"]
    on_b = b.api(product="ims", ak=key["AccessKeyId"], secret=key["AccessKeySecret"])
    expect_error(lambda: on_b.call("ListUsers"), 403, "NoPermission")  # authenticated (and cached) on B
    policy = {"Version": 1, "Status": "Active", "Statements": [{"Type": "ClassicWhiteList", "IPList": ["10.0.0.0/8"]}]}
    a.api(product="ims").call("SetAccessKeyPolicy", UserPrincipalName=a.upn(name), UserAccessKeyId=key["AccessKeyId"],
                              AccessKeyPolicy=json.dumps(policy))
    expect_error(lambda: on_b.call("ListUsers"), 403, "Forbidden.AccessKeyNetworkRestricted")


def test_key_use_noted_on_a_and_on_b_keeps_the_latest(shared_account):
    """Issue 14: each process flushes its own notes of AccessKey use; the store keeps the later."""
    import time

    a, b = shared_account
    a.api().call("ListUsers")
    time.sleep(0.5)
    b.api().call("ListUsers")
    after_b = time.time()
    deadline, seen = time.time() + 10, None
    while time.time() < deadline:
        seen = a.api().call("GetAccessKeyLastUsed", UserAccessKeyId=a.ak)["AccessKeyLastUsed"].get("LastUsedDate")
        if seen and datetime.datetime.strptime(seen, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp() >= int(after_b) - 1:
            break
        time.sleep(0.25)
    assert seen, "no use recorded"
    stamp = datetime.datetime.strptime(seen, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()
    assert stamp >= int(after_b) - 1, (seen, after_b)


def test_mfa_device_names_are_unique_across_processes(shared_account):
    a, b = shared_account
    name = unique("dev")
    a.api().call("CreateVirtualMFADevice", VirtualMFADeviceName=name)
    expect_error(lambda: b.api().call("CreateVirtualMFADevice", VirtualMFADeviceName=name), 409, "EntityAlreadyExists.VirtualMFADevice")
