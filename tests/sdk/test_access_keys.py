"""AccessKeys (RAM 2015-05-01): lifecycle for RAM users and for the account root, the per-user
limit, and the effect of Inactive / deleted keys on authentication."""
from __future__ import annotations

import pytest

from helpers import ISO_UTC, ApiError, expect_error, unique


def _keys(body: dict) -> dict:
    """{AccessKeyId: item} of a ListAccessKeys body."""
    items = (body.get("AccessKeys") or {}).get("AccessKey") or []
    return {i["AccessKeyId"]: i for i in items}


def _authenticated(fn, check=None):
    """Calls as a RAM user. Authentication succeeded when the call works (then `check` runs on the
    body) or is refused only for lack of permission (403 NoPermission: RAM users start with no
    policy). Any authentication error fails the test."""
    try:
        body = fn()
    except ApiError as e:
        assert (e.status, e.code) == (403, "NoPermission"), f"authentication failed: {e.status} {e.code}: {e.message}"
        return None
    if check:
        check(body)
    return body


@pytest.fixture(params=["tea_v3", "core_post"])
def ram(request, account):
    return account.api(request.param)


def test_user_access_key_lifecycle(ram):
    name = unique()
    ram.call("CreateUser", UserName=name)
    key = ram.call("CreateAccessKey", UserName=name)["AccessKey"]
    assert key["AccessKeyId"] and key["AccessKeySecret"]
    assert key["Status"] == "Active"
    assert ISO_UTC.match(key["CreateDate"]), key

    listed = _keys(ram.call("ListAccessKeys", UserName=name))
    assert list(listed) == [key["AccessKeyId"]]
    item = listed[key["AccessKeyId"]]
    assert item["Status"] == "Active"
    assert "AccessKeySecret" not in item, "the secret is only returned by CreateAccessKey"

    ram.call("UpdateAccessKey", UserName=name, UserAccessKeyId=key["AccessKeyId"], Status="Inactive")
    assert _keys(ram.call("ListAccessKeys", UserName=name))[key["AccessKeyId"]]["Status"] == "Inactive"
    ram.call("UpdateAccessKey", UserName=name, UserAccessKeyId=key["AccessKeyId"], Status="Active")
    assert _keys(ram.call("ListAccessKeys", UserName=name))[key["AccessKeyId"]]["Status"] == "Active"

    assert "RequestId" in ram.call("DeleteAccessKey", UserName=name, UserAccessKeyId=key["AccessKeyId"])
    assert _keys(ram.call("ListAccessKeys", UserName=name)) == {}
    ram.call("DeleteUser", UserName=name)


def test_third_key_for_a_user_exceeds_the_limit(ram):
    name = unique()
    ram.call("CreateUser", UserName=name)
    k1 = ram.call("CreateAccessKey", UserName=name)["AccessKey"]["AccessKeyId"]
    k2 = ram.call("CreateAccessKey", UserName=name)["AccessKey"]["AccessKeyId"]
    assert k1 != k2
    expect_error(lambda: ram.call("CreateAccessKey", UserName=name), 409, "LimitExceeded.User.AccessKey")
    assert set(_keys(ram.call("ListAccessKeys", UserName=name))) == {k1, k2}
    # an Inactive key still counts; deleting one frees a slot
    ram.call("UpdateAccessKey", UserName=name, UserAccessKeyId=k1, Status="Inactive")
    expect_error(lambda: ram.call("CreateAccessKey", UserName=name), 409, "LimitExceeded.User.AccessKey")
    ram.call("DeleteAccessKey", UserName=name, UserAccessKeyId=k1)
    k3 = ram.call("CreateAccessKey", UserName=name)["AccessKey"]["AccessKeyId"]
    assert set(_keys(ram.call("ListAccessKeys", UserName=name))) == {k2, k3}


def test_keys_of_one_user_are_not_listed_for_another(ram):
    a, b = unique("a"), unique("b")
    ram.call("CreateUser", UserName=a)
    ram.call("CreateUser", UserName=b)
    ka = ram.call("CreateAccessKey", UserName=a)["AccessKey"]["AccessKeyId"]
    assert _keys(ram.call("ListAccessKeys", UserName=b)) == {}
    assert ka not in _keys(ram.call("ListAccessKeys"))  # the root's own keys
    expect_error(lambda: ram.call("ListAccessKeys", UserName=unique("ghost")), 404, "EntityNotExist.User")
    expect_error(lambda: ram.call("CreateAccessKey", UserName=unique("ghost")), 404, "EntityNotExist.User")


def test_delete_user_with_keys_conflicts(ram):
    name = unique()
    ram.call("CreateUser", UserName=name)
    key = ram.call("CreateAccessKey", UserName=name)["AccessKey"]["AccessKeyId"]
    expect_error(lambda: ram.call("DeleteUser", UserName=name), 409, "DeleteConflict.User.AccessKey")
    assert ram.call("GetUser", UserName=name)["User"]["UserName"] == name
    ram.call("DeleteAccessKey", UserName=name, UserAccessKeyId=key)
    ram.call("DeleteUser", UserName=name)
    expect_error(lambda: ram.call("GetUser", UserName=name), 404, "EntityNotExist.User")


@pytest.mark.parametrize("status", ["Disabled", "active", "INACTIVE", "Inactive "])
def test_update_access_key_rejects_other_status_values(ram, status):
    name = unique()
    ram.call("CreateUser", UserName=name)
    key = ram.call("CreateAccessKey", UserName=name)["AccessKey"]["AccessKeyId"]
    expect_error(lambda: ram.call("UpdateAccessKey", UserName=name, UserAccessKeyId=key, Status=status),
                 400, prefix="InvalidParameter")
    assert _keys(ram.call("ListAccessKeys", UserName=name))[key]["Status"] == "Active"


def test_user_key_authenticates_and_follows_its_status(account):
    root_ram = account.api()
    name = unique()
    user = root_ram.call("CreateUser", UserName=name)["User"]
    key = root_ram.call("CreateAccessKey", UserName=name)["AccessKey"]
    kid, ksecret = key["AccessKeyId"], key["AccessKeySecret"]

    # root resolves the key to its user
    got = account.api(product="ims").call("GetUser", UserAccessKeyId=kid)["User"]
    assert got["UserId"] == user["UserId"]
    assert got["UserPrincipalName"] == account.upn(name)

    as_user_ims = account.api(product="ims", ak=kid, secret=ksecret)
    as_user_ram = account.api("tea_v2", ak=kid, secret=ksecret)

    def is_that_user(body):
        assert body["User"]["UserId"] == user["UserId"]

    def lists_own_keys(body):
        assert list(_keys(body)) == [kid]

    _authenticated(lambda: as_user_ims.call("GetUser", UserAccessKeyId=kid), is_that_user)
    _authenticated(lambda: as_user_ram.call("ListAccessKeys"), lists_own_keys)

    # a wrong secret for a real user key is a signature error, not an authentication pass
    expect_error(lambda: account.api(product="ims", ak=kid, secret=ksecret + "x").call("GetUser", UserAccessKeyId=kid),
                 400, "SignatureDoesNotMatch")

    root_ram.call("UpdateAccessKey", UserName=name, UserAccessKeyId=kid, Status="Inactive")
    expect_error(lambda: as_user_ims.call("GetUser", UserAccessKeyId=kid), code="InvalidAccessKeyId.Inactive")
    expect_error(lambda: as_user_ram.call("ListAccessKeys"), code="InvalidAccessKeyId.Inactive")

    root_ram.call("UpdateAccessKey", UserName=name, UserAccessKeyId=kid, Status="Active")
    _authenticated(lambda: as_user_ims.call("GetUser", UserAccessKeyId=kid), is_that_user)

    root_ram.call("DeleteAccessKey", UserName=name, UserAccessKeyId=kid)
    expect_error(lambda: as_user_ims.call("GetUser", UserAccessKeyId=kid), 404, "InvalidAccessKeyId.NotFound")
    expect_error(lambda: as_user_ram.call("ListAccessKeys"), 404, "InvalidAccessKeyId.NotFound")


def test_root_access_key_lifecycle(account):
    ram = account.api()
    before = _keys(ram.call("ListAccessKeys"))
    assert account.ak in before, "the account's own key is listed for the root"
    assert before[account.ak]["Status"] == "Active"
    assert all("AccessKeySecret" not in k for k in before.values())

    key = ram.call("CreateAccessKey")["AccessKey"]
    kid, ksecret = key["AccessKeyId"], key["AccessKeySecret"]
    assert key["Status"] == "Active" and ksecret
    assert set(_keys(ram.call("ListAccessKeys"))) == set(before) | {kid}

    # the new key acts as the same account's root
    name = unique()
    ram.call("CreateUser", UserName=name)
    as_new = account.api("tea_v2", ak=kid, secret=ksecret)
    assert as_new.call("GetUser", UserName=name)["User"]["UserName"] == name
    assert kid in _keys(as_new.call("ListAccessKeys"))

    ram.call("UpdateAccessKey", UserAccessKeyId=kid, Status="Inactive")
    assert _keys(ram.call("ListAccessKeys"))[kid]["Status"] == "Inactive"
    expect_error(lambda: as_new.call("GetUser", UserName=name), code="InvalidAccessKeyId.Inactive")
    ram.call("UpdateAccessKey", UserAccessKeyId=kid, Status="Active")
    assert as_new.call("GetUser", UserName=name)["User"]["UserName"] == name

    ram.call("DeleteAccessKey", UserAccessKeyId=kid)
    assert set(_keys(ram.call("ListAccessKeys"))) == set(before)
    expect_error(lambda: as_new.call("GetUser", UserName=name), 404, "InvalidAccessKeyId.NotFound")
    # the original key is untouched
    assert ram.call("GetUser", UserName=name)["User"]["UserName"] == name


def test_unknown_key_ids_in_key_operations(ram):
    name = unique()
    ram.call("CreateUser", UserName=name)
    bogus = "LTAI5tNoSuchKey0000000000"
    err = expect_error(lambda: ram.call("UpdateAccessKey", UserName=name, UserAccessKeyId=bogus, Status="Inactive"), 404)
    assert err.code.startswith("EntityNotExist"), err.code
    err = expect_error(lambda: ram.call("DeleteAccessKey", UserName=name, UserAccessKeyId=bogus), 404)
    assert err.code.startswith("EntityNotExist"), err.code


def test_key_of_another_account_is_invisible(server, account):
    from helpers import create_account

    other = create_account(server.store, server.port)
    name = unique()
    other.api().call("CreateUser", UserName=name)
    okey = other.api().call("CreateAccessKey", UserName=name)["AccessKey"]["AccessKeyId"]
    expect_error(lambda: account.api(product="ims").call("GetUser", UserAccessKeyId=okey), 404, prefix="EntityNotExist")
    err = expect_error(lambda: account.api().call("DeleteAccessKey", UserAccessKeyId=okey), 404)
    assert err.code.startswith("EntityNotExist"), err.code
    assert okey in _keys(other.api().call("ListAccessKeys", UserName=name))
