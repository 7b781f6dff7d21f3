"""IMS service credentials (issue 14): Create/Get/Update/Delete/ListServiceCredential[s], API keys
a RAM user holds per cloud service: the secret answered once, status Active/Inactive/Expired,
an optional age, a RAM user acting on itself without a logon name, two per user and service.
Through the Tea SDK."""
from __future__ import annotations

from authz_helpers import allow, doc, new_user, user_denied, user_res
from helpers import expect_error, unique


def test_lifecycle(account):
    ims = account.api(product="ims")
    name = unique("sc")
    account.api().call("CreateUser", UserName=name)
    upn = account.upn(name)
    made = ims.call("CreateServiceCredential", UserPrincipalName=upn, ServiceCredentialName="key-1", ServiceName="bailian",
                    CredentialAgeDays=30)["ServiceCredential"]
    assert (made["Status"], made["ServiceName"], made["UserPrincipalName"]) == ("Active", "bailian", upn), made
    assert made["ServiceCredentialSecret"].startswith("sk-") and made["ExpirationTime"].endswith("Z"), made
    got = ims.call("GetServiceCredential", UserPrincipalName=upn, ServiceCredentialId=made["ServiceCredentialId"])["ServiceCredential"]
    assert "ServiceCredentialSecret" not in got and got["ServiceCredentialName"] == "key-1", got
    ims.call("UpdateServiceCredential", UserPrincipalName=upn, ServiceCredentialId=made["ServiceCredentialId"], Status="Inactive",
             ServiceCredentialName="key-one")
    got = ims.call("GetServiceCredential", UserPrincipalName=upn, ServiceCredentialId=made["ServiceCredentialId"])["ServiceCredential"]
    assert (got["Status"], got["ServiceCredentialName"]) == ("Inactive", "key-one"), got
    ims.call("CreateServiceCredential", UserPrincipalName=upn, ServiceCredentialName="key-2", ServiceName="bailian")
    e = expect_error(lambda: ims.call("CreateServiceCredential", UserPrincipalName=upn, ServiceCredentialName="key-3", ServiceName="bailian"), 409)
    assert e.code == "LimitExceeded.ServiceCredential", e
    ims.call("CreateServiceCredential", UserPrincipalName=upn, ServiceCredentialName="other", ServiceName="other-service")
    listed = ims.call("ListServiceCredentials", UserPrincipalName=upn, ServiceName="bailian")["ServiceCredentials"]
    assert sorted(c["ServiceCredentialName"] for c in listed) == ["key-2", "key-one"], listed
    page = ims.call("ListServiceCredentials", UserPrincipalName=upn, MaxResults=2)
    assert page["IsTruncated"] is True and len(page["ServiceCredentials"]) == 2, page
    rest = ims.call("ListServiceCredentials", UserPrincipalName=upn, MaxResults=2, NextToken=page["NextToken"])
    assert rest["IsTruncated"] is False and len(rest["ServiceCredentials"]) == 1, rest
    names = [c["ServiceCredentialName"] for c in page["ServiceCredentials"] + rest["ServiceCredentials"]]
    assert sorted(names) == ["key-2", "key-one", "other"], names  # every one once, in creation order
    assert len(ims.call("ListServiceCredentials", AllUsers=True)["ServiceCredentials"]) >= 3
    e = expect_error(lambda: ims.call("ListServiceCredentials", AllUsers=True, UserPrincipalName=upn), 400)
    assert "AllUsers" in e.message, e
    ims.call("DeleteServiceCredential", UserPrincipalName=upn, ServiceCredentialId=made["ServiceCredentialId"])
    e = expect_error(lambda: ims.call("GetServiceCredential", UserPrincipalName=upn, ServiceCredentialId=made["ServiceCredentialId"]), 404)
    assert e.code == "EntityNotExist.ServiceCredential", e
    e = expect_error(lambda: ims.call("CreateServiceCredential", UserPrincipalName=upn, ServiceCredentialName="bad name", ServiceName="x"), 400)
    assert e.code == "InvalidParameter.ServiceCredentialName.InvalidChars", e


def test_a_user_manages_its_own(account):
    u = new_user(account, documents=[doc(allow(["ram:CreateServiceCredential", "ram:ListServiceCredentials"]))])
    made = u.ims().call("CreateServiceCredential", ServiceCredentialName="mine", ServiceName="bailian")["ServiceCredential"]
    assert made["UserPrincipalName"] == account.upn(u.name), made
    assert [c["ServiceCredentialId"] for c in u.ims().call("ListServiceCredentials")["ServiceCredentials"]] == [made["ServiceCredentialId"]]
    e = expect_error(lambda: account.api(product="ims").call("CreateServiceCredential", ServiceCredentialName="x", ServiceName="y"), 400)
    assert "UserPrincipalName" in e.code + e.message, e  # the root names the user


def test_all_users_needs_permission_on_every_user(account):
    acct = account.account_id
    u = new_user(account, documents=[doc(allow("ram:ListServiceCredentials", user_res(acct, "*")))])
    own = new_user(account)
    own_only = new_user(account, documents=[doc(allow("ram:ListServiceCredentials", user_res(acct, own.name)))])
    assert u.ims().call("ListServiceCredentials", AllUsers=True)["ServiceCredentials"] is not None
    # allowed on one user's ARN only: not enough to list everyone's
    user_denied(own_only, lambda: own_only.ims().call("ListServiceCredentials", AllUsers=True), "ram:ListServiceCredentials", user_res(acct, "*"))
