"""AccessKey network access restriction policies (issue 14): IMS Set/GetAccessKeyPolicy for one
key and Set/GetAccessKeyPolicyForAccount for all, enforced on every signed call with a
permanent key: an active policy admits only the addresses of its ClassicWhiteList (localyun's
clients never come from a VPC); a key's own active policy takes the place of the account's.
The test clients call from 127.0.0.1. Through the Tea SDKs."""
from __future__ import annotations

import json

from authz_helpers import allow, doc, new_user
from helpers import expect_error

INACTIVE = {"Version": 1, "Status": "Inactive", "Statements": []}


def policy(*ips, status="Active", vpc=None):
    statements = [{"Type": "ClassicWhiteList", "IPList": list(ips)}] if ips else []
    if vpc:
        statements.append({"Type": "VPCWhiteList", "Value": vpc, "IPList": ["127.0.0.0/8"]})
    return json.dumps({"Version": 1, "Status": status, "Statements": statements})


def test_a_key_policy_admits_only_its_addresses(account):
    ims = account.api(product="ims")
    u = new_user(account, documents=[doc(allow("ram:ListUsers"))])
    upn = account.upn(u.name)
    got = ims.call("GetAccessKeyPolicy", UserPrincipalName=upn, UserAccessKeyId=u.ak)
    assert (got["AccessKeyId"], json.loads(got["AccessKeyPolicy"])) == (u.ak, INACTIVE), got
    assert "Users" in u.ram().call("ListUsers")
    body = ims.call("SetAccessKeyPolicy", UserPrincipalName=upn, UserAccessKeyId=u.ak, AccessKeyPolicy=policy("10.0.0.0/8", vpc="vpc-1"))
    assert json.loads(body["AccessKeyPolicy"])["Status"] == "Active", body
    e = expect_error(lambda: u.ram().call("ListUsers"), 403)
    assert e.code == "Forbidden.AccessKeyNetworkRestricted" and "127.0.0.1" in e.message, e
    e = expect_error(lambda: u.ims().call("GetUser", UserPrincipalName=upn), 403)  # every API alike
    assert e.code == "Forbidden.AccessKeyNetworkRestricted", e
    ims.call("SetAccessKeyPolicy", UserPrincipalName=upn, UserAccessKeyId=u.ak, AccessKeyPolicy=policy("198.51.100.0/24", "127.0.0.1"))
    assert "Users" in u.ram().call("ListUsers")
    ims.call("SetAccessKeyPolicy", UserPrincipalName=upn, UserAccessKeyId=u.ak, AccessKeyPolicy=policy("10.0.0.1", status="Inactive"))
    assert "Users" in u.ram().call("ListUsers")
    got = json.loads(ims.call("GetAccessKeyPolicy", UserPrincipalName=upn, UserAccessKeyId=u.ak)["AccessKeyPolicy"])
    assert got["Statements"][0]["IPList"] == ["10.0.0.1"], got


def test_bad_policies_and_keys(account):
    ims = account.api(product="ims")
    u = new_user(account)
    upn = account.upn(u.name)
    for bad in ["nope", json.dumps({"Version": 1, "Status": "Active", "Statements": [{"Type": "ClassicWhiteList", "IPList": ["300.0.0.1"]}]}),
                json.dumps({"Version": 1, "Status": "Maybe", "Statements": []})]:
        e = expect_error(lambda: ims.call("SetAccessKeyPolicy", UserPrincipalName=upn, UserAccessKeyId=u.ak, AccessKeyPolicy=bad), 400)
        assert e.code == "InvalidParameter.AccessKeyPolicy", (bad, e)
    e = expect_error(lambda: ims.call("SetAccessKeyPolicy", UserPrincipalName=upn, UserAccessKeyId="LTAInothere", AccessKeyPolicy=policy("10.0.0.1")), 404)
    assert e.code == "EntityNotExist.User.AccessKey", e


def test_the_account_policy_applies_unless_a_key_has_its_own(account):
    ims = account.api(product="ims")
    u = new_user(account, documents=[doc(allow("ram:ListUsers"))])
    # the root's own key keeps working from here: its key-level policy takes precedence
    ims.call("SetAccessKeyPolicy", UserAccessKeyId=account.ak, AccessKeyPolicy=policy("127.0.0.1"))
    ims.call("SetAccessKeyPolicyForAccount", AccessKeyPolicy=policy("10.0.0.0/8"))
    assert json.loads(ims.call("GetAccessKeyPolicyForAccount")["AccessKeyPolicy"])["Statements"][0]["IPList"] == ["10.0.0.0/8"]
    e = expect_error(lambda: u.ram().call("ListUsers"), 403)
    assert e.code == "Forbidden.AccessKeyNetworkRestricted", e
    ims.call("SetAccessKeyPolicyForAccount", AccessKeyPolicy=json.dumps(INACTIVE))
    assert "Users" in u.ram().call("ListUsers")
