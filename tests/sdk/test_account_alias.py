"""RAM 2015-05-01 GetAccountAlias (ram.md 6.7): the account's alias, which is the account ID while
none was ever set, and the prefix of the IMS default domain `<alias>.onaliyun.com`; authorized as
`ram:GetAccountAlias` on "All Resources". Through alibabacloud-ram20150501 (Tea V3 and V2) and the
aliyun-python-sdk-ram request class of the old core."""
from __future__ import annotations

import pytest

from authz_helpers import allow, doc, new_user, user_denied


@pytest.mark.parametrize("flavour", ["tea_v3", "tea_v2", "core_post", "core_get"])
def test_the_alias_is_the_account_id_until_one_is_set(account, flavour):
    body = account.api(flavour).call("GetAccountAlias")
    assert body["AccountAlias"] == account.account_id, body
    assert set(body) == {"RequestId", "AccountAlias"}, body


def test_the_alias_is_the_default_domain_of_ims(account, other_account):
    domain = account.api(product="ims").call("GetDefaultDomain")["DefaultDomainName"]
    assert domain == f"{account.api().call('GetAccountAlias')['AccountAlias']}.onaliyun.com"
    # each account has its own
    assert other_account.api().call("GetAccountAlias")["AccountAlias"] == other_account.account_id


def test_a_user_needs_ram_get_account_alias_on_all_resources(account):
    u = new_user(account)
    user_denied(u, lambda: u.ram().call("GetAccountAlias"), "ram:GetAccountAlias", "*")
    allowed = new_user(account, documents=[doc(allow("ram:GetAccountAlias"))])
    assert allowed.ram().call("GetAccountAlias")["AccountAlias"] == account.account_id
    # a resource-level grant does not cover an "All Resources" action
    narrow = new_user(account, documents=[doc(allow("ram:GetAccountAlias", f"acs:ram:*:{account.account_id}:user/*"))])
    user_denied(narrow, lambda: narrow.ram().call("GetAccountAlias"), "ram:GetAccountAlias", "*")
