"""The call sequences of the Terraform provider for Alibaba Cloud (aliyun/terraform-provider-alicloud,
resource_alicloud_ram_*.go), replayed through the old-style core SDK as the provider's Go SDK
signs them (HMAC-SHA1 RPC): create, read, update, delete, with the errors the provider expects
and ignores (`EntityNotExist.*` on force delete). Issue 14's "Done when"."""
from __future__ import annotations

import json
import time

import pyotp

from helpers import ApiError, expect_error, unique

GOOD = "Localyun-Pass1"


def ignore_not_exist(fn):
    """The provider's `errorHasPrefix(err, "EntityNotExist")` around force-delete steps."""
    try:
        return fn()
    except ApiError as e:
        assert e.code.startswith("EntityNotExist"), e
        return None


def force_delete_user(ram, name: str) -> None:
    """alicloud_ram_user Delete with force = true."""
    for k in ram.call("ListAccessKeys", UserName=name)["AccessKeys"]["AccessKey"]:
        ram.call("DeleteAccessKey", UserName=name, UserAccessKeyId=k["AccessKeyId"])
    for p in ram.call("ListPoliciesForUser", UserName=name)["Policies"]["Policy"]:
        ram.call("DetachPolicyFromUser", UserName=name, PolicyName=p["PolicyName"], PolicyType=p["PolicyType"])
    for g in ram.call("ListGroupsForUser", UserName=name)["Groups"]["Group"]:
        ignore_not_exist(lambda: ram.call("RemoveUserFromGroup", UserName=name, GroupName=g["GroupName"]))
    ignore_not_exist(lambda: ram.call("DeleteLoginProfile", UserName=name))
    ignore_not_exist(lambda: ram.call("UnbindMFADevice", UserName=name))
    ram.call("DeleteUser", UserName=name)


def test_ram_user_with_everything_attached_is_force_deleted(account):
    ram = account.api("core_post")
    name = unique("tf-user")
    # Create, then Read (GetUser) as the provider does after every write
    created = ram.call("CreateUser", UserName=name, DisplayName="TF user", Email="tf@example.com")["User"]
    assert ram.call("GetUser", UserName=name)["User"]["UserId"] == created["UserId"]
    ram.call("UpdateUser", UserName=name, NewDisplayName="TF user 2", NewComments="managed")
    assert ram.call("GetUser", UserName=name)["User"]["DisplayName"] == "TF user 2"
    # everything that blocks a plain DeleteUser
    ram.call("CreateAccessKey", UserName=name)
    ram.call("AttachPolicyToUser", UserName=name, PolicyName="AliyunRAMReadOnlyAccess", PolicyType="System")
    group = unique("tf-group")
    ram.call("CreateGroup", GroupName=group)
    ram.call("AddUserToGroup", UserName=name, GroupName=group)
    ram.call("CreateLoginProfile", UserName=name, Password=GOOD)
    dev = ram.call("CreateVirtualMFADevice", VirtualMFADeviceName=unique("tf-mfa"))["VirtualMFADevice"]
    totp = pyotp.TOTP(dev["Base32StringSeed"])
    now = time.time()
    ram.call("BindMFADevice", UserName=name, SerialNumber=dev["SerialNumber"],
             AuthenticationCode1=totp.at(now - 30), AuthenticationCode2=totp.at(now))
    e = expect_error(lambda: ram.call("DeleteUser", UserName=name), 409)
    assert e.code == "DeleteConflict.User.Group", e  # the first conflict in the real order
    force_delete_user(ram, name)
    e = expect_error(lambda: ram.call("GetUser", UserName=name), 404)
    assert e.code == "EntityNotExist.User", e
    # a user with nothing attached goes the same way: every force step tolerates "not there"
    bare = unique("tf-user")
    ram.call("CreateUser", UserName=bare)
    force_delete_user(ram, bare)
    ram.call("DeleteVirtualMFADevice", SerialNumber=dev["SerialNumber"])  # unbound by the force delete, kept


def test_ram_login_profile_and_account_alias(account):
    ram = account.api("core_post")
    name = unique("tf-lp")
    ram.call("CreateUser", UserName=name)
    # alicloud_ram_login_profile
    ram.call("CreateLoginProfile", UserName=name, Password=GOOD, PasswordResetRequired=True, MFABindRequired=False)
    lp = ram.call("GetLoginProfile", UserName=name)["LoginProfile"]
    assert (lp["PasswordResetRequired"], lp["MFABindRequired"]) == (True, False), lp
    ram.call("UpdateLoginProfile", UserName=name, Password="Localyun-Pass2", MFABindRequired=True)
    assert ram.call("GetLoginProfile", UserName=name)["LoginProfile"]["MFABindRequired"] is True
    ram.call("DeleteLoginProfile", UserName=name)
    e = expect_error(lambda: ram.call("GetLoginProfile", UserName=name), 404)  # Read after Delete: gone
    assert e.code == "EntityNotExist.User.LoginProfile", e
    # alicloud_ram_account_alias: Set, Get; Delete clears it
    alias = unique("tf-alias").lower().replace("_", "-")[:30]
    ram.call("SetAccountAlias", AccountAlias=alias)
    assert ram.call("GetAccountAlias")["AccountAlias"] == alias
    ram.call("ClearAccountAlias")
    assert ram.call("GetAccountAlias")["AccountAlias"] == account.account_id


def test_ram_policy_versions_and_force_delete(account):
    ram = account.api("core_post")
    name = unique("tf-policy")
    doc = lambda action: json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]})
    ram.call("CreatePolicy", PolicyName=name, PolicyDocument=doc("ram:GetUser"), Description="v1")
    got = ram.call("GetPolicy", PolicyName=name, PolicyType="Custom")
    assert got["Policy"]["DefaultVersion"] == "v1", got
    # Update: a new default version; at the version limit the provider deletes the oldest first
    for i in range(2, 8):
        versions = ram.call("ListPolicyVersions", PolicyName=name, PolicyType="Custom")["PolicyVersions"]["PolicyVersion"]
        if len(versions) >= 5:
            oldest = min((v for v in versions if not v["IsDefaultVersion"]), key=lambda v: int(v["VersionId"][1:]))
            ram.call("DeletePolicyVersion", PolicyName=name, VersionId=oldest["VersionId"])
        ram.call("CreatePolicyVersion", PolicyName=name, PolicyDocument=doc(f"ram:GetUser{i}"), SetAsDefault=True)
    assert ram.call("GetPolicy", PolicyName=name, PolicyType="Custom")["Policy"]["DefaultVersion"] == "v7"
    ram.call("UpdatePolicyDescription", PolicyName=name, NewDescription="managed")
    # attached to a user, a group and a role, then force-deleted
    user, group, role = unique("tf-u"), unique("tf-g"), unique("tf-r")
    ram.call("CreateUser", UserName=user)
    ram.call("CreateGroup", GroupName=group)
    trust = json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": [account.account_id]}}]})
    ram.call("CreateRole", RoleName=role, AssumeRolePolicyDocument=trust)
    for kind, entity in [("User", user), ("Group", group), ("Role", role)]:
        ram.call(f"AttachPolicyTo{kind}", PolicyName=name, PolicyType="Custom", **{f"{kind}Name": entity})
    e = expect_error(lambda: ram.call("DeletePolicy", PolicyName=name), 409)
    assert e.code.startswith("DeleteConflict.Policy"), e
    entities = ram.call("ListEntitiesForPolicy", PolicyName=name, PolicyType="Custom")
    for u in entities["Users"]["User"]:
        ram.call("DetachPolicyFromUser", PolicyName=name, PolicyType="Custom", UserName=u["UserName"])
    for g in entities["Groups"]["Group"]:
        ram.call("DetachPolicyFromGroup", PolicyName=name, PolicyType="Custom", GroupName=g["GroupName"])
    for r in entities["Roles"]["Role"]:
        ram.call("DetachPolicyFromRole", PolicyName=name, PolicyType="Custom", RoleName=r["RoleName"])
    for v in ram.call("ListPolicyVersions", PolicyName=name, PolicyType="Custom")["PolicyVersions"]["PolicyVersion"]:
        if not v["IsDefaultVersion"]:
            ram.call("DeletePolicyVersion", PolicyName=name, VersionId=v["VersionId"])
    ram.call("DeletePolicy", PolicyName=name)
    e = expect_error(lambda: ram.call("GetPolicy", PolicyName=name, PolicyType="Custom"), 404)
    assert e.code == "EntityNotExist.Policy", e


def test_ram_role_and_group_membership(account):
    ram = account.api("core_post")
    role = unique("tf-role")
    trust = lambda who: json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": [who]}}]})
    created = ram.call("CreateRole", RoleName=role, AssumeRolePolicyDocument=trust(account.account_id), Description="tf", MaxSessionDuration=3600)["Role"]
    assert ram.call("GetRole", RoleName=role)["Role"]["Arn"] == created["Arn"]
    ram.call("UpdateRole", RoleName=role, NewAssumeRolePolicyDocument=trust(f"acs:ram::{account.account_id}:root"), NewMaxSessionDuration=7200)
    assert ram.call("GetRole", RoleName=role)["Role"]["MaxSessionDuration"] == 7200
    ram.call("AttachPolicyToRole", RoleName=role, PolicyName="AliyunRAMReadOnlyAccess", PolicyType="System")
    # force delete: detach everything, then DeleteRole
    for p in ram.call("ListPoliciesForRole", RoleName=role)["Policies"]["Policy"]:
        ram.call("DetachPolicyFromRole", RoleName=role, PolicyName=p["PolicyName"], PolicyType=p["PolicyType"])
    ram.call("DeleteRole", RoleName=role)
    e = expect_error(lambda: ram.call("GetRole", RoleName=role), 404)
    assert e.code == "EntityNotExist.Role", e
    # alicloud_ram_group_membership: add each user, read the members, remove them
    group = unique("tf-group")
    ram.call("CreateGroup", GroupName=group)
    users = [unique("tf-m") for _ in range(3)]
    for u in users:
        ram.call("CreateUser", UserName=u)
        ram.call("AddUserToGroup", GroupName=group, UserName=u)
    members = [m["UserName"] for m in ram.call("ListUsersForGroup", GroupName=group)["Users"]["User"]]
    assert sorted(members) == sorted(users), members
    for u in users:
        ram.call("RemoveUserFromGroup", GroupName=group, UserName=u)
    assert ram.call("ListUsersForGroup", GroupName=group)["Users"]["User"] == []
    ram.call("DeleteGroup", GroupName=group)
