"""RAM 2015-05-01 users through Tea V3, Tea `v2` (HMAC-SHA1) and the old core (POST and GET)."""
from __future__ import annotations

import pytest

from helpers import FLAVOURS, ISO_UTC, expect_error, unique

# Values that stress both signatures' encodings: space (Python sends '+'), '*', '~', '@', '+',
# non-ASCII, and characters that are special in query strings.
TRICKY_COMMENTS = [
    "hi there ~*",
    "a+b = c & d",
    "mail@example.com 100% sure",
    "Grüße, 日本語, emoji \U0001F600",
    "slash/back\\slash ?#[]!$'()",
]


@pytest.fixture(params=FLAVOURS)
def ram(request, account):
    return account.api(request.param)


def test_create_get_update_delete_lifecycle(ram):
    name = unique("alice")
    created = ram.call("CreateUser", UserName=name, DisplayName="Alice A", Comments="first")["User"]
    assert created["UserName"] == name
    assert created["DisplayName"] == "Alice A"
    assert created["Comments"] == "first"
    assert isinstance(created["UserId"], str) and created["UserId"]
    assert ISO_UTC.match(created["CreateDate"]), created

    got = ram.call("GetUser", UserName=name)["User"]
    assert got["UserId"] == created["UserId"]
    assert got["UserName"] == name
    assert got["DisplayName"] == "Alice A"
    assert got["Comments"] == "first"
    assert got["CreateDate"] == created["CreateDate"]

    new_name = unique("alice2")
    updated = ram.call("UpdateUser", UserName=name, NewUserName=new_name, NewDisplayName="Alice B",
                       NewComments="second")["User"]
    assert updated["UserId"] == created["UserId"]
    assert updated["UserName"] == new_name
    assert updated["DisplayName"] == "Alice B"
    assert updated["Comments"] == "second"

    got = ram.call("GetUser", UserName=new_name)["User"]
    assert (got["UserId"], got["DisplayName"], got["Comments"]) == (created["UserId"], "Alice B", "second")
    expect_error(lambda: ram.call("GetUser", UserName=name), 404, "EntityNotExist.User")

    assert "RequestId" in ram.call("DeleteUser", UserName=new_name)
    expect_error(lambda: ram.call("GetUser", UserName=new_name), 404, "EntityNotExist.User")
    expect_error(lambda: ram.call("DeleteUser", UserName=new_name), 404, "EntityNotExist.User")
    assert ram.call("ListUsers")["Users"].get("User", []) == []


def test_update_only_display_name_keeps_the_rest(ram):
    name = unique()
    ram.call("CreateUser", UserName=name, DisplayName="before", Comments="keep me")
    updated = ram.call("UpdateUser", UserName=name, NewDisplayName="after")["User"]
    assert (updated["UserName"], updated["DisplayName"], updated["Comments"]) == (name, "after", "keep me")
    got = ram.call("GetUser", UserName=name)["User"]
    assert (got["UserName"], got["DisplayName"], got["Comments"]) == (name, "after", "keep me")


def test_update_missing_user_is_not_found(ram):
    expect_error(lambda: ram.call("UpdateUser", UserName=unique("ghost"), NewDisplayName="x"),
                 404, "EntityNotExist.User")


def test_rename_onto_existing_name_conflicts(ram):
    a, b = unique("a"), unique("b")
    ram.call("CreateUser", UserName=a)
    ram.call("CreateUser", UserName=b)
    expect_error(lambda: ram.call("UpdateUser", UserName=a, NewUserName=b), 409, "EntityAlreadyExists.User")
    assert ram.call("GetUser", UserName=a)["User"]["UserName"] == a


def test_list_users_pages_with_max_items_and_marker(ram):
    names = sorted(unique(f"p{i}") for i in range(7))
    for n in names:
        ram.call("CreateUser", UserName=n)
    seen, pages, marker = [], [], None
    for _ in range(10):
        body = ram.call("ListUsers", MaxItems=3, Marker=marker)
        batch = [u["UserName"] for u in body["Users"].get("User", [])]
        pages.append(len(batch))
        seen += batch
        assert isinstance(body["IsTruncated"], bool)
        if body["IsTruncated"]:
            assert body.get("Marker"), f"truncated page without Marker: {body}"
            marker = body["Marker"]
        else:
            assert "Marker" not in body, f"Marker on the last page: {body}"
            break
    else:
        pytest.fail("ListUsers kept returning IsTruncated=true")
    assert pages == [3, 3, 1]
    assert sorted(seen) == names  # every user exactly once
    full = ram.call("ListUsers", MaxItems=100)
    assert full["IsTruncated"] is False
    assert sorted(u["UserName"] for u in full["Users"]["User"]) == names


def test_duplicate_create_conflicts(ram):
    name = unique()
    first = ram.call("CreateUser", UserName=name, DisplayName="one")["User"]
    expect_error(lambda: ram.call("CreateUser", UserName=name, DisplayName="two"), 409, "EntityAlreadyExists.User")
    got = ram.call("GetUser", UserName=name)["User"]
    assert (got["UserId"], got["DisplayName"]) == (first["UserId"], "one")


@pytest.mark.parametrize("bad", ["has space", "star*", "at@sign", "slash/x", "umlaut-ä", "plus+"])
def test_invalid_user_name_chars(ram, bad):
    expect_error(lambda: ram.call("CreateUser", UserName=bad), 400, "InvalidParameter.UserName.InvalidChars")
    assert ram.call("ListUsers")["Users"].get("User", []) == []


def test_user_name_length(ram):
    expect_error(lambda: ram.call("CreateUser", UserName="x" * 65), 400, "InvalidParameter.UserName.Length")
    ok = "y" * 64
    assert ram.call("CreateUser", UserName=ok)["User"]["UserName"] == ok


def test_missing_user_name(ram):
    expect_error(lambda: ram.call("CreateUser", DisplayName="nobody"), 400, "MissingParameter")
    expect_error(lambda: ram.call("GetUser"), 400, "MissingParameter")
    assert ram.call("ListUsers")["Users"].get("User", []) == []


@pytest.mark.parametrize("comments", TRICKY_COMMENTS,
                         ids=["space-tilde-star", "plus-equals-amp", "at-percent", "non-ascii", "punctuation"])
def test_special_characters_round_trip(ram, comments):
    name = unique("enc")
    display = "Ann B. @x-y_z"
    user = ram.call("CreateUser", UserName=name, DisplayName=display, Comments=comments)["User"]
    assert user["Comments"] == comments
    assert user["DisplayName"] == display
    assert ram.call("GetUser", UserName=name)["User"]["Comments"] == comments
    newer = comments[::-1] + " +~"
    assert ram.call("UpdateUser", UserName=name, NewComments=newer)["User"]["Comments"] == newer
    assert ram.call("GetUser", UserName=name)["User"]["Comments"] == newer


def test_user_created_in_one_flavour_is_seen_by_the_others(account):
    name = unique("x")
    created = account.api("core_get").call("CreateUser", UserName=name, Comments="via GET")["User"]
    for flavour in FLAVOURS:
        got = account.api(flavour).call("GetUser", UserName=name)["User"]
        assert got["UserId"] == created["UserId"], flavour
        assert got["Comments"] == "via GET", flavour
