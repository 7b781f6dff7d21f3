"""Durability of the store: restart after SIGTERM and after SIGKILL on the same store (data dir or
PostgreSQL database, as LOCALYUN_TEST_STORE chooses)."""
from __future__ import annotations

import signal

import pytest

from helpers import ApiError, create_account, expect_error, list_accounts, unique, user_tags


def _creds(srv):
    return {"account_id": srv.account_id, "ak": srv.root_ak, "secret": srv.root_secret}


def _authenticates(api, action, **params):
    """True when the key passed authentication (success, or refused only for lack of permission)."""
    try:
        api.call(action, **params)
        return True
    except ApiError as e:
        assert (e.status, e.code) == (403, "NoPermission"), f"{e.status} {e.code}: {e.message}"
        return True


def _populate(srv):
    """Users, keys, tags and a second account; returns what must be found after a restart."""
    root = srv.root()
    ram, ims = root.api(), root.api(product="ims")
    state = {"users": {}, "deleted": unique("gone")}
    for i in range(3):
        name = unique(f"keep{i}")
        state["users"][name] = ram.call("CreateUser", UserName=name, DisplayName=f"D{i}", Comments=f"c {i}+")["User"]["UserId"]
    ram.call("CreateUser", UserName=state["deleted"])
    ram.call("DeleteUser", UserName=state["deleted"])
    first = next(iter(state["users"]))
    key = ram.call("CreateAccessKey", UserName=first)["AccessKey"]
    state["user_key"] = (first, key["AccessKeyId"], key["AccessKeySecret"])
    off = ram.call("CreateAccessKey", UserName=first)["AccessKey"]
    ram.call("UpdateAccessKey", UserName=first, UserAccessKeyId=off["AccessKeyId"], Status="Inactive")
    state["inactive_key"] = (off["AccessKeyId"], off["AccessKeySecret"])
    rkey = ram.call("CreateAccessKey")["AccessKey"]
    state["root_key"] = (rkey["AccessKeyId"], rkey["AccessKeySecret"])
    uid = state["users"][first]
    ims.call("TagResources", ResourceType="user", ResourceId=[uid],
             Tag=[{"Key": "team", "Value": "dev"}, {"Key": "gone", "Value": "x"}])
    ims.call("UntagResources", ResourceType="user", ResourceId=[uid], TagKey=["gone"])
    ims.call("TagResources", ResourceType="user", ResourceId=[uid], Tag=[{"Key": "team", "Value": "ops"}])
    state["tags"] = {uid: {"team": "ops"}}

    other = create_account(srv.store, srv.port)
    oname = unique("other")
    other.api().call("CreateUser", UserName=oname)
    state["other"] = (other, oname)
    return state


def _verify(srv, state):
    root = srv.root()
    ram, ims = root.api(), root.api(product="ims")
    body = ram.call("ListUsers")
    users = {u["UserName"]: u["UserId"] for u in body["Users"]["User"]}
    assert users == state["users"], "users after restart differ"
    for name in state["users"]:
        assert ram.call("GetUser", UserName=name)["User"]["UserId"] == state["users"][name]
    expect_error(lambda: ram.call("GetUser", UserName=state["deleted"]), 404, "EntityNotExist.User")
    for uid, tags in state["tags"].items():
        assert user_tags(ims, uid) == tags

    name, kid, ksecret = state["user_key"]
    keys = {k["AccessKeyId"]: k["Status"] for k in ram.call("ListAccessKeys", UserName=name)["AccessKeys"]["AccessKey"]}
    off_id, off_secret = state["inactive_key"]
    assert keys == {kid: "Active", off_id: "Inactive"}
    assert ims.call("GetUser", UserAccessKeyId=kid)["User"]["UserName"] == name
    assert _authenticates(root.api(product="ims", ak=kid, secret=ksecret), "GetUser", UserAccessKeyId=kid)
    expect_error(lambda: root.api(product="ims", ak=off_id, secret=off_secret).call("ListUsers"),
                 code="InvalidAccessKeyId.Inactive")

    rk, rs = state["root_key"]
    assert name in [u["UserName"] for u in root.api("tea_v2", ak=rk, secret=rs).call("ListUsers")["Users"]["User"]]

    other, oname = state["other"]
    other.port = srv.port
    assert [u["UserName"] for u in other.api().call("ListUsers")["Users"]["User"]] == [oname]
    assert other.account_id in [a["AccountId"] for a in list_accounts(srv.store)]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_state_survives_restart(spawn_server, sig):
    srv = spawn_server()
    state = _populate(srv)
    rc = srv.stop(sig, grace=10.0)
    if sig == signal.SIGTERM:
        assert rc != -signal.SIGKILL, "the server did not stop within 10 s of SIGTERM"
    again = spawn_server(store=srv.store, creds=_creds(srv))
    _verify(again, state)


def test_writes_acknowledged_just_before_sigkill_survive(spawn_server):
    srv = spawn_server()
    root = srv.root()
    ram, ims = root.api(), root.api(product="ims")
    names = [unique(f"burst{i}") for i in range(25)]
    ids = {}
    for n in names:
        ids[n] = ram.call("CreateUser", UserName=n)["User"]["UserId"]
    ims.call("TagResources", ResourceType="user", ResourceId=list(ids.values())[:20],
             Tag=[{"Key": "batch", "Value": "1"}])
    ram.call("UpdateUser", UserName=names[-1], NewComments="last write")
    srv.stop(signal.SIGKILL)  # immediately after the last acknowledged write

    again = spawn_server(store=srv.store, creds=_creds(srv))
    r2 = again.root().api()
    listed = {u["UserName"]: u["UserId"] for u in r2.call("ListUsers")["Users"]["User"]}
    assert listed == ids
    assert r2.call("GetUser", UserName=names[-1])["User"]["Comments"] == "last write"
    i2 = again.root().api(product="ims")
    for uid in list(ids.values())[:20]:
        assert user_tags(i2, uid) == {"batch": "1"}
    assert user_tags(i2, ids[names[-1]]) == {}


def test_deleted_key_stays_deleted_after_restart(spawn_server):
    srv = spawn_server()
    ram = srv.root().api()
    name = unique()
    ram.call("CreateUser", UserName=name)
    key = ram.call("CreateAccessKey", UserName=name)["AccessKey"]
    ram.call("DeleteAccessKey", UserName=name, UserAccessKeyId=key["AccessKeyId"])
    srv.stop(signal.SIGTERM)
    again = spawn_server(store=srv.store, creds=_creds(srv))
    expect_error(lambda: again.root().api(ak=key["AccessKeyId"], secret=key["AccessKeySecret"]).call("ListUsers"),
                 404, "InvalidAccessKeyId.NotFound")
    assert again.root().api().call("ListAccessKeys", UserName=name)["AccessKeys"].get("AccessKey", []) == []
    again.root().api().call("DeleteUser", UserName=name)  # no key left, so no DeleteConflict
