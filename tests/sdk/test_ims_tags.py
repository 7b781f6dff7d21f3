"""IMS 2019-08-15 user tags: TagResources / UntagResources / ListTagResources, every rule of the seed
(shared/seeds/ram-untag-resources.txt) and ram.md 7.2-7.4."""
from __future__ import annotations

import json

import pytest

from helpers import IMS_VERSION, UUID_UPPER, expect_error, tag_pairs, unique, user_tags


@pytest.fixture
def ims(account):
    return account.api(product="ims")


def make_users(ims, account, n, tags=None):
    """n IMS users -> list of (UserId, UserPrincipalName)."""
    out = []
    for _ in range(n):
        principal = account.upn(unique("t"))
        uid = ims.call("CreateUser", UserPrincipalName=principal, DisplayName="tagged", Tag=tags)["User"]["UserId"]
        out.append((uid, principal))
    return out


def tags(**kv):
    return [{"Key": k, "Value": v} for k, v in kv.items()]


def by(mode, users):
    """The resource selector of `users` addressed by id or by principal name."""
    if mode == "id":
        return {"ResourceId": [u[0] for u in users]}
    return {"ResourcePrincipalName": [u[1] for u in users]}


def tag(ims, users, mode="id", **kv):
    return ims.call("TagResources", ResourceType="user", Tag=tags(**kv), **by(mode, users))


def untag(ims, users, mode="id", keys=None, all=None):
    return ims.call("UntagResources", ResourceType="user", TagKey=keys, All=all, **by(mode, users))


def snapshot(ims, users):
    return {u[0]: user_tags(ims, u[0]) for u in users}


@pytest.fixture(params=["id", "upn"])
def mode(request):
    return request.param


# ------------------------------------------------------------------------------- basic behaviour

def test_tag_list_untag(ims, account, mode):
    users = make_users(ims, account, 2)
    assert set(tag(ims, users, mode, team="dev", env="prod", owner="alice")) == {"RequestId"}
    listed = ims.call("ListTagResources", ResourceType="user", **by(mode, users))
    items = listed["TagResources"]["TagResource"]
    for item in items:
        assert item["ResourceType"] == "user"
        assert set(item) >= {"ResourceId", "ResourceType", "TagKey", "TagValue"}
    expected = {(u[0], k, v) for u in users for k, v in [("team", "dev"), ("env", "prod"), ("owner", "alice")]}
    assert sorted(tag_pairs(listed)) == sorted(expected)  # one item per (user, tag), no duplicates

    assert set(untag(ims, users, mode, keys=["env", "owner"])) == {"RequestId"}
    assert snapshot(ims, users) == {u[0]: {"team": "dev"} for u in users}


def test_list_filters_by_resource(ims, account):
    a, b = make_users(ims, account, 2)
    tag(ims, [a], team="a")
    tag(ims, [b], team="b", x="1")
    only_a = ims.call("ListTagResources", ResourceType="user", ResourceId=[a[0]])
    assert tag_pairs(only_a) == [(a[0], "team", "a")]
    only_b = ims.call("ListTagResources", ResourceType="user", ResourcePrincipalName=[b[1]])
    assert sorted(tag_pairs(only_b)) == [(b[0], "team", "b"), (b[0], "x", "1")]


def test_list_filters_by_tags_with_and(ims, account):
    a, b, c = make_users(ims, account, 3)
    tag(ims, [a], team="dev", env="prod")
    tag(ims, [b], team="dev", env="test")
    tag(ims, [c], team="ops", env="prod")

    def matched(filter_tags):
        body = ims.call("ListTagResources", ResourceType="user", Tag=filter_tags)
        pairs = tag_pairs(body)
        full = {u[0]: user_tags(ims, u[0]) for u in (a, b, c)}
        for rid, k, v in pairs:  # every item is a real tag of a matching user
            assert full[rid].get(k) == v, (rid, k, v)
        return {rid for rid, _, _ in pairs}

    assert matched(tags(team="dev")) == {a[0], b[0]}
    assert matched(tags(env="prod")) == {a[0], c[0]}
    assert matched(tags(team="dev", env="prod")) == {a[0]}
    assert matched(tags(team="nobody")) == set()
    # resource and tag filters combine
    body = ims.call("ListTagResources", ResourceType="user", ResourceId=[b[0], c[0]], Tag=tags(env="prod"))
    assert {rid for rid, _, _ in tag_pairs(body)} == {c[0]}


def test_list_pages_with_next_token(ims, account):
    a, b = make_users(ims, account, 2)
    tag(ims, [a], k1="1", k2="2", k3="3")
    tag(ims, [b], k4="4", k5="5")
    expected = sorted([(a[0], "k1", "1"), (a[0], "k2", "2"), (a[0], "k3", "3"), (b[0], "k4", "4"), (b[0], "k5", "5")])
    seen, token, pages = [], None, []
    for _ in range(10):
        body = ims.call("ListTagResources", ResourceType="user", ResourceId=[a[0], b[0]], PageSize=2, NextToken=token)
        batch = tag_pairs(body)
        pages.append(len(batch))
        seen += batch
        remaining = len(expected) - len(seen)
        assert body["IsTruncated"] is (remaining > 0), (body, remaining)
        if not body["IsTruncated"]:
            assert not body.get("NextToken"), f"NextToken on the last page: {body}"
            break
        assert body.get("NextToken"), f"truncated page without NextToken: {body}"
        token = body["NextToken"]
    else:
        pytest.fail("ListTagResources kept returning IsTruncated=true")
    assert pages == [2, 2, 1]
    assert sorted(seen) == expected  # every pair exactly once


@pytest.mark.parametrize("value", ["blue", None])
def test_tag_filter_pages_split_users(ims, account, value):
    """A tag filter alone lists from the tag index: pages of 2 over three users with three tags
    each cut through users' tags; every pair comes exactly once, later changes show up, and the
    filter value (or any value, when absent) is respected."""
    users = make_users(ims, account, 3)
    for i, u in enumerate(users):
        tag(ims, [u], squad="blue" if i < 2 else "red", k1=f"a{i}", k2=f"b{i}")
    other = make_users(ims, account, 1)[0]
    tag(ims, [other], k1="x")  # no squad tag: never listed
    wanted = users[:2] if value else users
    expected = sorted((u[0], k, v) for u in wanted for k, v in user_tags(ims, u[0]).items())
    seen, token = [], None
    for _ in range(20):
        body = ims.call("ListTagResources", ResourceType="user", Tag=[{"Key": "squad", "Value": value}], PageSize=2, NextToken=token)
        seen += tag_pairs(body)
        if not body["IsTruncated"]:
            break
        token = body["NextToken"]
    assert sorted(seen) == expected
    untag(ims, [users[0]], keys=["squad"])
    body = ims.call("ListTagResources", ResourceType="user", Tag=[{"Key": "squad", "Value": value}], PageSize=100)
    assert users[0][0] not in {p[0] for p in tag_pairs(body)}


def test_retag_overwrites_value(ims, account, mode):
    users = make_users(ims, account, 1)
    tag(ims, users, mode, team="dev", keep="me")
    tag(ims, users, mode, team="ops")
    assert snapshot(ims, users) == {users[0][0]: {"team": "ops", "keep": "me"}}


def test_tag_keys_are_case_sensitive(ims, account):
    users = make_users(ims, account, 1)
    tag(ims, users, Team="upper", team="lower")
    untag(ims, users, keys=["team"])
    assert snapshot(ims, users) == {users[0][0]: {"Team": "upper"}}


def test_empty_value_and_boundary_lengths_are_accepted(ims, account):
    users = make_users(ims, account, 1)
    k128, v128 = "k" * 128, "v" * 128
    ims.call("TagResources", ResourceType="user", ResourceId=[users[0][0]],
             Tag=[{"Key": "empty", "Value": ""}, {"Key": k128, "Value": v128}, {"Key": "x-aliyun", "Value": "aliyun ok"}])
    assert snapshot(ims, users) == {users[0][0]: {"empty": "", k128: v128, "x-aliyun": "aliyun ok"}}


# ------------------------------------------------------------------------------- UntagResources rules

def test_untag_all_true_removes_every_tag(ims, account, mode):
    users = make_users(ims, account, 2)
    tag(ims, users, mode, a="1", b="2", c="3")
    untag(ims, users, mode, all=True)
    assert snapshot(ims, users) == {u[0]: {} for u in users}


def test_untag_all_true_with_keys_removes_only_those_keys(ims, account, mode):
    users = make_users(ims, account, 2)
    tag(ims, users, mode, a="1", b="2", c="3")
    untag(ims, users, mode, keys=["a"], all=True)
    assert snapshot(ims, users) == {u[0]: {"b": "2", "c": "3"} for u in users}


@pytest.mark.parametrize("all_value", [None, False])
def test_untag_without_keys_and_without_all_removes_nothing(ims, account, all_value):
    users = make_users(ims, account, 1)
    tag(ims, users, a="1", b="2")
    body = untag(ims, users, all=all_value)
    assert set(body) == {"RequestId"}
    assert snapshot(ims, users) == {users[0][0]: {"a": "1", "b": "2"}}


def test_untag_absent_key_is_fine(ims, account):
    users = make_users(ims, account, 1)
    tag(ims, users, a="1")
    untag(ims, users, keys=["not-there", "a"])
    untag(ims, users, keys=["still-not-there"])
    assert snapshot(ims, users) == {users[0][0]: {}}


def test_untag_response_is_only_a_request_id(account):
    """Raw body through the old core: exactly {"RequestId": <upper-case UUID>}."""
    ims = account.api(product="ims")
    users = make_users(ims, account, 1)
    tag(ims, users, a="1")
    from aliyunsdkcore.request import CommonRequest

    client = account.core()
    for action, extra in [("UntagResources", {"TagKey.1": "a"}), ("TagResources", {"Tag.1.Key": "b", "Tag.1.Value": "2"}),
                          ("UntagResources", {"All": "true"})]:
        req = CommonRequest(domain="127.0.0.1", version=IMS_VERSION, action_name=action, product="Ims")
        req.set_protocol_type("http")
        req.set_method("POST")
        req.add_query_param("ResourceType", "user")
        req.add_query_param("ResourceId.1", users[0][0])
        for k, v in extra.items():
            req.add_query_param(k, v)
        body = json.loads(client.do_action_with_exception(req))
        assert list(body) == ["RequestId"], body
        assert UUID_UPPER.match(body["RequestId"]), body
    assert snapshot(ims, users) == {users[0][0]: {}}


def test_request_ids_differ(ims, account):
    users = make_users(ims, account, 1)
    ids = {untag(ims, users, keys=["x"])["RequestId"] for _ in range(3)}
    assert len(ids) == 3


@pytest.mark.parametrize("action", ["UntagResources", "TagResources", "ListTagResources"])
def test_both_resource_lists_are_rejected(ims, account, action):
    (u,) = make_users(ims, account, 1)
    tag(ims, [u], a="1")
    params = {"ResourceType": "user", "ResourceId": [u[0]], "ResourcePrincipalName": [u[1]]}
    if action == "UntagResources":
        params["TagKey"] = ["a"]
        expect_error(lambda: ims.call(action, **params), 400, "InvalidParameter")
    else:
        if action == "TagResources":
            params["Tag"] = tags(b="2")
        expect_error(lambda: ims.call(action, **params), 400, prefix="InvalidParameter")
    assert snapshot(ims, [u]) == {u[0]: {"a": "1"}}


def test_neither_resource_list_is_rejected(ims):
    expect_error(lambda: ims.call("UntagResources", ResourceType="user", TagKey=["a"]), 400, "MissingParameter")
    expect_error(lambda: ims.call("UntagResources", ResourceType="user", All=True), 400, "MissingParameter")
    expect_error(lambda: ims.call("TagResources", ResourceType="user", Tag=tags(a="1")), 400, prefix="MissingParameter")


def test_list_without_resource_or_tag_filter_is_rejected(ims):
    expect_error(lambda: ims.call("ListTagResources", ResourceType="user"), 400, prefix="MissingParameter")


def test_fifty_resources_ok_fifty_one_rejected(ims, account):
    users = make_users(ims, account, 51)
    expect_error(lambda: tag(ims, users, a="1"), 400, prefix="InvalidParameter")
    expect_error(lambda: tag(ims, users, "upn", a="1"), 400, prefix="InvalidParameter")
    assert all(not t for t in snapshot(ims, users[:3] + users[-2:]).values())

    tag(ims, users[:50], a="1")
    expect_error(lambda: untag(ims, users, keys=["a"]), 400, prefix="InvalidParameter")
    expect_error(lambda: untag(ims, users, "upn", all=True), 400, prefix="InvalidParameter")
    expect_error(lambda: ims.call("ListTagResources", ResourceType="user", **by("id", users)), 400,
                 prefix="InvalidParameter")
    assert snapshot(ims, users[:2] + users[48:50]) == {u[0]: {"a": "1"} for u in users[:2] + users[48:50]}
    untag(ims, users[:50], keys=["a"])
    assert snapshot(ims, users[:2] + users[48:50]) == {u[0]: {} for u in users[:2] + users[48:50]}


def test_twenty_keys_ok_twenty_one_rejected(ims, account):
    users = make_users(ims, account, 1)
    tag(ims, users, **{f"k{i}": str(i) for i in range(20)})
    expect_error(lambda: untag(ims, users, keys=[f"k{i}" for i in range(21)]), 400, prefix="InvalidParameter")
    assert len(snapshot(ims, users)[users[0][0]]) == 20
    untag(ims, users, keys=[f"k{i}" for i in range(20)])
    assert snapshot(ims, users) == {users[0][0]: {}}


@pytest.mark.parametrize("indices", [(1, 3), (2,), (1, 2, 4), (0, 1)], ids=["gap", "starts-at-2", "gap-at-3", "zero"])
def test_non_consecutive_tag_key_numbers_are_rejected(account, indices):
    """SDKs always number consecutively, so this needs a hand-signed request."""
    ims = account.api(product="ims")
    (u,) = make_users(ims, account, 1)
    tag(ims, [u], a="1", b="2", c="3", d="4")
    params = [("ResourceType", "user"), ("ResourceId.1", u[0])]
    params += [(f"TagKey.{i}", "abcd"[max(i - 1, 0)]) for i in indices]
    reply = account.signer().v1("UntagResources", params, version=IMS_VERSION)
    assert reply.status == 400, reply.text
    assert reply.json()["Code"] == "InvalidParameter", reply.text
    assert snapshot(ims, [u]) == {u[0]: {"a": "1", "b": "2", "c": "3", "d": "4"}}


def test_consecutive_tag_keys_by_hand_and_lowercase_booleans(account):
    """The same hand-signed path succeeds when N is consecutive; booleans parse in any case."""
    ims = account.api(product="ims")
    (u,) = make_users(ims, account, 1)
    tag(ims, [u], a="1", b="2", c="3")
    s = account.signer()
    ok = s.v1("UntagResources", [("ResourceType", "user"), ("ResourceId.1", u[0]), ("TagKey.1", "a"), ("TagKey.2", "b")],
              version=IMS_VERSION)
    assert ok.status == 200, ok.text
    assert snapshot(ims, [u]) == {u[0]: {"c": "3"}}
    keep = s.v1("UntagResources", [("ResourceType", "user"), ("ResourceId.1", u[0]), ("All", "FALSE")], version=IMS_VERSION)
    assert keep.status == 200, keep.text
    assert snapshot(ims, [u]) == {u[0]: {"c": "3"}}
    wipe = s.v3("UntagResources", [("ResourceType", "user"), ("ResourceId.1", u[0]), ("All", "true")], version=IMS_VERSION)
    assert wipe.status == 200, wipe.text
    assert snapshot(ims, [u]) == {u[0]: {}}


def test_invalid_boolean_is_rejected(account):
    ims = account.api(product="ims")
    (u,) = make_users(ims, account, 1)
    tag(ims, [u], a="1")
    r = account.signer().v1("UntagResources", [("ResourceType", "user"), ("ResourceId.1", u[0]), ("All", "yes")],
                            version=IMS_VERSION)
    assert r.status == 400, r.text
    assert r.json()["Code"].startswith("InvalidParameter"), r.text
    assert snapshot(ims, [u]) == {u[0]: {"a": "1"}}


# ------------------------------------------------------------------------------- all-or-nothing

@pytest.mark.parametrize("action", ["TagResources", "UntagResources"])
def test_unknown_user_among_several_changes_nothing(ims, account, mode, action):
    users = make_users(ims, account, 3)
    tag(ims, users, a="1", b="2")
    before = snapshot(ims, users)
    ghost_id = "9" * 16
    ghost = (ghost_id, account.upn(unique("ghost")))
    batch = users[:2] + [ghost] + users[2:]
    if action == "TagResources":
        call = lambda: tag(ims, batch, mode, a="changed", z="new")  # noqa: E731
    else:
        call = lambda: untag(ims, batch, mode, keys=["a"])  # noqa: E731
    expect_error(call, 404, "EntityNotExist.User")
    assert snapshot(ims, users) == before


def test_user_of_another_account_is_unknown(ims, account, server):
    from helpers import create_account

    other = create_account(server.store, server.port)
    oims = other.api(product="ims")
    (theirs,) = make_users(oims, other, 1)
    tag(oims, [theirs], secret="x")
    (mine,) = make_users(ims, account, 1)
    expect_error(lambda: tag(ims, [mine, theirs], a="1"), 404, "EntityNotExist.User")
    expect_error(lambda: untag(ims, [theirs], all=True), 404, "EntityNotExist.User")
    assert user_tags(oims, theirs[0]) == {"secret": "x"}
    assert user_tags(ims, mine[0]) == {}


def test_more_than_twenty_tags_on_a_user_changes_nothing(ims, account):
    full, empty = make_users(ims, account, 2)
    tag(ims, [full], **{f"k{i}": "v" for i in range(15)})
    before = snapshot(ims, [full, empty])
    err = expect_error(lambda: tag(ims, [full, empty], **{f"n{i}": "v" for i in range(6)}))
    assert 400 <= err.status < 500, err
    assert snapshot(ims, [full, empty]) == before
    # exactly 20 is fine, overwriting existing keys does not count twice
    tag(ims, [full], **{f"n{i}": "v" for i in range(5)})
    tag(ims, [full], **{f"k{i}": "w" for i in range(15)})
    assert len(user_tags(ims, full[0])) == 20
    err = expect_error(lambda: tag(ims, [full], extra="1"))
    assert 400 <= err.status < 500, err
    assert len(user_tags(ims, full[0])) == 20


def test_twenty_one_tags_in_one_request_rejected(ims, account):
    (u,) = make_users(ims, account, 1)
    expect_error(lambda: tag(ims, [u], **{f"k{i}": "v" for i in range(21)}), 400, prefix="InvalidParameter")
    assert user_tags(ims, u[0]) == {}


BAD_KEYS = ["", "k" * 129, "aliyun", "aliyunKey", "acs:key", "see http://example.com", "https://x"]
BAD_VALUES = ["v" * 129, "see https://example.com", "http://x"]


@pytest.mark.parametrize("key", BAD_KEYS, ids=["empty", "129", "aliyun", "aliyun-prefix", "acs", "http", "https"])
def test_bad_tag_keys(ims, account, key):
    (u,) = make_users(ims, account, 1)
    call = lambda: ims.call("TagResources", ResourceType="user", ResourceId=[u[0]],  # noqa: E731
                            Tag=[{"Key": "good", "Value": "1"}, {"Key": key, "Value": "v"}])
    expect_error(call, 400, prefix="InvalidParameter")
    assert user_tags(ims, u[0]) == {}


@pytest.mark.parametrize("value", BAD_VALUES, ids=["129", "https", "http"])
def test_bad_tag_values(ims, account, value):
    (u,) = make_users(ims, account, 1)
    call = lambda: ims.call("TagResources", ResourceType="user", ResourceId=[u[0]],  # noqa: E731
                            Tag=[{"Key": "good", "Value": "1"}, {"Key": "k", "Value": value}])
    expect_error(call, 400, prefix="InvalidParameter")
    assert user_tags(ims, u[0]) == {}


def test_bad_tags_at_create_user_create_nothing(ims, account):
    principal = account.upn(unique())
    expect_error(lambda: ims.call("CreateUser", UserPrincipalName=principal, DisplayName="x",
                                  Tag=[{"Key": "acs:nope", "Value": "v"}]), 400, prefix="InvalidParameter")
    expect_error(lambda: ims.call("GetUser", UserPrincipalName=principal), 404, "EntityNotExist.User")


@pytest.mark.parametrize("action", ["TagResources", "UntagResources", "ListTagResources"])
@pytest.mark.parametrize("rtype", ["role", "policy", "users", "group"])
def test_resource_type_other_than_user_is_rejected(ims, account, action, rtype):
    (u,) = make_users(ims, account, 1)
    tag(ims, [u], a="1")
    params = {"ResourceType": rtype, "ResourceId": [u[0]]}
    if action == "TagResources":
        params["Tag"] = tags(b="2")
    elif action == "UntagResources":
        params["TagKey"] = ["a"]
    expect_error(lambda: ims.call(action, **params), 400, prefix="InvalidParameter")
    assert user_tags(ims, u[0]) == {"a": "1"}


@pytest.mark.parametrize("flavour", ["tea_v2", "core_post", "core_get"])
def test_tag_operations_through_other_clients(account, flavour):
    ims = account.api(flavour, product="ims")
    (u,) = make_users(ims, account, 1)
    ims.call("TagResources", ResourceType="user", ResourcePrincipalName=[u[1]],
             Tag=[{"Key": "team name", "Value": "dev ops+1"}, {"Key": "k~*", "Value": "ü@"}])
    assert user_tags(ims, u[0]) == {"team name": "dev ops+1", "k~*": "ü@"}
    ims.call("UntagResources", ResourceType="user", ResourcePrincipalName=[u[1]], TagKey=["k~*"], All=True)
    assert user_tags(ims, u[0]) == {"team name": "dev ops+1"}
    ims.call("UntagResources", ResourceType="user", ResourceId=[u[0]], All=True)
    assert user_tags(ims, u[0]) == {}


def test_deleting_a_user_drops_its_tags(ims, account):
    a, b = make_users(ims, account, 2)
    tag(ims, [a, b], team="x")
    ims.call("DeleteUser", UserId=a[0])
    body = ims.call("ListTagResources", ResourceType="user", Tag=tags(team="x"))
    assert {rid for rid, _, _ in tag_pairs(body)} == {b[0]}
