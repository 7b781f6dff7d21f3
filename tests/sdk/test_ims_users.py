"""IMS 2019-08-15 users (Tea V3, Tea `v2`, old-core CommonRequest) and their identity with RAM users."""
from __future__ import annotations

import pytest

from helpers import FLAVOURS, ISO_UTC, expect_error, unique, user_tags


@pytest.fixture(params=FLAVOURS)
def ims(request, account):
    return account.api(request.param, product="ims")


def _tags_of(user: dict) -> dict:
    return {t["TagKey"]: t["TagValue"] for t in ((user.get("Tags") or {}).get("Tag") or [])}


def test_create_get_update_delete(ims, account):
    name = unique("ims")
    principal = account.upn(name)
    created = ims.call("CreateUser", UserPrincipalName=principal, DisplayName="Ims User", Comments="c 1+1",
                       Tag=[{"Key": "team", "Value": "dev"}, {"Key": "cost center", "Value": "42"}])["User"]
    assert created["UserPrincipalName"] == principal
    assert created["DisplayName"] == "Ims User"
    assert created["Comments"] == "c 1+1"
    assert created["UserId"]
    assert ISO_UTC.match(created["CreateDate"]), created
    uid = created["UserId"]
    # tags given at creation are real tags of the user
    assert user_tags(account.api(product="ims"), uid) == {"team": "dev", "cost center": "42"}

    by_upn = ims.call("GetUser", UserPrincipalName=principal)["User"]
    by_id = ims.call("GetUser", UserId=uid)["User"]
    for got in (by_upn, by_id):
        assert got["UserId"] == uid
        assert got["UserPrincipalName"] == principal
        assert got["UserName"] == name
        assert got["DisplayName"] == "Ims User"
        assert got["Comments"] == "c 1+1"

    new_name = unique("ims2")
    new_principal = account.upn(new_name)
    updated = ims.call("UpdateUser", UserPrincipalName=principal, NewUserPrincipalName=new_principal,
                       NewDisplayName="Renamed")["User"]
    assert updated["UserId"] == uid
    assert updated["UserPrincipalName"] == new_principal
    assert updated["DisplayName"] == "Renamed"
    got = ims.call("GetUser", UserPrincipalName=new_principal)["User"]
    assert (got["UserId"], got["UserName"], got["DisplayName"]) == (uid, new_name, "Renamed")
    expect_error(lambda: ims.call("GetUser", UserPrincipalName=principal), 404, "EntityNotExist.User")
    # the RAM view follows the rename
    assert account.api().call("GetUser", UserName=new_name)["User"]["UserId"] == uid
    expect_error(lambda: account.api().call("GetUser", UserName=name), 404, "EntityNotExist.User")

    ims.call("UpdateUser", UserId=uid, NewDisplayName="By Id")
    assert ims.call("GetUser", UserId=uid)["User"]["DisplayName"] == "By Id"

    assert "RequestId" in ims.call("DeleteUser", UserPrincipalName=new_principal)
    expect_error(lambda: ims.call("GetUser", UserId=uid), 404, "EntityNotExist.User")
    expect_error(lambda: ims.call("GetUser", UserPrincipalName=new_principal), 404, "EntityNotExist.User")


def test_delete_by_user_id(ims, account):
    name = unique()
    uid = ims.call("CreateUser", UserPrincipalName=account.upn(name), DisplayName="d")["User"]["UserId"]
    ims.call("DeleteUser", UserId=uid)
    expect_error(lambda: ims.call("GetUser", UserPrincipalName=account.upn(name)), 404, "EntityNotExist.User")
    expect_error(lambda: account.api().call("GetUser", UserName=name), 404, "EntityNotExist.User")
    expect_error(lambda: ims.call("DeleteUser", UserId=uid), 404, "EntityNotExist.User")


def test_get_user_by_access_key_id(ims, account):
    name = unique()
    uid = ims.call("CreateUser", UserPrincipalName=account.upn(name), DisplayName="k")["User"]["UserId"]
    kid = account.api().call("CreateAccessKey", UserName=name)["AccessKey"]["AccessKeyId"]
    got = ims.call("GetUser", UserAccessKeyId=kid)["User"]
    assert (got["UserId"], got["UserPrincipalName"], got["UserName"]) == (uid, account.upn(name), name)


def test_list_users_and_tag_filter(ims, account):
    names = {"dev1": [{"Key": "team", "Value": "dev"}, {"Key": "env", "Value": "prod"}],
             "dev2": [{"Key": "team", "Value": "dev"}, {"Key": "env", "Value": "test"}],
             "ops": [{"Key": "team", "Value": "ops"}],
             "plain": None}
    ids = {}
    for n, tags in names.items():
        ids[n] = ims.call("CreateUser", UserPrincipalName=account.upn(n), DisplayName=n, Tag=tags)["User"]["UserId"]

    listed = ims.call("ListUsers")
    assert listed["IsTruncated"] is False
    users = {u["UserPrincipalName"]: u for u in listed["Users"]["User"]}
    assert set(users) == {account.upn(n) for n in names}
    assert {users[account.upn(n)]["UserId"] for n in names} == set(ids.values())

    dev = ims.call("ListUsers", Tag=[{"Key": "team", "Value": "dev"}])["Users"].get("User", [])
    assert {u["UserId"] for u in dev} == {ids["dev1"], ids["dev2"]}
    both = ims.call("ListUsers", Tag=[{"Key": "team", "Value": "dev"}, {"Key": "env", "Value": "prod"}])
    assert [u["UserId"] for u in both["Users"].get("User", [])] == [ids["dev1"]]
    for u in both["Users"]["User"]:
        if u.get("Tags"):
            assert _tags_of(u) == {"team": "dev", "env": "prod"}
    none = ims.call("ListUsers", Tag=[{"Key": "team", "Value": "nobody"}])
    assert none["Users"].get("User", []) == []


def test_list_users_paging(ims, account):
    for i in range(5):
        ims.call("CreateUser", UserPrincipalName=account.upn(f"pg{i}"), DisplayName=f"pg{i}")
    seen, marker = [], None
    for _ in range(10):
        body = ims.call("ListUsers", MaxItems=2, Marker=marker)
        batch = [u["UserPrincipalName"] for u in body["Users"].get("User", [])]
        assert len(batch) <= 2
        seen += batch
        if not body["IsTruncated"]:
            assert not body.get("Marker")
            break
        assert body.get("Marker")
        marker = body["Marker"]
    assert sorted(seen) == sorted(account.upn(f"pg{i}") for i in range(5))


def test_ram_user_is_an_ims_user(account):
    ram, ims = account.api(), account.api(product="ims")
    name = unique("r2i")
    ruser = ram.call("CreateUser", UserName=name, DisplayName="From RAM", Comments="rc")["User"]
    got = ims.call("GetUser", UserPrincipalName=f"{name}@{account.account_id}.onaliyun.com")["User"]
    assert got["UserId"] == ruser["UserId"]
    assert got["UserName"] == name
    assert got["DisplayName"] == "From RAM"
    assert got["Comments"] == "rc"
    assert ims.call("GetUser", UserId=ruser["UserId"])["User"]["UserPrincipalName"] == account.upn(name)
    assert account.upn(name) in [u["UserPrincipalName"] for u in ims.call("ListUsers")["Users"]["User"]]


def test_ims_user_is_a_ram_user(account):
    ram, ims = account.api("core_post"), account.api("tea_v2", product="ims")
    name = unique("i2r")
    iuser = ims.call("CreateUser", UserPrincipalName=account.upn(name), DisplayName="From IMS", Comments="ic")["User"]
    got = ram.call("GetUser", UserName=name)["User"]
    assert (got["UserId"], got["UserName"], got["DisplayName"], got["Comments"]) == \
        (iuser["UserId"], name, "From IMS", "ic")
    assert name in [u["UserName"] for u in ram.call("ListUsers")["Users"]["User"]]
    # a RAM delete is visible through IMS
    ram.call("DeleteUser", UserName=name)
    expect_error(lambda: ims.call("GetUser", UserId=iuser["UserId"]), 404, "EntityNotExist.User")


@pytest.mark.parametrize("domain", ["example.onaliyun.com", "{other}.onaliyun.com", "{acct}.onaliyun.co",
                                    "{acct}.example.com"])
def test_principal_name_with_another_domain_is_rejected(ims, account, server, domain):
    bad = "x-" + unique() + "@" + domain.format(other=server.account_id, acct=account.account_id)
    expect_error(lambda: ims.call("CreateUser", UserPrincipalName=bad, DisplayName="bad"), 400,
                 prefix="InvalidParameter")
    assert ims.call("ListUsers")["Users"].get("User", []) == []

    name = unique()
    ims.call("CreateUser", UserPrincipalName=account.upn(name), DisplayName="ok")
    expect_error(lambda: ims.call("UpdateUser", UserPrincipalName=account.upn(name), NewUserPrincipalName=bad),
                 400, prefix="InvalidParameter")
    assert ims.call("GetUser", UserPrincipalName=account.upn(name))["User"]["UserName"] == name


def test_principal_name_without_domain_is_rejected(ims):
    expect_error(lambda: ims.call("CreateUser", UserPrincipalName=unique(), DisplayName="bad"), 400,
                 prefix="InvalidParameter")


def test_duplicate_principal_name_conflicts(ims, account):
    principal = account.upn(unique())
    ims.call("CreateUser", UserPrincipalName=principal, DisplayName="one")
    expect_error(lambda: ims.call("CreateUser", UserPrincipalName=principal, DisplayName="two"), 409,
                 prefix="EntityAlreadyExists")
    assert ims.call("GetUser", UserPrincipalName=principal)["User"]["DisplayName"] == "one"


def test_missing_principal_name(ims):
    expect_error(lambda: ims.call("CreateUser", DisplayName="nobody"), 400, prefix="MissingParameter")
    expect_error(lambda: ims.call("GetUser"), 400, prefix="MissingParameter")


def test_more_than_one_user_selector_is_rejected(ims, account):
    name = unique()
    uid = ims.call("CreateUser", UserPrincipalName=account.upn(name), DisplayName="s")["User"]["UserId"]
    expect_error(lambda: ims.call("GetUser", UserPrincipalName=account.upn(name), UserId=uid), 400,
                 prefix="InvalidParameter")
    expect_error(lambda: ims.call("DeleteUser", UserPrincipalName=account.upn(name), UserId=uid), 400,
                 prefix="InvalidParameter")
    assert ims.call("GetUser", UserId=uid)["User"]["UserName"] == name
