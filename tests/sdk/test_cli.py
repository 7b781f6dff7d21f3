"""CLI, health endpoint, accounts and their isolation, listen-address rules, --in-memory."""
from __future__ import annotations

import json
import re
import subprocess

import pytest

import helpers
from helpers import (DEFAULT_ACCOUNT_ID, DEFAULT_AK, DEFAULT_SECRET, Account, binary, clean_env,
                     create_account, expect_error, free_port, http_get, list_accounts, run_cli, store_args,
                     unique)


def test_health(server):
    r = http_get(server.port, "/_localyun/health")
    assert r.status_code == 200
    body = r.json()
    assert isinstance(body, dict)
    assert body["status"] == "ok"


def test_account_create_prints_one_json_object(server):
    res = run_cli(["account", "create"] + store_args(server.store))
    assert res.returncode == 0, res.stderr
    obj = json.loads(res.stdout)  # the whole stdout must be exactly one JSON document
    assert isinstance(obj, dict)
    assert {"AccountId", "AccessKeyId", "AccessKeySecret"} <= set(obj)
    assert re.fullmatch(r"\d{16}", obj["AccountId"]), obj
    assert isinstance(obj["AccessKeyId"], str) and obj["AccessKeyId"]
    assert isinstance(obj["AccessKeySecret"], str) and obj["AccessKeySecret"]
    assert obj["AccountId"] != server.account_id
    assert obj["AccessKeyId"] != server.root_ak

    again = create_account(server.store, server.port)
    assert again.account_id != obj["AccountId"]
    assert again.ak != obj["AccessKeyId"]


def test_account_list_contains_created_accounts(server, account):
    other = create_account(server.store, server.port)
    listed = list_accounts(server.store)
    assert all(isinstance(a, dict) and "AccountId" in a for a in listed), listed
    ids = [a["AccountId"] for a in listed]
    assert account.account_id in ids
    assert other.account_id in ids
    assert len(ids) == len(set(ids)), "account list repeats an account"


def test_created_account_credentials_work_at_once(account):
    body = account.api().call("ListUsers")
    assert body["Users"].get("User", []) == []
    assert body["IsTruncated"] is False


def test_accounts_do_not_see_each_others_users(server, account):
    other = create_account(server.store, server.port)
    a, b = account.api(), other.api()
    shared = unique("same")
    only_a = unique("only-a")
    ua = a.call("CreateUser", UserName=shared, DisplayName="A")["User"]
    ub = b.call("CreateUser", UserName=shared, DisplayName="B")["User"]  # same name in both accounts
    assert ua["UserId"] != ub["UserId"]
    a.call("CreateUser", UserName=only_a)

    assert a.call("GetUser", UserName=shared)["User"]["DisplayName"] == "A"
    assert b.call("GetUser", UserName=shared)["User"]["DisplayName"] == "B"
    expect_error(lambda: b.call("GetUser", UserName=only_a), 404, "EntityNotExist.User")
    names_b = [u["UserName"] for u in b.call("ListUsers")["Users"].get("User", [])]
    assert names_b == [shared]

    # IMS: the other account's user id and principal name are unknown here
    ims_b = other.api(product="ims")
    expect_error(lambda: ims_b.call("GetUser", UserId=ua["UserId"]), 404, "EntityNotExist.User")
    assert ims_b.call("GetUser", UserId=ub["UserId"])["User"]["UserPrincipalName"] == other.upn(shared)

    # deleting in one account leaves the other alone
    b.call("DeleteUser", UserName=shared)
    assert a.call("GetUser", UserName=shared)["User"]["UserId"] == ua["UserId"]


def test_session_server_uses_the_env_credentials(server, root):
    """Explicit LOCALYUN_* variables replace the documented default key."""
    name = unique()
    user = root.api().call("CreateUser", UserName=name)["User"]
    got = root.api(product="ims").call("GetUser", UserId=user["UserId"])["User"]
    assert got["UserPrincipalName"] == helpers.upn(name, server.account_id)
    if server.root_ak != DEFAULT_AK:
        expect_error(lambda: root.api(ak=DEFAULT_AK, secret=DEFAULT_SECRET).call("ListUsers"),
                     404, "InvalidAccessKeyId.NotFound")
    root.api().call("DeleteUser", UserName=name)


def _run_expecting_refusal(args, env, timeout=10.0):
    """Runs `serve` on a non-loopback address; it must exit non-zero without serving."""
    try:
        res = subprocess.run([binary()] + args, capture_output=True, text=True, timeout=timeout, env=env,
                             stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:  # subprocess.run has already killed the child
        pytest.fail(f"localyun {' '.join(args)} kept running instead of refusing to start")
    assert res.returncode != 0, f"exited 0 on a non-loopback address: {res.stdout} {res.stderr}"
    return res


@pytest.mark.parametrize("present", [(), ("LOCALYUN_ACCOUNT_ID",), ("LOCALYUN_ACCOUNT_ID", "LOCALYUN_ACCESS_KEY_ID")],
                         ids=["no-env", "one-var", "two-vars"])
def test_non_loopback_without_all_credentials_refuses_to_start(new_store, present):
    values = {"LOCALYUN_ACCOUNT_ID": "1111222233334444", "LOCALYUN_ACCESS_KEY_ID": "LTAI5tNonLoopbackKey0001",
              "LOCALYUN_ACCESS_KEY_SECRET": "NonLoopbackSecretNonLoopback01"}
    env = clean_env(**{k: values[k] for k in present})
    _run_expecting_refusal(["serve", "--listen", f"0.0.0.0:{free_port()}", "--in-memory"], env)
    _run_expecting_refusal(["serve", "--listen", f"0.0.0.0:{free_port()}"] + store_args(new_store()), env)


def test_in_memory_server_serves_with_documented_defaults(spawn_server):
    """--in-memory on loopback without credential variables: the documented default account."""
    srv = spawn_server(in_memory=True, use_env_creds=False)
    assert http_get(srv.port, "/_localyun/health").json()["status"] == "ok"
    acct = Account(srv.port, DEFAULT_ACCOUNT_ID, DEFAULT_AK, DEFAULT_SECRET)
    name = unique()
    user = acct.api().call("CreateUser", UserName=name)["User"]
    assert acct.api("tea_v2").call("GetUser", UserName=name)["User"]["UserId"] == user["UserId"]
    got = acct.api(product="ims").call("GetUser", UserId=user["UserId"])["User"]
    assert got["UserPrincipalName"] == f"{name}@{DEFAULT_ACCOUNT_ID}.onaliyun.com"


def test_in_memory_server_forgets_everything_on_restart(spawn_server):
    srv = spawn_server(in_memory=True)
    acct = srv.root()
    name = unique()
    acct.api().call("CreateUser", UserName=name)
    creds = {"account_id": srv.account_id, "ak": srv.root_ak, "secret": srv.root_secret}
    srv.stop()
    srv2 = spawn_server(in_memory=True, creds=creds)
    expect_error(lambda: srv2.root().api().call("GetUser", UserName=name), 404, "EntityNotExist.User")



def test_a_new_data_directory_is_private(tmp_path):
    """The store holds secrets: a data directory localyun creates is 0700, its files 0600 (issue 11 item 3)."""
    import os
    import stat

    data = tmp_path / "fresh" / "data"
    res = run_cli(["account", "create", "--data-dir", str(data)])
    assert res.returncode == 0, res.stderr
    assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
    db = data / "localyun.db"
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    for extra in ("localyun.db-wal", "localyun.db-shm"):
        if (data / extra).exists():
            assert stat.S_IMODE(os.stat(data / extra).st_mode) == 0o600, extra
