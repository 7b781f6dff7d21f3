"""RAM 2015-05-01 GetAccountAlias (ram.md 6.7): the account's alias, which is the account ID while
none was ever set, and the prefix of the IMS default domain `<alias>.onaliyun.com`; authorized as
`ram:GetAccountAlias` on "All Resources". Through alibabacloud-ram20150501 (Tea V3 and V2) and the
aliyun-python-sdk-ram request class of the old core."""
from __future__ import annotations

import pytest

from authz_helpers import allow, doc, new_user, user_denied
from helpers import ApiError, expect_error, unique


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


# ---------------------------------------------------------------- Set/ClearAccountAlias (issue 14)

def alias_for(account) -> str:
    # unique per run and account: lower-case letters, digits and inner hyphens
    return f"al-{account.account_id[-8:]}-{unique('x')[-6:].lower()}".replace("_", "")


@pytest.mark.parametrize("flavour", ["tea_v3", "core_post"])
def test_set_and_clear_the_alias_and_the_logon_domain_follows(account, flavour):
    ram, ims = account.api(flavour), account.api(product="ims")
    name = unique("u")
    ram.call("CreateUser", UserName=name)
    alias = alias_for(account)
    assert set(ram.call("SetAccountAlias", AccountAlias=alias)) == {"RequestId"}
    assert ram.call("GetAccountAlias")["AccountAlias"] == alias
    domain = f"{alias}.onaliyun.com"
    assert ims.call("GetDefaultDomain")["DefaultDomainName"] == domain
    # IMS logon names follow the alias everywhere: answers, lookups, tag calls
    assert ims.call("GetUser", UserPrincipalName=f"{name}@{domain}")["User"]["UserPrincipalName"] == f"{name}@{domain}"
    listed = {u["UserPrincipalName"] for u in ims.call("ListUsers")["Users"]["User"]}
    assert f"{name}@{domain}" in listed, listed
    ims.call("TagResources", ResourceType="user", ResourcePrincipalName=[f"{name}@{domain}"], Tag=[{"Key": "k", "Value": "v"}])
    ims.call("UntagResources", ResourceType="user", ResourcePrincipalName=[f"{name}@{domain}"], TagKey=["k"])
    # the account-ID domain is no longer the account's: no user is found there, none made there
    e = expect_error(lambda: ims.call("GetUser", UserPrincipalName=account.upn(name)), 404)
    assert e.code == "EntityNotExist.User", e
    e = expect_error(lambda: ims.call("CreateUser", UserPrincipalName=account.upn(unique("n")), DisplayName="n"), 400)
    assert e.code == "InvalidParameter.UserPrincipalName.Domain", e
    # setting the same alias again changes nothing; another one needs ClearAccountAlias first
    ram.call("SetAccountAlias", AccountAlias=alias)
    e = expect_error(lambda: ram.call("SetAccountAlias", AccountAlias=alias + "-b"), 409)
    assert e.code == "EntityAlreadyExists.AccountAlias", e
    assert ram.call("GetAccountAlias")["AccountAlias"] == alias
    assert set(ram.call("ClearAccountAlias")) == {"RequestId"}
    assert ram.call("GetAccountAlias")["AccountAlias"] == account.account_id
    assert ims.call("GetDefaultDomain")["DefaultDomainName"] == f"{account.account_id}.onaliyun.com"
    assert ims.call("GetUser", UserPrincipalName=account.upn(name))["User"]["UserName"] == name
    # clearing again is harmless
    ram.call("ClearAccountAlias")


@pytest.mark.parametrize("value,code", [
    ("ab", "InvalidParameter.AccountAlias.Length"),
    ("a" * 64, "InvalidParameter.AccountAlias.Length"),
    ("My-alias", "InvalidParameter.AccountAlias.Format"),
    ("-abc", "InvalidParameter.AccountAlias.Format"),
    ("abc-", "InvalidParameter.AccountAlias.Format"),
    ("ab--c", "InvalidParameter.AccountAlias.Format"),
    ("a_bc", "InvalidParameter.AccountAlias.Format"),
])
def test_a_bad_alias_is_refused_and_changes_nothing(account, value, code):
    """Codes and messages of RAM's error center (3 to 63 characters in its message)."""
    ram = account.api()
    e = expect_error(lambda: ram.call("SetAccountAlias", AccountAlias=value), 400)
    assert e.code == code, e
    if code.endswith("Length"):
        assert e.message == 'The parameter - "AccountAlias" MUST be in the range of 3 and 63.', e
    assert ram.call("GetAccountAlias")["AccountAlias"] == account.account_id


def test_the_alias_is_required(account):
    e = expect_error(lambda: account.api().call("SetAccountAlias"), 400)
    assert e.code == "MissingParameter" and "AccountAlias" in e.message, e


def test_an_alias_belongs_to_one_account(account, other_account):
    alias = alias_for(account)
    account.api().call("SetAccountAlias", AccountAlias=alias)
    e = expect_error(lambda: other_account.api().call("SetAccountAlias", AccountAlias=alias), 409)
    assert e.code == "EntityAlreadyExists.AccountAlias", e
    # nor may it be another account's ID, that account's domain while it has none
    e = expect_error(lambda: other_account.api().call("SetAccountAlias", AccountAlias=account.account_id), 409)
    assert e.code == "EntityAlreadyExists.AccountAlias", e
    assert other_account.api().call("GetAccountAlias")["AccountAlias"] == other_account.account_id
    # once given up, another account may take it
    account.api().call("ClearAccountAlias")
    other_account.api().call("SetAccountAlias", AccountAlias=alias)
    assert other_account.api().call("GetAccountAlias")["AccountAlias"] == alias
    other_account.api().call("ClearAccountAlias")


def test_ims_set_default_domain_sets_the_alias(account, other_account):
    ims, ram = account.api(product="ims"), account.api()
    alias = alias_for(account)
    body = ims.call("SetDefaultDomain", DefaultDomainName=f"{alias}.onaliyun.com")
    assert body["DefaultDomainName"] == f"{alias}.onaliyun.com", body
    assert ram.call("GetAccountAlias")["AccountAlias"] == alias
    # it replaces the domain directly, and a name taken by another account changes nothing
    ims.call("SetDefaultDomain", DefaultDomainName=f"{alias}-2.onaliyun.com")
    assert ram.call("GetAccountAlias")["AccountAlias"] == f"{alias}-2"
    ims.call("SetDefaultDomain", DefaultDomainName=f"{alias}.onaliyun.com")
    taken = alias_for(other_account)
    other_account.api().call("SetAccountAlias", AccountAlias=taken)
    e = expect_error(lambda: ims.call("SetDefaultDomain", DefaultDomainName=f"{taken}.onaliyun.com"), 409)
    assert e.code == "EntityAlreadyExists.AccountAlias", e
    assert ram.call("GetAccountAlias")["AccountAlias"] == alias
    other_account.api().call("ClearAccountAlias")
    for bad, code in [(f"{alias}.example.com", "InvalidParameter.DefaultDomainName.InvalidChars"),
                      ("a" * 60 + ".onaliyun.com", "InvalidParameter.DefaultDomainName.Length"),
                      ("a--b.onaliyun.com", "InvalidParameter.DefaultDomainName.InvalidChars")]:
        e = expect_error(lambda: ims.call("SetDefaultDomain", DefaultDomainName=bad), 400)
        assert e.code == code, (bad, e)
    assert ram.call("GetAccountAlias")["AccountAlias"] == alias
    ram.call("ClearAccountAlias")


def test_set_and_clear_need_their_ram_actions(account):
    u = new_user(account)
    user_denied(u, lambda: u.ram().call("SetAccountAlias", AccountAlias=alias_for(account)), "ram:SetAccountAlias", "*")
    user_denied(u, lambda: u.ram().call("ClearAccountAlias"), "ram:ClearAccountAlias", "*")
    allowed = new_user(account, documents=[doc(allow(["ram:SetAccountAlias", "ram:ClearAccountAlias"]))])
    alias = alias_for(account)
    allowed.ram().call("SetAccountAlias", AccountAlias=alias)
    assert account.api().call("GetAccountAlias")["AccountAlias"] == alias
    allowed.ram().call("ClearAccountAlias")
    assert account.api().call("GetAccountAlias")["AccountAlias"] == account.account_id


def test_the_alias_survives_a_restart(spawn_server):
    import signal

    srv = spawn_server()
    root = srv.root()
    alias = alias_for(root)
    root.api().call("SetAccountAlias", AccountAlias=alias)
    srv.stop(signal.SIGTERM)
    again = spawn_server(store=srv.store, creds={"account_id": srv.account_id, "ak": srv.root_ak, "secret": srv.root_secret})
    assert again.root().api().call("GetAccountAlias")["AccountAlias"] == alias
    assert again.root().api(product="ims").call("GetDefaultDomain")["DefaultDomainName"] == f"{alias}.onaliyun.com"


def test_two_processes_racing_for_one_alias_give_it_to_one_account(spawn_server, new_store):
    """Several writers on one PostgreSQL database (whatever store the run tests)."""
    import threading

    from helpers import create_account, postgres_unreachable_reason

    if postgres_unreachable_reason():
        pytest.skip(postgres_unreachable_reason())
    store = new_store("postgres")
    a = spawn_server(store=store)
    b = spawn_server(store=store, creds={"account_id": a.account_id, "ak": a.root_ak, "secret": a.root_secret})

    accounts = [create_account(store, a.port) for _ in range(4)]
    # every other account talks to the other process
    for i, acc in enumerate(accounts):
        acc.port = (a.port, b.port)[i % 2]
    clients = [acc.api() for acc in accounts]
    alias = alias_for(accounts[0])
    results = [None] * len(clients)

    def take(i):
        try:
            clients[i].call("SetAccountAlias", AccountAlias=alias)
            results[i] = "ok"
        except ApiError as e:
            results[i] = e.code

    threads = [threading.Thread(target=take, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["EntityAlreadyExists.AccountAlias"] * 3 + ["ok"], results
    holders = [c.call("GetAccountAlias")["AccountAlias"] == alias for c in clients]
    assert holders.count(True) == 1, holders
