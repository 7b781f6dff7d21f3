"""GetAccessKeyLastUsed (issue 14), RAM 2015-05-01 and IMS 2019-08-15: when a key was last used,
recorded on real use without a store write per request (notes flushed every 2 s and at
shutdown, key_usage.rs), so a use shows up within a few seconds; IMS also names the service.
Through the Tea SDKs."""
from __future__ import annotations

import datetime
import signal
import time

from authz_helpers import allow, doc, new_user
from helpers import expect_error, unique

FLUSH_WAIT_S = 10


def iso(ts: str) -> float:
    return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def wait_last_used(call):
    """Polls until the answer carries a LastUsedDate; the answer."""
    deadline = time.time() + FLUSH_WAIT_S
    while True:
        got = call()["AccessKeyLastUsed"]
        if got.get("LastUsedDate") or time.time() > deadline:
            return got
        time.sleep(0.25)


def test_a_use_of_a_users_key_is_recorded(account):
    ram, ims = account.api(), account.api(product="ims")
    u = new_user(account, documents=[doc(allow("ram:ListUsers"))])
    ask = lambda: ram.call("GetAccessKeyLastUsed", UserName=u.name, UserAccessKeyId=u.ak)
    never = ask()["AccessKeyLastUsed"]
    assert not never.get("LastUsedDate"), never
    before = time.time()
    u.ram().call("ListUsers")
    got = wait_last_used(ask)
    assert got.get("LastUsedDate"), f"no use recorded within {FLUSH_WAIT_S} s: {got}"
    assert before - 1 <= iso(got["LastUsedDate"]) <= time.time() + 1, (before, got)
    by_ims = ims.call("GetAccessKeyLastUsed", UserPrincipalName=account.upn(u.name), UserAccessKeyId=u.ak)["AccessKeyLastUsed"]
    assert by_ims == {"LastUsedDate": got["LastUsedDate"], "ServiceName": "ram"}, by_ims


def test_the_callers_own_key_and_failures(account):
    ram = account.api()
    ram.call("ListUsers")
    own = wait_last_used(lambda: ram.call("GetAccessKeyLastUsed", UserAccessKeyId=account.ak))
    assert own.get("LastUsedDate"), own
    u = new_user(account)
    for params in [{"UserAccessKeyId": "LTAI" + unique("none")},          # no such key
                   {"UserAccessKeyId": u.ak},                              # a user's key, asked as the root's own
                   {"UserName": u.name, "UserAccessKeyId": account.ak}]:   # the root's key, asked as the user's
        e = expect_error(lambda: ram.call("GetAccessKeyLastUsed", **params), 404)
        assert e.code == "EntityNotExist.User.AccessKey", (params, e)
    e = expect_error(lambda: ram.call("GetAccessKeyLastUsed", UserName=u.name), 400)
    assert e.code == "MissingUserAccessKeyId" or "UserAccessKeyId" in e.message, e


def test_a_use_just_before_shutdown_is_kept(spawn_server):
    srv = spawn_server()
    api = srv.root().api()
    api.call("ListUsers")
    time.sleep(2.5)  # one periodic flush has passed
    last = time.time()
    api.call("ListUsers")
    srv.stop(signal.SIGTERM)  # the last use is written by the shutdown flush, if not before
    again = spawn_server(store=srv.store, creds={"account_id": srv.account_id, "ak": srv.root_ak, "secret": srv.root_secret})
    got = again.root().api().call("GetAccessKeyLastUsed", UserAccessKeyId=srv.root_ak)["AccessKeyLastUsed"]
    assert got.get("LastUsedDate") and iso(got["LastUsedDate"]) >= int(last), (last, got)
