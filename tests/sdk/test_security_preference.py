"""The account's security preference (issue 14): RAM 2015-05-01 and IMS 2019-08-15
Get/SetSecurityPreference on one preference per account, each API with its model's settings
and ranges (RAM: LoginSessionDuration 6 to 24, at most 25 masks; IMS: 1 to 24, 40 masks), a Set
changing only what it names; and what it grants: RAM users change their own password and
manage their own MFA devices (allowed by default) and AccessKeys (not by default) without any
policy, while an explicit Deny still wins."""
from __future__ import annotations

import json
import signal

import pytest

from authz_helpers import deny, doc, new_user, user_denied, user_res
from helpers import expect_error, unique


def pref(api) -> dict:
    return api.call("GetSecurityPreference")["SecurityPreference"]


def test_defaults_and_a_partial_set_through_both_apis(account):
    ram, ims = account.api(), account.api(product="ims")
    p = pref(ram)
    assert p["LoginProfilePreference"] == {"AllowUserToChangePassword": True, "EnableSaveMFATicket": False,
                                           "LoginNetworkMasks": "", "LoginSessionDuration": 6}, p
    assert p["AccessKeyPreference"] == {"AllowUserToManageAccessKeys": False}, p
    assert p["MFAPreference"] == {"AllowUserToManageMFADevices": True}, p
    assert p["PublicKeyPreference"] == {"AllowUserToManagePublicKeys": False}, p
    q = pref(ims)
    assert q["MaxIdleDays"] == {"MaxIdleDaysForAccessKeys": 730, "MaxIdleDaysForUsers": 730}, q
    assert q["LoginProfilePreference"]["MFAOperationForLogin"] == "independent", q

    body = ram.call("SetSecurityPreference", LoginSessionDuration=12, LoginNetworkMasks="10.0.0.0/8;192.168.1.1",
                    AllowUserToManageAccessKeys=True)["SecurityPreference"]
    assert body["LoginProfilePreference"]["LoginSessionDuration"] == 12, body
    assert body["LoginProfilePreference"]["AllowUserToChangePassword"] is True, body  # not named: kept
    assert body == pref(ram)
    q = pref(ims)  # the same preference through IMS
    assert (q["LoginProfilePreference"]["LoginNetworkMasks"], q["AccessKeyPreference"]["AllowUserToManageAccessKeys"]) == \
        ("10.0.0.0/8;192.168.1.1", True), q
    q = ims.call("SetSecurityPreference", LoginSessionDuration=2, MFAOperationForLogin="adaptive", MaxIdleDaysForUsers=90,
                 VerificationTypes=["sms", "email"])["SecurityPreference"]
    assert (q["LoginProfilePreference"]["LoginSessionDuration"], q["LoginProfilePreference"]["MFAOperationForLogin"]) == (2, "adaptive"), q
    assert (q["MaxIdleDays"]["MaxIdleDaysForUsers"], q["VerificationPreference"]["VerificationTypes"]) == (90, ["sms", "email"]), q
    assert q["AccessKeyPreference"]["AllowUserToManageAccessKeys"] is True, q
    assert pref(ram)["LoginProfilePreference"]["LoginSessionDuration"] == 2


@pytest.mark.parametrize("product,params,code", [
    ("ram", {"LoginSessionDuration": 5}, "InvalidParameter.LoginSessionDuration.Range"),
    ("ram", {"LoginSessionDuration": 25}, "InvalidParameter.LoginSessionDuration.Range"),
    ("ims", {"LoginSessionDuration": 0}, "InvalidParameter.LoginSessionDuration.Range"),
    ("ram", {"LoginNetworkMasks": ";".join(f"10.0.{i}.0/24" for i in range(26))}, "InvalidParameter.LoginNetworkMasks"),
    ("ims", {"LoginNetworkMasks": "10.0.0.0/33"}, "InvalidParameter.LoginNetworkMasks"),
    ("ims", {"LoginNetworkMasks": "1.2.3.4;" * 70}, "InvalidParameter.LoginNetworkMasks.Length"),
    ("ims", {"MaxIdleDaysForAccessKeys": 100}, "InvalidParameter.MaxIdleDaysForAccessKeys"),
    ("ims", {"MFAOperationForLogin": "always"}, "InvalidParameter.MFAOperationForLogin"),
])
def test_bad_settings_change_nothing(account, product, params, code):
    api = account.api(product=product)
    before = pref(api)
    e = expect_error(lambda: api.call("SetSecurityPreference", AllowUserToChangePassword=False, **params), 400)
    assert e.code == code, (params, e)
    assert pref(api) == before


def test_the_preference_lets_users_manage_themselves(account):
    ram = account.api()
    u = new_user(account)  # no policy at all
    ram.call("CreateLoginProfile", UserName=u.name, Password="Localyun-Pass1")
    # allowed by default: the password, MFA devices
    u.ram().call("ChangePassword", OldPassword="Localyun-Pass1", NewPassword="Localyun-Pass2")
    dev = u.ram().call("CreateVirtualMFADevice", VirtualMFADeviceName=unique("self"))["VirtualMFADevice"]
    e = expect_error(lambda: u.ram().call("GetUserMFAInfo", UserName=u.name), 404)  # allowed, and none bound
    assert e.code == "EntityNotExist.User.MFADevice", e
    # never another user's
    other = new_user(account)
    user_denied(u, lambda: u.ram().call("GetUserMFAInfo", UserName=other.name), "ram:GetUserMFAInfo", user_res(account.account_id, other.name))
    # not by default: AccessKeys
    user_denied(u, lambda: u.ram().call("ListAccessKeys"), "ram:ListAccessKeys", user_res(account.account_id, u.name))
    ram.call("SetSecurityPreference", AllowUserToManageAccessKeys=True, AllowUserToChangePassword=False, AllowUserToManageMFADevices=False)
    assert len(u.ram().call("ListAccessKeys")["AccessKeys"]["AccessKey"]) == 1
    user_denied(u, lambda: u.ram().call("ListAccessKeys", UserName=other.name), "ram:ListAccessKeys", user_res(account.account_id, other.name))
    user_denied(u, lambda: u.ram().call("ChangePassword", OldPassword="Localyun-Pass2", NewPassword="Localyun-Pass3"),
                "ram:ChangePassword", user_res(account.account_id, u.name))
    serial = dev["SerialNumber"]
    user_denied(u, lambda: u.ram().call("DeleteVirtualMFADevice", SerialNumber=serial), "ram:DeleteVirtualMFADevice", serial)
    ram.call("DeleteVirtualMFADevice", SerialNumber=serial)


def test_an_explicit_deny_beats_the_preference(account):
    u = new_user(account, documents=[doc(deny("ram:ChangePassword", "*"))])
    account.api().call("CreateLoginProfile", UserName=u.name, Password="Localyun-Pass1")
    user_denied(u, lambda: u.ram().call("ChangePassword", OldPassword="Localyun-Pass1", NewPassword="Localyun-Pass2"),
                "ram:ChangePassword", user_res(account.account_id, u.name), explicit=True)


def test_the_preference_survives_a_restart(spawn_server):
    srv = spawn_server()
    srv.root().api().call("SetSecurityPreference", LoginSessionDuration=20, EnableSaveMFATicket=True)
    srv.stop(signal.SIGTERM)
    again = spawn_server(store=srv.store, creds={"account_id": srv.account_id, "ak": srv.root_ak, "secret": srv.root_secret})
    lp = pref(again.root().api(product="ims"))["LoginProfilePreference"]
    assert (lp["LoginSessionDuration"], lp["EnableSaveMFATicket"]) == (20, True), lp
