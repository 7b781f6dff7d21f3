"""Virtual MFA devices (issue 14): RAM 2015-05-01 and IMS 2019-08-15 Create/Delete/
ListVirtualMFADevices, BindMFADevice with two consecutive RFC 6238 codes of the device's key
(computed here by pyotp, an implementation independent of the server's), UnbindMFADevice,
GetUserMFAInfo, IMS DisableVirtualMFA and GetAccountMFAInfo; DeleteUser refused while a device
is bound. Codes from RAM's error center (AlibabaCloudDocs/ram "Error messages")."""
from __future__ import annotations

import base64
import signal
import time

import pyotp
import pytest

from authz_helpers import allow, deny, doc, new_user, user_denied, user_res
from helpers import expect_error, unique


def codes(seed: str, steps_back: int = 0):
    """Two consecutive codes, the second of the current step (minus `steps_back` steps)."""
    totp = pyotp.TOTP(seed)
    now = time.time() - 30 * steps_back
    return totp.at(now - 30), totp.at(now)


def made_user(account) -> str:
    name = unique("mfa")
    account.api().call("CreateUser", UserName=name)
    return name


def new_device(api, name=None):
    name = name or unique("dev")
    return api.call("CreateVirtualMFADevice", VirtualMFADeviceName=name)["VirtualMFADevice"]


def listed(api, serial):
    devices = api.call("ListVirtualMFADevices")["VirtualMFADevices"]["VirtualMFADevice"]
    return next(d for d in devices if d["SerialNumber"] == serial)


@pytest.mark.parametrize("flavour", ["tea_v3", "core_post"])
def test_ram_device_bind_unbind_delete(account, flavour):
    ram = account.api(flavour)
    name = unique("dev")
    dev = new_device(ram, name)
    serial, seed = dev["SerialNumber"], dev["Base32StringSeed"]
    assert serial == f"acs:ram::{account.account_id}:mfa/{name}", dev
    assert len(seed) == 64 and base64.b32decode(seed), dev
    assert base64.b64decode(dev["QRCodePNG"]).startswith(b"\x89PNG\r\n\x1a\n")
    e = expect_error(lambda: ram.call("CreateVirtualMFADevice", VirtualMFADeviceName=name), 409)
    assert (e.code, e.message) == ("EntityAlreadyExists.VirtualMFADevice", "The virtual mfa device does already EXIST."), e
    row = listed(ram, serial)
    assert row.get("User") in (None, {}) and "ActivateDate" not in row, row

    user = made_user(account)
    old1, old2 = codes(seed, steps_back=5)
    e = expect_error(lambda: ram.call("BindMFADevice", UserName=user, SerialNumber=serial,
                                      AuthenticationCode1=old1, AuthenticationCode2=old2), 403)
    assert e.code == "CheckAuthenticationCodeFail", e
    c1, c2 = codes(seed)
    e = expect_error(lambda: ram.call("BindMFADevice", UserName=user, SerialNumber=serial,
                                      AuthenticationCode1=c2, AuthenticationCode2=c1), 403)  # swapped
    assert e.code == "CheckAuthenticationCodeFail", e
    e = expect_error(lambda: ram.call("GetUserMFAInfo", UserName=user), 404)  # failed binds changed nothing
    assert e.code == "EntityNotExist.User.MFADevice", e
    assert set(ram.call("BindMFADevice", UserName=user, SerialNumber=serial,
                        AuthenticationCode1=c1, AuthenticationCode2=c2)) == {"RequestId"}
    assert ram.call("GetUserMFAInfo", UserName=user)["MFADevice"] == {"SerialNumber": serial, "Type": "VMFA"}
    row = listed(ram, serial)
    assert row["User"]["UserName"] == user and row["User"]["UserId"] and row["ActivateDate"].endswith("Z"), row

    # one device per user, one user per device
    other = new_device(ram)
    o1, o2 = codes(other["Base32StringSeed"])
    e = expect_error(lambda: ram.call("BindMFADevice", UserName=user, SerialNumber=other["SerialNumber"],
                                      AuthenticationCode1=o1, AuthenticationCode2=o2), 409)
    assert e.code == "EntityAlreadyExists.User.MFADevice", e
    second = made_user(account)
    e = expect_error(lambda: ram.call("BindMFADevice", UserName=second, SerialNumber=serial,
                                      AuthenticationCode1=c1, AuthenticationCode2=c2), 409)
    assert e.code == "EntityAlreadyExists.VirtualMFADevice.User", e

    e = expect_error(lambda: ram.call("DeleteVirtualMFADevice", SerialNumber=serial), 409)
    assert e.code == "DeleteConflict.VirtualMFADevice.User", e
    e = expect_error(lambda: ram.call("DeleteUser", UserName=user), 409)
    assert (e.code, e.message) == ("DeleteConflict.User.MFADevice",
                                   "The user CAN NOT has any mfa device while deleting the user."), e

    assert ram.call("UnbindMFADevice", UserName=user)["MFADevice"] == {"SerialNumber": serial}
    e = expect_error(lambda: ram.call("UnbindMFADevice", UserName=user), 404)
    assert (e.code, e.message) == ("EntityNotExist.User.MFADevice", "The user has not bound any MFA device."), e
    assert listed(ram, serial).get("User") in (None, {})  # unbound, not deleted
    ram.call("DeleteVirtualMFADevice", SerialNumber=serial)
    e = expect_error(lambda: ram.call("DeleteVirtualMFADevice", SerialNumber=serial), 404)
    assert (e.code, e.message) == ("EntityNotExist.VirtualMFADevice", "The virtual mfa device does not exist."), e
    ram.call("DeleteUser", UserName=user)


def test_bad_names_codes_and_serials(account, other_account):
    ram = account.api()
    for bad, code in [("d" * 65, "InvalidParameter.VirtualMFADeviceName.Length"),
                      ("dev_1", "InvalidParameter.VirtualMFADeviceName.InvalidChars"),
                      ("dev.1", "InvalidParameter.VirtualMFADeviceName.InvalidChars")]:
        e = expect_error(lambda: ram.call("CreateVirtualMFADevice", VirtualMFADeviceName=bad), 400)
        assert e.code == code, (bad, e)
    e = expect_error(lambda: ram.call("CreateVirtualMFADevice"), 400)
    assert e.code == "MissingVirtualMFADeviceName" or e.code.startswith("MissingParameter"), e
    assert new_device(ram, "d" * 64)["SerialNumber"].endswith("d" * 64)

    user = made_user(account)
    dev = new_device(ram)
    for c1, c2 in [("12345", "123456"), ("123456", "12a456"), ("1234567", "123456")]:
        e = expect_error(lambda: ram.call("BindMFADevice", UserName=user, SerialNumber=dev["SerialNumber"],
                                          AuthenticationCode1=c1, AuthenticationCode2=c2), 400)
        assert (e.code, e.message) == ("InvalidParameter.AuthenticationCode.Format",
                                       'The parameter - "AuthenticationCode" MUST be 6 numbers.'), (c1, c2, e)
    c1, c2 = codes(dev["Base32StringSeed"])
    e = expect_error(lambda: ram.call("BindMFADevice", UserName=unique("nobody"), SerialNumber=dev["SerialNumber"],
                                      AuthenticationCode1=c1, AuthenticationCode2=c2), 404)
    assert e.code == "EntityNotExist.User", e
    # a device of another account, or no serial number at all, does not exist here
    theirs = new_device(other_account.api())
    for serial in [theirs["SerialNumber"], "device001", f"acs:ram::{account.account_id}:mfa/{unique('none')}"]:
        e = expect_error(lambda: ram.call("BindMFADevice", UserName=user, SerialNumber=serial,
                                          AuthenticationCode1=c1, AuthenticationCode2=c2), 404)
        assert e.code == "EntityNotExist.VirtualMFADevice", (serial, e)
        e = expect_error(lambda: ram.call("DeleteVirtualMFADevice", SerialNumber=serial), 404)
        assert e.code == "EntityNotExist.VirtualMFADevice", (serial, e)
    assert listed(other_account.api(), theirs["SerialNumber"])  # still there


def test_ims_shares_the_devices(account):
    ram, ims = account.api(), account.api(product="ims")
    name = made_user(account)
    upn = account.upn(name)
    dev = ims.call("CreateVirtualMFADevice", VirtualMFADeviceName=unique("imsdev"))["VirtualMFADevice"]
    none = ims.call("GetUserMFAInfo", UserPrincipalName=upn)
    assert none["IsMFAEnable"] is False and not none.get("MFADevice"), none
    c1, c2 = codes(dev["Base32StringSeed"])
    ims.call("BindMFADevice", UserPrincipalName=upn, SerialNumber=dev["SerialNumber"],
             AuthenticationCode1=c1, AuthenticationCode2=c2)
    info = ims.call("GetUserMFAInfo", UserPrincipalName=upn)
    assert (info["IsMFAEnable"], info["MFADevice"]) == (True, {"SerialNumber": dev["SerialNumber"], "Type": "VMFA"}), info
    assert ram.call("GetUserMFAInfo", UserName=name)["MFADevice"]["SerialNumber"] == dev["SerialNumber"]
    # IMS lists name the user by logon name, a page at a time
    seen, marker = {}, None
    while True:
        page = ims.call("ListVirtualMFADevices", MaxItems=1, **({"Marker": marker} if marker else {}))
        items = page["VirtualMFADevices"]["VirtualMFADevice"]
        assert len(items) <= 1, page
        seen.update((d["SerialNumber"], d) for d in items)
        if not page["IsTruncated"]:
            assert "Marker" not in page, page
            break
        marker = page["Marker"]
    assert seen[dev["SerialNumber"]]["User"]["UserPrincipalName"] == upn, seen
    e = expect_error(lambda: ims.call("ListVirtualMFADevices", MaxItems=101), 400)
    assert "MaxItems" in e.code or "MaxItems" in e.message, e
    e = expect_error(lambda: ims.call("GetUserMFAInfo"), 400)  # the root must name the user
    assert "UserPrincipalName" in e.code + e.message, e
    assert ims.call("GetAccountMFAInfo")["IsMFAEnable"] is False
    # DisableVirtualMFA unbinds and deletes
    ims.call("DisableVirtualMFA", UserPrincipalName=upn)
    assert ims.call("GetUserMFAInfo", UserPrincipalName=upn)["IsMFAEnable"] is False
    e = expect_error(lambda: ram.call("DeleteVirtualMFADevice", SerialNumber=dev["SerialNumber"]), 404)
    assert e.code == "EntityNotExist.VirtualMFADevice", e
    e = expect_error(lambda: ims.call("DisableVirtualMFA", UserPrincipalName=upn), 404)
    assert e.code == "EntityNotExist.User.MFADevice", e


def test_mfa_actions_are_authorized_with_their_names_and_arns(account):
    acct = account.account_id
    # Policies only: the preference that lets users manage their own devices is off
    # (test_security_preference.py covers it).
    account.api().call("SetSecurityPreference", AllowUserToManageMFADevices=False)
    # RAM's authorization table: Create/List on `mfa/*`, Delete on the serial number itself
    u = new_user(account, documents=[doc(allow(["ram:GetUserMFAInfo", "ram:BindMFADevice", "ram:UnbindMFADevice"], user_res(acct, "*")),
                                         allow("ram:CreateVirtualMFADevice", f"acs:ram:*:{acct}:mfa/*"),
                                         allow("ram:DeleteVirtualMFADevice", f"acs:ram:*:{acct}:mfa/own-*"))])
    name = unique("own-")
    dev = u.ram().call("CreateVirtualMFADevice", VirtualMFADeviceName=name)["VirtualMFADevice"]
    c1, c2 = codes(dev["Base32StringSeed"])
    u.ims().call("BindMFADevice", UserPrincipalName=account.upn(u.name), SerialNumber=dev["SerialNumber"],
                 AuthenticationCode1=c1, AuthenticationCode2=c2)
    assert u.ims().call("GetUserMFAInfo")["MFADevice"]["SerialNumber"] == dev["SerialNumber"]  # itself, unnamed
    nobody = new_user(account)
    user_denied(nobody, lambda: nobody.ram().call("CreateVirtualMFADevice", VirtualMFADeviceName=unique("dev")),
                "ram:CreateVirtualMFADevice", f"acs:ram:*:{acct}:mfa/*")
    user_denied(nobody, lambda: nobody.ims().call("ListVirtualMFADevices"), "ram:ListVirtualMFADevices", f"acs:ram:*:{acct}:mfa/*")
    user_denied(nobody, lambda: nobody.ram().call("UnbindMFADevice", UserName=u.name), "ram:UnbindMFADevice", user_res(acct, u.name))
    user_denied(nobody, lambda: nobody.ram().call("DeleteVirtualMFADevice", SerialNumber=dev["SerialNumber"]),
                "ram:DeleteVirtualMFADevice", dev["SerialNumber"])
    u.ram().call("UnbindMFADevice", UserName=u.name)
    u.ram().call("DeleteVirtualMFADevice", SerialNumber=dev["SerialNumber"])


def test_a_bound_device_survives_a_restart(spawn_server):
    srv = spawn_server()
    api = srv.root().api()
    name = unique("mfa")
    api.call("CreateUser", UserName=name)
    dev = new_device(api)
    c1, c2 = codes(dev["Base32StringSeed"])
    api.call("BindMFADevice", UserName=name, SerialNumber=dev["SerialNumber"], AuthenticationCode1=c1, AuthenticationCode2=c2)
    srv.stop(signal.SIGTERM)
    again = spawn_server(store=srv.store, creds={"account_id": srv.account_id, "ak": srv.root_ak, "secret": srv.root_secret})
    api = again.root().api()
    assert api.call("GetUserMFAInfo", UserName=name)["MFADevice"]["SerialNumber"] == dev["SerialNumber"]
    assert listed(api, dev["SerialNumber"])["User"]["UserName"] == name


def test_a_deny_on_a_serial_number_holds_in_either_spelling(account):
    acct = account.account_id
    dev = new_device(account.api())
    serial = dev["SerialNumber"]  # acs:ram::<acct>:mfa/<name>
    u = new_user(account, documents=[doc(allow("ram:DeleteVirtualMFADevice", f"acs:ram:*:{acct}:mfa/*"),
                                         deny("ram:DeleteVirtualMFADevice", serial))])
    other_spelling = serial.replace("acs:ram::", "acs:ram:*:")
    for s in (serial, other_spelling):
        user_denied(u, lambda: u.ram().call("DeleteVirtualMFADevice", SerialNumber=s), "ram:DeleteVirtualMFADevice", serial, explicit=True)
    account.api().call("DeleteVirtualMFADevice", SerialNumber=serial)


def test_self_service_deletes_only_devices_the_user_made(account):
    """With the default security preference any RAM user may make devices and bind its own,
    but delete only the devices it made."""
    theirs = new_device(account.api())  # made by the root
    u = new_user(account)
    mine = u.ram().call("CreateVirtualMFADevice", VirtualMFADeviceName=unique("mine"))["VirtualMFADevice"]
    user_denied(u, lambda: u.ram().call("DeleteVirtualMFADevice", SerialNumber=theirs["SerialNumber"]),
                "ram:DeleteVirtualMFADevice", theirs["SerialNumber"])
    u.ram().call("DeleteVirtualMFADevice", SerialNumber=mine["SerialNumber"])
    account.api().call("DeleteVirtualMFADevice", SerialNumber=theirs["SerialNumber"])
