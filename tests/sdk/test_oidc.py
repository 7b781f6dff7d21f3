"""OIDC federation (issue 14): IMS OIDC providers (Create/Get/Update/Delete/ListOIDCProviders,
Add/RemoveClientIdToOIDCProvider, Add/RemoveFingerprintToOIDCProvider) and STS
AssumeRoleWithOIDC against a local issuer that the test runs (oidc_issuer.py): the server
fetches the issuer's JWKS like the real service, verifies the token's signature, issuer,
audience and expiry, and the role's trust policy with its `oidc:` conditions; the session's
credentials then call RAM. Error codes from the STS error codes page (help.aliyun.com,
api-sts-2015-04-01-errorcodes). Through the Tea SDKs, the STS call unsigned as the SDK sends it."""
from __future__ import annotations

import json
import time

import pytest

from authz_helpers import SDK_CONNECT_TIMEOUT_MS, SDK_READ_TIMEOUT_MS, TeaApi, attach
from helpers import ApiError, expect_error, tea_call, unique
from oidc_issuer import Issuer

CLIENT = "localyun-client"
SUBJECT = "repo:acme/app:ref:refs/heads/main"


@pytest.fixture
def issuer():
    i = Issuer()
    i.add_key("k1")
    yield i
    i.close()


def anonymous_sts(port: int):
    """The STS client as a federated workload makes it: no AccessKey at all."""
    from alibabacloud_sts20150401 import models
    from alibabacloud_sts20150401.client import Client
    from alibabacloud_tea_openapi.models import Config

    client = Client(Config(endpoint=f"127.0.0.1:{port}", protocol="http",
                           read_timeout=SDK_READ_TIMEOUT_MS, connect_timeout=SDK_CONNECT_TIMEOUT_MS))
    return lambda **params: tea_call(client, "AssumeRoleWithOIDC", params, models)


def federated_role(account, provider_arn: str, condition=None) -> str:
    name = unique("oidc-role")
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Federated": [provider_arn]}}
    statement["Condition"] = condition or {"StringEquals": {"oidc:aud": CLIENT, "oidc:sub": SUBJECT}}
    account.api().call("CreateRole", RoleName=name, AssumeRolePolicyDocument=json.dumps({"Version": "1", "Statement": [statement]}))
    attach(account, "Role", name, "AliyunRAMReadOnlyAccess", "System")
    return f"acs:ram::{account.account_id}:role/{name}"


def provider(account, issuer_url: str, **extra) -> dict:
    ims = account.api(product="ims")
    return ims.call("CreateOIDCProvider", OIDCProviderName=unique("idp"), IssuerUrl=issuer_url, ClientIds=CLIENT, **extra)["OIDCProvider"]


def test_a_federated_workload_gets_credentials_and_uses_them(account, issuer):
    p = provider(account, issuer.url, Description="CI")
    assert p["Arn"] == f"acs:ram::{account.account_id}:oidc-provider/{p['OIDCProviderName']}", p
    role_arn = federated_role(account, p["Arn"])
    assume = anonymous_sts(account.port)
    body = assume(OIDCProviderArn=p["Arn"], RoleArn=role_arn, OIDCToken=issuer.token("k1"), RoleSessionName="ci-run")
    creds, info = body["Credentials"], body["OIDCTokenInfo"]
    assert creds["AccessKeyId"].startswith("STS.") and creds["SecurityToken"], body
    assert (info["Issuer"], info["Subject"], info["ClientIds"]) == (issuer.url, SUBJECT, CLIENT), info
    assert body["AssumedRoleUser"]["Arn"] == f"{role_arn}/ci-run", body
    # the session acts with the role's permissions
    session = TeaApi("ram", account.port, creds["AccessKeyId"], creds["AccessKeySecret"], token=creds["SecurityToken"])
    assert "Users" in session.call("ListUsers")
    e = expect_error(lambda: session.call("CreateUser", UserName=unique("no")), 403)
    assert e.code == "NoPermission", e
    who = TeaApi("sts", account.port, creds["AccessKeyId"], creds["AccessKeySecret"], token=creds["SecurityToken"]).call("GetCallerIdentity")
    assert (who["IdentityType"], who["Arn"]) == ("AssumedRoleUser", f"{role_arn}/ci-run"), who
    # without a session name the subject names it
    auto = assume(OIDCProviderArn=p["Arn"], RoleArn=role_arn, OIDCToken=issuer.token("k1"))
    assert auto["AssumedRoleUser"]["Arn"].startswith(f"{role_arn}/"), auto


def test_tokens_that_must_be_refused(account, issuer):
    p = provider(account, issuer.url)
    role_arn = federated_role(account, p["Arn"])
    assume = anonymous_sts(account.port)
    issuer.add_key("rogue", publish=False)
    forged = issuer.token("k1", sign_with="rogue")  # names the published key, signed by another
    cases = [
        (issuer.token("k1", aud="someone-else"), "AuthenticationFail.OIDCToken.AudienceNotMatch"),
        (issuer.token("k1", exp_in=-3600), "AuthenticationFail.OIDCToken.Expired"),
        (issuer.token("k1", iss="http://127.0.0.1:1/other"), "AuthenticationFail.OIDCToken.IssuerNotMatch"),
        (forged, "AuthenticationFail.OIDCToken.InvalidSignature"),
        ("abc.def", "AuthenticationFail.OIDCToken.Invalid"),
        (issuer.token("k1", iat_ago=None), "AuthenticationFail.OIDCToken.Invalid"),  # no issue time
        (issuer.token("k1", iat_ago=-3600), "AuthenticationFail.OIDCToken.Invalid"),  # issued in the future
        (issuer.token("k1", iat_ago=13 * 3600, exp_in=3600), "AuthenticationFail.OIDCToken.Expired"),  # past the 12 h limit
        (issuer.token("k1", sub="repo:mallory/app:ref:refs/heads/main"), "AuthenticationFail.NoPermission"),
    ]
    for token, code in cases:
        e = expect_error(lambda: assume(OIDCProviderArn=p["Arn"], RoleArn=role_arn, OIDCToken=token), 401)
        assert e.code == code, (code, e)
    e = expect_error(lambda: assume(OIDCProviderArn=p["Arn"] + "x", RoleArn=role_arn, OIDCToken=issuer.token("k1")), 401)
    assert (e.code, e.message) == ("AuthenticationFail.NoPermission", "No such OIDC Provider registered."), e
    # a role that trusts another provider
    second = Issuer()
    second.add_key("s1")
    try:
        other = provider(account, second.url)
        e = expect_error(lambda: assume(OIDCProviderArn=other["Arn"], RoleArn=role_arn, OIDCToken=second.token("s1")), 401)
        assert (e.code, e.message) == ("AuthenticationFail.NoPermission", "There is no permission"), e
    finally:
        second.close()


def test_rotated_keys_are_fetched_again(account, issuer):
    p = provider(account, issuer.url)
    role_arn = federated_role(account, p["Arn"])
    assume = anonymous_sts(account.port)
    assume(OIDCProviderArn=p["Arn"], RoleArn=role_arn, OIDCToken=issuer.token("k1"))
    assume(OIDCProviderArn=p["Arn"], RoleArn=role_arn, OIDCToken=issuer.token("k1"))
    fetched = issuer.fetches
    assert fetched >= 1
    issuer.add_key("k2")  # the issuer rotates
    # made-up key IDs right after a fetch fetch nothing (jwks.rs MIN_REFETCH: 2 s)
    e = expect_error(lambda: assume(OIDCProviderArn=p["Arn"], RoleArn=role_arn, OIDCToken=issuer.token("k2")), 401)
    assert e.code == "AuthenticationFail.OIDCToken.InvalidSignature" and issuer.fetches == fetched, (e, issuer.fetches)
    time.sleep(2.2)
    assume(OIDCProviderArn=p["Arn"], RoleArn=role_arn, OIDCToken=issuer.token("k2"))
    assert issuer.fetches == fetched + 1, (fetched, issuer.fetches)


def test_provider_management(account, issuer):
    ims = account.api(product="ims")
    name = unique("idp")
    created = ims.call("CreateOIDCProvider", OIDCProviderName=name, IssuerUrl=issuer.url, ClientIds="a,b",
                       Fingerprints="902ef2deeb3c5b13ea4c3d5193629309e231ae55", IssuanceLimitTime=6)["OIDCProvider"]
    assert (created["ClientIds"], created["IssuanceLimitTime"], created["IssuerUrl"]) == ("a,b", 6, issuer.url), created
    assert ims.call("GetOIDCProvider", OIDCProviderName=name)["OIDCProvider"]["Arn"] == created["Arn"]
    e = expect_error(lambda: ims.call("CreateOIDCProvider", OIDCProviderName=name, IssuerUrl=issuer.url + "/x"), 409)
    assert e.code == "EntityAlreadyExists.OIDCProvider", e
    e = expect_error(lambda: ims.call("CreateOIDCProvider", OIDCProviderName=unique("idp"), IssuerUrl=issuer.url), 400)
    assert "IssuerUrl" in e.message, e  # unique within the account
    for url in ["ftp://example.com", "http://example.com", "https://example.com/?q=1", "https://a@example.com"]:
        e = expect_error(lambda: ims.call("CreateOIDCProvider", OIDCProviderName=unique("idp"), IssuerUrl=url), 400)
        assert e.code == "InvalidParameter.IssuerUrl", (url, e)
    e = expect_error(lambda: ims.call("CreateOIDCProvider", OIDCProviderName="-bad", IssuerUrl="https://idp.example.com"), 400)
    assert e.code == "InvalidParameter.OIDCProviderName.InvalidChars", e
    assert ims.call("AddClientIdToOIDCProvider", OIDCProviderName=name, ClientId="c")["OIDCProvider"]["ClientIds"] == "a,b,c"
    e = expect_error(lambda: ims.call("AddClientIdToOIDCProvider", OIDCProviderName=name, ClientId="c"), 409)
    assert e.code == "EntityAlreadyExists.OIDCProvider.ClientId", e
    assert ims.call("RemoveClientIdFromOIDCProvider", OIDCProviderName=name, ClientId="a")["OIDCProvider"]["ClientIds"] == "b,c"
    e = expect_error(lambda: ims.call("RemoveClientIdFromOIDCProvider", OIDCProviderName=name, ClientId="a"), 404)
    assert e.code == "EntityNotExist.OIDCProvider.ClientId", e
    fp = ims.call("AddFingerprintToOIDCProvider", OIDCProviderName=name, Fingerprint="abc123")["OIDCProvider"]["Fingerprints"]
    assert fp.split(",") == ["902ef2deeb3c5b13ea4c3d5193629309e231ae55", "abc123"], fp
    ims.call("RemoveFingerprintFromOIDCProvider", OIDCProviderName=name, Fingerprint="abc123")
    up = ims.call("UpdateOIDCProvider", OIDCProviderName=name, NewDescription="new", ClientIds="z", IssuanceLimitTime=12)["OIDCProvider"]
    assert (up["Description"], up["ClientIds"], up["IssuanceLimitTime"]) == ("new", "z", 12), up
    e = expect_error(lambda: ims.call("UpdateOIDCProvider", OIDCProviderName=name, IssuanceLimitTime=169), 400)
    assert "IssuanceLimitTime" in e.code + e.message, e
    names = [x["OIDCProviderName"] for x in ims.call("ListOIDCProviders")["OIDCProviders"]["OIDCProvider"]]
    assert name in names, names
    ims.call("DeleteOIDCProvider", OIDCProviderName=name)
    e = expect_error(lambda: ims.call("GetOIDCProvider", OIDCProviderName=name), 404)
    assert e.code == "EntityNotExist.OIDCProvider", e
