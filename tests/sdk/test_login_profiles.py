"""Console login profiles (issue 14): RAM 2015-05-01 and IMS 2019-08-15
Create/Get/Update/DeleteLoginProfile on one profile per user, passwords checked against the
account's password policy (`InvalidParameter.Password.TooWeak`, reuse prevention), ChangePassword
by the user itself (`InvalidParameter.OldPassword.Incorrect`, `NotSupport.Account` for the root),
and DeleteUser refused while a profile exists (`DeleteConflict.User.LoginProfile`). Codes from
RAM's API reference and error center (AlibabaCloudDocs/ram). Through the Tea SDKs and the old
core; authorization with the real action names on the user's ARN."""
from __future__ import annotations

import signal

import pytest

from authz_helpers import allow, doc, new_user, user_denied, user_res
from helpers import expect_error, unique

GOOD = "Localyun-Pass1"


def made_user(account) -> str:
    name = unique("lp")
    account.api().call("CreateUser", UserName=name)
    return name


@pytest.mark.parametrize("flavour", ["tea_v3", "tea_v2", "core_post"])
def test_ram_create_get_update_delete(account, flavour):
    ram = account.api(flavour)
    name = made_user(account)
    body = ram.call("CreateLoginProfile", UserName=name, Password=GOOD, PasswordResetRequired=True)
    lp = body["LoginProfile"]
    assert (lp["UserName"], lp["PasswordResetRequired"], lp["MFABindRequired"]) == (name, True, False), body
    assert lp["CreateDate"].endswith("Z"), lp
    assert ram.call("GetLoginProfile", UserName=name)["LoginProfile"] == lp
    assert set(ram.call("UpdateLoginProfile", UserName=name, MFABindRequired=True)) == {"RequestId"}
    got = ram.call("GetLoginProfile", UserName=name)["LoginProfile"]
    assert (got["PasswordResetRequired"], got["MFABindRequired"]) == (True, True), got
    e = expect_error(lambda: ram.call("CreateLoginProfile", UserName=name, Password=GOOD), 409)
    assert e.code == "EntityAlreadyExists.User.LoginProfile", e
    ram.call("DeleteLoginProfile", UserName=name)
    e = expect_error(lambda: ram.call("GetLoginProfile", UserName=name), 404)
    assert (e.code, e.message) == ("EntityNotExist.User.LoginProfile", "The user login profile does not exist."), e
    e = expect_error(lambda: ram.call("DeleteLoginProfile", UserName=name), 404)
    assert e.code == "EntityNotExist.User.LoginProfile", e


def test_unknown_users_and_missing_passwords(account):
    ram = account.api()
    e = expect_error(lambda: ram.call("CreateLoginProfile", UserName=unique("none"), Password=GOOD), 404)
    assert e.code == "EntityNotExist.User", e
    name = made_user(account)
    e = expect_error(lambda: ram.call("CreateLoginProfile", UserName=name), 400)
    assert e.code == "MissingParameter" and "Password" in e.message, e
    for bad, code in [("x" * 33, "InvalidParameter.Password.Length"), ("has space 12", "InvalidParameter.Password.InvalidChars")]:
        e = expect_error(lambda: ram.call("CreateLoginProfile", UserName=name, Password=bad), 400)
        assert e.code == code, (bad, e)


def test_ims_sees_the_same_profile(account):
    ram, ims = account.api(), account.api(product="ims")
    name = made_user(account)
    upn = account.upn(name)
    body = ims.call("CreateLoginProfile", UserPrincipalName=upn, Password=GOOD, Status="Active")["LoginProfile"]
    assert (body["UserPrincipalName"], body["Status"], body["PasswordStatus"]) == (upn, "Active", "InitialValid"), body
    assert ram.call("GetLoginProfile", UserName=name)["LoginProfile"]["UserName"] == name
    upd = ims.call("UpdateLoginProfile", UserPrincipalName=upn, Status="Inactive", PasswordResetRequired=True)["LoginProfile"]
    assert (upd["Status"], upd["PasswordResetRequired"]) == ("Inactive", True), upd
    assert ims.call("GetLoginProfile", UserPrincipalName=upn)["LoginProfile"]["Status"] == "Inactive"
    e = expect_error(lambda: ims.call("UpdateLoginProfile", UserPrincipalName=upn, Status="Sleeping"), 400)
    assert e.code == "InvalidParameter.Status", e
    # made through IMS, deleted through RAM
    ram.call("DeleteLoginProfile", UserName=name)
    e = expect_error(lambda: ims.call("GetLoginProfile", UserPrincipalName=upn), 404)
    assert e.code == "EntityNotExist.User.LoginProfile", e


def test_passwords_follow_the_policy(account):
    ram = account.api()
    ram.call("SetPasswordPolicy", MinimumPasswordLength=12, RequireNumbers=True, RequireSymbols=True, PasswordReusePrevention=2)
    name = made_user(account)
    for weak in ["Short-1", "NoNumbersHere!", "NoSymbols12345"]:
        e = expect_error(lambda: ram.call("CreateLoginProfile", UserName=name, Password=weak), 400)
        assert (e.code, e.message) == ("InvalidParameter.Password.TooWeak",
                                       'The parameter - "Password" is not compliant with the password policy.'), (weak, e)
    e = expect_error(lambda: ram.call("GetLoginProfile", UserName=name), 404)  # nothing was made
    ram.call("CreateLoginProfile", UserName=name, Password=GOOD)
    e = expect_error(lambda: ram.call("UpdateLoginProfile", UserName=name, Password="weak"), 400)
    assert e.code == "InvalidParameter.Password.TooWeak", e
    # the current password counts as the last one
    e = expect_error(lambda: ram.call("UpdateLoginProfile", UserName=name, Password=GOOD), 400)
    assert e.code == "InvalidParameter.Password.ReusePrevention", e
    ram.call("UpdateLoginProfile", UserName=name, Password="Second-Pass22")
    ram.call("UpdateLoginProfile", UserName=name, Password="Third-Pass333")
    ram.call("UpdateLoginProfile", UserName=name, Password=GOOD)  # two changes later it may come back


def test_change_password_by_the_user_itself(account):
    u = new_user(account, documents=[doc(allow("ram:ChangePassword", user_res(account.account_id, "*")))])
    ram = account.api()
    ram.call("CreateLoginProfile", UserName=u.name, Password=GOOD, PasswordResetRequired=True)
    e = expect_error(lambda: u.ram().call("ChangePassword", OldPassword="Wrong-Pass1", NewPassword="Next-Pass22"), 400)
    assert e.code == "InvalidParameter.OldPassword.Incorrect", e
    e = expect_error(lambda: u.ram().call("ChangePassword", OldPassword=GOOD, NewPassword="short"), 400)
    assert e.code == "InvalidParameter.NewPassword.TooWeak", e
    assert set(u.ram().call("ChangePassword", OldPassword=GOOD, NewPassword="Next-Pass22")) == {"RequestId"}
    # the user chose it: no reset needed, not an initial password any more
    assert ram.call("GetLoginProfile", UserName=u.name)["LoginProfile"]["PasswordResetRequired"] is False
    ims_lp = account.api(product="ims").call("GetLoginProfile", UserPrincipalName=account.upn(u.name))["LoginProfile"]
    assert ims_lp["PasswordStatus"] == "NotInitial", ims_lp
    # through IMS too, with the new old password
    u.ims().call("ChangePassword", OldPassword="Next-Pass22", NewPassword="Third-Pass333")
    e = expect_error(lambda: ram.call("ChangePassword", OldPassword=GOOD, NewPassword="Next-Pass22"), 400)
    assert e.code == "NotSupport.Account", e


def test_delete_user_is_refused_while_a_login_profile_exists(account):
    ram = account.api()
    name = made_user(account)
    ram.call("CreateLoginProfile", UserName=name, Password=GOOD)
    e = expect_error(lambda: ram.call("DeleteUser", UserName=name), 409)
    assert e.code == "DeleteConflict.User.LoginProfile", e
    e = expect_error(lambda: account.api(product="ims").call("DeleteUser", UserPrincipalName=account.upn(name)), 409)
    assert e.code == "DeleteConflict.User.LoginProfile", e
    ram.call("DeleteLoginProfile", UserName=name)
    ram.call("DeleteUser", UserName=name)


def test_login_profile_actions_are_authorized_on_the_user(account):
    name = made_user(account)
    u = new_user(account)
    arn = user_res(account.account_id, name)
    user_denied(u, lambda: u.ram().call("CreateLoginProfile", UserName=name, Password=GOOD), "ram:CreateLoginProfile", arn)
    allowed = new_user(account, documents=[doc(allow(["ram:CreateLoginProfile", "ram:GetLoginProfile"], arn))])
    allowed.ram().call("CreateLoginProfile", UserName=name, Password=GOOD)
    assert allowed.ram().call("GetLoginProfile", UserName=name)["LoginProfile"]["UserName"] == name
    user_denied(allowed, lambda: allowed.ram().call("DeleteLoginProfile", UserName=name), "ram:DeleteLoginProfile", arn)


def test_a_login_profile_survives_a_restart(spawn_server):
    srv = spawn_server()
    api = srv.root().api()
    name = unique("lp")
    api.call("CreateUser", UserName=name)
    api.call("CreateLoginProfile", UserName=name, Password=GOOD, MFABindRequired=True)
    srv.stop(signal.SIGTERM)
    again = spawn_server(store=srv.store, creds={"account_id": srv.account_id, "ak": srv.root_ak, "secret": srv.root_secret})
    assert again.root().api().call("GetLoginProfile", UserName=name)["LoginProfile"]["MFABindRequired"] is True
