"""IMS ListUserBasicInfos and user-based SSO settings (issue 14): ListUsers' filters and paging
with each user's basic fields only; Get/SetUserSsoSettings stored per account, a metadata
document checked as SAML metadata, SSO enabled only with one. Through the Tea SDK."""
from __future__ import annotations

import signal

from helpers import expect_error, unique
from saml_idp import Idp


def test_list_user_basic_infos_pages_like_list_users(account):
    ram, ims = account.api(), account.api(product="ims")
    names = [unique("bi") for _ in range(3)]
    for n in names:
        ram.call("CreateUser", UserName=n, DisplayName=f"d-{n}"[:24])
    seen, marker = [], None
    while True:
        page = ims.call("ListUserBasicInfos", MaxItems=2, **({"Marker": marker} if marker else {}))
        seen += page["UserBasicInfos"]["UserBasicInfo"]
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    # ListUsers' order (creation time, then ID: users made in one millisecond may swap)
    listed = [u["UserPrincipalName"] for u in ims.call("ListUsers")["Users"]["User"]]
    assert [u["UserPrincipalName"] for u in seen] == listed, seen
    assert sorted(listed) == sorted(account.upn(n) for n in names), listed
    assert all(u["Status"] == "active" and u["UserId"] and u["DisplayName"].startswith("d-") for u in seen), seen
    assert ims.call("ListUserBasicInfos", Status="freeze")["UserBasicInfos"]["UserBasicInfo"] == []
    e = expect_error(lambda: ims.call("ListUserBasicInfos", Status="asleep"), 400)
    assert e.code == "InvalidParameter.Status", e


def test_user_sso_settings(account):
    ims = account.api(product="ims")
    s = ims.call("GetUserSsoSettings")["UserSsoSettings"]
    assert (s["SsoEnabled"], s["MetadataDocument"]) == (False, ""), s
    e = expect_error(lambda: ims.call("SetUserSsoSettings", SsoEnabled=True), 400)
    assert "MetadataDocument" in e.code + e.message, e
    e = expect_error(lambda: ims.call("SetUserSsoSettings", MetadataDocument="bm90IG1ldGFkYXRh"), 400)
    assert e.code == "InvalidParameter.MetadataDocument", e
    idp = Idp()
    s = ims.call("SetUserSsoSettings", SsoEnabled=True, MetadataDocument=idp.metadata(), AuxiliaryDomain="corp.example.com",
                 SsoLoginWithDomain=False)["UserSsoSettings"]
    assert (s["SsoEnabled"], s["AuxiliaryDomain"], s["SsoLoginWithDomain"]) == (True, "corp.example.com", False), s
    s = ims.call("SetUserSsoSettings", SsoEnabled=False)["UserSsoSettings"]  # the rest stays
    assert (s["SsoEnabled"], s["MetadataDocument"]) == (False, idp.metadata()), s
    assert ims.call("GetUserSsoSettings")["UserSsoSettings"] == s


def test_sso_settings_survive_a_restart(spawn_server):
    srv = spawn_server()
    srv.root().api(product="ims").call("SetUserSsoSettings", SsoEnabled=True, MetadataDocument=Idp().metadata())
    srv.stop(signal.SIGTERM)
    again = spawn_server(store=srv.store, creds={"account_id": srv.account_id, "ak": srv.root_ak, "secret": srv.root_secret})
    assert again.root().api(product="ims").call("GetUserSsoSettings")["UserSsoSettings"]["SsoEnabled"] is True
