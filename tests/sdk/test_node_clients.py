"""The official Node.js SDKs (tests/node, pinned in its package-lock.json) against the binary, where
they differ from the Python ones on the wire or in how they read answers:

- `@alicloud/log` (SLS v1): resolves a write to the body read as text, JSON-parsed when the answer
  says `Content-Type: application/json`; an empty 200 must therefore carry no Content-Type.
- `aliyun-sdk` ALY.SLS: a real endpoint name, `Host: <project>.<name>`, and CreateProject with
  `Host: undefined.<name>` (the body names the project).
- `@alicloud/pop-core` RPCClient: RAM, IMS tags and STS with V1 signatures in GET queries and POST
  forms, its own repeat-list flattening, errors from the body's `Code`, a session's SecurityToken.
- the Tea Node SDKs `@alicloud/ram20150501` / `@alicloud/ims20190815` on `@alicloud/openapi-core`,
  V3 and `v2` signatures.

Each test runs one script of tests/node, which prints a JSON object of {"ok": ...} or
{"error": ...} per step, and asserts on it and on what the Python SDKs read back. Skipped with
the reason when `node` or tests/node/node_modules is missing (scripts/test.sh runs `npm ci`).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any, Dict

import pytest

from helpers import REPO, expect_sls_error, sls_name, unique

NODE_DIR = REPO / "tests" / "node"
NODE_TIMEOUT = 60


def _node_reason() -> str:
    if shutil.which("node") is None:
        return "node is not installed (the Node SDK tests need Node.js 20)"
    if not (NODE_DIR / "node_modules").is_dir():
        return f"{NODE_DIR}/node_modules is missing: run `npm ci --prefix tests/node` (scripts/test.sh does)"
    return ""


pytestmark = pytest.mark.skipif(bool(_node_reason()), reason=_node_reason() or "-")


def run_node(script: str, **args: Any) -> Dict[str, Any]:
    env = dict(os.environ, LOCALYUN_NODE_ARGS=json.dumps(args))
    res = subprocess.run(["node", script], cwd=NODE_DIR, env=env, capture_output=True, text=True,
                         timeout=NODE_TIMEOUT, stdin=subprocess.DEVNULL)
    assert res.returncode == 0, f"node {script} failed ({res.returncode}):\n{res.stderr}\n{res.stdout}"
    return json.loads(res.stdout)


def ok(out: Dict[str, Any], step: str) -> Any:
    r = out[step]
    assert "ok" in r, f"{step} was rejected: {json.dumps(r.get('error'))[:800]}"
    return r["ok"]


def err(out: Dict[str, Any], step: str) -> Dict[str, Any]:
    r = out[step]
    assert "error" in r, f"{step} should have failed, resolved to {json.dumps(r.get('ok'))[:500]}"
    return r["error"]


# ------------------------------------------------------------------------------------ @alicloud/log

def test_alicloud_log_writes_resolve_to_empty_string(account):
    """@alicloud/log 1.2.6 lib/client.js JSON.parse()s every application/json body: with a
    Content-Type on the empty 200 of a write it rejects with "Unexpected end of JSON input" although
    the write was applied. Its own integration tests expect '' from each write."""
    p = sls_name("nodelog")
    out = run_node("sls_log.js", port=account.port, ak=account.ak, secret=account.secret, project=p, phase="write")
    for step in ("createProject", "createLogStore", "createLogStore2", "updateLogStore", "deleteLogStore"):
        assert ok(out, step) == "", (step, out[step])

    e = err(out, "createProjectAgain")
    assert (e["code"], e["name"]) == ("ProjectAlreadyExist", "ProjectAlreadyExistError"), e
    assert e["message"] == f"Project {p} already exist." and len(e["requestId"]) == 24, e
    got = ok(out, "getProject")
    assert (got["projectName"], got["description"], got["owner"]) == (p, "made by @alicloud/log", account.account_id)
    store = ok(out, "getLogStore")
    assert (store["logstoreName"], store["ttl"], store["shardCount"]) == ("store1", 30, 2), store
    assert err(out, "getDeletedLogStore")["code"] == "LogStoreNotExist"
    assert ok(out, "listLogStore") == {"count": 1, "total": 1, "logstores": ["store1"]}
    assert err(out, "badSecret")["code"] == "SignatureNotMatch"

    # What the Node SDK wrote, read back by the Python Tea SDK.
    tea = account.sls("tea_v1")
    assert tea.get_project(p)["description"] == "made by @alicloud/log"
    assert tea.get_logstore(p, "store1")["ttl"] == 30
    expect_sls_error(lambda: tea.get_logstore(p, "store2"), 404, "LogStoreNotExist")

    out = run_node("sls_log.js", port=account.port, ak=account.ak, secret=account.secret, project=p, phase="delete")
    assert ok(out, "deleteProject") == ""
    assert err(out, "getDeletedProject")["code"] == "ProjectNotExist"
    expect_sls_error(lambda: tea.get_project(p), 404, "ProjectNotExist")


# ------------------------------------------------------------------------------------ aliyun-sdk

def test_aliyun_sdk_sls_calls(account):
    """aliyun-sdk 1.12.10 ALY.SLS on `http://cn-hangzhou.log.aliyuncs.com`: CreateProject arrives
    with `Host: undefined.cn-hangzhou.log.aliyuncs.com` and must create the body's project; every
    other call it has and localyun serves carries the project in Host."""
    p = sls_name("alysdk")
    out = run_node("sls_aliyun_sdk.js", port=account.port, ak=account.ak, secret=account.secret, project=p,
                   endpoint="http://cn-hangzhou.log.aliyuncs.com")
    created = ok(out, "createProject")
    assert created["body"] == {} and len(created["requestId"]) == 24, created
    e = err(out, "createProjectAgain")
    assert (e["statusCode"], e["errorCode"]) == (400, "ProjectAlreadyExist"), e

    got = ok(out, "getProject")["body"]
    assert (got["projectName"], got["description"], got["region"], got["owner"]) == \
        (p, "made by aliyun-sdk", "cn-hangzhou", account.account_id), got
    listed = ok(out, "listProject")["body"]
    assert (listed["count"], listed["total"], [x["projectName"] for x in listed["projects"]]) == (1, 1, [p])

    for step in ("createLogstore", "updateLogstore", "createLogstore2", "deleteLogstore",
                 "createMachineGroup", "updateMachineGroup", "deleteMachineGroup"):
        assert ok(out, step)["body"] == {}, (step, out[step])
    store = ok(out, "getLogstore")["body"]
    assert (store["logstoreName"], store["ttl"], store["shardCount"]) == ("store1", 30, 2), store
    e = err(out, "getDeletedLogstore")
    assert (e["statusCode"], e["errorCode"]) == (404, "LogStoreNotExist"), e
    assert ok(out, "listLogStores")["body"] == {"count": 1, "total": 1, "logstores": ["store1"]}
    group = ok(out, "getMachineGroup")["body"]
    assert (group["groupName"], group["machineList"], group["groupAttribute"]) == \
        ("group-1", ["10.0.0.2", "10.0.0.3"], {"groupTopic": "topic-a"}), group
    assert ok(out, "listMachineGroup")["body"]["machinegroups"] == ["group-1"]
    e = err(out, "getMissingProject")
    assert (e["statusCode"], e["errorCode"]) == (404, "ProjectNotExist"), e
    e = err(out, "badSecret")
    assert (e["statusCode"], e["errorCode"]) == (401, "SignatureNotMatch"), e

    # The project is the body's: no project named "undefined" was made.
    tea = account.sls("tea_v1")
    assert tea.get_project(p)["description"] == "made by aliyun-sdk"
    expect_sls_error(lambda: tea.get_project("undefined"), 404, "ProjectNotExist")
    expect_sls_error(lambda: tea.get_machine_group(p, "group-1"), 404, "MachineGroupNotExist")
    tea.delete_project(p)


# ------------------------------------------------------------------------------------ pop-core

def test_pop_core_ram_ims_sts(account):
    user, role = unique("pop"), unique("poprole")
    out = run_node("rpc_pop_core.js", port=account.port, ak=account.ak, secret=account.secret,
                   accountId=account.account_id, user=user, role=role)
    created = ok(out, "createUser")["User"]
    assert (created["UserName"], created["DisplayName"]) == (user, "pop one")
    e = err(out, "createUserAgain")
    assert (e["code"], e["name"], e["statusCode"]) == ("EntityAlreadyExists.User", "EntityAlreadyExists.UserError", 409), e
    assert ok(out, "updateUser")["User"]["DisplayName"] == "pop two"
    got = ok(out, "getUser")["User"]
    assert (got["UserId"], got["DisplayName"], got["Comments"]) == (created["UserId"], "pop two", "a b&c=d"), got
    listed = ok(out, "listUsers")
    assert [u["UserName"] for u in listed["Users"]["User"]] == [user] and listed["IsTruncated"] is False, listed

    e = err(out, "getMissingUser")
    assert (e["code"], e["statusCode"]) == ("EntityNotExist.User", 404), e
    assert e["data"]["RequestId"] == e["requestId"] and e["data"]["Message"] == "The user does not exist.", e
    e = err(out, "badSecret")
    assert (e["code"], e["statusCode"]) == ("SignatureDoesNotMatch", 400), e
    assert err(out, "badAction")["code"] == "InvalidAction.NotFound"

    rows = lambda step: sorted((t["ResourceId"], t["TagKey"], t["TagValue"])  # noqa: E731
                               for t in ok(out, step)["TagResources"]["TagResource"])
    ok(out, "tag")
    assert rows("listTags") == [(created["UserId"], "env", "dev"), (created["UserId"], "team", "core")]
    ok(out, "untag")
    assert rows("listTagsAfter") == [(created["UserId"], "team", "core")]
    e = err(out, "badTag")
    assert (e["code"], e["statusCode"]) == ("InvalidParameter.TagKey", 400), e

    for step in ("createRole", "attach", "createKey"):
        ok(out, step)
    assumed = ok(out, "assumeRole")
    arn = f"acs:ram::{account.account_id}:role/{role}/pop-session"
    assert assumed["AssumedRoleUser"]["Arn"] == arn, assumed
    assert assumed["Credentials"]["AccessKeyId"].startswith("STS."), assumed
    ident = ok(out, "sessionIdentity")
    assert (ident["IdentityType"], ident["Arn"], ident["AccountId"]) == ("AssumedRoleUser", arn, account.account_id)
    e = err(out, "sessionDenied")
    assert (e["code"], e["statusCode"]) == ("NoPermission", 403), e
    assert e["data"]["AccessDeniedDetail"]["AuthAction"] == "ram:ListUsers", e

    # Read back through the Python Tea SDK: the same user, display name and remaining tag.
    ram = account.api()
    assert ram.call("GetUser", UserName=user)["User"]["DisplayName"] == "pop two"


# ------------------------------------------------------------------------------------ Tea Node

def test_tea_node_ram_and_ims(account):
    users = [unique("teav3"), unique("teav2")]
    out = run_node("rpc_tea.js", port=account.port, ak=account.ak, secret=account.secret,
                   accountId=account.account_id, users=users)
    for flavour, user in zip(("v3", "v2"), users):
        r = out[flavour]
        created = ok(r, "createUser")
        assert created["statusCode"] == 200
        u = created["body"]["User"]
        assert (u["UserName"], u["DisplayName"], u["Comments"]) == (user, "Tea one", "ünïcode & ="), (flavour, u)
        ok(r, "createUser2")
        got = ok(r, "getUser")["body"]["User"]
        assert (got["UserId"], got["Comments"]) == (u["UserId"], "ünïcode & ="), (flavour, got)

        p1, p2 = ok(r, "page1")["body"], ok(r, "page2")["body"]
        assert len(p1["Users"]["User"]) == 1 and p1["IsTruncated"] is True and p1["Marker"], (flavour, p1)
        assert len(p2["Users"]["User"]) == 1, (flavour, p2)
        names = [p1["Users"]["User"][0]["UserName"], p2["Users"]["User"][0]["UserName"]]
        if flavour == "v3":  # the account's only two users, in creation order
            assert names == [user, f"{user}-b"] and p2["IsTruncated"] is False, (names, p2)
        else:
            assert names[0] != names[1], names

        e = err(r, "getMissingUser")
        assert (e["name"], e["code"], e["statusCode"]) == ("ClientError", "EntityNotExist.User", 404), (flavour, e)
        assert e["data"]["Code"] == "EntityNotExist.User" and e["requestId"] == e["data"]["RequestId"], e
        e = err(r, "badSecret")
        assert (e["code"], e["statusCode"]) == ("SignatureDoesNotMatch", 400), (flavour, e)

        assert ok(r, "tag")["statusCode"] == 200 and ok(r, "untag")["statusCode"] == 200
        rows = ok(r, "listTags")["body"]["TagResources"]["TagResource"]
        assert [(t["ResourceId"], t["TagKey"], t["TagValue"]) for t in rows] == [(u["UserId"], "env", "dev")], rows
        ims_user = ok(r, "imsUser")["body"]["User"]
        assert ims_user["UserPrincipalName"] == account.upn(user), ims_user
        assert ims_user["Tags"]["Tag"] == [{"TagKey": "env", "TagValue": "dev"}], ims_user

    ims = account.api(product="ims")
    assert ims.call("GetUser", UserPrincipalName=account.upn(users[1]))["User"]["DisplayName"] == "Tea one"


def test_tea_node_identity_flow(account):
    """Issue 14's Node end-to-end flow: alias, password policy, login profile, MFA, preference,
    IMS group and the force delete, through @alicloud/ram20150501 and @alicloud/ims20190815."""
    user, alias = unique("node"), unique("nodealias").lower().replace("_", "-")[:30]
    out = run_node("identity_tea.js", port=account.port, ak=account.ak, secret=account.secret, user=user, alias=alias)
    ok(out, "setAlias")
    assert ok(out, "domain")["DefaultDomainName"] == f"{alias}.onaliyun.com"
    ok(out, "policy")
    ok(out, "createUser")
    e = err(out, "weakPassword")
    assert (e["code"], e["statusCode"]) == ("InvalidParameter.Password.TooWeak", 400), e
    assert ok(out, "loginProfile")["LoginProfile"]["MFABindRequired"] is True
    serial = ok(out, "device")["VirtualMFADevice"]["SerialNumber"]
    ok(out, "bind")
    info = ok(out, "mfaInfo")
    assert (info["IsMFAEnable"], info["MFADevice"]["SerialNumber"]) == (True, serial), info
    assert ok(out, "preference")["SecurityPreference"]["LoginProfilePreference"]["LoginSessionDuration"] == 8
    assert ok(out, "group")["Group"]["DisplayName"] == "Node group"
    ok(out, "join")
    e = err(out, "deleteBlocked")
    assert (e["code"], e["statusCode"]) == ("DeleteConflict.User.Group", 409), e
    for s in ["leave", "dropProfile", "unbind", "deleteUser", "clearAlias"]:
        ok(out, s)
    assert account.api().call("GetAccountAlias")["AccountAlias"] == account.account_id
