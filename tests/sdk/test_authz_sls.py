"""Authorization of SLS calls (sls.md 5.1, 7.7; policy.md 5) through aliyun-log-python-sdk
(LogClient on 127.0.0.1:PORT with the HTTP_PROXY recipe of sls.md 8.1 option C) and the Tea SLS
client: RAM users denied with 401 `Unauthorized` "denied by sts or ram, action: log:<Action>,
resource: <ARN>" plus `accessDeniedDetail`, the ARNs of every resource kind, system and custom log
policies, refused requests that change nothing, and role sessions (temporary credentials) on SLS."""
from __future__ import annotations

import pytest

from authz_helpers import (SESSION_POLICY, allow, assume_role, attach, create_role, doc,
                           expect_sls_denied, expect_sls_failure, expire_sts_credential, lc_call, log_client, log_res,
                           new_user, root_arn, trust)
from helpers import SlsApi, expect_sls_error, sls_name


@pytest.fixture
def root_sls(account):
    return account.sls("tea_v1")


def lc_for(user, monkeypatch, v4=False):
    return log_client(monkeypatch, user.account.port, user.ak, user.secret, v4=v4)


def project_exists(root_sls, name):
    from helpers import SlsError

    try:
        root_sls.get_project(name)
        return True
    except SlsError as e:
        assert (e.status, e.code) == (404, "ProjectNotExist"), e
        return False


# ------------------------------------------------------------------------------- denial shape

@pytest.mark.parametrize("v4", [False, True], ids=["lc_v1", "lc_v4"])
def test_ram_user_denied_then_allowed_by_aliyun_log_full_access(account, root_sls, monkeypatch, v4):
    acct = account.account_id
    u = new_user(account)
    lc = lc_for(u, monkeypatch, v4=v4)
    p = sls_name("authz")
    err = expect_sls_denied(lambda: lc.create_project(p, "by user"), "log:CreateProject", log_res(acct, p))
    assert err.body.get("errorCode") == "Unauthorized" and err.body.get("requestId"), err.body
    detail = err.body["accessDeniedDetail"]
    assert detail.get("AuthPrincipalOwnerId") == acct and detail.get("AuthPrincipalDisplayName") == u.user_id, detail
    assert not project_exists(root_sls, p), "a refused CreateProject created the project"
    expect_sls_denied(lambda: lc.list_project(), "log:ListProject", log_res(acct, "*"))

    attach(account, "User", u.name, "AliyunLogFullAccess", "System")
    lc_call(lambda: lc.create_project(p, "by user"))
    got = root_sls.get_project(p)
    assert got["owner"] == acct and got["description"] == "by user"
    assert p in [x["projectName"] for x in lc_call(lambda: lc.list_project()).get_projects()]
    lc_call(lambda: lc.delete_project(p))
    assert not project_exists(root_sls, p)


def test_tea_sls_denial(account, root_sls):
    acct = account.account_id
    u = new_user(account)
    p = sls_name("tea")
    root_sls.create_project(p, "")
    tea = SlsApi("tea_v1", account.port, u.ak, u.secret)
    err = expect_sls_error(lambda: tea.get_project(p), 401, "Unauthorized")
    prefix = f"denied by sts or ram, action: log:GetProject, resource: {log_res(acct, p)}"
    assert err.message.startswith(prefix), err.message
    err = expect_sls_error(lambda: tea.list_logstores(p), 401, "Unauthorized")
    assert err.message.startswith(f"denied by sts or ram, action: log:ListLogStores, "
                                  f"resource: {log_res(acct, p, 'logstore', '*')}"), err.message


def test_resource_arns_of_every_kind(account, root_sls, monkeypatch):
    """sls.md 7.7: each action is authorized on the ARN of the resource it touches."""
    acct = account.account_id
    p = sls_name("arns")
    root_sls.create_project(p, "")
    root_sls.create_logstore(p, "ls1", ttl=7, shard_count=1)
    root_sls.create_dashboard(p, "dash1", "Dash")
    root_sls.create_machine_group(p, "mg1", ["10.0.0.1"])
    root_sls.create_config(p, "cfg1", "ls1")
    u = new_user(account)
    lc = lc_for(u, monkeypatch)

    cases = [
        (lambda: lc.get_project(p), "log:GetProject", log_res(acct, p)),
        (lambda: lc.update_project(p, "x"), "log:UpdateProject", log_res(acct, p)),
        (lambda: lc.delete_project(p), "log:DeleteProject", log_res(acct, p)),
        (lambda: lc.get_logstore(p, "ls1"), "log:GetLogStore", log_res(acct, p, "logstore", "ls1")),
        (lambda: lc.list_logstore(p), "log:ListLogStores", log_res(acct, p, "logstore", "*")),
        (lambda: lc.create_logstore(p, "ls2", ttl=7, shard_count=1), "log:CreateLogStore",
         log_res(acct, p, "logstore", "ls2")),
        (lambda: lc.delete_logstore(p, "ls1"), "log:DeleteLogStore", log_res(acct, p, "logstore", "ls1")),
        (lambda: lc.get_dashboard(p, "dash1"), "log:GetDashboard", log_res(acct, p, "dashboard", "dash1")),
        (lambda: lc.delete_dashboard(p, "dash1"), "log:DeleteDashboard", log_res(acct, p, "dashboard", "dash1")),
        (lambda: lc.get_machine_group(p, "mg1"), "log:GetMachineGroup", log_res(acct, p, "machinegroup", "mg1")),
        (lambda: lc.delete_machine_group(p, "mg1"), "log:DeleteMachineGroup",
         log_res(acct, p, "machinegroup", "mg1")),
        (lambda: lc.get_logtail_config(p, "cfg1"), "log:GetConfig", log_res(acct, p, "logtailconfig", "cfg1")),
        (lambda: lc.delete_logtail_config(p, "cfg1"), "log:DeleteConfig", log_res(acct, p, "logtailconfig", "cfg1")),
        (lambda: lc.tag_resources("project", p, team="x"), "log:TagResources", log_res(acct, p)),
        (lambda: lc.untag_resources("project", p, "team"), "log:UntagResources", log_res(acct, p)),
        (lambda: lc.tag_resources("logstore", f"{p}#ls1", team="x"), "log:TagResources",
         log_res(acct, p, "logstore", "ls1")),
        (lambda: list(lc.list_tag_resources("project", p)), "log:ListTagResources", log_res(acct, p)),
        (lambda: lc.list_dashboard(p), "log:ListDashboard", log_res(acct, p, "dashboard", "*")),
        (lambda: lc.list_machine_group(p), "log:ListMachineGroup", log_res(acct, p, "machinegroup", "*")),
        (lambda: lc.list_logtail_config(p), "log:ListConfig", log_res(acct, p, "logtailconfig", "*")),
    ]
    for fn, action, arn in cases:
        expect_sls_denied(fn, action, arn)
    # nothing was changed by the refused calls
    assert root_sls.get_project(p)["description"] == ""
    assert root_sls.get_logstore(p, "ls1")["ttl"] == 7
    assert root_sls.get_dashboard(p, "dash1")["dashboardName"] == "dash1"
    assert root_sls.get_machine_group(p, "mg1")["groupName"] == "mg1"
    assert root_sls.get_config(p, "cfg1")["configName"] == "cfg1"
    assert root_sls.tags_of("project", p) == {}
    assert root_sls.tags_of("logstore", f"{p}#ls1") == {}


# ------------------------------------------------------------------------------- policies

def test_log_read_only_access(account, root_sls, monkeypatch):
    acct = account.account_id
    p = sls_name("ro")
    root_sls.create_project(p, "read me")
    root_sls.create_logstore(p, "ls1", ttl=7, shard_count=1)
    u = new_user(account, system=["AliyunLogReadOnlyAccess"])
    lc = lc_for(u, monkeypatch)
    assert lc_call(lambda: lc.get_project(p)).body["description"] == "read me"
    assert lc_call(lambda: lc.list_logstore(p)).get_logstores() == ["ls1"]
    assert lc_call(lambda: lc.get_logstore(p, "ls1")).get_ttl() == 7
    expect_sls_denied(lambda: lc.create_logstore(p, "ls2", ttl=7, shard_count=1), "log:CreateLogStore",
                      log_res(acct, p, "logstore", "ls2"))
    expect_sls_denied(lambda: lc.delete_project(p), "log:DeleteProject", log_res(acct, p))
    assert root_sls.list_logstores(p)["names"] == ["ls1"]


def test_read_only_access_covers_sls_reads(account, root_sls, monkeypatch):
    """ReadOnlyAccess grants *:Get* and *:List* of every service, log included."""
    acct = account.account_id
    p = sls_name("rox")
    root_sls.create_project(p, "all reads")
    u = new_user(account, system=["ReadOnlyAccess"])
    lc = lc_for(u, monkeypatch)
    assert lc_call(lambda: lc.get_project(p)).body["description"] == "all reads"
    assert p in [x["projectName"] for x in lc_call(lambda: lc.list_project(size=500)).get_projects()]
    q = sls_name("rox")
    expect_sls_denied(lambda: lc.create_project(q, ""), "log:CreateProject", log_res(acct, q))


def test_policy_limited_to_one_projects_logstores(account, root_sls, monkeypatch):
    acct = account.account_id
    p1, p2 = sls_name("one"), sls_name("two")
    for p in (p1, p2):
        root_sls.create_project(p, "")
    u = new_user(account, documents=[doc(allow("log:*", f"acs:log:*:{acct}:project/{p1}/logstore/*"))])
    lc = lc_for(u, monkeypatch)
    lc_call(lambda: lc.create_logstore(p1, "mine", ttl=7, shard_count=1))
    assert lc_call(lambda: lc.list_logstore(p1)).get_logstores() == ["mine"]
    lc_call(lambda: lc.update_logstore(p1, "mine", ttl=9))
    assert root_sls.get_logstore(p1, "mine")["ttl"] == 9
    # another project's logstores, the project itself and other kinds in the same project are outside
    expect_sls_denied(lambda: lc.create_logstore(p2, "mine", ttl=7, shard_count=1), "log:CreateLogStore",
                      log_res(acct, p2, "logstore", "mine"))
    expect_sls_denied(lambda: lc.list_logstore(p2), "log:ListLogStores", log_res(acct, p2, "logstore", "*"))
    expect_sls_denied(lambda: lc.get_project(p1), "log:GetProject", log_res(acct, p1))
    expect_sls_denied(lambda: lc.delete_project(p1), "log:DeleteProject", log_res(acct, p1))
    expect_sls_denied(lambda: lc.create_dashboard(p1, {"dashboardName": "d1", "displayName": "D", "charts": []}),
                      "log:CreateDashboard", log_res(acct, p1, "dashboard", "d1"))
    assert root_sls.list_logstores(p2)["names"] == []
    assert root_sls.list_dashboards(p1)["names"] == []
    lc_call(lambda: lc.delete_logstore(p1, "mine"))
    assert root_sls.list_logstores(p1)["names"] == []


def test_explicit_deny_on_sls(account, root_sls, monkeypatch):
    acct = account.account_id
    p = sls_name("deny")
    root_sls.create_project(p, "")
    root_sls.create_logstore(p, "keep", ttl=7, shard_count=1)
    u = new_user(account, system=["AliyunLogFullAccess"],
                 documents=[doc({"Effect": "Deny", "Action": "log:Delete*", "Resource": f"acs:log:*:{acct}:project/{p}*"})])
    lc = lc_for(u, monkeypatch)
    lc_call(lambda: lc.create_logstore(p, "other", ttl=7, shard_count=1))
    expect_sls_denied(lambda: lc.delete_logstore(p, "keep"), "log:DeleteLogStore",
                      log_res(acct, p, "logstore", "keep"), explicit=True)
    expect_sls_denied(lambda: lc.delete_project(p), "log:DeleteProject", log_res(acct, p), explicit=True)
    assert sorted(root_sls.list_logstores(p)["names"]) == ["keep", "other"]


def test_resource_tag_condition_on_sls(account, root_sls, monkeypatch):
    acct = account.account_id
    dev, ops = sls_name("dev"), sls_name("ops")
    for p, team in ((dev, "dev"), (ops, "ops")):
        root_sls.create_project(p, team)
        root_sls.tag("project", p, {"team": team})
    u = new_user(account, documents=[doc(allow("log:GetProject", condition={"StringEquals": {"acs:ResourceTag/team": "dev"}}))])
    lc = lc_for(u, monkeypatch)
    assert lc_call(lambda: lc.get_project(dev)).body["description"] == "dev"
    expect_sls_denied(lambda: lc.get_project(ops), "log:GetProject", log_res(acct, ops))


def test_other_account_with_full_access_cannot_touch_the_project(account, other_account, root_sls, monkeypatch):
    p = sls_name("mine")
    root_sls.create_project(p, "private")
    b = new_user(other_account, system=["AliyunLogFullAccess"])
    lc = lc_for(b, monkeypatch)
    for fn in (lambda: lc.get_project(p), lambda: lc.delete_project(p),
               lambda: lc.create_logstore(p, "x", ttl=7, shard_count=1)):
        err = expect_sls_failure(fn, 401, "Unauthorized")
        assert not err.message.startswith("denied by sts or ram"), \
            f"B's user is allowed by its own policy; the project is simply not B's: {err.message}"
    assert p not in [x["projectName"] for x in lc_call(lambda: lc.list_project(size=500)).get_projects()]
    assert root_sls.get_project(p)["description"] == "private"
    assert root_sls.list_logstores(p)["names"] == []


# ------------------------------------------------------------------------------- role sessions on SLS

@pytest.fixture
def log_role(account):
    return create_role(account, trust(root_arn(account.account_id)), system=["AliyunLogFullAccess"])


@pytest.fixture
def assumer(account):
    return new_user(account, system=["AliyunSTSAssumeRoleAccess"])


@pytest.mark.parametrize("v4", [False, True], ids=["lc_v1", "lc_v4"])
def test_temporary_credentials_on_sls(account, root_sls, log_role, assumer, monkeypatch, v4):
    sess = assume_role(assumer, log_role["Arn"], "logs")
    lc = log_client(monkeypatch, account.port, sess.ak, sess.secret, token=sess.token, v4=v4)
    p = sls_name("sts")
    lc_call(lambda: lc.create_project(p, "by a role session"))
    assert root_sls.get_project(p)["owner"] == account.account_id
    tea = SlsApi("tea_v4" if v4 else "tea_v1", account.port, sess.ak, sess.secret, token=sess.token)
    assert p in tea.list_projects(size=500)["names"]
    tea.create_logstore(p, "s1", ttl=7, shard_count=1)
    assert root_sls.list_logstores(p)["names"] == ["s1"]


def test_sts_key_without_or_with_wrong_token_on_sls(account, log_role, assumer, monkeypatch):
    sess = assume_role(assumer, log_role["Arn"])
    no_token = log_client(monkeypatch, account.port, sess.ak, sess.secret)
    expect_sls_failure(lambda: no_token.list_project(), 401, "Unauthorized")
    wrong = log_client(monkeypatch, account.port, sess.ak, sess.secret, token=sess.token[:-3] + "xyz")
    err = expect_sls_failure(lambda: wrong.list_project(), 401, "Unauthorized")
    assert not err.message.startswith("denied by sts or ram"), err.message
    expect_sls_error(lambda: SlsApi("tea_v1", account.port, sess.ak, sess.secret).list_projects(), 401, "Unauthorized")


def test_expired_token_on_sls(server, account, log_role, assumer, monkeypatch):
    sess = assume_role(assumer, log_role["Arn"])
    lc = log_client(monkeypatch, account.port, sess.ak, sess.secret, token=sess.token)
    lc_call(lambda: lc.list_project())
    if not expire_sts_credential(server.store, sess.ak):
        pytest.skip("cannot find the temporary credential in the store (layout changed); "
                    "expiry cannot be tested in under 20 s otherwise (DurationSeconds >= 900)")
    err = expect_sls_failure(lambda: lc.list_project(), 401, "Unauthorized")
    assert err.message == "The security token you provided has expired.", err.message
    tea = SlsApi("tea_v1", account.port, sess.ak, sess.secret, token=sess.token)
    expect_sls_error(lambda: tea.list_projects(), 401, "Unauthorized", "The security token you provided has expired.")


def test_session_policy_on_sls(account, root_sls, log_role, assumer, monkeypatch):
    acct = account.account_id
    p = sls_name("sp")
    root_sls.create_project(p, "read only session")
    sess = assume_role(assumer, log_role["Arn"], "ro", Policy=doc(allow(["log:Get*", "log:List*"])))
    lc = log_client(monkeypatch, account.port, sess.ak, sess.secret, token=sess.token)
    assert lc_call(lambda: lc.get_project(p)).body["description"] == "read only session"
    q = sls_name("no")
    err = expect_sls_denied(lambda: lc.create_project(q, ""), "log:CreateProject", log_res(acct, q))
    detail = err.body["accessDeniedDetail"]
    assert detail.get("PolicyType") == SESSION_POLICY, detail
    assert detail.get("AuthPrincipalType") == "AssumedRoleUser", detail
    assert detail.get("AuthPrincipalDisplayName") == f"{log_role['RoleId']}:ro", detail
    assert not project_exists(root_sls, q)
