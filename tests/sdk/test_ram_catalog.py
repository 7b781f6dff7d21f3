"""RAM 2015-05-01 catalog (ram.md 6.2-6.5, 6.8; policy.md 1, 2, 7, 8, 9): custom and system
policies, versions, document validation, groups and membership, roles, attachments both ways,
delete conflicts and RAM-classic role/policy tags, through alibabacloud-ram20150501 (Tea V3) and
the aliyun-python-sdk-ram request classes of the old core. Every call here is made by the root."""
from __future__ import annotations

import json

import pytest

from authz_helpers import allow, doc, role_arn, trust
from helpers import ISO_UTC, expect_error, unique

SYSTEM = {
    "AdministratorAccess": ["*"],
    "ReadOnlyAccess": ["*:Describe*", "*:List*", "*:Get*"],
    "AliyunRAMFullAccess": ["ram:*"],
    "AliyunRAMReadOnlyAccess": ["ram:Get*", "ram:List*"],
    "AliyunLogFullAccess": ["log:*"],
    "AliyunLogReadOnlyAccess": ["log:Get*", "log:List*"],
    "AliyunSTSAssumeRoleAccess": ["sts:AssumeRole"],
}

PRETTY = """{
    "Version": "1",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "ram:Get*",
                "ram:List*"
            ],
            "Resource": "*"
        },
        {
            "Effect": "Deny",
            "Action": "ram:DeleteUser",
            "Resource": "acs:ram:*:*:user/keep-*"
        }
    ]
}
"""


@pytest.fixture(params=["tea_v3", "core_post"])
def ram(request, account):
    """The root's RAM client in two SDKs: Tea V3 and the aliyunsdkram request classes."""
    return account.api(request.param)


@pytest.fixture
def tea(account):
    return account.api()


def policies_named(body):
    return {p["PolicyName"]: p for p in (body.get("Policies") or {}).get("Policy") or []}


def versions_of(ram, name):
    body = ram.call("ListPolicyVersions", PolicyName=name, PolicyType="Custom")
    return {v["VersionId"]: v for v in (body.get("PolicyVersions") or {}).get("PolicyVersion") or []}


def simple(action="ram:GetUser"):
    return doc(allow(action))


# ------------------------------------------------------------------------------- policies

def test_create_and_get_policy_returns_the_document_verbatim(ram):
    name = unique("pol")
    p = ram.call("CreatePolicy", PolicyName=name, PolicyDocument=PRETTY, Description="pretty one")["Policy"]
    assert p["PolicyName"] == name
    assert p["PolicyType"] == "Custom"
    assert p["DefaultVersion"] == "v1"
    assert p["Description"] == "pretty one"
    assert ISO_UTC.match(p["CreateDate"]), p

    body = ram.call("GetPolicy", PolicyName=name, PolicyType="Custom")
    got = body["Policy"]
    assert (got["PolicyName"], got["PolicyType"], got["DefaultVersion"], got["Description"]) == \
        (name, "Custom", "v1", "pretty one")
    assert int(got["AttachmentCount"]) == 0
    dv = body["DefaultPolicyVersion"]
    assert dv["VersionId"] == "v1"
    assert dv["IsDefaultVersion"] is True
    assert dv["PolicyDocument"] == PRETTY, "the document must come back exactly as submitted"
    assert ISO_UTC.match(dv["CreateDate"]), dv
    # the same text from GetPolicyVersion and ListPolicyVersions
    assert ram.call("GetPolicyVersion", PolicyName=name, PolicyType="Custom",
                    VersionId="v1")["PolicyVersion"]["PolicyDocument"] == PRETTY
    assert versions_of(ram, name)["v1"]["PolicyDocument"] == PRETTY


def test_duplicate_and_unknown_policy(tea):
    name = unique("pol")
    tea.call("CreatePolicy", PolicyName=name, PolicyDocument=simple())
    expect_error(lambda: tea.call("CreatePolicy", PolicyName=name, PolicyDocument=simple()), 409,
                 "EntityAlreadyExists.Policy")
    expect_error(lambda: tea.call("GetPolicy", PolicyName=unique("nope"), PolicyType="Custom"), 404,
                 "EntityNotExist.Policy")
    # the name exists as Custom, not as System
    expect_error(lambda: tea.call("GetPolicy", PolicyName=name, PolicyType="System"), 404, "EntityNotExist.Policy")


def test_list_policies_filters_by_type_and_pages(ram, account):
    names = sorted(unique("lp") for _ in range(3))
    for n in names:
        ram.call("CreatePolicy", PolicyName=n, PolicyDocument=simple())
    custom = policies_named(ram.call("ListPolicies", PolicyType="Custom", MaxItems=100))
    assert set(custom) == set(names), "a fresh account lists exactly its own custom policies"
    assert {p["PolicyType"] for p in custom.values()} == {"Custom"}

    system = policies_named(ram.call("ListPolicies", PolicyType="System", MaxItems=1000))
    assert set(SYSTEM) <= set(system), f"missing system policies: {set(SYSTEM) - set(system)}"
    assert not set(names) & set(system)
    assert {p["PolicyType"] for p in system.values()} == {"System"}

    both = policies_named(ram.call("ListPolicies", MaxItems=1000))
    assert set(names) | set(SYSTEM) <= set(both)

    # Marker / MaxItems paging over the custom policies
    seen, marker = [], None
    for _ in range(5):
        page = ram.call("ListPolicies", PolicyType="Custom", MaxItems=2, Marker=marker)
        items = list(policies_named(page))
        assert len(items) <= 2
        seen += items
        if not page.get("IsTruncated"):
            assert not page.get("Marker")
            break
        assert page.get("Marker"), page
        marker = page["Marker"]
    assert sorted(seen) == names, f"pages must cover every policy once: {seen}"
    first = ram.call("ListPolicies", PolicyType="Custom", MaxItems=2)
    assert first["IsTruncated"] is True and len(policies_named(first)) == 2


def test_system_policies_are_visible_and_read_only(tea, other_account):
    for name, actions in SYSTEM.items():
        body = tea.call("GetPolicy", PolicyName=name, PolicyType="System")
        assert body["Policy"]["PolicyType"] == "System"
        assert body["Policy"]["PolicyName"] == name
        d = json.loads(body["DefaultPolicyVersion"]["PolicyDocument"])
        granted = set()
        for s in d["Statement"]:
            assert s["Effect"] == "Allow", s
            acts = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
            granted |= set(acts)
        assert set(actions) <= granted, f"{name} grants {granted}, expected at least {actions}"
    # visible from another account as well
    other = other_account.api()
    assert other.call("GetPolicy", PolicyName="AliyunSTSAssumeRoleAccess",
                      PolicyType="System")["Policy"]["PolicyType"] == "System"
    # read-only: cannot be deleted, versioned or redescribed by an account
    for fn in (lambda: tea.call("DeletePolicy", PolicyName="AdministratorAccess"),
               lambda: tea.call("CreatePolicyVersion", PolicyName="AdministratorAccess", PolicyDocument=simple()),
               lambda: tea.call("UpdatePolicyDescription", PolicyName="AdministratorAccess", NewDescription="mine"),
               lambda: tea.call("CreatePolicy", PolicyName="AdministratorAccess", PolicyDocument=simple())):
        err = expect_error(fn)
        assert 400 <= err.status < 500, (err.status, err.code)
    got = tea.call("GetPolicy", PolicyName="AdministratorAccess", PolicyType="System")
    assert got["Policy"]["Description"] != "mine"
    assert json.loads(got["DefaultPolicyVersion"]["PolicyDocument"])["Statement"][0]["Action"] in ("*", ["*"])


def test_update_policy_description(ram):
    name = unique("pol")
    ram.call("CreatePolicy", PolicyName=name, PolicyDocument=simple(), Description="old")
    body = ram.call("UpdatePolicyDescription", PolicyName=name, NewDescription="new words")
    assert body["Policy"]["Description"] == "new words"
    assert ram.call("GetPolicy", PolicyName=name, PolicyType="Custom")["Policy"]["Description"] == "new words"


def test_delete_policy_with_versions_needs_cascading_delete(tea):
    name = unique("pol")
    tea.call("CreatePolicy", PolicyName=name, PolicyDocument=simple())
    tea.call("CreatePolicyVersion", PolicyName=name, PolicyDocument=simple("ram:ListUsers"))
    expect_error(lambda: tea.call("DeletePolicy", PolicyName=name), 409, "DeleteConflict.Policy.Version")
    assert tea.call("GetPolicy", PolicyName=name, PolicyType="Custom")["Policy"]["PolicyName"] == name
    tea.call("DeletePolicy", PolicyName=name, CascadingDelete=True)
    expect_error(lambda: tea.call("GetPolicy", PolicyName=name, PolicyType="Custom"), 404, "EntityNotExist.Policy")
    # a policy with only its default version goes without CascadingDelete
    other = unique("pol")
    tea.call("CreatePolicy", PolicyName=other, PolicyDocument=simple())
    tea.call("DeletePolicy", PolicyName=other)
    expect_error(lambda: tea.call("GetPolicy", PolicyName=other, PolicyType="Custom"), 404, "EntityNotExist.Policy")


@pytest.mark.parametrize("kind", ["User", "Group", "Role"])
def test_delete_attached_policy_conflicts(tea, account, kind):
    entity = unique("e")
    if kind == "User":
        tea.call("CreateUser", UserName=entity)
    elif kind == "Group":
        tea.call("CreateGroup", GroupName=entity)
    else:
        tea.call("CreateRole", RoleName=entity, AssumeRolePolicyDocument=trust(f"acs:ram::{account.account_id}:root"))
    name = unique("pol")
    tea.call("CreatePolicy", PolicyName=name, PolicyDocument=simple())
    tea.call(f"AttachPolicyTo{kind}", PolicyType="Custom", PolicyName=name, **{f"{kind}Name": entity})
    expect_error(lambda: tea.call("DeletePolicy", PolicyName=name), 409, f"DeleteConflict.Policy.{kind}")
    # CascadingDelete is about versions; it does not detach
    expect_error(lambda: tea.call("DeletePolicy", PolicyName=name, CascadingDelete=True), 409,
                 f"DeleteConflict.Policy.{kind}")
    assert int(tea.call("GetPolicy", PolicyName=name, PolicyType="Custom")["Policy"]["AttachmentCount"]) == 1
    tea.call(f"DetachPolicyFrom{kind}", PolicyType="Custom", PolicyName=name, **{f"{kind}Name": entity})
    tea.call("DeletePolicy", PolicyName=name)
    expect_error(lambda: tea.call("GetPolicy", PolicyName=name, PolicyType="Custom"), 404, "EntityNotExist.Policy")


# ------------------------------------------------------------------------------- versions

def test_policy_versions_lifecycle(ram):
    name = unique("pol")
    ram.call("CreatePolicy", PolicyName=name, PolicyDocument=simple("ram:GetUser"))
    v2 = ram.call("CreatePolicyVersion", PolicyName=name, PolicyDocument=simple("ram:ListUsers"),
                  SetAsDefault=True)["PolicyVersion"]
    assert v2["VersionId"] == "v2" and v2["IsDefaultVersion"] is True
    assert json.loads(v2["PolicyDocument"])["Statement"][0]["Action"] == "ram:ListUsers"
    got = ram.call("GetPolicy", PolicyName=name, PolicyType="Custom")
    assert got["Policy"]["DefaultVersion"] == "v2"
    assert got["DefaultPolicyVersion"]["VersionId"] == "v2"
    v1 = ram.call("GetPolicyVersion", PolicyName=name, PolicyType="Custom", VersionId="v1")["PolicyVersion"]
    assert v1["IsDefaultVersion"] is False
    assert json.loads(v1["PolicyDocument"])["Statement"][0]["Action"] == "ram:GetUser"

    v3 = ram.call("CreatePolicyVersion", PolicyName=name, PolicyDocument=simple("ram:ListGroups"))["PolicyVersion"]
    assert v3["VersionId"] == "v3" and v3["IsDefaultVersion"] is False, "SetAsDefault defaults to false"
    vs = versions_of(ram, name)
    assert set(vs) == {"v1", "v2", "v3"}
    assert [k for k, v in vs.items() if v["IsDefaultVersion"]] == ["v2"]

    ram.call("SetDefaultPolicyVersion", PolicyName=name, VersionId="v1")
    assert ram.call("GetPolicy", PolicyName=name, PolicyType="Custom")["Policy"]["DefaultVersion"] == "v1"
    assert [k for k, v in versions_of(ram, name).items() if v["IsDefaultVersion"]] == ["v1"]

    expect_error(lambda: ram.call("DeletePolicyVersion", PolicyName=name, VersionId="v1"), 409,
                 "DeleteConflict.Policy.Version.Default")
    ram.call("DeletePolicyVersion", PolicyName=name, VersionId="v2")
    assert set(versions_of(ram, name)) == {"v1", "v3"}
    expect_error(lambda: ram.call("GetPolicyVersion", PolicyName=name, PolicyType="Custom", VersionId="v2"), 404,
                 "EntityNotExist.Policy.Version")
    expect_error(lambda: ram.call("SetDefaultPolicyVersion", PolicyName=name, VersionId="v9"), 404,
                 "EntityNotExist.Policy.Version")
    expect_error(lambda: ram.call("DeletePolicyVersion", PolicyName=name, VersionId="v9"), 404,
                 "EntityNotExist.Policy.Version")
    # version ids are not reused
    assert ram.call("CreatePolicyVersion", PolicyName=name,
                    PolicyDocument=simple())["PolicyVersion"]["VersionId"] == "v4"


def test_version_limit_and_rotation(tea):
    name = unique("pol")
    tea.call("CreatePolicy", PolicyName=name, PolicyDocument=simple())
    for i in range(2, 6):
        assert tea.call("CreatePolicyVersion", PolicyName=name, PolicyDocument=simple(f"ram:Get{i}"),
                        RotateStrategy="None")["PolicyVersion"]["VersionId"] == f"v{i}"
    expect_error(lambda: tea.call("CreatePolicyVersion", PolicyName=name, PolicyDocument=simple("ram:Get6"),
                                  RotateStrategy="None"), 409, "LimitExceeded.Policy.Version")
    expect_error(lambda: tea.call("CreatePolicyVersion", PolicyName=name, PolicyDocument=simple("ram:Get6")), 409,
                 "LimitExceeded.Policy.Version")
    assert set(versions_of(tea, name)) == {"v1", "v2", "v3", "v4", "v5"}
    # v1 is the default, so the oldest non-default (v2) goes
    v6 = tea.call("CreatePolicyVersion", PolicyName=name, PolicyDocument=simple("ram:Get6"),
                  RotateStrategy="DeleteOldestNonDefaultVersionWhenLimitExceeded")["PolicyVersion"]
    assert v6["VersionId"] == "v6"
    assert set(versions_of(tea, name)) == {"v1", "v3", "v4", "v5", "v6"}
    tea.call("SetDefaultPolicyVersion", PolicyName=name, VersionId="v3")
    tea.call("CreatePolicyVersion", PolicyName=name, PolicyDocument=simple("ram:Get7"),
             RotateStrategy="DeleteOldestNonDefaultVersionWhenLimitExceeded")
    assert set(versions_of(tea, name)) == {"v3", "v4", "v5", "v6", "v7"}, "v1 (oldest non-default) rotates out"


# ------------------------------------------------------------------------------- validation

def _long_doc(length):
    base = doc(allow("ram:GetUser"))
    assert len(base) < length
    return base[:-1] + " " * (length - len(base)) + "}"


MALFORMED = {
    "bad-json": '{"Version": "1", "Statement": [',
    "not-an-object": '["Version", "1"]',
    "version-2": json.dumps({"Version": "2", "Statement": [allow("ram:GetUser")]}),
    "version-number": '{"Version": 1, "Statement": [{"Effect": "Allow", "Action": "ram:GetUser", "Resource": "*"}]}',
    "no-version": json.dumps({"Statement": [allow("ram:GetUser")]}),
    "empty-statement": json.dumps({"Version": "1", "Statement": []}),
    "effect-permit": doc({"Effect": "Permit", "Action": "ram:GetUser", "Resource": "*"}),
    "effect-lowercase": doc({"Effect": "allow", "Action": "ram:GetUser", "Resource": "*"}),
    "unknown-operator": doc(allow("ram:GetUser", condition={"StringSortOfEquals": {"acs:SourceIp": "1"}})),
    "action-without-service": doc(allow("GetUser")),
    "empty-action": doc(allow("")),
    "action-and-notaction": doc({"Effect": "Allow", "Action": "ram:*", "NotAction": "ram:Delete*", "Resource": "*"}),
    "no-resource": doc({"Effect": "Allow", "Action": "ram:GetUser"}),
    "too-long": _long_doc(6145),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_documents_are_rejected_on_write(tea, case):
    name = unique("bad")
    expect_error(lambda: tea.call("CreatePolicy", PolicyName=name, PolicyDocument=MALFORMED[case]), 400,
                 "MalformedPolicyDocument")
    expect_error(lambda: tea.call("GetPolicy", PolicyName=name, PolicyType="Custom"), 404, "EntityNotExist.Policy")
    good = unique("good")
    tea.call("CreatePolicy", PolicyName=good, PolicyDocument=simple())
    expect_error(lambda: tea.call("CreatePolicyVersion", PolicyName=good, PolicyDocument=MALFORMED[case],
                                  SetAsDefault=True), 400, "MalformedPolicyDocument")
    assert set(versions_of(tea, good)) == {"v1"}


def test_document_of_exactly_6144_characters_is_accepted(tea):
    text = _long_doc(6144)
    assert len(text) == 6144
    name = unique("long")
    tea.call("CreatePolicy", PolicyName=name, PolicyDocument=text)
    assert tea.call("GetPolicy", PolicyName=name, PolicyType="Custom")["DefaultPolicyVersion"]["PolicyDocument"] == text


def test_malformed_documents_through_the_old_core(account):
    core = account.api("core_post")
    expect_error(lambda: core.call("CreatePolicy", PolicyName=unique("bad"), PolicyDocument=MALFORMED["effect-permit"]),
                 400, "MalformedPolicyDocument")


# ------------------------------------------------------------------------------- groups

def test_group_lifecycle(ram):
    name = unique("g")
    g = ram.call("CreateGroup", GroupName=name, Comments="first")["Group"]
    assert g["GroupName"] == name and g["Comments"] == "first"
    assert g["GroupId"] and ISO_UTC.match(g["CreateDate"]), g
    got = ram.call("GetGroup", GroupName=name)["Group"]
    assert (got["GroupName"], got["GroupId"], got["Comments"]) == (name, g["GroupId"], "first")
    expect_error(lambda: ram.call("CreateGroup", GroupName=name), 409, "EntityAlreadyExists.Group")

    new = unique("g2")
    upd = ram.call("UpdateGroup", GroupName=name, NewGroupName=new, NewComments="second")["Group"]
    assert (upd["GroupName"], upd["Comments"]) == (new, "second")
    expect_error(lambda: ram.call("GetGroup", GroupName=name), 404, "EntityNotExist.Group")
    assert ram.call("GetGroup", GroupName=new)["Group"]["GroupId"] == g["GroupId"]
    listed = [x["GroupName"] for x in ram.call("ListGroups")["Groups"]["Group"]]
    assert listed == [new]

    ram.call("DeleteGroup", GroupName=new)
    expect_error(lambda: ram.call("GetGroup", GroupName=new), 404, "EntityNotExist.Group")
    expect_error(lambda: ram.call("DeleteGroup", GroupName=new), 404, "EntityNotExist.Group")
    assert (ram.call("ListGroups").get("Groups") or {}).get("Group") in (None, [])


def test_group_membership(ram):
    g, u = unique("g"), unique("u")
    ram.call("CreateGroup", GroupName=g)
    ram.call("CreateUser", UserName=u)
    ram.call("AddUserToGroup", GroupName=g, UserName=u)
    expect_error(lambda: ram.call("AddUserToGroup", GroupName=g, UserName=u), 409, "EntityAlreadyExists.User.Group")
    expect_error(lambda: ram.call("AddUserToGroup", GroupName=unique("nog"), UserName=u), 404, "EntityNotExist.Group")
    expect_error(lambda: ram.call("AddUserToGroup", GroupName=g, UserName=unique("nou")), 404, "EntityNotExist.User")

    groups = ram.call("ListGroupsForUser", UserName=u)["Groups"]["Group"]
    assert [x["GroupName"] for x in groups] == [g]
    assert ISO_UTC.match(groups[0]["JoinDate"]), groups
    users = ram.call("ListUsersForGroup", GroupName=g)["Users"]["User"]
    assert [x["UserName"] for x in users] == [u]

    expect_error(lambda: ram.call("DeleteGroup", GroupName=g), 409, "DeleteConflict.Group.User")
    expect_error(lambda: ram.call("DeleteUser", UserName=u), 409, "DeleteConflict.User.Group")

    ram.call("RemoveUserFromGroup", GroupName=g, UserName=u)
    expect_error(lambda: ram.call("RemoveUserFromGroup", GroupName=g, UserName=u), 404, "EntityNotExist.User.Group")
    assert (ram.call("ListGroupsForUser", UserName=u).get("Groups") or {}).get("Group") in (None, [])
    assert (ram.call("ListUsersForGroup", GroupName=g).get("Users") or {}).get("User") in (None, [])

    pol = unique("pol")
    ram.call("CreatePolicy", PolicyName=pol, PolicyDocument=simple())
    ram.call("AttachPolicyToGroup", PolicyType="Custom", PolicyName=pol, GroupName=g)
    expect_error(lambda: ram.call("DeleteGroup", GroupName=g), 409, "DeleteConflict.Group.Policy")
    ram.call("DetachPolicyFromGroup", PolicyType="Custom", PolicyName=pol, GroupName=g)
    ram.call("DeleteGroup", GroupName=g)
    ram.call("DeleteUser", UserName=u)
    expect_error(lambda: ram.call("GetUser", UserName=u), 404, "EntityNotExist.User")


# ------------------------------------------------------------------------------- roles

def test_role_lifecycle(ram, account):
    name = unique("role")
    t1 = json.dumps({"Version": "1", "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                                                    "Principal": {"RAM": [f"acs:ram::{account.account_id}:root"]}}]},
                    indent=2)
    r = ram.call("CreateRole", RoleName=name, AssumeRolePolicyDocument=t1, Description="my role",
                 MaxSessionDuration=7200)["Role"]
    assert r["RoleName"] == name and r["RoleId"]
    assert r["Arn"] == role_arn(account.account_id, name)
    assert r["AssumeRolePolicyDocument"] == t1
    assert int(r["MaxSessionDuration"]) == 7200
    assert r["Description"] == "my role"
    assert ISO_UTC.match(r["CreateDate"]), r

    got = ram.call("GetRole", RoleName=name)["Role"]
    assert (got["RoleId"], got["Arn"], got["AssumeRolePolicyDocument"], int(got["MaxSessionDuration"])) == \
        (r["RoleId"], r["Arn"], t1, 7200)
    expect_error(lambda: ram.call("CreateRole", RoleName=name, AssumeRolePolicyDocument=t1), 409,
                 "EntityAlreadyExists.Role")

    t2 = trust(f"acs:ram::{account.account_id}:user/alice")
    ram.call("UpdateRole", RoleName=name, NewAssumeRolePolicyDocument=t2, NewMaxSessionDuration=3600)
    got = ram.call("GetRole", RoleName=name)["Role"]
    assert got["AssumeRolePolicyDocument"] == t2
    assert int(got["MaxSessionDuration"]) == 3600
    assert got["RoleId"] == r["RoleId"]

    listed = {x["RoleName"]: x for x in ram.call("ListRoles")["Roles"]["Role"]}
    assert set(listed) == {name}
    assert listed[name]["Arn"] == r["Arn"]

    ram.call("DeleteRole", RoleName=name)
    expect_error(lambda: ram.call("GetRole", RoleName=name), 404, "EntityNotExist.Role")
    expect_error(lambda: ram.call("DeleteRole", RoleName=name), 404, "EntityNotExist.Role")
    expect_error(lambda: ram.call("UpdateRole", RoleName=name, NewMaxSessionDuration=3600), 404, "EntityNotExist.Role")


def test_role_default_max_session_duration(tea, account):
    name = unique("role")
    r = tea.call("CreateRole", RoleName=name, AssumeRolePolicyDocument=trust(account.account_id))["Role"]
    assert int(r["MaxSessionDuration"]) == 3600


@pytest.mark.parametrize("value,ok", [(3599, False), (3600, True), (43200, True), (43201, False), (0, False)])
def test_max_session_duration_bounds_on_create(tea, account, value, ok):
    name = unique("role")
    create = lambda: tea.call("CreateRole", RoleName=name, AssumeRolePolicyDocument=trust(account.account_id),
                              MaxSessionDuration=value)
    if ok:
        assert int(create()["Role"]["MaxSessionDuration"]) == value
    else:
        expect_error(create, 400, "InvalidParameter.MaxSessionDuration")
        expect_error(lambda: tea.call("GetRole", RoleName=name), 404, "EntityNotExist.Role")


@pytest.mark.parametrize("value,ok", [(3599, False), (43200, True), (43201, False)])
def test_max_session_duration_bounds_on_update(tea, account, value, ok):
    """ram.md 5.3: `InvalidParameter.MaxSessionDuration` (400) for a value outside 3600..43200."""
    name = unique("role")
    tea.call("CreateRole", RoleName=name, AssumeRolePolicyDocument=trust(account.account_id))
    update = lambda: tea.call("UpdateRole", RoleName=name, NewMaxSessionDuration=value)
    if ok:
        update()
        assert int(tea.call("GetRole", RoleName=name)["Role"]["MaxSessionDuration"]) == value
    else:
        expect_error(update, 400, "InvalidParameter.MaxSessionDuration")
        assert int(tea.call("GetRole", RoleName=name)["Role"]["MaxSessionDuration"]) == 3600


BAD_TRUST = {
    "bad-json": '{"Version": "1", "Statement": [{',
    "effect-maybe": json.dumps({"Version": "1", "Statement": [{"Effect": "Maybe", "Action": "sts:AssumeRole",
                                                               "Principal": {"RAM": ["123"]}}]}),
    "empty-statement": json.dumps({"Version": "1", "Statement": []}),
}


@pytest.mark.parametrize("case", list(BAD_TRUST))
def test_bad_trust_policy_is_rejected(tea, account, case):
    name = unique("role")
    expect_error(lambda: tea.call("CreateRole", RoleName=name, AssumeRolePolicyDocument=BAD_TRUST[case]), 400,
                 "MalformedPolicyDocument")
    expect_error(lambda: tea.call("GetRole", RoleName=name), 404, "EntityNotExist.Role")
    good = trust(account.account_id)
    tea.call("CreateRole", RoleName=name, AssumeRolePolicyDocument=good)
    expect_error(lambda: tea.call("UpdateRole", RoleName=name, NewAssumeRolePolicyDocument=BAD_TRUST[case]), 400,
                 "MalformedPolicyDocument")
    assert tea.call("GetRole", RoleName=name)["Role"]["AssumeRolePolicyDocument"] == good


def test_delete_role_with_policy_conflicts(ram, account):
    name = unique("role")
    ram.call("CreateRole", RoleName=name, AssumeRolePolicyDocument=trust(account.account_id))
    ram.call("AttachPolicyToRole", PolicyType="System", PolicyName="AliyunRAMReadOnlyAccess", RoleName=name)
    expect_error(lambda: ram.call("DeleteRole", RoleName=name), 409, "DeleteConflict.Role.Policy")
    assert ram.call("GetRole", RoleName=name)["Role"]["RoleName"] == name
    ram.call("DetachPolicyFromRole", PolicyType="System", PolicyName="AliyunRAMReadOnlyAccess", RoleName=name)
    ram.call("DeleteRole", RoleName=name)
    expect_error(lambda: ram.call("GetRole", RoleName=name), 404, "EntityNotExist.Role")


def test_list_roles_tag_filter(tea, account):
    t = trust(account.account_id)
    dev, prod, bare = unique("dev"), unique("prod"), unique("bare")
    tea.call("CreateRole", RoleName=dev, AssumeRolePolicyDocument=t, Tag=[{"Key": "env", "Value": "dev"}])
    tea.call("CreateRole", RoleName=prod, AssumeRolePolicyDocument=t, Tag=[{"Key": "env", "Value": "prod"},
                                                                           {"Key": "team", "Value": "a"}])
    tea.call("CreateRole", RoleName=bare, AssumeRolePolicyDocument=t)
    roles = lambda **kw: {r["RoleName"]: r for r in (tea.call("ListRoles", **kw).get("Roles") or {}).get("Role") or []}
    assert set(roles()) == {dev, prod, bare}
    assert set(roles(Tag=[{"Key": "env", "Value": "dev"}])) == {dev}
    assert set(roles(Tag=[{"Key": "env", "Value": "prod"}])) == {prod}
    assert set(roles(Tag=[{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "b"}])) == set()
    tagged = roles(Tag=[{"Key": "team", "Value": "a"}])[prod]
    pairs = {(t["TagKey"], t["TagValue"]) for t in tagged["Tags"]["Tag"]}
    assert pairs == {("env", "prod"), ("team", "a")}


# ------------------------------------------------------------------------------- attachments

def _make(ram, account, kind):
    name = unique(kind[0].lower())
    if kind == "User":
        ram.call("CreateUser", UserName=name)
    elif kind == "Group":
        ram.call("CreateGroup", GroupName=name)
    else:
        ram.call("CreateRole", RoleName=name, AssumeRolePolicyDocument=trust(account.account_id))
    return name


@pytest.mark.parametrize("kind", ["User", "Group", "Role"])
def test_attach_detach_and_listings(ram, account, kind):
    entity = _make(ram, account, kind)
    pol = unique("pol")
    ram.call("CreatePolicy", PolicyName=pol, PolicyDocument=simple(), Description="d")
    ent = {f"{kind}Name": entity}
    ram.call(f"AttachPolicyTo{kind}", PolicyType="Custom", PolicyName=pol, **ent)
    ram.call(f"AttachPolicyTo{kind}", PolicyType="System", PolicyName="AliyunRAMReadOnlyAccess", **ent)
    expect_error(lambda: ram.call(f"AttachPolicyTo{kind}", PolicyType="Custom", PolicyName=pol, **ent), 409,
                 f"EntityAlreadyExists.{kind}.Policy")

    listed = policies_named(ram.call(f"ListPoliciesFor{kind}", **ent))
    assert set(listed) == {pol, "AliyunRAMReadOnlyAccess"}
    assert listed[pol]["PolicyType"] == "Custom" and listed[pol]["DefaultVersion"] == "v1"
    assert listed["AliyunRAMReadOnlyAccess"]["PolicyType"] == "System"
    assert ISO_UTC.match(listed[pol]["AttachDate"]), listed[pol]

    ents = ram.call("ListEntitiesForPolicy", PolicyName=pol, PolicyType="Custom")
    names = {k: [x.get(f"{k[:-1]}Name") for x in (ents.get(k) or {}).get(k[:-1]) or []]
             for k in ("Users", "Groups", "Roles")}
    assert names == {f"{kind}s": [entity], **{k: [] for k in ("Users", "Groups", "Roles") if k != f"{kind}s"}}
    assert int(ram.call("GetPolicy", PolicyName=pol, PolicyType="Custom")["Policy"]["AttachmentCount"]) == 1

    ram.call(f"DetachPolicyFrom{kind}", PolicyType="Custom", PolicyName=pol, **ent)
    expect_error(lambda: ram.call(f"DetachPolicyFrom{kind}", PolicyType="Custom", PolicyName=pol, **ent), 404,
                 f"EntityNotExist.{kind}.Policy")
    assert set(policies_named(ram.call(f"ListPoliciesFor{kind}", **ent))) == {"AliyunRAMReadOnlyAccess"}
    assert int(ram.call("GetPolicy", PolicyName=pol, PolicyType="Custom")["Policy"]["AttachmentCount"]) == 0


@pytest.mark.parametrize("kind", ["User", "Group", "Role"])
def test_attach_errors(tea, account, kind):
    entity = _make(tea, account, kind)
    ent = {f"{kind}Name": entity}
    pol = unique("pol")
    tea.call("CreatePolicy", PolicyName=pol, PolicyDocument=simple())
    expect_error(lambda: tea.call(f"AttachPolicyTo{kind}", PolicyType="Custom", PolicyName=unique("nope"), **ent),
                 404, "EntityNotExist.Policy")
    expect_error(lambda: tea.call(f"AttachPolicyTo{kind}", PolicyType="System", PolicyName=pol, **ent),
                 404, "EntityNotExist.Policy")
    expect_error(lambda: tea.call(f"AttachPolicyTo{kind}", PolicyType="Managed", PolicyName=pol, **ent),
                 400, "InvalidParameter.PolicyType")
    expect_error(lambda: tea.call(f"AttachPolicyTo{kind}", PolicyType="Custom", PolicyName=pol,
                                  **{f"{kind}Name": unique("ghost")}), 404, f"EntityNotExist.{kind}")
    assert policies_named(tea.call(f"ListPoliciesFor{kind}", **ent)) == {}


def test_delete_user_with_policy_conflicts(ram):
    u = unique("u")
    ram.call("CreateUser", UserName=u)
    ram.call("AttachPolicyToUser", PolicyType="System", PolicyName="ReadOnlyAccess", UserName=u)
    expect_error(lambda: ram.call("DeleteUser", UserName=u), 409, "DeleteConflict.User.Policy")
    assert ram.call("GetUser", UserName=u)["User"]["UserName"] == u
    ram.call("DetachPolicyFromUser", PolicyType="System", PolicyName="ReadOnlyAccess", UserName=u)
    ram.call("DeleteUser", UserName=u)
    expect_error(lambda: ram.call("GetUser", UserName=u), 404, "EntityNotExist.User")


def test_attachments_belong_to_one_account(account, other_account):
    a, b = account.api(), other_account.api()
    pol = unique("pol")
    a.call("CreatePolicy", PolicyName=pol, PolicyDocument=simple())
    u = unique("u")
    b.call("CreateUser", UserName=u)
    expect_error(lambda: b.call("AttachPolicyToUser", PolicyType="Custom", PolicyName=pol, UserName=u), 404,
                 "EntityNotExist.Policy")
    expect_error(lambda: b.call("GetPolicy", PolicyName=pol, PolicyType="Custom"), 404, "EntityNotExist.Policy")
    assert pol not in policies_named(b.call("ListPolicies", PolicyType="Custom"))
    # the same name is free in B
    b.call("CreatePolicy", PolicyName=pol, PolicyDocument=simple("ram:ListUsers"))
    assert json.loads(a.call("GetPolicy", PolicyName=pol, PolicyType="Custom")["DefaultPolicyVersion"]
                      ["PolicyDocument"])["Statement"][0]["Action"] == "ram:GetUser"


# ------------------------------------------------------------------------------- RAM-classic tags

def _tag_rows(ram, rtype, names=None, tag=None):
    body = ram.call("ListTagResources", ResourceType=rtype, ResourceNames=names, Tag=tag)
    rows = body.get("TagResources")
    assert isinstance(rows, list), f"TagResources must be a bare array: {body}"
    return sorted((r["ResourceName"], r["ResourceType"], r["TagKey"], r["TagValue"]) for r in rows)


@pytest.mark.parametrize("rtype", ["role", "policy"])
def test_role_and_policy_tags(ram, account, rtype):
    names = []
    for _ in range(2):
        if rtype == "role":
            n = unique("role")
            ram.call("CreateRole", RoleName=n, AssumeRolePolicyDocument=trust(account.account_id))
        else:
            n = unique("pol")
            ram.call("CreatePolicy", PolicyName=n, PolicyDocument=simple())
        names.append(n)
    a, b = names
    assert set(ram.call("TagResources", ResourceType=rtype, ResourceNames=[a, b],
                        Tag=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "x"}])) == {"RequestId"}
    assert _tag_rows(ram, rtype, [a, b]) == sorted([
        (a, rtype, "env", "dev"), (a, rtype, "team", "x"), (b, rtype, "env", "dev"), (b, rtype, "team", "x")])
    # overwrite a value on one resource
    ram.call("TagResources", ResourceType=rtype, ResourceNames=[b], Tag=[{"Key": "env", "Value": "prod"}])
    assert _tag_rows(ram, rtype, [b]) == [(b, rtype, "env", "prod"), (b, rtype, "team", "x")]
    # filter by tag
    assert {r[0] for r in _tag_rows(ram, rtype, tag=[{"Key": "env", "Value": "prod"}])} == {b}
    # untag by key, then All
    ram.call("UntagResources", ResourceType=rtype, ResourceNames=[a, b], TagKeys=["team"])
    assert _tag_rows(ram, rtype, [a, b]) == sorted([(a, rtype, "env", "dev"), (b, rtype, "env", "prod")])
    ram.call("UntagResources", ResourceType=rtype, ResourceNames=[a], All=True)
    assert _tag_rows(ram, rtype, [a, b]) == [(b, rtype, "env", "prod")]


def test_tags_on_unknown_resources(tea):
    expect_error(lambda: tea.call("TagResources", ResourceType="role", ResourceNames=[unique("ghost")],
                                  Tag=[{"Key": "k", "Value": "v"}]), 404, "EntityNotExist.Role")
    expect_error(lambda: tea.call("TagResources", ResourceType="policy", ResourceNames=[unique("ghost")],
                                  Tag=[{"Key": "k", "Value": "v"}]), 404, "EntityNotExist.Policy")
