"""IMS GetAccountSummary and user credential reports (issue 14): the account's counts with the
quotas the other actions enforce; GenerateCredentialReport then GetCredentialReport, a
base64 CSV with RAM's documented columns (root first, then every user), paged by MaxItems and
NextToken. Through the Tea SDK."""
from __future__ import annotations

import base64
import csv
import io
import time

import pyotp

from helpers import expect_error, unique


def summary(ims) -> dict:
    return ims.call("GetAccountSummary")["SummaryMap"]


def test_account_summary_counts_what_exists(account):
    ram, ims = account.api(), account.api(product="ims")
    before = summary(ims)
    assert (before["UsersQuota"], before["GroupsQuota"], before["RolesQuota"], before["VersionsPerPolicyQuota"]) == (5000, 300, 1000, 5), before
    assert (before["AccessKeysPerUserQuota"], before["VirtualMFADevicesQuota"], before["PolicySizeQuota"]) == (2, 100, 6144), before
    ram.call("CreateUser", UserName=unique("s"))
    ram.call("CreateGroup", GroupName=unique("s"))
    dev = ram.call("CreateVirtualMFADevice", VirtualMFADeviceName=unique("s"))["VirtualMFADevice"]
    after = summary(ims)
    assert (after["Users"], after["Groups"], after["MFADevices"], after["MFADevicesInUse"]) == \
        (before["Users"] + 1, before["Groups"] + 1, before["MFADevices"] + 1, before["MFADevicesInUse"]), after
    ram.call("DeleteVirtualMFADevice", SerialNumber=dev["SerialNumber"])


def report_rows(ims, **paging):
    body = ims.call("GetCredentialReport", **paging)
    text = base64.b64decode(body["Content"]).decode()
    return body, list(csv.DictReader(io.StringIO(text)))


def test_credential_report(account):
    ram, ims = account.api(), account.api(product="ims")
    e = expect_error(lambda: ims.call("GetCredentialReport"), 404)
    assert e.code == "EntityNotExist.CredentialReport", e
    plain, full = unique("cr"), unique("cr")
    ram.call("CreateUser", UserName=plain)
    ram.call("CreateUser", UserName=full)
    ram.call("CreateLoginProfile", UserName=full, Password="Localyun-Pass1")
    ram.call("CreateAccessKey", UserName=full)
    dev = ram.call("CreateVirtualMFADevice", VirtualMFADeviceName=unique("cr"))["VirtualMFADevice"]
    totp, now = pyotp.TOTP(dev["Base32StringSeed"]), time.time()
    ram.call("BindMFADevice", UserName=full, SerialNumber=dev["SerialNumber"], AuthenticationCode1=totp.at(now - 30), AuthenticationCode2=totp.at(now))
    assert ims.call("GenerateCredentialReport")["State"] == "COMPLETED"
    body, rows = report_rows(ims)
    assert body["IsTruncated"] is False and body["GeneratedTime"].endswith("Z"), body
    by_user = {r["user"]: r for r in rows}
    assert rows[0]["user"] == "<root>" and rows[0]["password_exist"] == "TRUE" and rows[0]["access_key_1_exist"] == "TRUE", rows[0]
    p = by_user[account.upn(plain)]
    assert (p["password_exist"], p["password_active"], p["mfa_active"], p["access_key_1_exist"], p["access_key_1_active"]) == \
        ("FALSE", "N/A", "N/A", "FALSE", "N/A"), p
    f = by_user[account.upn(full)]
    assert (f["password_exist"], f["password_active"], f["mfa_active"], f["password_next_rotation"]) == ("TRUE", "TRUE", "TRUE", "-"), f
    assert (f["access_key_1_exist"], f["access_key_1_active"], f["access_key_1_last_used"], f["access_key_2_exist"]) == ("TRUE", "TRUE", "-", "FALSE"), f
    # paged: every page has the header, the tokens walk all rows once
    seen, token = [], None
    while True:
        body, page = report_rows(ims, MaxItems=1, **({"NextToken": token} if token else {}))
        assert len(page) == 1, page
        seen += [r["user"] for r in page]
        if not body["IsTruncated"]:
            break
        token = body["NextToken"]
    assert seen == [r["user"] for r in rows], seen
    e = expect_error(lambda: ims.call("GetCredentialReport", MaxItems=3502), 400)
    assert "MaxItems" in e.code + e.message, e
