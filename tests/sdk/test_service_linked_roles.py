"""Service-linked roles (issue 14): RAM 2015-05-01 GetServiceLinkedRoleTemplate,
CreateServiceLinkedRole and DeleteServiceLinkedRole for Simple Log Service's roles: the real
role name, a trust policy naming the service, the service's system policy attached, deletion
with its policies. Through the Tea SDK."""
from __future__ import annotations

import json

from authz_helpers import new_user, user_denied, role_res
from helpers import expect_error

ALERT = "alert.log.aliyuncs.com"
ROLE = "AliyunServiceRoleForSLSAlert"
POLICY = "AliyunServiceRolePolicyForSLSAlert"


def test_template_create_and_delete(account):
    ram = account.api()
    t = ram.call("GetServiceLinkedRoleTemplate", ServiceName=ALERT)["ServiceLinkedRoleTemplate"]
    assert (t["ServiceName"], t["RoleNamePrefix"], t["SystemPolicyName"], t["MultipleRolesAllowed"]) == (ALERT, ROLE, POLICY, False), t
    assert {d["Language"] for d in t["RoleDescriptions"]["RoleDescription"]} >= {"en"}, t

    role = ram.call("CreateServiceLinkedRole", ServiceName=ALERT)["Role"]
    assert (role["RoleName"], role["IsServiceLinkedRole"]) == (ROLE, True), role
    assert role["Arn"] == f"acs:ram::{account.account_id}:role/{ROLE}", role
    trust = json.loads(role["AssumeRolePolicyDocument"])
    assert trust["Statement"][0]["Principal"] == {"Service": [ALERT]}, trust
    got = ram.call("GetRole", RoleName=ROLE)["Role"]
    assert (got["RoleId"], got["IsServiceLinkedRole"]) == (role["RoleId"], True), got
    attached = ram.call("ListPoliciesForRole", RoleName=ROLE)["Policies"]["Policy"]
    assert [(p["PolicyName"], p["PolicyType"]) for p in attached] == [(POLICY, "System")], attached
    doc = ram.call("GetPolicy", PolicyName=POLICY, PolicyType="System")
    assert "alert.log.aliyuncs.com" in json.dumps(doc), doc
    e = expect_error(lambda: ram.call("CreateServiceLinkedRole", ServiceName=ALERT), 409)
    assert e.code == "EntityAlreadyExists.Role", e

    task = ram.call("DeleteServiceLinkedRole", RoleName=ROLE)
    assert task["DeletionTaskId"].startswith("task/"), task
    e = expect_error(lambda: ram.call("GetRole", RoleName=ROLE), 404)
    assert e.code == "EntityNotExist.Role", e
    assert ram.call("ListEntitiesForPolicy", PolicyName=POLICY, PolicyType="System")["Roles"]["Role"] == []
    ram.call("CreateServiceLinkedRole", ServiceName=ALERT)  # and again


def test_unknown_services_and_plain_roles(account):
    ram = account.api()
    for action in ["GetServiceLinkedRoleTemplate", "CreateServiceLinkedRole"]:
        e = expect_error(lambda: ram.call(action, ServiceName="nothing.aliyuncs.com"), 400)
        assert e.code == "InvalidParameter.ServiceName", (action, e)
    e = expect_error(lambda: ram.call("CreateServiceLinkedRole", ServiceName=ALERT, CustomSuffix="x"), 400)
    assert e.code == "InvalidParameter.CustomSuffix", e
    ram.call("CreateRole", RoleName="plain", AssumeRolePolicyDocument=json.dumps(
        {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": [ALERT]}}]}))
    assert ram.call("GetRole", RoleName="plain")["Role"]["IsServiceLinkedRole"] is False
    e = expect_error(lambda: ram.call("DeleteServiceLinkedRole", RoleName="plain"), 400)
    assert e.code == "InvalidParameter.RoleName", e
    e = expect_error(lambda: ram.call("DeleteServiceLinkedRole", RoleName="nothing"), 404)
    assert e.code == "EntityNotExist.Role", e


def test_service_linked_role_actions_are_authorized(account):
    u = new_user(account)
    user_denied(u, lambda: u.ram().call("CreateServiceLinkedRole", ServiceName=ALERT), "ram:CreateServiceLinkedRole", "*")
    account.api().call("CreateServiceLinkedRole", ServiceName=ALERT)
    user_denied(u, lambda: u.ram().call("DeleteServiceLinkedRole", RoleName=ROLE), "ram:DeleteServiceLinkedRole",
                role_res(account.account_id, ROLE))
