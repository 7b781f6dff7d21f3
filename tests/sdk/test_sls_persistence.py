"""SLS state survives restarts: projects (per account and region), logstores, dashboards, machine
groups, Logtail configs and their tags, after SIGTERM and after SIGKILL on the same store."""
from __future__ import annotations

import signal

import pytest

from helpers import SlsApi, create_account, expect_sls_error, sls_name


def _creds(srv):
    return {"account_id": srv.account_id, "ak": srv.root_ak, "secret": srv.root_secret}


def _tea(srv, **kw) -> SlsApi:
    root = srv.root()
    return SlsApi("tea_v1", srv.port, root.ak, root.secret, **kw)


def _populate(srv, monkeypatch):
    tea = _tea(srv)
    lc = SlsApi("lc_v4", srv.port, srv.root_ak, srv.root_secret, monkeypatch=monkeypatch)
    st = {"p": sls_name("keep"), "gone": sls_name("gone"), "sh": sls_name("sh")}
    p = st["p"]
    lc.create_project(p, "durable")
    lc.update_project(p, "durable v2")
    tea.create_logstore(p, "store1", ttl=7, shard_count=2)
    lc.update_logstore(p, "store1", ttl=40)
    tea.create_logstore(p, "store2", ttl=1, shard_count=1)
    tea.delete_logstore(p, "store2")
    tea.create_dashboard(p, "dash1", "Dash")
    tea.update_dashboard(p, "dash1", "Dash v2", "kept")
    tea.create_machine_group(p, "mg-1", ["10.0.0.1"], topic="tp")
    tea.create_config(p, "cfg1", "store1", log_path="/var/log/keep")
    tea.tag("project", p, {"env": "prod", "drop": "x"})
    tea.untag("project", p, ["drop"])
    tea.tag("logstore", f"{p}#store1", {"tier": "hot"})
    tea.tag("dashboard", f"{p}#dash1", {"d": "1"})
    tea.tag("machinegroup", f"{p}#mg-1", {"m": "1"})
    tea.tag("logtailconfig", f"{p}#cfg1", {"c": "1"})
    tea.create_project(st["gone"], "deleted before the restart")
    tea.tag("project", st["gone"], {"x": "y"})
    tea.delete_project(st["gone"])
    sh = _tea(srv, endpoint="cn-shanghai.log.aliyuncs.com", region=None)
    sh.create_project(st["sh"], "shanghai")
    other = create_account(srv.store, srv.port)
    st["other"] = (other.account_id, other.ak, other.secret, sls_name("oth"))
    SlsApi("tea_v1", srv.port, other.ak, other.secret).create_project(st["other"][3], "theirs")
    return st


def _verify(srv, st, monkeypatch):
    tea = _tea(srv)
    lc = SlsApi("lc_v1", srv.port, srv.root_ak, srv.root_secret, monkeypatch=monkeypatch)
    p = st["p"]
    got = lc.get_project(p)
    assert (got["description"], got["region"], got["owner"]) == ("durable v2", "cn-hangzhou", srv.account_id)
    ls = tea.get_logstore(p, "store1")
    assert (ls["ttl"], ls["shardCount"]) == (40, 2)
    assert lc.list_logstores(p)["names"] == ["store1"]
    d = tea.get_dashboard(p, "dash1")
    assert (d["displayName"], d.get("description")) == ("Dash v2", "kept")
    mg = lc.get_machine_group(p, "mg-1")
    assert mg["machineList"] == ["10.0.0.1"] and mg["groupAttribute"]["groupTopic"] == "tp"
    assert lc.get_config(p, "cfg1")["inputDetail"]["logPath"] == "/var/log/keep"
    assert tea.tags_of("project", p) == {"env": "prod"}
    assert tea.tags_of("logstore", f"{p}#store1") == {"tier": "hot"}
    assert tea.tags_of("dashboard", f"{p}#dash1") == {"d": "1"}
    assert tea.tags_of("MachineGroup", f"{p}#mg-1") == {"m": "1"}
    assert tea.tags_of("LogtailConfig", f"{p}#cfg1") == {"c": "1"}
    expect_sls_error(lambda: tea.get_project(st["gone"]), 404, "ProjectNotExist")
    assert tea.list_tags("project", tags={"x": "y"}) == []
    expect_sls_error(lambda: tea.get_project(st["sh"]), 404, "ProjectNotExist")
    assert _tea(srv, endpoint="cn-shanghai.log.aliyuncs.com", region=None).get_project(st["sh"])["region"] == "cn-shanghai"
    oid, oak, osecret, oproj = st["other"]
    other = SlsApi("tea_v1", srv.port, oak, osecret)
    assert other.get_project(oproj)["owner"] == oid
    expect_sls_error(lambda: tea.get_project(oproj), 401, "Unauthorized")
    assert oproj not in tea.list_projects(size=500)["names"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_sls_state_survives_restart(spawn_server, monkeypatch, sig):
    srv = spawn_server()
    st = _populate(srv, monkeypatch)
    rc = srv.stop(sig, grace=10.0)
    if sig == signal.SIGTERM:
        assert rc != -signal.SIGKILL, "the server did not stop within 10 s of SIGTERM"
    for var in ("HTTP_PROXY", "http_proxy"):  # the proxy variables point at the stopped server
        monkeypatch.delenv(var, raising=False)
    again = spawn_server(store=srv.store, creds=_creds(srv))
    _verify(again, st, monkeypatch)


def test_sls_writes_acknowledged_just_before_sigkill_survive(spawn_server):
    srv = spawn_server()
    tea = _tea(srv)
    p = sls_name("burst")
    tea.create_project(p, "burst")
    names = [f"s{i:02d}" for i in range(15)]
    for n in names:
        tea.create_logstore(p, n, ttl=3, shard_count=1)
    tea.tag("logstore", f"{p}#{names[-1]}", {"last": "write"})
    srv.stop(signal.SIGKILL)  # immediately after the last acknowledged write
    again = spawn_server(store=srv.store, creds=_creds(srv))
    t2 = _tea(again)
    assert t2.list_logstores(p)["names"] == names
    assert t2.tags_of("logstore", f"{p}#{names[-1]}") == {"last": "write"}
