"""STS 2015-04-01 through alibabacloud-sts20150401 (ram.md 8, 3.4; policy.md 3.4, 5.1-5.3):
AssumeRole (caller permission, trust policy, root refusal, parameters, session policy,
ExternalId, cross-account), GetCallerIdentity for every identity, and the temporary credentials
on RPC V3 and V1 with their token errors, expiry included."""
from __future__ import annotations

import calendar
import time

import pytest

from authz_helpers import (ROOT_ASSUME_MESSAGE, SESSION_POLICY, TRUST_DENY_PREFIX, TRUST_POLICY, allow, assume_role,
                           create_role, deny, doc, expect_denied, expire_sts_credential, new_user, role_arn, root_arn,
                           sts_api, trust, user_arn, user_denied, user_res)
from helpers import ISO_UTC, expect_error, unique


def epoch(iso: str) -> int:
    return calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ"))


@pytest.fixture
def caller(account):
    """A RAM user allowed to call sts:AssumeRole (AliyunSTSAssumeRoleAccess)."""
    return new_user(account, system=["AliyunSTSAssumeRoleAccess"])


def ram_reader_role(account, trust_doc=None, **kw):
    return create_role(account, trust_doc or trust(root_arn(account.account_id)), system=["AliyunRAMReadOnlyAccess"], **kw)


def session_denied(sess, role, session_name, fn, action, resource, **kw):
    return expect_denied(fn, action=action, resource=resource, principal_arn=sess.body["AssumedRoleUser"]["Arn"],
                         account_id=role["Arn"].split(":")[3], principal_type="AssumedRoleUser",
                         display_name=f"{role['RoleId']}:{session_name}", **kw)


# ------------------------------------------------------------------------------- AssumeRole

def test_assume_role_answer_and_session(account, caller):
    role = ram_reader_role(account)
    before = int(time.time())
    sess = assume_role(caller, role["Arn"], "alice.s-1")
    body = sess.body
    assert body["AssumedRoleUser"]["Arn"] == f"acs:ram::{account.account_id}:role/{role['RoleName']}/alice.s-1"
    assert body["AssumedRoleUser"]["AssumedRoleId"] == f"{role['RoleId']}:alice.s-1"
    c = body["Credentials"]
    assert c["AccessKeyId"].startswith("STS.") and len(c["AccessKeyId"]) > 8
    assert c["AccessKeySecret"] and c["SecurityToken"]
    assert ISO_UTC.match(c["Expiration"]), c["Expiration"]
    assert before + 3600 - 5 <= epoch(c["Expiration"]) <= int(time.time()) + 3600 + 5, "default duration 3600 s"
    assert body.get("RequestId")

    # the session works on RPC V3 (Tea default) and V1 (HMAC-SHA1, SecurityToken parameter)
    for v1 in (False, True):
        who = sess.sts(v1=v1).call("GetCallerIdentity")
        assert who["IdentityType"] == "AssumedRoleUser"
        assert who["AccountId"] == account.account_id
        assert who["RoleId"] == role["RoleId"]
        assert who["PrincipalId"] == f"{role['RoleId']}:alice.s-1"
        assert who["Arn"] in (body["AssumedRoleUser"]["Arn"],
                              f"acs:sts::{account.account_id}:assumed-role/{role['RoleName']}/alice.s-1")
        users = sess.ram(v1=v1).call("ListUsers")["Users"]["User"]
        assert caller.name in [u["UserName"] for u in users]
    assert sess.ims().call("GetUser", UserPrincipalName=account.upn(caller.name))["User"]["UserId"] == caller.user_id

    # the role's policies bound the session
    name = unique("n")
    err = session_denied(sess, role, "alice.s-1", lambda: sess.ram().call("CreateUser", UserName=name), "ram:CreateUser",
                         user_res(account.account_id, name))
    assert account.api().call("DecodeDiagnosticMessage", EncodedDiagnosticMessage=err.data["AccessDeniedDetail"][
        "EncodedDiagnosticMessage"])["DecodedDiagnosticMessage"]["AuthPrincipal"]["AuthPrincipalType"] == "AssumedRoleUser"
    expect_error(lambda: account.api().call("GetUser", UserName=name), 404, "EntityNotExist.User")


def test_session_follows_the_roles_policies(account, caller):
    role = ram_reader_role(account)
    sess = assume_role(caller, role["Arn"])
    assert sess.ram().call("ListUsers")["Users"]["User"]
    account.api().call("DetachPolicyFromRole", PolicyType="System", PolicyName="AliyunRAMReadOnlyAccess",
                       RoleName=role["RoleName"])
    session_denied(sess, role, "sess", lambda: sess.ram().call("ListUsers"), "ram:ListUsers", "*")


def test_root_cannot_assume_roles(account):
    role = ram_reader_role(account)
    err = expect_error(lambda: sts_api(account.port, account.ak, account.secret).call(
        "AssumeRole", RoleArn=role["Arn"], RoleSessionName="root"), 403, "NoPermission")
    assert ROOT_ASSUME_MESSAGE in err.message, err.message


def test_assume_role_needs_the_callers_permission(account):
    role = ram_reader_role(account)
    u = new_user(account)
    user_denied(u, lambda: u.sts().call("AssumeRole", RoleArn=role["Arn"], RoleSessionName="s1"), "sts:AssumeRole",
                role_arn(account.account_id, role["RoleName"]))
    # a custom policy on just that role works too; another role stays refused
    u2 = new_user(account, documents=[doc(allow("sts:AssumeRole", role["Arn"]))])
    assume_role(u2, role["Arn"])
    other = ram_reader_role(account)
    user_denied(u2, lambda: u2.sts().call("AssumeRole", RoleArn=other["Arn"], RoleSessionName="s1"), "sts:AssumeRole",
                other["Arn"])


@pytest.mark.parametrize("form", ["root", "user", "account-id"])
def test_trust_policy_principal_forms(account, caller, form):
    principal = {"root": root_arn(account.account_id), "user": user_arn(account.account_id, caller.name),
                 "account-id": account.account_id}[form]
    role = ram_reader_role(account, trust(principal))
    sess = assume_role(caller, role["Arn"])
    assert sess.sts().call("GetCallerIdentity")["RoleId"] == role["RoleId"]


def test_trust_policy_refusal(account, caller):
    role = ram_reader_role(account, trust(user_arn(account.account_id, "somebody-else")))
    err = expect_denied(lambda: caller.sts().call("AssumeRole", RoleArn=role["Arn"], RoleSessionName="s1"),
                        action="sts:AssumeRole", resource=role["Arn"], principal_arn=caller.arn,
                        account_id=account.account_id, display_name=caller.user_id, policy_type=TRUST_POLICY,
                        message_prefix=TRUST_DENY_PREFIX)
    assert err.data["AccessDeniedDetail"]["AuthAction"] == "sts:AssumeRole"
    # fixing the trust policy lets the same caller in
    account.api().call("UpdateRole", RoleName=role["RoleName"], NewAssumeRolePolicyDocument=trust(caller.arn))
    assume_role(caller, role["Arn"])


def test_trust_policy_deny_statement(account, caller):
    t = ('{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["%s"]}},'
         '{"Effect":"Deny","Action":"sts:AssumeRole","Principal":{"RAM":["%s"]}}]}'
         % (root_arn(account.account_id), caller.arn))
    role = ram_reader_role(account, t)
    err = expect_error(lambda: caller.sts().call("AssumeRole", RoleArn=role["Arn"], RoleSessionName="s1"), 403,
                       "NoPermission")
    assert err.message.startswith(TRUST_DENY_PREFIX), err.message
    other = new_user(account, system=["AliyunSTSAssumeRoleAccess"])
    assume_role(other, role["Arn"])


def test_external_id(account, caller):
    t = trust(root_arn(account.account_id), condition={"StringEquals": {"sts:ExternalId": "abcd1234"}})
    role = ram_reader_role(account, t)
    for ext in (None, "wrong-id"):
        err = expect_error(lambda: caller.sts().call("AssumeRole", RoleArn=role["Arn"], RoleSessionName="s1",
                                                     ExternalId=ext), 403, "NoPermission")
        assert err.message.startswith(TRUST_DENY_PREFIX), err.message
    assume_role(caller, role["Arn"], ExternalId="abcd1234")


def test_unknown_role(account, caller):
    expect_error(lambda: caller.sts().call("AssumeRole", RoleArn=role_arn(account.account_id, unique("ghost")),
                                           RoleSessionName="s1"), 404, "EntityNotExist.Role")


@pytest.mark.parametrize("duration,ok", [(899, False), (900, True), (3600, True), (7200, True), (7201, False)])
def test_duration_seconds(account, caller, duration, ok):
    role = ram_reader_role(account, max_session=7200)
    call = lambda: assume_role(caller, role["Arn"], DurationSeconds=duration)
    if ok:
        before = int(time.time())
        exp = epoch(call().body["Credentials"]["Expiration"])
        assert before + duration - 5 <= exp <= int(time.time()) + duration + 5
    else:
        expect_error(call, 400, "InvalidParameter.DurationSeconds")


def test_duration_is_bounded_by_the_roles_max_session(account, caller):
    role = ram_reader_role(account)  # MaxSessionDuration 3600
    expect_error(lambda: assume_role(caller, role["Arn"], DurationSeconds=3601), 400, "InvalidParameter.DurationSeconds")


@pytest.mark.parametrize("name,ok", [
    ("ab", True), ("a.b@c_d-E9", True), ("x" * 64, True),
    ("a", False), ("x" * 65, False), ("has space", False), ("a/b", False), ("a:b", False),
])
def test_role_session_name(account, caller, name, ok):
    role = ram_reader_role(account)
    if ok:
        sess = assume_role(caller, role["Arn"], name)
        assert sess.body["AssumedRoleUser"]["AssumedRoleId"] == f"{role['RoleId']}:{name}"
    else:
        expect_error(lambda: assume_role(caller, role["Arn"], name), 400, "InvalidParameter.RoleSessionName")


@pytest.mark.parametrize("policy", [
    '{"Version": "1", "Statement": [',
    '{"Version": "1", "Statement": [{"Effect": "Maybe", "Action": "ram:Get*", "Resource": "*"}]}',
    '{"Version": "2", "Statement": [{"Effect": "Allow", "Action": "ram:Get*", "Resource": "*"}]}',
    '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ram:GetUser", "Resource": "*"}]}'.replace(
        '"*"', '"' + "x" * 2100 + '"'),
], ids=["bad-json", "bad-effect", "bad-version", "too-long"])
def test_bad_session_policy(account, caller, policy):
    role = ram_reader_role(account)
    expect_error(lambda: assume_role(caller, role["Arn"], Policy=policy), 400, "InvalidParameter.PolicyGrammar")


# ------------------------------------------------------------------------------- session policies

def test_session_policy_narrows_the_role(account, caller):
    """policy.md 10.11: role with AliyunRAMFullAccess, session policy ram:Get* -> GetUser only."""
    role = create_role(account, trust(root_arn(account.account_id)), system=["AliyunRAMFullAccess"])
    full = assume_role(caller, role["Arn"], "full")
    name = unique("made")
    full.ram().call("CreateUser", UserName=name)  # the role alone may

    narrow = assume_role(caller, role["Arn"], "narrow", Policy=doc(allow("ram:Get*")))
    assert narrow.ram().call("GetUser", UserName=name)["User"]["UserName"] == name
    other = unique("no")
    err = session_denied(narrow, role, "narrow", lambda: narrow.ram().call("CreateUser", UserName=other),
                         "ram:CreateUser", user_res(account.account_id, other), policy_type=SESSION_POLICY)
    expect_error(lambda: account.api().call("GetUser", UserName=other), 404, "EntityNotExist.User")
    d = account.api().call("DecodeDiagnosticMessage", EncodedDiagnosticMessage=err.data["AccessDeniedDetail"][
        "EncodedDiagnosticMessage"])["DecodedDiagnosticMessage"]
    assert d["NoPermissionPolicyType"] == SESSION_POLICY and d["ExplicitDeny"] is False
    session_denied(narrow, role, "narrow", lambda: narrow.ram().call("ListUsers"), "ram:ListUsers", "*",
                   policy_type=SESSION_POLICY)


def test_session_policy_cannot_widen_the_role(account, caller):
    role = ram_reader_role(account)
    sess = assume_role(caller, role["Arn"], Policy=doc(allow("*")))
    assert sess.ram().call("ListUsers")["Users"]["User"]
    name = unique("n")
    session_denied(sess, role, "sess", lambda: sess.ram().call("CreateUser", UserName=name), "ram:CreateUser",
                   user_res(account.account_id, name))


def test_session_policy_deny_is_explicit(account, caller):
    role = ram_reader_role(account)
    sess = assume_role(caller, role["Arn"], Policy=doc(allow("ram:*"), deny("ram:ListUsers")))
    assert sess.ram().call("GetUser", UserName=caller.name)["User"]["UserName"] == caller.name
    session_denied(sess, role, "sess", lambda: sess.ram().call("ListUsers"), "ram:ListUsers", "*",
                   policy_type=SESSION_POLICY, explicit=True, matched="statement 2 of the SessionPolicy policy")


# ------------------------------------------------------------------------------- GetCallerIdentity

def test_get_caller_identity_for_root_and_user(account):
    root = sts_api(account.port, account.ak, account.secret).call("GetCallerIdentity")
    assert root["IdentityType"] == "Account"
    assert root["AccountId"] == account.account_id
    assert root["Arn"] == root_arn(account.account_id)
    u = new_user(account)  # no policy at all: GetCallerIdentity needs none
    for v1 in (False, True):
        who = u.sts(v1=v1).call("GetCallerIdentity")
        assert who["IdentityType"] == "RAMUser"
        assert who["AccountId"] == account.account_id
        assert who["UserId"] == u.user_id
        assert who["PrincipalId"] == u.user_id
        assert who["Arn"] == user_arn(account.account_id, u.name)


# ------------------------------------------------------------------------------- temporary credential errors

def test_sts_key_without_or_with_a_wrong_token(account, caller):
    role = ram_reader_role(account)
    sess = assume_role(caller, role["Arn"])
    for v1 in (False, True):
        expect_error(lambda: sess.ram(v1=v1, token=None).call("ListUsers"), 400, "MissingSecurityToken")
        expect_error(lambda: sess.sts(v1=v1, token=sess.token[:-2] + "zz").call("GetCallerIdentity"), 400,
                     "InvalidSecurityToken.MismatchWithAccessKey")
    other = assume_role(caller, role["Arn"], "other")
    expect_error(lambda: sess.ram(token=other.token).call("ListUsers"), 400, "InvalidSecurityToken.MismatchWithAccessKey")
    assert sess.ram().call("ListUsers")["Users"]["User"]


def test_expired_credentials_are_refused(server, account, caller):
    """Expiry without waiting 15 minutes: the credential's expiry is moved into the past in the
    server's store (white box; skipped if the store layout is not the expected one)."""
    role = ram_reader_role(account)
    sess = assume_role(caller, role["Arn"])
    assert sess.ram().call("ListUsers")["Users"]["User"]
    if not expire_sts_credential(server.store, sess.ak):
        pytest.skip("cannot find the temporary credential in the store (layout changed); "
                    "expiry cannot be tested in under 20 s otherwise (DurationSeconds >= 900)")
    for v1 in (False, True):
        expect_error(lambda: sess.ram(v1=v1).call("ListUsers"), 400, "InvalidSecurityToken.Expired")
        expect_error(lambda: sess.sts(v1=v1).call("GetCallerIdentity"), 400, "InvalidSecurityToken.Expired")
    # a fresh session of the same role still works
    assert assume_role(caller, role["Arn"], "again").ram().call("ListUsers")["Users"]["User"]


def test_role_session_can_assume_another_role(account, caller):
    """Role chaining (policy.md 3.4): a trust policy naming `acs:ram::<acct>:role/<R1>` lets
    sessions of R1 assume the role; one naming the account root lets any identity of the account."""
    acct = account.account_id
    r1 = create_role(account, trust(root_arn(acct)), system=["AliyunSTSAssumeRoleAccess"])
    s1 = assume_role(caller, r1["Arn"], "first")
    by_root = ram_reader_role(account, trust(root_arn(acct)))
    hop = s1.sts().call("AssumeRole", RoleArn=by_root["Arn"], RoleSessionName="hop1")
    assert hop["AssumedRoleUser"]["AssumedRoleId"] == f"{by_root['RoleId']}:hop1"
    by_role = ram_reader_role(account, trust(role_arn(acct, r1["RoleName"])))
    hop = s1.sts().call("AssumeRole", RoleArn=by_role["Arn"], RoleSessionName="hop2")
    assert hop["AssumedRoleUser"]["AssumedRoleId"] == f"{by_role['RoleId']}:hop2"
    # the RAM user itself is not a session of r1
    err = expect_error(lambda: assume_role(caller, by_role["Arn"]), 403, "NoPermission")
    assert err.message.startswith(TRUST_DENY_PREFIX), err.message


# ------------------------------------------------------------------------------- across accounts

def test_cross_account_assume_role(account, other_account):
    """A role in B whose trust policy names A lets A's user (with sts:AssumeRole) assume it; the
    session acts in B."""
    a_user = new_user(account, system=["AliyunSTSAssumeRoleAccess"])
    b_user = new_user(other_account)
    role = ram_reader_role(other_account, trust(root_arn(account.account_id)))
    assert role["Arn"] == role_arn(other_account.account_id, role["RoleName"])
    sess = assume_role(a_user, role["Arn"], "xacct")
    assert sess.body["AssumedRoleUser"]["Arn"].startswith(f"acs:ram::{other_account.account_id}:role/")
    who = sess.sts().call("GetCallerIdentity")
    assert (who["AccountId"], who["IdentityType"], who["RoleId"]) == (other_account.account_id, "AssumedRoleUser",
                                                                      role["RoleId"])
    names = [u["UserName"] for u in sess.ram().call("ListUsers")["Users"]["User"]]
    assert b_user.name in names and a_user.name not in names
    expect_error(lambda: sess.ram().call("GetUser", UserName=a_user.name), 404, "EntityNotExist.User")

    # a role of B naming only a user of A
    only = ram_reader_role(other_account, trust(user_arn(account.account_id, a_user.name)))
    assume_role(a_user, only["Arn"])
    a_other = new_user(account, system=["AliyunSTSAssumeRoleAccess"])
    err = expect_error(lambda: assume_role(a_other, only["Arn"]), 403, "NoPermission")
    assert err.message.startswith(TRUST_DENY_PREFIX), err.message

    # a role of B that does not trust A
    closed = ram_reader_role(other_account)  # trusts B's root only
    err = expect_error(lambda: assume_role(a_user, closed["Arn"]), 403, "NoPermission")
    assert err.message.startswith(TRUST_DENY_PREFIX), err.message
    assert err.data["AccessDeniedDetail"]["PolicyType"] == TRUST_POLICY

    # A's user without sts:AssumeRole is refused by A's own policies first
    a_plain = new_user(account)
    user_denied(a_plain, lambda: assume_role(a_plain, role["Arn"]), "sts:AssumeRole", role["Arn"])


def test_role_session_of_b_cannot_touch_a(account, other_account):
    a_target = new_user(account)
    b_caller = new_user(other_account, system=["AliyunSTSAssumeRoleAccess"])
    role = create_role(other_account, trust(root_arn(other_account.account_id)), system=["AdministratorAccess"])
    sess = assume_role(b_caller, role["Arn"])
    expect_error(lambda: sess.ram().call("DeleteUser", UserName=a_target.name), 404, "EntityNotExist.User")
    assert account.api().call("GetUser", UserName=a_target.name)["User"]["UserId"] == a_target.user_id
