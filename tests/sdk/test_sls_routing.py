"""Reaching localyun's SLS from unmodified programs, every recipe of sls.md 8: LogClient on the bare
`127.0.0.1` with a server on port 80 (option A), LogClient on `127.0.0.1:PORT` through HTTP_PROXY
(option C), Tea with http_proxy, real endpoint names through the proxy (the region comes from the
name), absolute-form targets and the Host forms of sls.md 1.1. SLS shares the port with RPC."""
from __future__ import annotations

import os

import pytest

from helpers import (SlsApi, assert_sls_empty_ok, assert_sls_error, assert_sls_json_ok, enable_sls_proxy_env,
                     expect_sls_error, sls_name)


def exercise(api: SlsApi, region: str = "cn-hangzhou") -> str:
    """A project with a logstore, tagged, listed, untagged; returns the project name."""
    p = sls_name("rt")
    api.create_project(p, "routing")
    got = api.get_project(p)
    assert (got["projectName"], got["region"]) == (p, region)
    api.create_logstore(p, "store1", ttl=7, shard_count=1)
    assert api.get_logstore(p, "store1")["ttl"] == 7
    assert api.list_logstores(p)["names"] == ["store1"]
    api.tag("project", p, {"via": api.flavour})
    api.tag("logstore", f"{p}#store1", {"via": api.flavour})
    assert api.tags_of("project", p) == {"via": api.flavour}
    assert {r["resourceId"] for r in api.list_tags("logstore", tags={"via": api.flavour})} == {f"{p}#store1"}
    api.untag("logstore", f"{p}#store1", ["via"])
    assert api.tags_of("logstore", f"{p}#store1") == {}
    assert p in api.list_projects(name=p)["names"]
    return p


# ------------------------------------------------------------------------------- option A: port 80

@pytest.mark.parametrize("flavour", ["lc_v1", "lc_v4"])
def test_option_a_bare_ip_on_port_80(sls_port80, flavour):
    for var in ("HTTP_PROXY", "http_proxy"):
        assert var not in os.environ, "option A must work without a proxy variable"
    root = sls_port80.root()
    api = SlsApi(flavour, 80, root.ak, root.secret, endpoint="127.0.0.1")
    assert api.client._isRowIp, "LogClient should treat the bare 127.0.0.1 as a raw IP"
    p = exercise(api)
    api.delete_project(p)
    expect_sls_error(lambda: api.get_project(p), 404, "ProjectNotExist")


def test_option_a_account_isolation_on_port_80(sls_port80):
    from helpers import create_account

    other = create_account(sls_port80.store, 80)
    root = sls_port80.root()
    mine = SlsApi("lc_v1", 80, root.ak, root.secret, endpoint="127.0.0.1")
    theirs = SlsApi("lc_v1", 80, other.ak, other.secret, endpoint="127.0.0.1")
    p = sls_name("a80")
    mine.create_project(p, "mine")
    expect_sls_error(lambda: theirs.get_project(p), 401, "Unauthorized", "The project does not belong to you.")
    assert p not in theirs.list_projects(size=500)["names"]


# ------------------------------------------------------------------------------- option C: proxy

@pytest.mark.parametrize("flavour", ["lc_v1", "lc_v4"])
def test_option_c_logclient_through_http_proxy(account, monkeypatch, flavour):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # what a user might have; the recipe removes it
    api = account.sls(flavour, monkeypatch)
    assert "127.0.0.1" not in os.environ.get("NO_PROXY", "") + os.environ.get("no_proxy", "")
    assert os.environ["HTTP_PROXY"] == f"http://127.0.0.1:{account.port}"
    assert not api.client._isRowIp
    exercise(api)


@pytest.mark.parametrize("flavour", ["tea_v1", "tea_v4"])
def test_tea_with_http_proxy(account, flavour):
    exercise(account.sls(flavour))


@pytest.mark.parametrize("flavour", ["tea_v1", "tea_v4"])
def test_tea_without_proxy_project_less_calls_work(account, flavour):
    """sls.md 8.2: without http_proxy, CreateProject, ListProject and the tag calls (no project in
    Host) reach 127.0.0.1:PORT directly."""
    api = account.sls(flavour, tea_proxy=False)
    p = sls_name("np")
    api.create_project(p, "direct")
    assert api.list_projects(name=p)["names"] == [p]
    api.tag("project", p, {"direct": "yes"})
    assert api.tags_of("project", p) == {"direct": "yes"}
    api.untag("project", p, all=True)
    assert api.tags_of("project", p) == {}


# ------------------------------------------------------------------------------- real endpoint names

def test_real_endpoint_names_choose_the_region(account, monkeypatch):
    sh_lc = account.sls("lc_v1", monkeypatch, endpoint="cn-shanghai.log.aliyuncs.com")
    p = exercise(sh_lc, region="cn-shanghai")

    sh_lc4 = account.sls("lc_v4", monkeypatch, endpoint="cn-shanghai.log.aliyuncs.com", region="cn-shanghai")
    sh_tea = account.sls("tea_v1", endpoint="cn-shanghai.log.aliyuncs.com", region=None)
    sh_tea4 = account.sls("tea_v4", endpoint="cn-shanghai.log.aliyuncs.com", region=None)
    for api in (sh_lc4, sh_tea, sh_tea4):
        got = api.get_project(p)
        assert (got["region"], got["description"]) == ("cn-shanghai", "routing"), api
        assert api.list_logstores(p)["names"] == ["store1"]
        assert p in api.list_projects(name=p)["names"]
    sh_tea.create_dashboard(p, "dash1", "D")
    assert sh_lc.get_dashboard(p, "dash1")["displayName"] == "D"

    # not visible through a cn-hangzhou endpoint, in any form
    hz = [account.sls("lc_v1", monkeypatch), account.sls("tea_v4"),
          account.sls("lc_v1", monkeypatch, endpoint="cn-hangzhou.log.aliyuncs.com"),
          account.sls("tea_v1", endpoint="cn-hangzhou.log.aliyuncs.com", region=None)]
    for api in hz:
        expect_sls_error(lambda: api.get_project(p), 404, "ProjectNotExist")
        expect_sls_error(lambda: api.list_logstores(p), 404, "ProjectNotExist")
        assert p not in api.list_projects(name=p)["names"], api
        expect_sls_error(lambda: api.tag("project", p, {"k": "v"}), 404, "ProjectNotExist")
    assert sh_lc.tags_of("project", p) == {"via": "lc_v1"}

    # names are unique per region: the same name can exist in cn-hangzhou too
    hz[1].create_project(p, "hangzhou twin")
    assert hz[0].get_project(p)["region"] == "cn-hangzhou"
    assert hz[0].get_project(p)["description"] == "hangzhou twin"
    assert sh_tea.get_project(p)["description"] == "routing"
    hz[1].delete_project(p)
    assert sh_tea.get_project(p)["region"] == "cn-shanghai"


def test_region_of_raw_requests_with_real_names(account):
    s = account.sls_signer()
    p = sls_name("rr")
    r = s.request("POST", "/", host=f"{p}.cn-beijing.log.aliyuncs.com", absolute=True,
                  body={"projectName": p, "description": "bj"})
    assert_sls_empty_ok(r)
    body = assert_sls_json_ok(s.request("GET", "/", host=f"{p}.cn-beijing.log.aliyuncs.com", absolute=True))
    assert body["region"] == "cn-beijing"
    sbj = account.sls_signer(region="cn-beijing")
    body = assert_sls_json_ok(sbj.request("GET", "/", host=f"{p}.cn-beijing.log.aliyuncs.com", version="v4"))
    assert body["region"] == "cn-beijing"
    assert_sls_error(s.request("GET", "/", project=p), 404, "ProjectNotExist")


# ------------------------------------------------------------------------------- request targets, Host

def test_absolute_form_and_host_forms(account):
    s = account.sls_signer()
    p = sls_name("hf")
    account.sls("tea_v1").create_project(p, "hosts")
    port = account.port
    hosts = [f"{p}.127.0.0.1", f"{p}.127.0.0.1:{port}", f"{p}.localhost:{port}", f"{p}.localhost",
             f"{p}.cn-hangzhou.log.aliyuncs.com"]
    for host in hosts:
        for absolute in (False, True):
            for version in ("v1", "v4"):
                r = s.request("GET", "/", host=host, absolute=absolute, version=version)
                body = assert_sls_json_ok(r)
                assert body["projectName"] == p, (host, absolute, version)
    for host in ("127.0.0.1", f"127.0.0.1:{port}", "localhost", "cn-hangzhou.log.aliyuncs.com"):
        r = s.request("GET", "/", host=host, absolute=True, query={"projectName": p, "offset": "0", "size": "10"})
        body = assert_sls_json_ok(r)
        assert [x["projectName"] for x in body["projects"]] == [p], host
    # absolute-form POST with the signature over the path only
    r = s.request("POST", "/logstores", host=f"{p}.127.0.0.1:{port}", absolute=True, version="v4",
                  body={"logstoreName": "abs", "ttl": 7, "shardCount": 1})
    assert_sls_empty_ok(r)
    assert account.sls("tea_v1").list_logstores(p)["names"] == ["abs"]


def test_sls_and_rpc_share_the_port(account, monkeypatch):
    users_before = account.api().call("ListUsers")  # RPC (RAM) on the same port, before the proxy variables
    assert "Users" in users_before
    api = account.sls("lc_v1", monkeypatch)
    p = sls_name("port")
    api.create_project(p, "")
    assert api.get_project(p)["owner"] == account.account_id
    enable_sls_proxy_env(monkeypatch, account.port)
    raw_rpc = account.signer().v1("ListUsers")
    assert raw_rpc.status == 200, raw_rpc.text
