"""SLS control plane: projects, logstores, dashboards, machine groups and Logtail configs through
both official SDKs (LogClient v1/v4 through the proxy variable, Tea v1/v4 with http_proxy), with the
fields the SDKs parse (sls.md 6), the name rules, paging, duplicates, cascades and account scoping."""
from __future__ import annotations

import secrets

import pytest

from helpers import (SLS_FLAVOURS, SlsApi, assert_sls_empty_ok, assert_sls_error, assert_sls_headers,
                     assert_sls_json_ok, expect_sls_error, sls_name)


@pytest.fixture(params=SLS_FLAVOURS)
def api(request, account, monkeypatch) -> SlsApi:
    return account.sls(request.param, monkeypatch)


@pytest.fixture
def tea(account) -> SlsApi:
    return account.sls("tea_v1")


@pytest.fixture
def raw(account):
    return account.sls_signer()


@pytest.fixture
def project(tea) -> str:
    name = sls_name()
    tea.create_project(name, "fixture project")
    return name


def token() -> str:
    return secrets.token_hex(3)


# ------------------------------------------------------------------------------------ projects

def test_project_lifecycle(api, account):
    name = sls_name()
    assert api.create_project(name, "desc one") is None
    assert_sls_headers(api.last_headers)
    got = api.get_project(name)
    assert got["projectName"] == name
    assert got["description"] == "desc one"
    assert got["status"] == "Normal"
    assert got["region"] == "cn-hangzhou"
    assert got["owner"] == account.account_id
    assert isinstance(got["createTime"], str) and got["createTime"]
    assert isinstance(got["lastModifyTime"], str) and got["lastModifyTime"]
    assert_sls_headers(api.last_headers)

    api.update_project(name, "desc two")
    assert api.get_project(name)["description"] == "desc two"

    listed = api.list_projects(name=name)
    assert (listed["count"], listed["total"], listed["names"]) == (1, 1, [name])
    assert listed["projects"][0]["description"] == "desc two"
    assert listed["projects"][0]["region"] == "cn-hangzhou"

    api.delete_project(name)
    expect_sls_error(lambda: api.get_project(name), 404, "ProjectNotExist")
    assert api.list_projects(name=name)["total"] == 0
    expect_sls_error(lambda: api.delete_project(name), 404, "ProjectNotExist")
    expect_sls_error(lambda: api.update_project(name, "x"), 404, "ProjectNotExist")


@pytest.mark.parametrize("flavour", ["lc_v1", "tea_v1"])
def test_project_list_paging_and_filters(account, monkeypatch, flavour):
    api = account.sls(flavour, monkeypatch)
    t = token()
    names = sorted(f"pg{t}-{i}-{secrets.token_hex(2)}" for i in range(5))
    for n in reversed(names):
        api.create_project(n, f"d{n}")
    everything = api.list_projects(size=500)
    assert everything["names"] == sorted(everything["names"]), "ListProject is sorted by name"
    assert set(names) <= set(everything["names"])
    assert everything["count"] == len(everything["names"]) == everything["total"]

    pages = [api.list_projects(offset=o, size=2, name=f"pg{t}") for o in (0, 2, 4, 6)]
    assert [(p["count"], p["total"]) for p in pages] == [(2, 5), (2, 5), (1, 5), (0, 5)]
    assert sum((p["names"] for p in pages), []) == names
    # substring match, not prefix
    one = api.list_projects(name=names[3][len(f"pg{t}"):])
    assert one["names"] == [names[3]] and (one["count"], one["total"]) == (1, 1)
    assert api.list_projects(name=f"zz{t}")["names"] == []


def test_list_size_limit_is_500(tea, project, raw):
    assert tea.list_projects(size=500)["count"] >= 1
    expect_sls_error(lambda: tea.list_projects(size=501), 400, "ParameterInvalid")
    expect_sls_error(lambda: tea.list_logstores(project, size=501), 400, "ParameterInvalid")
    expect_sls_error(lambda: tea.list_dashboards(project, size=501), 400, "ParameterInvalid")
    expect_sls_error(lambda: tea.list_machine_groups(project, size=501), 400, "ParameterInvalid")
    expect_sls_error(lambda: tea.list_configs(project, size=501), 400, "ParameterInvalid")
    for bad in ("-1", "abc"):
        assert_sls_error(raw.request("GET", "/logstores", project=project, query={"offset": bad, "size": "10"}),
                         400, "ParameterInvalid")
        assert_sls_error(raw.request("GET", "/", query={"offset": "0", "size": bad}), 400, "ParameterInvalid")


BAD_PROJECT_NAMES = ["ab", "-abc", "abc-", "Abcd", "ab_cd", "a" * 64, "ab.cd", "ab cd", ""]


@pytest.mark.parametrize("bad", BAD_PROJECT_NAMES, ids=lambda s: s or "empty")
def test_project_name_rules(tea, bad):
    expect_sls_error(lambda: tea.create_project(bad, "x"), 400, "ParameterInvalid")


def test_project_name_boundaries_and_duplicates(api, other_account, monkeypatch):
    alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
    short = "".join(secrets.choice(alnum) for _ in range(3))  # freed again at the end (names are global)
    long = ("p" + secrets.token_hex(31))[:63]
    for n in (short, long, f"a-{secrets.token_hex(3)}-9"):
        api.create_project(n, "")
        assert api.get_project(n)["projectName"] == n
    expect_sls_error(lambda: api.create_project(long, "again"), 400, "ProjectAlreadyExist")
    assert api.get_project(long)["description"] == "", "a failed create changed the project"
    # names are unique per region across accounts
    other = other_account.sls("tea_v1")
    expect_sls_error(lambda: other.create_project(long, "mine"), 400, "ProjectAlreadyExist")
    assert long not in other.list_projects(size=500)["names"]
    api.delete_project(short)


def test_project_bad_bodies(raw, tea):
    name = sls_name()
    for body in (b"not json", b"[1, 2]", b'"str"'):
        assert_sls_error(raw.request("POST", "/", project=name, body=body), 400, "PostBodyInvalid")
    assert_sls_error(raw.request("POST", "/", body={"description": "no name"}), 400, "ParameterInvalid")
    assert_sls_error(raw.request("POST", "/", body={"projectName": 12, "description": ""}), 400, "ParameterInvalid")
    expect_sls_error(lambda: tea.get_project(name), 404, "ProjectNotExist")
    # Tea style: the name only in the body, no project in Host
    assert_sls_empty_ok(raw.request("POST", "/", body={"projectName": name, "description": "raw"}))
    assert tea.get_project(name)["description"] == "raw"
    assert_sls_error(raw.request("PUT", "/", project=name, body={"description": 5}), 400, "ParameterInvalid")
    assert_sls_error(raw.request("PUT", "/", project=name, body=b"[]"), 400, "PostBodyInvalid")
    assert tea.get_project(name)["description"] == "raw"


# ------------------------------------------------------------------------------------ logstores

def test_logstore_lifecycle(api, project, raw):
    assert api.create_logstore(project, "store1", ttl=7, shard_count=2) is None
    assert_sls_headers(api.last_headers)
    got = api.get_logstore(project, "store1")
    assert got["logstoreName"] == "store1"
    assert (got["ttl"], got["shardCount"]) == (7, 2)
    for k in ("enable_tracking", "appendMeta", "autoSplit", "maxSplitShard", "createTime", "lastModifyTime"):
        assert k in got, f"GetLogStore lacks {k}: {got}"
    assert isinstance(got["createTime"], int) and isinstance(got["lastModifyTime"], int)

    api.update_logstore(project, "store1", ttl=30)
    after = api.get_logstore(project, "store1")
    assert (after["ttl"], after["shardCount"]) == (30, 2)

    api.create_logstore(project, "store0", ttl=1, shard_count=1)
    listed = api.list_logstores(project)
    assert (listed["count"], listed["total"], listed["names"]) == (2, 2, ["store0", "store1"])

    api.delete_logstore(project, "store1")
    expect_sls_error(lambda: api.get_logstore(project, "store1"), 404, "LogStoreNotExist")
    expect_sls_error(lambda: api.delete_logstore(project, "store1"), 404, "LogStoreNotExist")
    expect_sls_error(lambda: api.update_logstore(project, "store1", ttl=5, shard_count=2), 404, "LogStoreNotExist")
    assert api.list_logstores(project)["names"] == ["store0"]


def test_logstore_raw_fields(raw, tea, project):
    tea.create_logstore(project, "typed", ttl=3650, shard_count=256)
    body = assert_sls_json_ok(raw.request("GET", "/logstores/typed", project=project))
    assert body["logstoreName"] == "typed"
    assert body["ttl"] == 3650 and body["shardCount"] == 256
    for k in ("enable_tracking", "appendMeta", "autoSplit"):
        assert isinstance(body[k], bool), (k, body)
    assert isinstance(body["maxSplitShard"], int)
    assert isinstance(body["createTime"], int) and isinstance(body["lastModifyTime"], int)
    listed = assert_sls_json_ok(raw.request("GET", "/logstores", project=project, query={"offset": "0", "size": "10"}))
    assert listed == {**listed, "count": 1, "total": 1, "logstores": ["typed"]}


@pytest.mark.parametrize("name,ttl,shards", [
    ("a", 7, 1), ("-ab", 7, 1), ("ab-", 7, 1), ("_ab", 7, 1), ("Ab", 7, 1), ("a.b", 7, 1), ("a" * 64, 7, 1),
    ("okname", 0, 1), ("okname", 3651, 1), ("okname", 7, 0), ("okname", 7, 257),
], ids=lambda v: str(v)[:12])
def test_logstore_rules(tea, project, name, ttl, shards):
    expect_sls_error(lambda: tea.create_logstore(project, name, ttl=ttl, shard_count=shards), 400, "ParameterInvalid")
    assert tea.list_logstores(project)["total"] == 0, "a failed create left something"


def test_logstore_boundaries_duplicates_and_missing_project(api, project):
    for name in ("ab", "a_b-c", "9" * 63):
        api.create_logstore(project, name, ttl=1 if name == "ab" else 3650, shard_count=1)
    assert api.list_logstores(project)["total"] == 3
    expect_sls_error(lambda: api.create_logstore(project, "ab", ttl=9, shard_count=1), 400, "LogStoreAlreadyExist")
    assert api.get_logstore(project, "ab")["ttl"] == 1
    ghost = sls_name("ghost")
    expect_sls_error(lambda: api.create_logstore(ghost, "s1"), 404, "ProjectNotExist")
    expect_sls_error(lambda: api.get_logstore(ghost, "s1"), 404, "ProjectNotExist")
    expect_sls_error(lambda: api.list_logstores(ghost), 404, "ProjectNotExist")


def test_logstore_update_rules(tea, raw, project):
    tea.create_logstore(project, "s1", ttl=7, shard_count=2)
    for ttl in (0, 3651):
        expect_sls_error(lambda: tea.update_logstore(project, "s1", ttl=ttl, shard_count=2), 400, "ParameterInvalid")
    assert tea.get_logstore(project, "s1")["ttl"] == 7
    # body name differs from the path
    r = raw.request("PUT", "/logstores/s1", project=project, body={"logstoreName": "s2", "ttl": 9, "shardCount": 2})
    assert_sls_error(r, 400, "ParameterInvalid")
    assert_sls_error(raw.request("POST", "/logstores", project=project, body=b"{bad"), 400, "PostBodyInvalid")
    assert tea.get_logstore(project, "s1")["ttl"] == 7
    assert tea.list_logstores(project)["names"] == ["s1"]


@pytest.mark.parametrize("flavour", ["lc_v4", "tea_v4"])
def test_logstore_paging_and_filter(account, monkeypatch, flavour, project):
    api = account.sls(flavour, monkeypatch)
    names = ["app-a", "app-b", "db-a", "web-app", "zz"]
    for n in reversed(names):
        api.create_logstore(project, n, ttl=3, shard_count=1)
    pages = [api.list_logstores(project, offset=o, size=2) for o in (0, 2, 4, 5)]
    assert [(p["count"], p["total"]) for p in pages] == [(2, 5), (2, 5), (1, 5), (0, 5)]
    assert sum((p["names"] for p in pages), []) == names
    app = api.list_logstores(project, name="app")
    assert (app["names"], app["count"], app["total"]) == (["app-a", "app-b", "web-app"], 3, 3)
    assert api.list_logstores(project, name="app", offset=1, size=1)["names"] == ["app-b"]


# ------------------------------------------------------------------------------------ dashboards

def test_dashboard_lifecycle(api, project):
    assert api.create_dashboard(project, "dash1", "Dash One", "first") is None
    assert_sls_headers(api.last_headers)
    got = api.get_dashboard(project, "dash1")
    assert got["dashboardName"] == "dash1"
    assert got["displayName"] == "Dash One"
    assert got.get("description") == "first"
    assert got.get("charts") == []

    api.update_dashboard(project, "dash1", "Dash Renamed", "second")
    got = api.get_dashboard(project, "dash1")
    assert (got["displayName"], got.get("description")) == ("Dash Renamed", "second")

    api.create_dashboard(project, "dash0", "Zero")
    listed = api.list_dashboards(project)
    assert listed["names"] == ["dash0", "dash1"]
    if api.kind == "lc":
        assert (listed["count"], listed["total"]) == (2, 2)
    else:
        assert [(i["dashboardName"], i["displayName"]) for i in listed["items"]] == [("dash0", "Zero"), ("dash1", "Dash Renamed")]

    api.delete_dashboard(project, "dash1")
    expect_sls_error(lambda: api.get_dashboard(project, "dash1"), 404, "DashboardNotExist")
    expect_sls_error(lambda: api.delete_dashboard(project, "dash1"), 404, "DashboardNotExist")
    expect_sls_error(lambda: api.update_dashboard(project, "dash1", "x"), 404, "DashboardNotExist")
    assert api.list_dashboards(project)["names"] == ["dash0"]


def test_dashboard_rules_paging_and_filter(tea, raw, project):
    for bad in ("Dash", "-d", "d-", "d", "d.x", "d" * 129):
        expect_sls_error(lambda: tea.create_dashboard(project, bad, "x"), 400, "ParameterInvalid")
    for good in ("d1", "d_2-x", "e" * 128):
        tea.create_dashboard(project, good, good.upper())
    expect_sls_error(lambda: tea.create_dashboard(project, "d1", "again"), 400, "DashboardAlreadyExist")
    assert tea.get_dashboard(project, "d1")["displayName"] == "D1"
    body = assert_sls_json_ok(raw.request("GET", "/dashboards", project=project, query={"offset": "1", "size": "1"}))
    assert (body["count"], body["total"], body["dashboards"]) == (1, 3, ["d_2-x"])
    assert [i["dashboardName"] for i in body["dashboardItems"]] == ["d_2-x"]
    assert tea.list_dashboards(project, name="_2")["names"] == ["d_2-x"]
    expect_sls_error(lambda: tea.get_dashboard(sls_name("ghost"), "d1"), 404, "ProjectNotExist")


# ------------------------------------------------------------------------------------ machine groups

def test_machine_group_lifecycle(api, project):
    assert api.create_machine_group(project, "mg-1", ["10.0.0.1", "10.0.0.2"], topic="tp") is None
    assert_sls_headers(api.last_headers)
    got = api.get_machine_group(project, "mg-1")
    assert got["groupName"] == "mg-1"
    assert got["machineIdentifyType"] == "ip"
    assert got["machineList"] == ["10.0.0.1", "10.0.0.2"]
    assert (got.get("groupAttribute") or {}).get("groupTopic") == "tp"
    if api.kind == "lc":  # the Tea MachineGroup model has no time fields (raw check: test_config_raw_fields)
        assert isinstance(got.get("createTime"), int) and isinstance(got.get("lastModifyTime"), int)

    api.update_machine_group(project, "mg-1", ["10.0.0.9"], topic="tp2")
    got = api.get_machine_group(project, "mg-1")
    assert got["machineList"] == ["10.0.0.9"]
    assert (got.get("groupAttribute") or {}).get("groupTopic") == "tp2"

    api.create_machine_group(project, "mg-0", ["10.1.1.1"])
    listed = api.list_machine_groups(project)
    assert (listed["count"], listed["total"], listed["names"]) == (2, 2, ["mg-0", "mg-1"])
    assert api.list_machine_groups(project, offset=1, size=1)["names"] == ["mg-1"]

    api.delete_machine_group(project, "mg-1")
    expect_sls_error(lambda: api.get_machine_group(project, "mg-1"), 404, "MachineGroupNotExist")
    expect_sls_error(lambda: api.delete_machine_group(project, "mg-1"), 404, "MachineGroupNotExist")
    expect_sls_error(lambda: api.update_machine_group(project, "mg-1", ["1.1.1.1"]), 404, "MachineGroupNotExist")
    assert api.list_machine_groups(project)["names"] == ["mg-0"]


def test_machine_group_rules(tea, raw, project):
    for bad in ("ab", "-abc", "abc-", "Abc", "a.bc", "a" * 129):
        expect_sls_error(lambda: tea.create_machine_group(project, bad, ["10.0.0.1"]), 400, "ParameterInvalid")
    for good in ("abc", "a_b-c", "m" * 128):
        tea.create_machine_group(project, good, ["10.0.0.1"])
    expect_sls_error(lambda: tea.create_machine_group(project, "abc", ["10.0.0.2"]), 400, "MachineGroupAlreadyExist")
    assert tea.get_machine_group(project, "abc")["machineList"] == ["10.0.0.1"]
    # invalid JSON shape of the group -> InvalidParameter (sls.md 5.2)
    r = raw.request("POST", "/machinegroups", project=project,
                    body={"groupName": "shape", "machineIdentifyType": "ip", "machineList": "10.0.0.1"})
    assert_sls_error(r, 400, "InvalidParameter")
    expect_sls_error(lambda: tea.get_machine_group(project, "shape"), 404, "MachineGroupNotExist")
    assert tea.list_machine_groups(project, name="_b")["names"] == ["a_b-c"]
    assert tea.list_machine_groups(project)["total"] == 3


# ------------------------------------------------------------------------------------ Logtail configs

def test_config_lifecycle(api, project, tea):
    tea.create_logstore(project, "store1", ttl=7, shard_count=1)
    tea.create_logstore(project, "store2", ttl=7, shard_count=1)
    assert api.create_config(project, "cfg1", "store1", log_path="/var/log/a") is None
    assert_sls_headers(api.last_headers)
    got = api.get_config(project, "cfg1")
    assert got["configName"] == "cfg1"
    assert got["inputType"] == "file"
    assert got["inputDetail"]["logType"] == "common_reg_log"
    assert got["inputDetail"]["logPath"] == "/var/log/a"
    assert got["inputDetail"]["filePattern"] == "*.log"
    assert got["outputType"] == "LogService"
    assert got["outputDetail"]["logstoreName"] == "store1"
    assert isinstance(got.get("createTime"), int) and isinstance(got.get("lastModifyTime"), int)

    api.update_config(project, "cfg1", "store1", log_path="/srv/logs")
    assert api.get_config(project, "cfg1")["inputDetail"]["logPath"] == "/srv/logs"

    api.create_config(project, "cfg0", "store2")
    listed = api.list_configs(project)
    assert (listed["count"], listed["total"], listed["names"]) == (2, 2, ["cfg0", "cfg1"])
    assert api.list_configs(project, logstore="store2")["names"] == ["cfg0"]
    assert api.list_configs(project, name="g1")["names"] == ["cfg1"]
    assert api.list_configs(project, offset=1, size=5)["names"] == ["cfg1"]

    api.delete_config(project, "cfg1")
    expect_sls_error(lambda: api.get_config(project, "cfg1"), 404, "ConfigNotExist")
    expect_sls_error(lambda: api.delete_config(project, "cfg1"), 404, "ConfigNotExist")
    assert api.list_configs(project)["names"] == ["cfg0"]


def test_config_rules(tea, raw, project):
    tea.create_logstore(project, "store1", ttl=7, shard_count=1)
    for bad in ("c", "-cf", "cf-", "Cfg", "c.f", "c" * 129):
        expect_sls_error(lambda: tea.create_config(project, bad, "store1"), 400, "ParameterInvalid")
    for good in ("c1", "c_1-x", "k" * 128):
        tea.create_config(project, good, "store1")
    expect_sls_error(lambda: tea.create_config(project, "c1", "store1", log_path="/x"), 400, "ConfigAlreadyExist")
    assert tea.get_config(project, "c1")["inputDetail"]["logPath"] == "/var/log"
    # the output logstore must exist
    expect_sls_error(lambda: tea.create_config(project, "orphan", "nostore"), 404, "LogStoreNotExist")
    expect_sls_error(lambda: tea.get_config(project, "orphan"), 404, "ConfigNotExist")
    expect_sls_error(lambda: tea.update_config(project, "c1", "nostore", "/y"), 404, "LogStoreNotExist")
    assert tea.get_config(project, "c1")["outputDetail"]["logstoreName"] == "store1"
    # invalid JSON shape -> InvalidParameter (sls.md 5.2)
    shape = SlsApi.config_body("shape", "store1")
    shape["inputDetail"] = "not an object"
    assert_sls_error(raw.request("POST", "/configs", project=project, body=shape), 400, "InvalidParameter")
    expect_sls_error(lambda: tea.update_config(project, "nope", "store1", "/z"), 404, "ConfigNotExist")
    assert tea.list_configs(project)["total"] == 3


def test_config_raw_fields(tea, raw, project):
    tea.create_logstore(project, "store1", ttl=7, shard_count=1)
    tea.create_config(project, "cfg1", "store1")
    body = assert_sls_json_ok(raw.request("GET", "/configs/cfg1", project=project))
    sent = SlsApi.config_body("cfg1", "store1")
    for k in ("configName", "inputType", "outputType"):
        assert body[k] == sent[k]
    assert body["inputDetail"] == {**sent["inputDetail"], **body["inputDetail"]}
    assert body["outputDetail"]["logstoreName"] == "store1"
    assert isinstance(body["createTime"], int) and isinstance(body["lastModifyTime"], int)
    mg = tea.create_machine_group(project, "mg1", ["10.0.0.1"])
    body = assert_sls_json_ok(raw.request("GET", "/machinegroups/mg1", project=project))
    assert isinstance(body["createTime"], int) and isinstance(body["lastModifyTime"], int)
    assert mg is None


# ------------------------------------------------------------------------------------ conventions

def test_success_response_conventions(raw, tea):
    name = sls_name()
    assert_sls_empty_ok(raw.request("POST", "/", project=name, body={"projectName": name, "description": "d"}))
    body = assert_sls_json_ok(raw.request("GET", "/", project=name))
    assert body["projectName"] == name and isinstance(body["createTime"], str)
    assert_sls_empty_ok(raw.request("PUT", "/", project=name, body={"description": "e"}))
    assert_sls_empty_ok(raw.request("POST", "/logstores", project=name,
                                    body={"logstoreName": "s1", "ttl": 7, "shardCount": 1}))
    assert_sls_empty_ok(raw.request("PUT", "/logstores/s1", project=name,
                                    body={"logstoreName": "s1", "ttl": 8, "shardCount": 1}))
    listed = assert_sls_json_ok(raw.request("GET", "/", query={"projectName": name, "offset": "0", "size": "5"}))
    assert (listed["count"], listed["total"], [p["projectName"] for p in listed["projects"]]) == (1, 1, [name])
    assert_sls_empty_ok(raw.request("DELETE", "/logstores/s1", project=name))
    assert_sls_empty_ok(raw.request("DELETE", "/", project=name))
    err = raw.request("GET", "/", project=name)
    assert_sls_error(err, 404, "ProjectNotExist")


def test_request_ids_are_unique(raw, project):
    ids = {raw.request("GET", "/logstores", project=project).headers.get("x-log-requestid") for _ in range(5)}
    assert len(ids) == 5


def test_project_must_be_given_and_create_takes_the_body_name(raw, tea):
    """sls.md 1.1: a sub-resource path, PUT / and DELETE / need a project in Host (nothing is
    created); CreateProject takes its name from the body and ignores a project in Host, as the real
    service does for aliyun-sdk's `Host: undefined.<endpoint>` (test_node_clients.py)."""
    assert_sls_error(raw.request("POST", "/logstores", body={"logstoreName": "s1", "ttl": 7, "shardCount": 1}),
                     400, "ParameterInvalid")
    assert_sls_error(raw.request("PUT", "/", body={"description": "x"}), 400, "ParameterInvalid")
    assert_sls_error(raw.request("DELETE", "/"), 400, "ParameterInvalid")
    a, b, c = sls_name("hosta"), sls_name("bodyb"), sls_name("bodyc")
    assert_sls_empty_ok(raw.request("POST", "/", project=a, body={"projectName": b, "description": "from b"}))
    assert tea.get_project(b)["description"] == "from b"
    expect_sls_error(lambda: tea.get_project(a), 404, "ProjectNotExist")
    assert_sls_empty_ok(raw.request("POST", "/", project="undefined", body={"projectName": c, "description": ""}))
    assert tea.get_project(c)["projectName"] == c
    expect_sls_error(lambda: tea.get_project("undefined"), 404, "ProjectNotExist")
    # Still refused without a name in the body, whatever the Host says.
    assert_sls_error(raw.request("POST", "/", project=a, body={"description": ""}), 400, "ParameterInvalid")
    expect_sls_error(lambda: tea.get_project(a), 404, "ProjectNotExist")


def test_writes_of_every_kind_answer_empty_200(raw, tea, project):
    def ok(method, path, body=None):
        assert_sls_empty_ok(raw.request(method, path, project=project, body=body))

    ok("POST", "/logstores", {"logstoreName": "s1", "ttl": 7, "shardCount": 1})
    ok("POST", "/dashboards", {"dashboardName": "d1", "displayName": "D", "charts": []})
    ok("PUT", "/dashboards/d1", {"dashboardName": "d1", "displayName": "D2", "charts": []})
    ok("POST", "/machinegroups", {"groupName": "mg1", "machineIdentifyType": "ip", "machineList": ["10.0.0.1"]})
    ok("PUT", "/machinegroups/mg1", {"groupName": "mg1", "machineIdentifyType": "userdefined", "machineList": ["id-1"]})
    ok("POST", "/configs", SlsApi.config_body("cfg1", "s1"))
    ok("PUT", "/configs/cfg1", SlsApi.config_body("cfg1", "s1", log_path="/other"))
    assert tea.get_dashboard(project, "d1")["displayName"] == "D2"
    assert tea.get_machine_group(project, "mg1")["machineIdentifyType"] == "userdefined"
    assert tea.get_config(project, "cfg1")["inputDetail"]["logPath"] == "/other"
    for path in ("/configs/cfg1", "/machinegroups/mg1", "/dashboards/d1", "/logstores/s1"):
        ok("DELETE", path)
    for lister in (tea.list_logstores, tea.list_machine_groups, tea.list_configs):
        assert lister(project)["names"] == []


def test_logclient_list_all_pages(account, monkeypatch, tea, project):
    """LogClient size=-1 pages through list_more with offset += count until total (needs count/total)."""
    lc = account.sls("lc_v1", monkeypatch)
    names = [f"s{i:02d}" for i in range(7)]
    for n in names:
        tea.create_logstore(project, n, ttl=1, shard_count=1)
    r = lc.client.list_logstore(project, size=-1)
    assert r.get_logstores() == names and r.get_total() == 7
    r = lc.client.list_project(size=-1, project_name_pattern=project)
    assert [p["projectName"] for p in r.get_projects()] == [project]


def test_tea_optional_query_parameters(account):
    tea = account.sls("tea_v4")
    p = sls_name("opt")
    tea.create_project(p, "opt")
    got = tea._tea_body(tea._tea(lambda: tea.client.get_project(p, tea.models.GetProjectRequest(cross_region=False))))
    assert got["projectName"] == p
    tea._tea(lambda: tea.client.delete_project(p, tea.models.DeleteProjectRequest(force_delete=True)))
    expect_sls_error(lambda: tea.get_project(p), 404, "ProjectNotExist")


# ------------------------------------------------------------------------------------ cascade, scope

def test_project_delete_cascades(account, monkeypatch, tea):
    lc = account.sls("lc_v1", monkeypatch)
    p = sls_name("cas")
    lc.create_project(p, "to be deleted")
    lc.create_logstore(p, "store1", ttl=7, shard_count=1)
    lc.create_dashboard(p, "dash1", "D")
    lc.create_machine_group(p, "mg-1", ["10.0.0.1"])
    lc.create_config(p, "cfg1", "store1")
    for rtype, rid in [("project", p), ("logstore", f"{p}#store1"), ("dashboard", f"{p}#dash1"),
                       ("machinegroup", f"{p}#mg-1"), ("logtailconfig", f"{p}#cfg1")]:
        tea.tag(rtype, rid, {"cascade": "yes"})
        assert tea.tags_of(rtype, rid) == {"cascade": "yes"}
    lc.delete_project(p)
    expect_sls_error(lambda: lc.get_project(p), 404, "ProjectNotExist")
    expect_sls_error(lambda: tea.get_logstore(p, "store1"), 404, "ProjectNotExist")
    for rtype in ("project", "logstore", "dashboard", "machinegroup", "logtailconfig"):
        rows = tea.list_tags(rtype, tags={"cascade": "yes"})
        assert [r for r in rows if r["resourceId"].split("#")[0] == p] == [], (rtype, rows)
    # a new project of the same name starts empty
    lc.create_project(p, "reborn")
    assert lc.list_logstores(p)["total"] == 0
    assert lc.list_dashboards(p)["total"] == 0
    assert lc.list_machine_groups(p)["total"] == 0
    assert lc.list_configs(p)["total"] == 0
    assert tea.tags_of("project", p) == {}
    assert lc.get_project(p)["description"] == "reborn"


def test_logstore_delete_keeps_siblings(tea, project):
    tea.create_logstore(project, "keep", ttl=7, shard_count=1)
    tea.create_logstore(project, "gone", ttl=7, shard_count=1)
    tea.create_dashboard(project, "dash", "D")
    tea.delete_logstore(project, "gone")
    assert tea.list_logstores(project)["names"] == ["keep"]
    assert tea.get_dashboard(project, "dash")["dashboardName"] == "dash"


@pytest.mark.parametrize("flavour", ["lc_v1", "tea_v4"])
def test_other_account_cannot_touch_project(account, other_account, monkeypatch, flavour):
    mine = account.sls("tea_v1")
    p = sls_name("own")
    mine.create_project(p, "private")
    mine.create_logstore(p, "s1", ttl=7, shard_count=1)
    them = other_account.sls(flavour, monkeypatch)
    msg = "The project does not belong to you."
    expect_sls_error(lambda: them.get_project(p), 401, "Unauthorized", msg)
    expect_sls_error(lambda: them.update_project(p, "hijack"), 401, "Unauthorized", msg)
    expect_sls_error(lambda: them.delete_project(p), 401, "Unauthorized", msg)
    expect_sls_error(lambda: them.list_logstores(p), 401, "Unauthorized", msg)
    expect_sls_error(lambda: them.get_logstore(p, "s1"), 401, "Unauthorized", msg)
    expect_sls_error(lambda: them.create_logstore(p, "s2"), 401, "Unauthorized", msg)
    expect_sls_error(lambda: them.delete_logstore(p, "s1"), 401, "Unauthorized", msg)
    expect_sls_error(lambda: them.create_dashboard(p, "d1", "D"), 401, "Unauthorized", msg)
    expect_sls_error(lambda: them.tag("project", p, {"k": "v"}), 401, "Unauthorized", msg)
    assert p not in them.list_projects(size=500)["names"]
    expect_sls_error(lambda: them.create_project(p, "mine now"), 400, "ProjectAlreadyExist")
    # nothing changed for the owner
    assert mine.get_project(p)["description"] == "private"
    assert mine.list_logstores(p)["names"] == ["s1"]
    assert mine.tags_of("project", p) == {}
