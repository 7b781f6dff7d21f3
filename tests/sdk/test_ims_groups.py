"""IMS 2019-08-15 groups (issue 14): Create/Get/Update/Delete/ListGroups, Add/RemoveUserFromGroup,
ListGroupsForUser, ListUsersForGroup on the very groups RAM 2015-05-01 serves (one identity
model), with IMS's DisplayName, members named by logon name and IMS paging. Through the Tea SDK."""
from __future__ import annotations

import pytest

from authz_helpers import group_res, new_user, user_denied
from helpers import expect_error, unique


def test_group_lifecycle_shared_with_ram(account):
    ram, ims = account.api(), account.api(product="ims")
    name = unique("g")
    g = ims.call("CreateGroup", GroupName=name, DisplayName="Ops team", Comments="on call")["Group"]
    assert (g["GroupName"], g["DisplayName"], g["Comments"]) == (name, "Ops team", "on call"), g
    assert g["GroupId"] and g["CreateDate"].endswith("Z") and g["UpdateDate"].endswith("Z"), g
    assert ram.call("GetGroup", GroupName=name)["Group"]["GroupId"] == g["GroupId"]
    e = expect_error(lambda: ims.call("CreateGroup", GroupName=name), 409)
    assert e.code == "EntityAlreadyExists.Group", e
    e = expect_error(lambda: ram.call("CreateGroup", GroupName=name), 409)  # one name space
    assert e.code == "EntityAlreadyExists.Group", e

    user = unique("gu")
    ram.call("CreateUser", UserName=user)
    upn = account.upn(user)
    ims.call("AddUserToGroup", GroupName=name, UserPrincipalName=upn)
    e = expect_error(lambda: ims.call("AddUserToGroup", GroupName=name, UserPrincipalName=upn), 409)
    assert e.code == "EntityAlreadyExists.User.Group", e
    members = ims.call("ListUsersForGroup", GroupName=name)["Users"]["User"]
    assert [(m["UserPrincipalName"], m["JoinDate"][-1]) for m in members] == [(upn, "Z")], members
    assert [m["UserName"] for m in ram.call("ListUsersForGroup", GroupName=name)["Users"]["User"]] == [user]
    joined = ims.call("ListGroupsForUser", UserPrincipalName=upn)["Groups"]["Group"]
    assert [(j["GroupName"], j["DisplayName"]) for j in joined] == [(name, "Ops team")], joined
    e = expect_error(lambda: ims.call("DeleteGroup", GroupName=name), 409)
    assert e.code == "DeleteConflict.Group.User", e

    renamed = unique("g2")
    up = ims.call("UpdateGroup", GroupName=name, NewGroupName=renamed, NewDisplayName="Ops", NewComments="renamed")["Group"]
    assert (up["GroupName"], up["DisplayName"], up["Comments"], up["GroupId"]) == (renamed, "Ops", "renamed", g["GroupId"]), up
    e = expect_error(lambda: ims.call("GetGroup", GroupName=name), 404)
    assert e.code == "EntityNotExist.Group", e
    ram.call("RemoveUserFromGroup", GroupName=renamed, UserName=user)  # made through IMS, undone through RAM
    e = expect_error(lambda: ims.call("RemoveUserFromGroup", GroupName=renamed, UserPrincipalName=upn), 404)
    assert e.code == "EntityNotExist.User.Group", e
    ims.call("DeleteGroup", GroupName=renamed)
    e = expect_error(lambda: ram.call("GetGroup", GroupName=renamed), 404)
    assert e.code == "EntityNotExist.Group", e


def test_paging_and_bad_input(account):
    ims = account.api(product="ims")
    names = [unique("pg") for _ in range(3)]
    for n in names:
        ims.call("CreateGroup", GroupName=n)
    seen, marker = [], None
    while True:
        page = ims.call("ListGroups", MaxItems=2, **({"Marker": marker} if marker else {}))
        seen += [g["GroupName"] for g in page["Groups"]["Group"]]
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    # ListGroups' order (creation time, then ID: groups made in one millisecond may swap)
    assert seen == [g["GroupName"] for g in ims.call("ListGroups")["Groups"]["Group"]], seen
    assert sorted(seen) == sorted(names), seen
    e = expect_error(lambda: ims.call("ListGroups", MaxItems=101), 400)
    assert "MaxItems" in e.code + e.message, e
    for params, code in [({"GroupName": "bad name"}, "InvalidParameter.GroupName.InvalidChars"),
                         ({"GroupName": "g" * 65}, "InvalidParameter.GroupName.Length"),
                         ({"GroupName": unique("g"), "DisplayName": "d" * 25}, "InvalidParameter.DisplayName.Length")]:
        e = expect_error(lambda: ims.call("CreateGroup", **params), 400)
        assert e.code == code, (params, e)
    e = expect_error(lambda: ims.call("AddUserToGroup", GroupName=names[0], UserPrincipalName=account.upn(unique("none"))), 404)
    assert e.code == "EntityNotExist.User", e
    e = expect_error(lambda: ims.call("ListUsersForGroup", GroupName=unique("none")), 404)
    assert e.code == "EntityNotExist.Group", e


def test_group_actions_are_authorized_on_the_group(account):
    ims = account.api(product="ims")
    name = unique("ga")
    ims.call("CreateGroup", GroupName=name)
    u = new_user(account)
    user_denied(u, lambda: u.ims().call("GetGroup", GroupName=name), "ram:GetGroup", group_res(account.account_id, name))
    user_denied(u, lambda: u.ims().call("ListGroups"), "ram:ListGroups", "*")
