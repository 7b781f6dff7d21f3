"""The user recycle bin (issue 14): a deleted RAM user and a deleted AccessKey of a RAM user are
kept for a month (IMS API reference examples: RecycleDate 2020-10-12, DeleteDate 2020-11-12)
and can be restored with their IDs and the key's secret; a kept key never authenticates; a
name reused meanwhile blocks the restore. Through the Tea SDK."""
from __future__ import annotations

import datetime

from helpers import expect_error, unique


def days_between(a: str, b: str) -> float:
    f = "%Y-%m-%dT%H:%M:%SZ"
    return (datetime.datetime.strptime(b, f) - datetime.datetime.strptime(a, f)).total_seconds() / 86400


def test_a_deleted_user_is_kept_and_restored(account):
    ram, ims = account.api(), account.api(product="ims")
    name = unique("rb")
    uid = ram.call("CreateUser", UserName=name, DisplayName="kept")["User"]["UserId"]
    ram.call("DeleteUser", UserName=name)
    kept = ims.call("GetUserInRecycleBin", UserId=uid)["User"]
    assert (kept["UserPrincipalName"], kept["DisplayName"]) == (account.upn(name), "kept"), kept
    assert 29.9 < days_between(kept["RecycleDate"], kept["DeleteDate"]) < 30.1, kept
    listed = ims.call("ListUsersInRecycleBin", Filter=f"UserPrincipalName eq {account.upn(name)}")["Users"]["User"]
    assert [u["UserId"] for u in listed] == [uid], listed
    assert uid in [u["UserId"] for u in ims.call("ListUsersInRecycleBin")["Users"]["User"]]
    ims.call("RestoreUserFromRecycleBin", UserId=uid)
    back = ram.call("GetUser", UserName=name)["User"]
    assert (back["UserId"], back["DisplayName"]) == (uid, "kept"), back
    e = expect_error(lambda: ims.call("GetUserInRecycleBin", UserId=uid), 404)
    assert e.code == "EntityNotExist.User", e


def test_a_reused_name_blocks_the_restore_and_purge_is_final(account):
    ram, ims = account.api(), account.api(product="ims")
    name = unique("rb")
    uid = ram.call("CreateUser", UserName=name)["User"]["UserId"]
    ram.call("DeleteUser", UserName=name)
    ram.call("CreateUser", UserName=name)  # the name is free at once
    e = expect_error(lambda: ims.call("RestoreUserFromRecycleBin", UserId=uid), 409)
    assert e.code == "EntityAlreadyExists.User", e
    ims.call("DeleteUserInRecycleBin", UserId=uid)
    e = expect_error(lambda: ims.call("RestoreUserFromRecycleBin", UserId=uid), 404)
    assert e.code == "EntityNotExist.User", e
    e = expect_error(lambda: ims.call("ListUsersInRecycleBin", Filter="UserName eq x"), 400)
    assert e.code == "InvalidParameter.Filter", e


def test_a_deleted_key_is_kept_and_restored_with_its_secret(account):
    ram, ims = account.api(), account.api(product="ims")
    name = unique("rbk")
    uid = ram.call("CreateUser", UserName=name)["User"]["UserId"]
    key = ram.call("CreateAccessKey", UserName=name)["AccessKey"]
    ram.call("AttachPolicyToUser", UserName=name, PolicyName="AliyunRAMReadOnlyAccess", PolicyType="System")
    user_api = account.api(ak=key["AccessKeyId"], secret=key["AccessKeySecret"])
    assert "Users" in user_api.call("ListUsers")
    ram.call("DeleteAccessKey", UserName=name, UserAccessKeyId=key["AccessKeyId"])
    e = expect_error(lambda: user_api.call("ListUsers"), 404)  # a kept key does not authenticate
    assert e.code == "InvalidAccessKeyId.NotFound", e
    kept = ims.call("ListAccessKeysInRecycleBin", UserId=uid)["AccessKeys"]["AccessKey"]
    assert [k["AccessKeyId"] for k in kept] == [key["AccessKeyId"]], kept
    info = ims.call("GetAccessKeyInfoInRecycleBin", UserAccessKeyId=key["AccessKeyId"])["AccessKey"]
    assert (info["UserId"], info["UserPrincipalName"], info["UserRecycled"]) == (uid, account.upn(name), False), info
    ims.call("RestoreAccessKeyFromRecycleBin", UserId=uid, UserAccessKeyId=key["AccessKeyId"])
    assert "Users" in user_api.call("ListUsers")  # the same secret works again
    e = expect_error(lambda: ims.call("RestoreAccessKeyFromRecycleBin", UserId=uid, UserAccessKeyId=key["AccessKeyId"]), 404)
    assert e.code == "EntityNotExist.User.AccessKey", e
    # deleted for good
    ram.call("DeleteAccessKey", UserName=name, UserAccessKeyId=key["AccessKeyId"])
    ims.call("DeleteAccessKeyInRecycleBin", UserId=uid, UserAccessKeyId=key["AccessKeyId"])
    assert ims.call("ListAccessKeysInRecycleBin", UserId=uid)["AccessKeys"]["AccessKey"] == []
