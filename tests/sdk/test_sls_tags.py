"""SLS TagResources / UntagResources / ListTagResources (POST /tag, POST /untag, GET /tags): every
rule of the seed (shared/seeds/sls-untag-resources.txt) and sls.md 7, for the five resource types,
in the spellings of the seed and of both SDKs."""
from __future__ import annotations

import pytest

from helpers import (SLS_FLAVOURS, assert_sls_empty_ok, assert_sls_error, assert_sls_json_ok,
                     expect_sls_error, sls_name)

# (resource kind, spelling) -> how the resourceId is built from the fixture's names
SPELLINGS = {
    "project": ["project"],
    "logstore": ["logstore"],
    "dashboard": ["dashboard"],
    "machinegroup": ["MachineGroup", "machinegroup", "machine_group"],
    "logtailconfig": ["LogtailConfig", "logtailconfig", "logtail_config"],
}
CASES = [(kind, sp) for kind, sps in SPELLINGS.items() for sp in sps]
NOT_EXIST = {"project": "ProjectNotExist", "logstore": "LogStoreNotExist", "dashboard": "DashboardNotExist",
             "machinegroup": "MachineGroupNotExist", "logtailconfig": "ConfigNotExist"}


class World:
    """One project holding one resource of every kind (created through Tea)."""

    def __init__(self, tea, n: int = 1):
        self.tea = tea
        self.p = sls_name("tag")
        tea.create_project(self.p, "tags")
        for i in range(n):
            tea.create_logstore(self.p, f"store{i}", ttl=7, shard_count=1)
            tea.create_dashboard(self.p, f"dash{i}", f"D{i}")
            tea.create_machine_group(self.p, f"mg-{i}", ["10.0.0.1"])
            tea.create_config(self.p, f"cfg{i}", f"store{i}")

    def rid(self, kind: str, i: int = 0) -> str:
        return {"project": self.p, "logstore": f"{self.p}#store{i}", "dashboard": f"{self.p}#dash{i}",
                "machinegroup": f"{self.p}#mg-{i}", "logtailconfig": f"{self.p}#cfg{i}"}[kind]

    def delete(self, kind: str, i: int = 0) -> None:
        t, p = self.tea, self.p
        {"project": lambda: t.delete_project(p), "logstore": lambda: t.delete_logstore(p, f"store{i}"),
         "dashboard": lambda: t.delete_dashboard(p, f"dash{i}"), "machinegroup": lambda: t.delete_machine_group(p, f"mg-{i}"),
         "logtailconfig": lambda: t.delete_config(p, f"cfg{i}")}[kind]()

    def recreate(self, kind: str, i: int = 0) -> None:
        t, p = self.tea, self.p
        if kind == "logtailconfig":
            t.create_config(p, f"cfg{i}", f"store{i}")
        elif kind == "project":
            t.create_project(p, "again")
        elif kind == "logstore":
            t.create_logstore(p, f"store{i}", ttl=7, shard_count=1)
        elif kind == "dashboard":
            t.create_dashboard(p, f"dash{i}", "D")
        else:
            t.create_machine_group(p, f"mg-{i}", ["10.0.0.1"])


@pytest.fixture
def tea(account):
    return account.sls("tea_v1")


@pytest.fixture
def world(tea):
    return World(tea)


@pytest.fixture
def raw(account):
    return account.sls_signer()


def row_set(rows):
    return {(r["resourceType"], r["resourceId"], r["tagKey"], r["tagValue"]) for r in rows}


# ------------------------------------------------------------------------------------ lifecycle

@pytest.mark.parametrize("kind,spelling", CASES, ids=[f"{k}-{s}" for k, s in CASES])
@pytest.mark.parametrize("flavour", ["lc_v1", "tea_v1"])
def test_tag_lifecycle_every_spelling(account, monkeypatch, world, raw, kind, spelling, flavour):
    api = account.sls(flavour, monkeypatch)
    rid = world.rid(kind)
    assert api.tag(spelling, rid, {"env": "dev", "team": "core", "owner": "ann"}) is None
    rows = api.list_tags(spelling, rid)
    assert row_set(rows) == {(spelling, rid, "env", "dev"), (spelling, rid, "team", "core"), (spelling, rid, "owner", "ann")}
    by_tag = api.list_tags(spelling, tags={"env": "dev"})
    assert {r["resourceId"] for r in by_tag} == {rid}
    # overwrite a value, untag some keys (plus one that is absent), then all
    api.tag(spelling, rid, {"env": "prod"})
    api.untag(spelling, rid, ["team", "absent-key"])
    assert api.tags_of(spelling, rid) == {"env": "prod", "owner": "ann"}
    if api.kind == "tea":
        api.untag(spelling, rid, all=True)
    else:  # LogClient cannot send `all`
        assert_sls_empty_ok(raw.request("POST", "/untag", project=world.p,
                                        body={"resourceType": spelling, "resourceId": [rid], "all": True}))
    assert api.tags_of(spelling, rid) == {}
    assert api.list_tags(spelling, tags={"env": "prod"}) == []
    world.delete(kind)


@pytest.mark.parametrize("kind", list(SPELLINGS))
@pytest.mark.parametrize("flavour", ["lc_v4", "tea_v4"])
def test_tag_lifecycle_v4(account, monkeypatch, world, kind, flavour):
    api = account.sls(flavour, monkeypatch)
    rid = world.rid(kind)
    api.tag(kind, rid, {"a": "1", "b": "2"})
    assert api.tags_of(kind, rid) == {"a": "1", "b": "2"}
    api.untag(kind, rid, ["a"])
    assert api.tags_of(kind, rid) == {"b": "2"}
    api.untag(kind, rid, ["b"])
    assert api.tags_of(kind, rid) == {}


@pytest.mark.parametrize("kind", list(SPELLINGS))
def test_tags_disappear_with_the_resource(tea, world, kind):
    rid = world.rid(kind)
    tea.tag(kind, rid, {"doomed": "yes"})
    world.delete(kind)
    assert [r for r in tea.list_tags(kind, tags={"doomed": "yes"}) if r["resourceId"] == rid] == []
    world.recreate(kind)
    assert tea.tags_of(kind, rid) == {}


def test_tags_of_one_resource_leave_others_alone(tea):
    w = World(tea, n=2)
    tea.tag("logstore", w.rid("logstore", 0), {"k": "0"})
    tea.tag("logstore", w.rid("logstore", 1), {"k": "1"})
    tea.tag("project", w.p, {"k": "p"})
    tea.untag("logstore", w.rid("logstore", 0), all=True)
    assert tea.tags_of("logstore", w.rid("logstore", 1)) == {"k": "1"}
    assert tea.tags_of("project", w.p) == {"k": "p"}
    assert tea.tags_of("logstore", w.rid("logstore", 0)) == {}


# ------------------------------------------------------------------------------------ the seed

def test_seed_sample_bare_string_resource_id(tea, world, raw):
    """The seed's sample request: resourceId as a bare string, all false, tags = keys."""
    tea.tag("project", world.p, {"key1": "v1", "key2": "v2"})
    r = raw.request("POST", "/untag", project=world.p,
                    body={"resourceType": "project", "resourceId": world.p, "all": False, "tags": ["key1"]})
    assert_sls_empty_ok(r)
    assert tea.tags_of("project", world.p) == {"key2": "v2"}
    # resourceType is optional in the seed: a project id (no '#') is a project
    assert_sls_empty_ok(raw.request("POST", "/untag", project=world.p, body={"resourceId": world.p, "tags": ["key2"]}))
    assert tea.tags_of("project", world.p) == {}
    # the same on /tag
    r = raw.request("POST", "/tag", project=world.p,
                    body={"resourceType": "logstore", "resourceId": world.rid("logstore"), "tags": [{"key": "b", "value": "s"}]})
    assert_sls_empty_ok(r)
    assert tea.tags_of("logstore", world.rid("logstore")) == {"b": "s"}
    r = raw.request("POST", "/untag", project=world.p, version="v4",
                    body={"resourceType": "logstore", "resourceId": world.rid("logstore"), "all": True})
    assert_sls_empty_ok(r)
    assert tea.tags_of("logstore", world.rid("logstore")) == {}


def test_seed_response_headers(tea, world, raw):
    tea.tag("project", world.p, {"key1": "v"})
    r = raw.request("POST", "/untag", project=world.p,
                    body={"resourceType": "project", "resourceId": [world.p], "all": False, "tags": ["key1"]})
    assert_sls_empty_ok(r)  # 200, empty body, Content-Length 0, no Content-Type, x-log-requestid, Server, Date, Connection
    r = raw.request("POST", "/tag", project=world.p, content_type=None,
                    body={"resourceType": "project", "resourceId": [world.p], "tags": [{"key": "a", "value": "b"}]})
    assert_sls_empty_ok(r)  # LogClient sends /tag without Content-Type
    body = assert_sls_json_ok(raw.request("GET", "/tags", query={"resourceType": "project",
                                                                  "resourceId": f'["{world.p}"]'}))
    assert body == {**body, "nextToken": "", "tagResources": [
        {"resourceType": "project", "resourceId": world.p, "tagKey": "a", "tagValue": "b"}]}


def test_untag_without_resource_type_and_no_project_in_host(tea, world, raw):
    tea.tag("project", world.p, {"x": "1", "y": "2"})
    # Tea style: no project in Host, the project comes from resourceId
    assert_sls_empty_ok(raw.request("POST", "/untag", body={"resourceType": "project", "resourceId": [world.p], "tags": ["x"]}))
    assert tea.tags_of("project", world.p) == {"y": "2"}
    assert_sls_empty_ok(raw.request("POST", "/tag", body={"resourceType": "logstore", "resourceId": [world.rid("logstore")],
                                                          "tags": [{"key": "h", "value": ""}]}))
    assert tea.tags_of("logstore", world.rid("logstore")) == {"h": ""}


def test_untag_all_wins_over_keys_and_empty_untag_is_a_noop(account, monkeypatch, tea, world, raw):
    rid = world.rid("dashboard")
    tea.tag("dashboard", rid, {"a": "1", "b": "2", "c": "3"})
    lc = account.sls("lc_v1", monkeypatch)
    lc.untag("dashboard", rid, [])  # LogClient with no keys: tags [] and no `all`
    assert tea.tags_of("dashboard", rid) == {"a": "1", "b": "2", "c": "3"}
    assert_sls_empty_ok(raw.request("POST", "/untag", project=world.p,
                                    body={"resourceType": "dashboard", "resourceId": [rid], "all": False, "tags": []}))
    assert_sls_empty_ok(raw.request("POST", "/untag", project=world.p,
                                    body={"resourceType": "dashboard", "resourceId": [rid]}))
    assert tea.tags_of("dashboard", rid) == {"a": "1", "b": "2", "c": "3"}
    tea.untag("dashboard", rid, ["a"], all=True)
    assert tea.tags_of("dashboard", rid) == {}
    tea.untag("dashboard", rid, ["never"])  # absent keys are fine
    tea.untag("dashboard", rid, all=True)   # and so is untagging an untagged resource


# ------------------------------------------------------------------------------------ rules

def tag_count(tea, kind, rid):
    return len(tea.tags_of(kind, rid))


@pytest.mark.parametrize("flavour", ["lc_v1", "tea_v1"])
def test_tag_key_and_value_rules(account, monkeypatch, tea, world, flavour):
    api = account.sls(flavour, monkeypatch)
    rid = world.rid("logstore")
    tea.tag("logstore", rid, {"keep": "me"})
    bad = [
        {"": "v"}, {"k" * 129: "v"}, {"aliyun": "v"}, {"aliyunkey": "v"}, {"acs:x": "v"},
        {"a http://x": "v"}, {"https://x": "v"}, {"k": "v" * 129}, {"k": "see http://x"}, {"k": "https://x"},
        {"fine": "ok", "acs:bad": "v"},
    ]
    for tags in bad:
        expect_sls_error(lambda: api.tag("logstore", rid, tags), 400, "ParameterInvalid")
    assert tea.tags_of("logstore", rid) == {"keep": "me"}, "a refused call changed the tags"
    good = {"k" * 128: "v" * 128, "empty": "", "Acs-like": "aliyun value", "x:y/z": "a b"}
    api.tag("logstore", rid, good)
    assert tea.tags_of("logstore", rid) == {"keep": "me", **good}


def test_twenty_tags_per_call_and_per_resource(tea, world):
    rid = world.rid("machinegroup")
    twenty_one = {f"k{i:02d}": str(i) for i in range(21)}
    expect_sls_error(lambda: tea.tag("machinegroup", rid, twenty_one), 400, "ParameterInvalid")
    assert tea.tags_of("machinegroup", rid) == {}
    twenty = {f"t{i:02d}": str(i) for i in range(20)}
    tea.tag("dashboard", world.rid("dashboard"), twenty)
    assert tea.tags_of("dashboard", world.rid("dashboard")) == twenty
    first = {f"k{i:02d}": "a" for i in range(15)}
    tea.tag("machinegroup", rid, first)
    six_new = {f"n{i}": "b" for i in range(6)}
    expect_sls_error(lambda: tea.tag("machinegroup", rid, six_new), 400, "ParameterInvalid")
    assert tea.tags_of("machinegroup", rid) == first, "all or nothing"
    # overwriting existing keys does not count twice: 15 + 5 new = 20
    mixed = {**{f"k{i:02d}": "z" for i in range(5)}, **{f"n{i}": "b" for i in range(5)}}
    tea.tag("machinegroup", rid, mixed)
    assert tag_count(tea, "machinegroup", rid) == 20
    expect_sls_error(lambda: tea.tag("machinegroup", rid, {"one-more": "x"}), 400, "ParameterInvalid")
    tea.tag("machinegroup", rid, {"k00": "again"})  # overwrite at the limit is fine
    tags = tea.tags_of("machinegroup", rid)
    assert len(tags) == 20 and tags["k00"] == "again" and tags["k05"] == "a"


def test_duplicate_keys_in_one_call(tea, world, raw):
    rid = world.rid("project")
    expect_sls_error(lambda: tea.tag("project", rid, [("dup", "1"), ("dup", "2")]), 400, "ParameterInvalid")
    r = raw.request("POST", "/tag", project=world.p, body={"resourceType": "project", "resourceId": [rid],
                                                          "tags": [{"key": "d", "value": "1"}, {"key": "d", "value": "1"}]})
    assert_sls_error(r, 400, "ParameterInvalid")
    assert tea.tags_of("project", rid) == {}


def test_one_resource_per_call(tea, raw):
    w = World(tea, n=2)
    for path, body in [
        ("/tag", {"resourceType": "logstore", "resourceId": [w.rid("logstore", 0), w.rid("logstore", 1)],
                  "tags": [{"key": "k", "value": "v"}]}),
        ("/untag", {"resourceType": "logstore", "resourceId": [w.rid("logstore", 0), w.rid("logstore", 1)], "all": True}),
        ("/tag", {"resourceType": "logstore", "resourceId": [], "tags": [{"key": "k", "value": "v"}]}),
    ]:
        assert_sls_error(raw.request("POST", path, project=w.p, body=body), 400, "ParameterInvalid")
    assert tea.tags_of("logstore", w.rid("logstore", 0)) == {}


def test_resource_type_and_id_rules(tea, world, raw):
    p = world.p
    cases = [
        {"resourceType": "bucket", "resourceId": [p]},
        {"resourceType": "", "resourceId": [p]},
        {"resourceType": "project", "resourceId": [f"{p}#store0"]},  # a project id has no '#'
        {"resourceType": "logstore", "resourceId": [p]},            # a logstore id needs 'project#name'
        {"resourceType": "logstore", "resourceId": [f"{p}#"]},
        {"resourceType": "project", "resourceId": [5]},
    ]
    for c in cases:
        r = raw.request("POST", "/tag", project=p, body={**c, "tags": [{"key": "k", "value": "v"}]})
        assert_sls_error(r, 400, "ParameterInvalid")
    assert tea.tags_of("project", p) == {} and tea.tags_of("logstore", world.rid("logstore")) == {}
    for body in (b"not json", b"[]"):
        assert_sls_error(raw.request("POST", "/tag", project=p, body=body), 400, "PostBodyInvalid")
        assert_sls_error(raw.request("POST", "/untag", project=p, body=body), 400, "PostBodyInvalid")
    # ListTagResources requires resourceType; unknown types and bad JSON in the query are refused
    assert_sls_error(raw.request("GET", "/tags", query={"resourceId": f'["{p}"]'}), 400, "ParameterInvalid")
    assert_sls_error(raw.request("GET", "/tags", query={"resourceType": "bucket", "resourceId": f'["{p}"]'}),
                     400, "ParameterInvalid")
    assert_sls_error(raw.request("GET", "/tags", query={"resourceType": "project", "resourceId": "[oops"}),
                     400, "ParameterInvalid")
    assert_sls_error(raw.request("GET", "/tags", query={"resourceType": "project", "tags": "{"}), 400, "ParameterInvalid")


@pytest.mark.parametrize("kind", list(SPELLINGS))
def test_missing_targets(tea, world, kind):
    rid = f"{world.p}#nothere" if kind != "project" else sls_name("ghost")
    err = NOT_EXIST[kind]
    expect_sls_error(lambda: tea.tag(kind, rid, {"k": "v"}), 404, err)
    expect_sls_error(lambda: tea.untag(kind, rid, ["k"]), 404, err)
    if kind != "project":
        ghost = sls_name("ghost")
        expect_sls_error(lambda: tea.tag(kind, f"{ghost}#x1", {"k": "v"}), 404, "ProjectNotExist")


# ------------------------------------------------------------------------------------ listing

@pytest.mark.parametrize("flavour", SLS_FLAVOURS)
def test_list_filters_by_tags_and_resource(account, monkeypatch, tea, flavour):
    api = account.sls(flavour, monkeypatch)
    w = World(tea, n=3)
    r0, r1, r2 = (w.rid("logstore", i) for i in range(3))
    tea.tag("logstore", r0, {"env": "dev", "team": "a"})
    tea.tag("logstore", r1, {"env": "dev", "team": "b"})
    tea.tag("logstore", r2, {"env": "prod", "team": "a"})
    tea.tag("dashboard", w.rid("dashboard", 0), {"env": "dev"})

    assert {r["resourceId"] for r in api.list_tags("logstore", tags={"env": "dev"})} == {r0, r1}
    assert {r["resourceId"] for r in api.list_tags("logstore", tags={"env": "dev", "team": "a"})} == {r0}
    assert {r["resourceId"] for r in api.list_tags("logstore", tags={"team": "a"})} == {r0, r2}
    assert api.list_tags("logstore", tags={"env": "dev", "team": "c"}) == []
    assert api.list_tags("logstore", tags={"env": "Dev"}) == [], "filters match values exactly"
    assert {r["resourceId"] for r in api.list_tags("logstore", r1, tags={"env": "dev"})} == {r1}
    assert api.list_tags("logstore", r2, tags={"env": "dev"}) == []
    # one row per (resource, tag) pair; resourceType echoed as spelled
    rows = api.list_tags("logstore", r0)
    assert row_set(rows) == {("logstore", r0, "env", "dev"), ("logstore", r0, "team", "a")}
    dash = api.list_tags("dashboard", tags={"env": "dev"})
    assert {r["resourceId"] for r in dash} == {w.rid("dashboard", 0)}


def test_list_everything_of_a_type(account, other_account, monkeypatch, tea):
    """LogClient list_tag_resources(type, None): only `tags=[]` -> every tagged resource of that
    type of the caller (never another account's, never untagged ones)."""
    w = World(tea, n=2)
    tea.tag("machine_group", w.rid("machinegroup", 0), {"m": "0"})
    tea.tag("logstore", w.rid("logstore", 0), {"l": "0"})
    theirs = World(other_account.sls("tea_v1"))
    theirs.tea.tag("machinegroup", theirs.rid("machinegroup"), {"m": "x"})
    lc = account.sls("lc_v1", monkeypatch)
    rows = lc.list_tags("machine_group", None)
    assert row_set(rows) == {("machine_group", w.rid("machinegroup", 0), "m", "0")}
    rows = tea.list_tags("MachineGroup")
    assert row_set(rows) == {("MachineGroup", w.rid("machinegroup", 0), "m", "0")}


def test_list_pages_of_one_hundred(account, monkeypatch, tea, raw):
    w = World(tea, n=0)
    for i in range(6):
        tea.create_logstore(w.p, f"s{i}", ttl=1, shard_count=1)
        tea.tag("logstore", f"{w.p}#s{i}", {f"k{j:02d}": f"{i}-{j}" for j in range(20)})
    first = assert_sls_json_ok(raw.request("GET", "/tags", query={"resourceType": "logstore", "tags": "[]", "nextToken": ""}))
    assert len(first["tagResources"]) == 100 and isinstance(first["nextToken"], str) and first["nextToken"]
    second = assert_sls_json_ok(raw.request("GET", "/tags", query={"resourceType": "logstore", "tags": "[]",
                                                                    "nextToken": first["nextToken"]}))
    assert len(second["tagResources"]) == 20 and second["nextToken"] == ""
    rows = row_set(first["tagResources"]) | row_set(second["tagResources"])
    assert len(rows) == 120
    lc = account.sls("lc_v4", monkeypatch)
    assert row_set(lc.list_tags("logstore")) == rows
    assert [len(p.get_tags()) for p in lc.last_pages] == [100, 20]


def test_list_with_nothing_tagged(account, monkeypatch, tea, world):
    lc = account.sls("lc_v1", monkeypatch)
    assert lc.list_tags("project", world.p) == []
    assert lc.list_tags("dashboard") == []
    assert tea.list_tags("logtailconfig", tags={"a": "b"}) == []


def test_other_account_cannot_tag_or_see(account, other_account, monkeypatch, tea, world):
    tea.tag("project", world.p, {"secret": "1"})
    them = other_account.sls("lc_v1", monkeypatch)
    msg = "The project does not belong to you."
    expect_sls_error(lambda: them.tag("project", world.p, {"k": "v"}), 401, "Unauthorized", msg)
    expect_sls_error(lambda: them.untag("project", world.p, ["secret"]), 401, "Unauthorized", msg)
    expect_sls_error(lambda: them.tag("logstore", world.rid("logstore"), {"k": "v"}), 401, "Unauthorized", msg)
    assert them.list_tags("project", tags={"secret": "1"}) == []
    assert them.list_tags("project") == []
    expect_sls_error(lambda: them.list_tags("project", world.p), 401, "Unauthorized", msg)
    expect_sls_error(lambda: them.list_tags("logstore", world.rid("logstore")), 401, "Unauthorized", msg)
    # their Host naming my project never leaks my tags
    r = other_account.sls_signer().request("GET", "/tags", project=world.p, query={"resourceType": "project", "tags": "[]"})
    if r.status == 200:
        assert assert_sls_json_ok(r)["tagResources"] == []
    else:
        assert_sls_error(r, 401, "Unauthorized")
    assert tea.tags_of("project", world.p) == {"secret": "1"}


def test_lengths_count_characters_not_bytes(tea, world):
    rid = world.rid("project")
    tea.tag("project", rid, {"键" * 128: "值" * 128})
    assert tea.tags_of("project", rid) == {"键" * 128: "值" * 128}
    expect_sls_error(lambda: tea.tag("project", rid, {"键" * 129: "v"}), 400, "ParameterInvalid")
    expect_sls_error(lambda: tea.tag("project", rid, {"k": "值" * 129}), 400, "ParameterInvalid")
    assert len(tea.tags_of("project", rid)) == 1


def test_logclient_project_tag_helpers(account, monkeypatch, tea, world):
    """LogClient.tag_project / untag_project / get_project_tags (project-only conveniences)."""
    lc = account.sls("lc_v4", monkeypatch).client
    lc.tag_project(world.p, env="dev", team="core")
    pages = list(lc.get_project_tags(world.p))
    assert pages[-1].next_token == "" and pages[0].get_tags() == {"env": "dev", "team": "core"}
    assert list(lc.get_project_tags(world.p, env="dev"))[0].get_tags().get("env") == "dev"
    assert list(lc.get_project_tags(world.p, env="prod"))[0].get_tags() == {}
    lc.untag_project(world.p, "team")
    assert tea.tags_of("project", world.p) == {"env": "dev"}


def test_tea_lists_several_resource_ids(tea):
    w = World(tea, n=3)
    for i in range(3):
        tea.tag("logstore", w.rid("logstore", i), {"i": str(i)})
    req = tea._m("ListTagResourcesRequest", {"resourceType": "logstore",
                                              "resourceId": [w.rid("logstore", 0), w.rid("logstore", 2)]})
    body = tea._tea_body(tea._tea(lambda: tea.client.list_tag_resources(req)))
    assert row_set(body["tagResources"]) == {("logstore", w.rid("logstore", 0), "i", "0"),
                                             ("logstore", w.rid("logstore", 2), "i", "2")}
    assert body["nextToken"] == ""
