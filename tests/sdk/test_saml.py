"""SAML federation (issue 14): IMS SAML providers (Create/Get/Update/Delete/ListSAMLProviders) and
STS AssumeRoleWithSAML with responses of a test IdP (saml_idp.py): the issuer, audience,
recipient, validity window, the role attribute and the role's Federated trust are checked, and
the response's certificate must be the provider's. The XML signature itself is not verified
(a documented limitation: localyun_core::saml, README). Through the Tea SDKs; the STS call is
unsigned as the SDK sends it."""
from __future__ import annotations

import json

from authz_helpers import SDK_CONNECT_TIMEOUT_MS, SDK_READ_TIMEOUT_MS, TeaApi, attach
from helpers import expect_error, tea_call, unique
from saml_idp import Idp


def anonymous_sts(port: int):
    from alibabacloud_sts20150401 import models
    from alibabacloud_sts20150401.client import Client
    from alibabacloud_tea_openapi.models import Config

    client = Client(Config(endpoint=f"127.0.0.1:{port}", protocol="http",
                           read_timeout=SDK_READ_TIMEOUT_MS, connect_timeout=SDK_CONNECT_TIMEOUT_MS))
    return lambda **params: tea_call(client, "AssumeRoleWithSAML", params, models)


def setup(account, idp: Idp):
    ims = account.api(product="ims")
    p = ims.call("CreateSAMLProvider", SAMLProviderName=unique("saml"), EncodedSAMLMetadataDocument=idp.metadata(),
                 Description="corp IdP")["SAMLProvider"]
    role = unique("saml-role")
    trust = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Federated": [p["Arn"]]},
                                            "Condition": {"StringEquals": {"saml:recipient": "https://signin.aliyun.com/saml-role/sso"}}}]}
    account.api().call("CreateRole", RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))
    attach(account, "Role", role, "AliyunRAMReadOnlyAccess", "System")
    return p, f"acs:ram::{account.account_id}:role/{role}"


def test_sso_gets_credentials_and_uses_them(account):
    idp = Idp()
    p, role_arn = setup(account, idp)
    body = anonymous_sts(account.port)(SAMLProviderArn=p["Arn"], RoleArn=role_arn, SAMLAssertion=idp.response(role_arn, p["Arn"]))
    info, creds = body["SAMLAssertionInfo"], body["Credentials"]
    assert (info["Issuer"], info["Subject"], info["Recipient"]) == (idp.entity_id, "alice@example.com",
                                                                    "https://signin.aliyun.com/saml-role/sso"), info
    assert body["AssumedRoleUser"]["Arn"] == f"{role_arn}/alice", body
    session = TeaApi("ram", account.port, creds["AccessKeyId"], creds["AccessKeySecret"], token=creds["SecurityToken"])
    assert "Users" in session.call("ListUsers")


def test_responses_that_must_be_refused(account):
    idp = Idp()
    p, role_arn = setup(account, idp)
    assume = anonymous_sts(account.port)
    other_role = f"acs:ram::{account.account_id}:role/{unique('none')}"
    cases = [
        (idp.response(role_arn, p["Arn"], cert=Idp().cert), "AuthenticationFail.SAMLAssertion.InvalidSignature"),
        (idp.response(role_arn, p["Arn"], issuer="https://evil.example.com"), "AuthenticationFail.SAMLAssertion.IssuerNotMatch"),
        (idp.response(role_arn, p["Arn"], audience="urn:example:other"), "AuthenticationFail.SAMLAssertion.AudienceNotMatch"),
        (idp.response(role_arn, p["Arn"], valid_for=-600), "AuthenticationFail.SAMLAssertion.Expired"),
        (idp.response(role_arn, p["Arn"], recipient="https://example.com/acs"), "AuthenticationFail.SAMLAssertion.Invalid"),
        (idp.response(other_role, p["Arn"]), "AuthenticationFail.NoPermission"),  # the attribute names another role
        ("bm90IHhtbA==", "AuthenticationFail.SAMLAssertion.Invalid"),
    ]
    for assertion, code in cases:
        e = expect_error(lambda: assume(SAMLProviderArn=p["Arn"], RoleArn=role_arn, SAMLAssertion=assertion), 401)
        assert e.code == code, (code, e)
    e = expect_error(lambda: assume(SAMLProviderArn=p["Arn"] + "x", RoleArn=role_arn, SAMLAssertion=idp.response(role_arn, p["Arn"])), 401)
    assert (e.code, e.message) == ("AuthenticationFail.NoPermission", "No such SAML Provider registered."), e


def test_provider_management(account):
    ims = account.api(product="ims")
    idp, name = Idp(), unique("saml")
    created = ims.call("CreateSAMLProvider", SAMLProviderName=name, EncodedSAMLMetadataDocument=idp.metadata())["SAMLProvider"]
    assert (created["Arn"], created["AuthnSignAlgo"]) == (f"acs:ram::{account.account_id}:saml-provider/{name}", "rsa-sha1"), created
    got = ims.call("GetSAMLProvider", SAMLProviderName=name)["SAMLProvider"]
    assert got["EncodedSAMLMetadataDocument"] == idp.metadata(), got
    e = expect_error(lambda: ims.call("CreateSAMLProvider", SAMLProviderName=name, EncodedSAMLMetadataDocument=idp.metadata()), 409)
    assert e.code == "EntityAlreadyExists.SAMLProvider", e
    e = expect_error(lambda: ims.call("CreateSAMLProvider", SAMLProviderName=unique("saml"), EncodedSAMLMetadataDocument="bm90IG1ldGFkYXRh"), 400)
    assert e.code == "InvalidParameter.EncodedSAMLMetadataDocument", e
    newer = Idp("https://idp2.example.com")
    up = ims.call("UpdateSAMLProvider", SAMLProviderName=name, NewEncodedSAMLMetadataDocument=newer.metadata(),
                  NewDescription="rotated", AuthnSignAlgo="rsa-sha256")["SAMLProvider"]
    assert (up["Description"], up["AuthnSignAlgo"]) == ("rotated", "rsa-sha256"), up
    assert name in [x["SAMLProviderName"] for x in ims.call("ListSAMLProviders")["SAMLProviders"]["SAMLProvider"]]
    ims.call("DeleteSAMLProvider", SAMLProviderName=name)
    e = expect_error(lambda: ims.call("GetSAMLProvider", SAMLProviderName=name), 404)
    assert e.code == "EntityNotExist.SAMLProvider", e
