"""The account's password policy (issue 14): RAM 2015-05-01 and IMS 2019-08-15
Get/SetPasswordPolicy on one policy per account. Defaults and ranges from the IMS SDK model
(alibabacloud-ims20190815 3.5.0); RAM answers the settings its model knows (`HardExpiry`), IMS
all of them (`HardExpire`, MinimumPasswordDifferentCharacter, PasswordNotContainUserName,
InitialPasswordAge, InterceptRiskPasswordOnApi). A Set leaves absent settings at their defaults;
RAM's Set keeps the settings only IMS has. Authorized as ram:Get/SetPasswordPolicy on "All
Resources"."""
from __future__ import annotations

import signal

import pytest

from authz_helpers import allow, doc, new_user, user_denied
from helpers import expect_error

RAM_DEFAULT = {"MinimumPasswordLength": 8, "RequireLowercaseCharacters": False, "RequireUppercaseCharacters": False,
               "RequireNumbers": False, "RequireSymbols": False, "HardExpiry": False, "MaxLoginAttemps": 0,
               "MaxPasswordAge": 0, "PasswordReusePrevention": 0}
IMS_DEFAULT = {"MinimumPasswordLength": 8, "RequireLowercaseCharacters": False, "RequireUppercaseCharacters": False,
               "RequireNumbers": False, "RequireSymbols": False, "HardExpire": False, "MaxLoginAttemps": 0,
               "MaxPasswordAge": 0, "PasswordReusePrevention": 0, "MinimumPasswordDifferentCharacter": 0,
               "PasswordNotContainUserName": False, "InitialPasswordAge": 14, "InterceptRiskPasswordOnApi": False}
STRICT_RAM = {"MinimumPasswordLength": 12, "RequireLowercaseCharacters": True, "RequireUppercaseCharacters": True,
              "RequireNumbers": True, "RequireSymbols": True, "HardExpiry": True, "MaxLoginAttemps": 5,
              "MaxPasswordAge": 90, "PasswordReusePrevention": 3}


@pytest.mark.parametrize("flavour", ["tea_v3", "core_post"])
def test_the_default_policy(account, flavour):
    body = account.api(flavour).call("GetPasswordPolicy")
    assert body["PasswordPolicy"] == RAM_DEFAULT, body
    assert account.api(flavour, product="ims").call("GetPasswordPolicy")["PasswordPolicy"] == IMS_DEFAULT


def test_ram_set_is_answered_read_back_and_seen_by_ims(account):
    ram, ims = account.api(), account.api(product="ims")
    ims.call("SetPasswordPolicy", MinimumPasswordDifferentCharacter=4, PasswordNotContainUserName=True)
    body = ram.call("SetPasswordPolicy", **STRICT_RAM)
    assert body["PasswordPolicy"] == STRICT_RAM, body
    assert ram.call("GetPasswordPolicy")["PasswordPolicy"] == STRICT_RAM
    seen = ims.call("GetPasswordPolicy")["PasswordPolicy"]
    # the shared settings, under IMS's names, and the IMS-only ones kept by RAM's Set
    assert seen["HardExpire"] is True and seen["MinimumPasswordLength"] == 12 and seen["PasswordReusePrevention"] == 3, seen
    assert (seen["MinimumPasswordDifferentCharacter"], seen["PasswordNotContainUserName"]) == (4, True), seen


def test_absent_settings_go_back_to_their_defaults(account):
    ram = account.api()
    ram.call("SetPasswordPolicy", **STRICT_RAM)
    body = ram.call("SetPasswordPolicy", MinimumPasswordLength=10)
    assert body["PasswordPolicy"] == dict(RAM_DEFAULT, MinimumPasswordLength=10), body


def test_ims_sets_every_setting(account):
    ims, ram = account.api(product="ims"), account.api()
    settings = dict(IMS_DEFAULT, MinimumPasswordLength=16, RequireSymbols=True, HardExpire=True, MaxLoginAttemps=32,
                    MaxPasswordAge=1095, PasswordReusePrevention=24, MinimumPasswordDifferentCharacter=8,
                    PasswordNotContainUserName=True, InitialPasswordAge=0, InterceptRiskPasswordOnApi=True)
    assert ims.call("SetPasswordPolicy", **settings)["PasswordPolicy"] == settings
    assert ims.call("GetPasswordPolicy")["PasswordPolicy"] == settings
    got = ram.call("GetPasswordPolicy")["PasswordPolicy"]
    assert (got["MinimumPasswordLength"], got["HardExpiry"], got["MaxLoginAttemps"]) == (16, True, 32), got


@pytest.mark.parametrize("product,name,value", [
    ("ram", "MinimumPasswordLength", 7), ("ram", "MinimumPasswordLength", 33), ("ram", "MaxLoginAttemps", 33),
    ("ram", "MaxPasswordAge", 1096), ("ram", "PasswordReusePrevention", 25), ("ims", "MinimumPasswordLength", 7),
    ("ims", "MinimumPasswordDifferentCharacter", 9), ("ims", "InitialPasswordAge", 91), ("ims", "MaxPasswordAge", -1),
])
def test_settings_out_of_range_are_refused_and_change_nothing(account, product, name, value):
    api = account.api(product=product)
    api.call("SetPasswordPolicy", MinimumPasswordLength=9)
    e = expect_error(lambda: api.call("SetPasswordPolicy", RequireNumbers=True, **{name: value}), 400)
    assert e.code == f"InvalidParameter.{name}.Range", e
    if name == "MinimumPasswordLength":  # RAM error center's wording
        assert e.message == 'The parameter - "MinimumPasswordLength" MUST be in the range of 8 and 32.', e
    got = api.call("GetPasswordPolicy")["PasswordPolicy"]
    assert (got["MinimumPasswordLength"], got["RequireNumbers"]) == (9, False), got


@pytest.mark.parametrize("name,value", [("MinimumPasswordLength", "twelve"), ("RequireNumbers", "yes")])
def test_values_of_the_wrong_type_are_invalid_parameters(account, name, value):
    e = expect_error(lambda: account.api("core_post").call("SetPasswordPolicy", **{name: value}), 400)
    assert e.code == "InvalidParameter", e


def test_each_account_has_its_own_policy(account, other_account):
    account.api().call("SetPasswordPolicy", MinimumPasswordLength=20)
    assert other_account.api().call("GetPasswordPolicy")["PasswordPolicy"]["MinimumPasswordLength"] == 8


def test_get_and_set_need_their_ram_actions(account):
    u = new_user(account)
    user_denied(u, lambda: u.ram().call("GetPasswordPolicy"), "ram:GetPasswordPolicy", "*")
    user_denied(u, lambda: u.ram().call("SetPasswordPolicy", MinimumPasswordLength=12), "ram:SetPasswordPolicy", "*")
    reader = new_user(account, documents=[doc(allow("ram:GetPasswordPolicy"))])
    assert reader.ram().call("GetPasswordPolicy")["PasswordPolicy"] == RAM_DEFAULT
    user_denied(reader, lambda: reader.ram().call("SetPasswordPolicy", MinimumPasswordLength=12), "ram:SetPasswordPolicy", "*")
    assert account.api().call("GetPasswordPolicy")["PasswordPolicy"]["MinimumPasswordLength"] == 8


def test_the_policy_survives_a_restart(spawn_server):
    srv = spawn_server()
    srv.root().api().call("SetPasswordPolicy", **STRICT_RAM)
    srv.stop(signal.SIGTERM)
    again = spawn_server(store=srv.store, creds={"account_id": srv.account_id, "ak": srv.root_ak, "secret": srv.root_secret})
    assert again.root().api().call("GetPasswordPolicy")["PasswordPolicy"] == STRICT_RAM
