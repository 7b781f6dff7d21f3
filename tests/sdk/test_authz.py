"""Authorization of RAM and IMS calls made by RAM users (policy.md 3-5, 7, 10; ram.md 4.3, 5.2, 9):
implicit deny with its AccessDeniedDetail and DecodeDiagnosticMessage, grants through custom,
group and system policies, revocation (detach, leaving the group, switching the default
version, explicit Deny), NotAction/NotResource, resource patterns, the seed's "All Resources"
rule for ram:UntagResources, condition keys, cross-account isolation, and that a refused request
changes nothing. Calls go through the official Tea SDKs (V3 unless stated)."""
from __future__ import annotations

import pytest

from authz_helpers import (ACCOUNT_POLICY, allow, attach, create_policy, decode, deny, detach, doc, expect_denied,
                           new_user, policy_res, system_policy_res, user_denied, user_res)
from helpers import ApiError, expect_error, unique, user_tags

# ------------------------------------------------------------------------------- helpers


def target(account, name=None, tags=None):
    """A user made by the root (the thing RAM users act on); returns (name, user id)."""
    name = name or unique("t")
    uid = account.api().call("CreateUser", UserName=name)["User"]["UserId"]
    if tags:
        account.api(product="ims").call("TagResources", ResourceType="user", ResourceId=[uid],
                                        Tag=[{"Key": k, "Value": v} for k, v in tags.items()])
    return name, uid


def get_user(user, name):
    return user.ram().call("GetUser", UserName=name)["User"]


def denied_get(user, name, **kw):
    return user_denied(user, lambda: user.ram().call("GetUser", UserName=name), "ram:GetUser",
                       user_res(user.account.account_id, name), **kw)


def exists(account, name):
    try:
        account.api().call("GetUser", UserName=name)
        return True
    except ApiError as e:
        assert (e.status, e.code) == (404, "EntityNotExist.User"), e
        return False


# ------------------------------------------------------------------------------- implicit deny

def test_user_without_policy_is_implicitly_denied(account):
    u = new_user(account)
    t, tid = target(account)
    err = denied_get(u, t)
    # the same refusal through IMS (user named by logon name) and through the old core
    user_denied(u, lambda: u.ims().call("GetUser", UserPrincipalName=account.upn(t)), "ram:GetUser",
                user_res(account.account_id, t))
    user_denied(u, lambda: u.ims().call("GetUser", UserId=tid), "ram:GetUser", user_res(account.account_id, t))
    fresh = unique("n")
    user_denied(u, lambda: u.ram("tea_v2").call("CreateUser", UserName=fresh), "ram:CreateUser",
                user_res(account.account_id, fresh))
    e = expect_error(lambda: u.ram("core_post").call("GetUser", UserName=t), 403, "NoPermission")
    assert e.message.startswith("You are not authorized to do this action. You should be authorized by RAM."), e.message
    # list actions are authorized on "*"
    user_denied(u, lambda: u.ram().call("ListUsers"), "ram:ListUsers", "*")
    user_denied(u, lambda: u.ram().call("ListPolicies"), "ram:ListPolicies", "*")

    d = decode(account, err.data["AccessDeniedDetail"]["EncodedDiagnosticMessage"])
    assert d["AuthAction"] == "ram:GetUser"
    assert d["AuthResource"] == user_res(account.account_id, t)
    assert d["AuthPrincipal"] == {"AuthPrincipalType": "SubUser", "AuthPrincipalOwnerId": account.account_id,
                                  "AuthPrincipalDisplayName": u.user_id}
    assert d["ExplicitDeny"] is False
    assert d["NoPermissionPolicyType"] == ACCOUNT_POLICY
    assert not d.get("MatchedPolicies")
    conds = {c["ConditionKey"]: c["ConditionValues"] for c in d["AuthConditions"]}
    assert conds.get("acs:SourceIp") == ["127.0.0.1"], conds
    assert conds.get("acs:SecureTransport") == ["false"], conds
    assert "acs:CurrentTime" in conds, conds


def test_diagnostic_message_is_only_decoded_by_its_account(account, other_account):
    u = new_user(account)
    err = user_denied(u, lambda: u.ram().call("ListUsers"), "ram:ListUsers", "*")
    enc = err.data["AccessDeniedDetail"]["EncodedDiagnosticMessage"]
    expect_error(lambda: other_account.api().call("DecodeDiagnosticMessage", EncodedDiagnosticMessage=enc), 400,
                 prefix="InvalidParameter")
    expect_error(lambda: account.api().call("DecodeDiagnosticMessage", EncodedDiagnosticMessage="not-a-message"),
                 400, prefix="InvalidParameter")
    # a RAM user needs ram:DecodeDiagnosticMessage (on "*") to decode
    user_denied(u, lambda: u.ram().call("DecodeDiagnosticMessage", EncodedDiagnosticMessage=enc),
                "ram:DecodeDiagnosticMessage", "*")
    attach(account, "User", u.name, create_policy(account, doc(allow("ram:DecodeDiagnosticMessage"))))
    assert u.ram().call("DecodeDiagnosticMessage",
                        EncodedDiagnosticMessage=enc)["DecodedDiagnosticMessage"]["AuthAction"] == "ram:ListUsers"


def test_get_caller_identity_needs_no_permission(account):
    u = new_user(account)
    body = u.sts().call("GetCallerIdentity")
    assert body["IdentityType"] == "RAMUser" and body["UserId"] == u.user_id


# ------------------------------------------------------------------------------- grants and revocation

def test_custom_policy_grants_and_detach_revokes(account):
    u = new_user(account)
    t, tid = target(account)
    pol = create_policy(account, doc(allow("ram:GetUser", f"acs:ram:*:{account.account_id}:user/*")))
    attach(account, "User", u.name, pol)
    assert get_user(u, t)["UserId"] == tid
    # ListUsers is on "*", which user/* does not cover
    user_denied(u, lambda: u.ram().call("ListUsers"), "ram:ListUsers", "*")
    user_denied(u, lambda: u.ram().call("UpdateUser", UserName=t, NewDisplayName="x"), "ram:UpdateUser",
                user_res(account.account_id, t))
    detach(account, "User", u.name, pol)
    denied_get(u, t)


def test_group_policy_applies_to_members_only(account):
    g = unique("g")
    account.api().call("CreateGroup", GroupName=g)
    attach(account, "Group", g, create_policy(account, doc(allow("ram:GetUser"))))
    u = new_user(account)
    t, _ = target(account)
    denied_get(u, t)
    account.api().call("AddUserToGroup", GroupName=g, UserName=u.name)
    assert get_user(u, t)["UserName"] == t
    account.api().call("RemoveUserFromGroup", GroupName=g, UserName=u.name)
    denied_get(u, t)


def test_system_policies_grant_what_they_say(account):
    u = new_user(account)
    t, tid = target(account, tags={"k": "v"})
    attach(account, "User", u.name, "AliyunRAMReadOnlyAccess", "System")
    assert get_user(u, t)["UserId"] == tid
    assert t in [x["UserName"] for x in u.ram().call("ListUsers")["Users"]["User"]]
    assert u.ims().call("ListTagResources", ResourceType="user", ResourceId=[tid])["TagResources"]["TagResource"]
    user_denied(u, lambda: u.ram().call("CreateUser", UserName="nn-1"), "ram:CreateUser",
                user_res(account.account_id, "nn-1"))
    user_denied(u, lambda: u.ims().call("UntagResources", ResourceType="user", ResourceId=[tid], TagKey=["k"]),
                "ram:UntagResources", "*")
    # ReadOnlyAccess: reads of every service, no tagging
    detach(account, "User", u.name, "AliyunRAMReadOnlyAccess", "System")
    attach(account, "User", u.name, "ReadOnlyAccess", "System")
    assert get_user(u, t)["UserId"] == tid
    user_denied(u, lambda: u.ims().call("TagResources", ResourceType="user", ResourceId=[tid],
                                        Tag=[{"Key": "a", "Value": "b"}]), "ram:TagResources", "*")
    # AliyunRAMFullAccess: everything in RAM
    attach(account, "User", u.name, "AliyunRAMFullAccess", "System")
    u.ram().call("CreateUser", UserName="nn-1")
    u.ims().call("UntagResources", ResourceType="user", ResourceId=[tid], TagKey=["k"])
    assert user_tags(account.api(product="ims"), tid) == {}
    # AdministratorAccess alone
    admin = new_user(account, system=["AdministratorAccess"])
    admin.ram().call("DeleteUser", UserName="nn-1")
    assert not exists(account, "nn-1")


def test_switching_the_default_version_changes_the_decision(account):
    u = new_user(account)
    t, _ = target(account)
    pol = create_policy(account, doc(allow("ram:GetUser")))
    attach(account, "User", u.name, pol)
    root = account.api()
    root.call("CreatePolicyVersion", PolicyName=pol, PolicyDocument=doc(allow("ram:ListUsers")))
    assert get_user(u, t)["UserName"] == t, "only the default version (v1) counts"
    user_denied(u, lambda: u.ram().call("ListUsers"), "ram:ListUsers", "*")
    root.call("SetDefaultPolicyVersion", PolicyName=pol, VersionId="v2")
    denied_get(u, t)
    assert u.ram().call("ListUsers")["Users"]["User"]
    root.call("SetDefaultPolicyVersion", PolicyName=pol, VersionId="v1")
    assert get_user(u, t)["UserName"] == t


def test_explicit_deny_wins_and_is_explained(account):
    """policy.md 10.1: Allow ram:* + Deny ram:Delete* -> DeleteUser explicitly denied, GetUser allowed."""
    u = new_user(account)
    t, _ = target(account)
    pol = create_policy(account, doc(allow("ram:*"), deny("ram:Delete*")))
    attach(account, "User", u.name, pol)
    assert get_user(u, t)["UserName"] == t
    err = user_denied(u, lambda: u.ram().call("DeleteUser", UserName=t), "ram:DeleteUser",
                      user_res(account.account_id, t), explicit=True, matched=f"statement 2 of the Custom policy {pol} (v1)")
    assert exists(account, t)
    d = decode(account, err.data["AccessDeniedDetail"]["EncodedDiagnosticMessage"])
    assert d["ExplicitDeny"] is True
    assert d["NoPermissionPolicyType"] == ACCOUNT_POLICY
    assert d["MatchedPolicies"] == [{"PolicyType": "Custom", "PolicyIdentifier": pol, "PolicyVersion": "v1",
                                     "Effect": "Deny", "AttachedEntityType": "RamUser", "AttachedScope": "Account"}]


def test_explicit_deny_from_a_group_and_a_later_version(account):
    g = unique("g")
    root = account.api()
    root.call("CreateGroup", GroupName=g)
    u = new_user(account, system=["AliyunRAMFullAccess"], groups=[g])
    pol = create_policy(account, doc(allow("ram:GetUser")))
    attach(account, "Group", g, pol)
    t, _ = target(account)
    u.ram().call("UpdateUser", UserName=t, NewDisplayName="before")
    root.call("CreatePolicyVersion", PolicyName=pol, SetAsDefault=True,
              PolicyDocument=doc(allow("ram:GetUser"), allow("ram:ListUsers"), deny("ram:UpdateUser")))
    err = user_denied(u, lambda: u.ram().call("UpdateUser", UserName=t, NewDisplayName="after"), "ram:UpdateUser",
                      user_res(account.account_id, t), explicit=True,
                      matched=f"statement 3 of the Custom policy {pol} (v2)")
    assert root.call("GetUser", UserName=t)["User"]["DisplayName"] == "before"
    d = decode(account, err.data["AccessDeniedDetail"]["EncodedDiagnosticMessage"])
    assert [(m["PolicyIdentifier"], m["PolicyVersion"], m["AttachedEntityType"], m["Effect"])
            for m in d["MatchedPolicies"]] == [(pol, "v2", "RamGroup", "Deny")]


def test_action_names_match_case_insensitively(account):
    """policy.md 10.13 / 3.2: Action matching is case-insensitive."""
    u = new_user(account, documents=[doc(allow("RAM:getuser"))])
    t, _ = target(account)
    assert get_user(u, t)["UserName"] == t
    user_denied(u, lambda: u.ram().call("ListUsers"), "ram:ListUsers", "*")


# ------------------------------------------------------------------------------- NotAction / NotResource / patterns

def test_not_action(account):
    """policy.md 10.4: Allow NotAction ram:Delete* -> everything except deletes."""
    u = new_user(account, documents=[doc(allow(not_action=["ram:Delete*"]))])
    name = unique("n")
    u.ram().call("CreateUser", UserName=name)
    assert get_user(u, name)["UserName"] == name
    user_denied(u, lambda: u.ram().call("DeleteUser", UserName=name), "ram:DeleteUser",
                user_res(account.account_id, name))
    assert exists(account, name)


def test_deny_with_not_action(account):
    """Deny everything that is not a read, on top of full access."""
    u = new_user(account, system=["AliyunRAMFullAccess"], documents=[doc(deny(not_action=["ram:Get*", "ram:List*"]))])
    t, _ = target(account)
    assert get_user(u, t)["UserName"] == t
    user_denied(u, lambda: u.ram().call("CreateUser", UserName="x-1"), "ram:CreateUser",
                user_res(account.account_id, "x-1"), explicit=True)
    assert not exists(account, "x-1")


def test_not_resource(account):
    acct = account.account_id
    u = new_user(account, documents=[doc(allow("ram:GetUser", not_resource=[f"acs:ram:*:{acct}:user/admin-*"]))])
    plain, _ = target(account)
    admin, _ = target(account, unique("admin"))
    assert get_user(u, plain)["UserName"] == plain
    denied_get(u, admin)


def test_resource_pattern(account):
    """policy.md 10.5: user/dev-* allows GetUser for dev-alice, not for alice."""
    acct = account.account_id
    u = new_user(account, documents=[doc(allow(["ram:GetUser", "ram:UpdateUser"], f"acs:ram:*:{acct}:user/dev-*"))])
    dev, _ = target(account, unique("dev"))
    other, _ = target(account, unique("alice"))
    assert get_user(u, dev)["UserName"] == dev
    u.ram().call("UpdateUser", UserName=dev, NewDisplayName="ok")
    denied_get(u, other)
    user_denied(u, lambda: u.ram().call("UpdateUser", UserName=other, NewDisplayName="no"), "ram:UpdateUser",
                user_res(acct, other))
    # `?` is exactly one character
    q = new_user(account, documents=[doc(allow("ram:GetUser", f"acs:ram:*:{acct}:user/q-?"))])
    target(account, "q-1")
    target(account, "q-12")
    assert get_user(q, "q-1")["UserName"] == "q-1"
    denied_get(q, "q-12")


def test_role_and_group_resources(account):
    acct = account.account_id
    root = account.api()
    t = doc_trust(acct)
    dev, other = unique("dev"), unique("ops")
    for r in (dev, other):
        root.call("CreateRole", RoleName=r, AssumeRolePolicyDocument=t)
        root.call("CreateGroup", GroupName=r)
    u = new_user(account, documents=[doc(allow(["ram:GetRole", "ram:GetGroup"],
                                               [f"acs:ram:*:{acct}:role/dev-*", f"acs:ram:*:{acct}:group/dev-*"]))])
    assert u.ram().call("GetRole", RoleName=dev)["Role"]["RoleName"] == dev
    assert u.ram().call("GetGroup", GroupName=dev)["Group"]["GroupName"] == dev
    user_denied(u, lambda: u.ram().call("GetRole", RoleName=other), "ram:GetRole", f"acs:ram:*:{acct}:role/{other}")
    user_denied(u, lambda: u.ram().call("GetGroup", GroupName=other), "ram:GetGroup", f"acs:ram:*:{acct}:group/{other}")
    user_denied(u, lambda: u.ram().call("ListRoles"), "ram:ListRoles", "*")
    user_denied(u, lambda: u.ram().call("ListGroups"), "ram:ListGroups", "*")
    user_denied(u, lambda: u.ram().call("DeleteRole", RoleName=dev), "ram:DeleteRole", f"acs:ram:*:{acct}:role/{dev}")
    pol = create_policy(account, doc(allow("ram:GetUser")))
    user_denied(u, lambda: u.ram().call("GetPolicy", PolicyName=pol, PolicyType="Custom"), "ram:GetPolicy",
                policy_res(acct, pol))
    user_denied(u, lambda: u.ram().call("GetPolicy", PolicyName="AdministratorAccess", PolicyType="System"),
                "ram:GetPolicy", system_policy_res("AdministratorAccess"))


def test_policies_follow_a_renamed_user(account):
    acct = account.account_id
    u = new_user(account, system=["AliyunRAMReadOnlyAccess"])
    # the user's credentials are in use (and cached by the server) before the rename
    assert u.sts().call("GetCallerIdentity")["Arn"] == f"acs:ram::{acct}:user/{u.name}"
    new = unique("renamed")
    account.api().call("UpdateUser", UserName=u.name, NewUserName=new)
    assert u.ram().call("ListUsers")["Users"]["User"], "attachments follow the user, not its old name"
    who = u.sts().call("GetCallerIdentity")
    assert who["Arn"] == f"acs:ram::{acct}:user/{new}" and who["UserId"] == u.user_id
    expect_denied(lambda: u.ram().call("CreateUser", UserName="x-2"), action="ram:CreateUser",
                  resource=user_res(acct, "x-2"), principal_arn=f"acs:ram::{acct}:user/{new}", account_id=acct,
                  display_name=u.user_id)


def test_access_key_calls_without_user_name_use_the_callers_arn(account):
    u = new_user(account)
    other, _ = target(account)
    user_denied(u, lambda: u.ram().call("ListAccessKeys"), "ram:ListAccessKeys", u.res)
    attach(account, "User", u.name, create_policy(account, doc(allow("ram:ListAccessKeys", u.res))))
    keys = u.ram().call("ListAccessKeys")["AccessKeys"]["AccessKey"]
    assert [k["AccessKeyId"] for k in keys] == [u.ak]
    user_denied(u, lambda: u.ram().call("ListAccessKeys", UserName=other), "ram:ListAccessKeys",
                user_res(account.account_id, other))


def test_own_access_key_rights_do_not_reach_other_users_keys(account):
    """Rights on one's own user ARN; another user's key named without UserName is not reachable."""
    u = new_user(account)
    attach(account, "User", u.name, create_policy(account, doc(allow("ram:*AccessKey*", u.res))))
    victim = new_user(account)
    for api in (u.ram(), u.ims()):
        err = expect_error(lambda: api.call("UpdateAccessKey", UserAccessKeyId=victim.ak, Status="Inactive"))
        assert err.status in (403, 404), (err.status, err.code, err.message)
        err = expect_error(lambda: api.call("DeleteAccessKey", UserAccessKeyId=victim.ak))
        assert err.status in (403, 404), (err.status, err.code, err.message)
    keys = account.api().call("ListAccessKeys", UserName=victim.name)["AccessKeys"]["AccessKey"]
    assert [(k["AccessKeyId"], k["Status"]) for k in keys] == [(victim.ak, "Active")]
    user_denied(u, lambda: u.ram().call("UpdateAccessKey", UserName=victim.name, UserAccessKeyId=victim.ak,
                                        Status="Inactive"), "ram:UpdateAccessKey", victim.res)
    # and its own key it may manage
    u.ram().call("UpdateAccessKey", UserAccessKeyId=u.ak, Status="Active")


# ------------------------------------------------------------------------------- the seed's UntagResources rule

@pytest.mark.parametrize("resource_kind", ["star", "list-with-star", "user-star", "account-star"])
def test_untag_resources_needs_a_statement_on_all_resources(account, resource_kind):
    """policy.md 3.3 / 10.6: ram:UntagResources has no resource-level permission; only Resource "*"
    grants it; `acs:ram:*:<acct>:user/*` does not."""
    acct = account.account_id
    resource = {"star": "*", "list-with-star": [f"acs:ram:*:{acct}:user/nobody", "*"],
                "user-star": f"acs:ram:*:{acct}:user/*", "account-star": f"acs:ram:*:{acct}:*"}[resource_kind]
    u = new_user(account, documents=[doc(allow("ram:UntagResources", resource))])
    _, tid = target(account, tags={"team": "dev", "env": "x"})
    call = lambda: u.ims().call("UntagResources", ResourceType="user", ResourceId=[tid], TagKey=["team"])
    if resource_kind in ("star", "list-with-star"):
        call()
        assert user_tags(account.api(product="ims"), tid) == {"env": "x"}
    else:
        user_denied(u, call, "ram:UntagResources", "*")
        assert user_tags(account.api(product="ims"), tid) == {"team": "dev", "env": "x"}


def test_ram_classic_tag_actions_are_on_all_resources(account):
    """RAM-classic TagResources/UntagResources (roles, policies) are authorized on "*" as well."""
    acct = account.account_id
    role = unique("role")
    account.api().call("CreateRole", RoleName=role, AssumeRolePolicyDocument=doc_trust(acct))
    narrow = new_user(account, documents=[doc(allow(["ram:TagResources", "ram:UntagResources"],
                                                    f"acs:ram:*:{acct}:role/*"))])
    user_denied(narrow, lambda: narrow.ram().call("TagResources", ResourceType="role", ResourceNames=[role],
                                                  Tag=[{"Key": "k", "Value": "v"}]), "ram:TagResources", "*")
    wide = new_user(account, documents=[doc(allow(["ram:TagResources", "ram:UntagResources"]))])
    wide.ram().call("TagResources", ResourceType="role", ResourceNames=[role], Tag=[{"Key": "k", "Value": "v"}])
    user_denied(narrow, lambda: narrow.ram().call("UntagResources", ResourceType="role", ResourceNames=[role],
                                                  TagKeys=["k"]), "ram:UntagResources", "*")
    rows = account.api().call("ListTagResources", ResourceType="role", ResourceNames=[role])["TagResources"]
    assert [(r["TagKey"], r["TagValue"]) for r in rows] == [("k", "v")]
    wide.ram().call("UntagResources", ResourceType="role", ResourceNames=[role], TagKeys=["k"])
    assert account.api().call("ListTagResources", ResourceType="role", ResourceNames=[role])["TagResources"] == []


def doc_trust(acct):
    return ('{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",'
            '"Principal":{"RAM":["acs:ram::%s:root"]}}]}' % acct)


# ------------------------------------------------------------------------------- conditions

@pytest.mark.parametrize("operator,cidr,allowed", [
    ("IpAddress", "127.0.0.1/32", True),
    ("IpAddress", ["10.0.0.0/8", "127.0.0.0/8"], True),
    ("IpAddress", "10.0.0.0/8", False),
    ("NotIpAddress", "10.0.0.0/8", True),
    ("NotIpAddress", "127.0.0.1", False),
])
def test_source_ip(account, operator, cidr, allowed):
    u = new_user(account, documents=[doc(allow("ram:GetUser", condition={operator: {"acs:SourceIp": cidr}}))])
    t, _ = target(account)
    if allowed:
        assert get_user(u, t)["UserName"] == t
    else:
        denied_get(u, t)


@pytest.mark.parametrize("operator,when,allowed", [
    ("DateLessThan", "2001-01-01T00:00:00Z", False),
    ("DateLessThan", "2999-01-01T00:00:00Z", True),
    ("DateGreaterThan", "2001-01-01T00:00:00+08:00", True),
    ("DateGreaterThan", "2999-01-01T00:00:00Z", False),
])
def test_current_time(account, operator, when, allowed):
    u = new_user(account, documents=[doc(allow("ram:GetUser", condition={operator: {"acs:CurrentTime": when}}))])
    t, _ = target(account)
    if allowed:
        assert get_user(u, t)["UserName"] == t
    else:
        denied_get(u, t)


@pytest.mark.parametrize("value,allowed", [("true", False), ("false", True)])
def test_secure_transport_is_false_on_plain_http(account, value, allowed):
    u = new_user(account, documents=[doc(allow("ram:GetUser", condition={"Bool": {"acs:SecureTransport": value}}))])
    t, _ = target(account)
    if allowed:
        assert get_user(u, t)["UserName"] == t
    else:
        denied_get(u, t)


def test_conditions_are_anded(account):
    cond = {"IpAddress": {"acs:SourceIp": "127.0.0.1/32"}, "DateLessThan": {"acs:CurrentTime": "2001-01-01T00:00:00Z"}}
    u = new_user(account, documents=[doc(allow("ram:GetUser", condition=cond))])
    t, _ = target(account)
    denied_get(u, t)


def test_deny_from_an_address_range(account):
    """A Deny that applies outside 127.0.0.0/8 does not apply locally; one that applies inside does."""
    u = new_user(account, system=["AliyunRAMReadOnlyAccess"],
                 documents=[doc(deny("ram:*", condition={"NotIpAddress": {"acs:SourceIp": "127.0.0.0/8"}}))])
    t, _ = target(account)
    assert get_user(u, t)["UserName"] == t
    pol = create_policy(account, doc(deny("ram:GetUser", condition={"IpAddress": {"acs:SourceIp": "127.0.0.0/8"}})))
    attach(account, "User", u.name, pol)
    denied_get(u, t, explicit=True, matched=f"statement 1 of the Custom policy {pol} (v1)")


def test_resource_tag(account):
    """policy.md 10.10: StringEquals acs:ResourceTag/team = dev on GetUser."""
    u = new_user(account, documents=[doc(allow("ram:GetUser", condition={"StringEquals": {"acs:ResourceTag/team": "dev"}}))])
    tagged, _ = target(account, tags={"team": "dev"})
    untagged, _ = target(account)
    other, _ = target(account, tags={"team": "ops"})
    wrong_case, _ = target(account, tags={"Team": "dev"})
    assert get_user(u, tagged)["UserName"] == tagged
    denied_get(u, untagged)
    denied_get(u, other)
    denied_get(u, wrong_case)


def test_request_tag_on_ims_tag_resources(account):
    u = new_user(account, documents=[doc(allow("ram:TagResources", condition={"StringEquals": {"acs:RequestTag/env": "dev"}}))])
    _, tid = target(account)
    tag = lambda **kv: u.ims().call("TagResources", ResourceType="user", ResourceId=[tid],
                                    Tag=[{"Key": k, "Value": v} for k, v in kv.items()])
    tag(env="dev")
    assert user_tags(account.api(product="ims"), tid) == {"env": "dev"}
    user_denied(u, lambda: tag(env="prod"), "ram:TagResources", "*")
    user_denied(u, lambda: tag(team="a"), "ram:TagResources", "*")
    assert user_tags(account.api(product="ims"), tid) == {"env": "dev"}


def test_request_tag_on_ram_classic_tags_and_ims_create_user(account):
    acct = account.account_id
    cond = {"StringEquals": {"acs:RequestTag/env": "dev"}}
    u = new_user(account, documents=[doc(allow(["ram:TagResources", "ram:CreateUser"], "*", condition=cond),
                                         allow("ram:CreateUser", f"acs:ram:*:{acct}:user/*", condition=cond))])
    pol = create_policy(account, doc(allow("ram:GetUser")))
    u.ram().call("TagResources", ResourceType="policy", ResourceNames=[pol], Tag=[{"Key": "env", "Value": "dev"}])
    user_denied(u, lambda: u.ram().call("TagResources", ResourceType="policy", ResourceNames=[pol],
                                        Tag=[{"Key": "env", "Value": "prod"}]), "ram:TagResources", "*")
    rows = account.api().call("ListTagResources", ResourceType="policy", ResourceNames=[pol])["TagResources"]
    assert [(r["TagKey"], r["TagValue"]) for r in rows] == [("env", "dev")]
    # IMS CreateUser carries its tags as Tag.N: acs:RequestTag applies to them
    ok, bad = unique("rt"), unique("rt")
    u.ims().call("CreateUser", UserPrincipalName=account.upn(ok), DisplayName="ok",
                 Tag=[{"Key": "env", "Value": "dev"}])
    assert exists(account, ok)
    user_denied(u, lambda: u.ims().call("CreateUser", UserPrincipalName=account.upn(bad), DisplayName="bad"), "ram:CreateUser",
                user_res(acct, bad))
    assert not exists(account, bad)


def test_tag_keys_on_ims_tag_and_untag(account):
    u = new_user(account, documents=[doc(
        allow(["ram:TagResources", "ram:UntagResources"]),
        deny(["ram:TagResources", "ram:UntagResources"], condition={"StringEquals": {"acs:TagKeys": "owner"}}))])
    _, tid = target(account)
    ims = u.ims()
    ims.call("TagResources", ResourceType="user", ResourceId=[tid], Tag=[{"Key": "env", "Value": "1"}])
    user_denied(u, lambda: ims.call("TagResources", ResourceType="user", ResourceId=[tid],
                                    Tag=[{"Key": "env", "Value": "2"}, {"Key": "owner", "Value": "me"}]),
                "ram:TagResources", "*", explicit=True)
    root_ims = account.api(product="ims")
    assert user_tags(root_ims, tid) == {"env": "1"}
    root_ims.call("TagResources", ResourceType="user", ResourceId=[tid], Tag=[{"Key": "owner", "Value": "root"}])
    user_denied(u, lambda: ims.call("UntagResources", ResourceType="user", ResourceId=[tid], TagKey=["owner"]),
                "ram:UntagResources", "*", explicit=True)
    ims.call("UntagResources", ResourceType="user", ResourceId=[tid], TagKey=["env"])
    assert user_tags(root_ims, tid) == {"owner": "root"}


# ------------------------------------------------------------------------------- attach checks entity and policy

def test_attach_checks_the_entity_and_the_policy(account):
    acct = account.account_id
    u = new_user(account, documents=[doc(allow(["ram:AttachPolicyToUser", "ram:DetachPolicyFromUser"],
                                               f"acs:ram:*:{acct}:user/*"))])
    # escalating to AdministratorAccess needs the policy resource too
    user_denied(u, lambda: u.ram().call("AttachPolicyToUser", PolicyType="System", PolicyName="AdministratorAccess",
                                        UserName=u.name), "ram:AttachPolicyToUser",
                system_policy_res("AdministratorAccess"))
    mine = create_policy(account, doc(allow("ram:GetUser")))
    user_denied(u, lambda: u.ram().call("AttachPolicyToUser", PolicyType="Custom", PolicyName=mine, UserName=u.name),
                "ram:AttachPolicyToUser", policy_res(acct, mine))
    listed = account.api().call("ListPoliciesForUser", UserName=u.name)["Policies"]["Policy"]
    assert [p["PolicyName"] for p in listed if p["PolicyName"] in (mine, "AdministratorAccess")] == []
    attach(account, "User", u.name, create_policy(account, doc(allow("ram:AttachPolicyToUser", policy_res(acct, mine)))))
    u.ram().call("AttachPolicyToUser", PolicyType="Custom", PolicyName=mine, UserName=u.name)
    # detaching checks both as well
    ro = create_policy(account, doc(allow("ram:ListUsers")))
    attach(account, "User", u.name, ro)
    user_denied(u, lambda: u.ram().call("DetachPolicyFromUser", PolicyType="Custom", PolicyName=ro, UserName=u.name),
                "ram:DetachPolicyFromUser", policy_res(acct, ro))
    assert ro in [p["PolicyName"] for p in account.api().call("ListPoliciesForUser", UserName=u.name)["Policies"]["Policy"]]
    # only the user resource is allowed for groups, not the group
    g = unique("g")
    account.api().call("CreateGroup", GroupName=g)
    user_denied(u, lambda: u.ram().call("AttachPolicyToGroup", PolicyType="Custom", PolicyName=mine, GroupName=g),
                "ram:AttachPolicyToGroup", f"acs:ram:*:{acct}:group/{g}")


# ------------------------------------------------------------------------------- refused requests change nothing

def test_denied_requests_change_nothing(account):
    acct = account.account_id
    root, root_ims = account.api(), account.api(product="ims")
    u = new_user(account)
    t, tid = target(account, tags={"keep": "1"})
    name = unique("new")
    user_denied(u, lambda: u.ram().call("CreateUser", UserName=name), "ram:CreateUser", user_res(acct, name))
    assert not exists(account, name)
    user_denied(u, lambda: u.ims().call("CreateUser", UserPrincipalName=account.upn(name), DisplayName="n"), "ram:CreateUser",
                user_res(acct, name))
    assert not exists(account, name)
    user_denied(u, lambda: u.ram().call("UpdateUser", UserName=t, NewUserName=name), "ram:UpdateUser", user_res(acct, t))
    assert exists(account, t) and not exists(account, name)
    user_denied(u, lambda: u.ram().call("DeleteUser", UserName=t), "ram:DeleteUser", user_res(acct, t))
    assert exists(account, t)
    user_denied(u, lambda: u.ims().call("TagResources", ResourceType="user", ResourceId=[tid],
                                        Tag=[{"Key": "x", "Value": "y"}]), "ram:TagResources", "*")
    user_denied(u, lambda: u.ims().call("UntagResources", ResourceType="user", ResourceId=[tid], All=True),
                "ram:UntagResources", "*")
    assert user_tags(root_ims, tid) == {"keep": "1"}
    pol = unique("pol")
    user_denied(u, lambda: u.ram().call("CreatePolicy", PolicyName=pol, PolicyDocument=doc(allow("*"))),
                "ram:CreatePolicy", policy_res(acct, pol))
    expect_error(lambda: root.call("GetPolicy", PolicyName=pol, PolicyType="Custom"), 404, "EntityNotExist.Policy")
    user_denied(u, lambda: u.ram().call("AttachPolicyToUser", PolicyType="System", PolicyName="AdministratorAccess",
                                        UserName=u.name), "ram:AttachPolicyToUser", u.res)
    assert not (root.call("ListPoliciesForUser", UserName=u.name).get("Policies") or {}).get("Policy")
    user_denied(u, lambda: u.ram().call("CreateAccessKey"), "ram:CreateAccessKey", u.res)
    assert len(root.call("ListAccessKeys", UserName=u.name)["AccessKeys"]["AccessKey"]) == 1
    g = unique("g")
    user_denied(u, lambda: u.ram().call("CreateGroup", GroupName=g), "ram:CreateGroup", f"acs:ram:*:{acct}:group/{g}")
    expect_error(lambda: root.call("GetGroup", GroupName=g), 404, "EntityNotExist.Group")
    # even a denied request for something that does not exist is a denial, not a 404
    user_denied(u, lambda: u.ram().call("GetUser", UserName="ghost-user"), "ram:GetUser", user_res(acct, "ghost-user"))


# ------------------------------------------------------------------------------- accounts

def test_other_accounts_are_invisible_even_to_an_administrator(account, other_account):
    a_user, a_uid = target(account)
    a_pol = create_policy(account, doc(allow("ram:GetUser")))
    b_admin = new_user(other_account, system=["AdministratorAccess"])
    b = b_admin.ram()
    expect_error(lambda: b.call("GetUser", UserName=a_user), 404, "EntityNotExist.User")
    expect_error(lambda: b_admin.ims().call("GetUser", UserId=a_uid), 404, "EntityNotExist.User")
    expect_error(lambda: b.call("DeleteUser", UserName=a_user), 404, "EntityNotExist.User")
    expect_error(lambda: b.call("UpdateUser", UserName=a_user, NewDisplayName="pwned"), 404, "EntityNotExist.User")
    expect_error(lambda: b_admin.ims().call("TagResources", ResourceType="user", ResourceId=[a_uid],
                                            Tag=[{"Key": "x", "Value": "y"}]), 404, "EntityNotExist.User")
    listed = [x["UserName"] for x in b.call("ListUsers")["Users"]["User"]]
    assert a_user not in listed and b_admin.name in listed
    expect_error(lambda: b.call("GetPolicy", PolicyName=a_pol, PolicyType="Custom"), 404, "EntityNotExist.Policy")
    expect_error(lambda: b.call("AttachPolicyToUser", PolicyType="Custom", PolicyName=a_pol, UserName=b_admin.name),
                 404, "EntityNotExist.Policy")
    assert exists(account, a_user)
    assert account.api().call("GetUser", UserName=a_user)["User"].get("DisplayName") != "pwned"
    assert user_tags(account.api(product="ims"), a_uid) == {}
    # account A's policies never apply to B's users: B's user without policies stays denied
    b_plain = new_user(other_account)
    user_denied(b_plain, lambda: b_plain.ram().call("ListUsers"), "ram:ListUsers", "*")
