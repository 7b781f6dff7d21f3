"""STS GenerateSessionAccessKey (issue 14): a root's RSA key pair (`localyun account
import-key-pair`, the private key the console would hand out) signs the call, as the official
`alibabacloud-credentials` RsaKeyPairCredentialsProvider signs it (HMAC-SHA1 keyed with the
private key, over https to the STS endpoint); the answer is a session AccessKey `TMPSK.…` of the
root, valid for DurationSeconds. A key pair signs nothing else; an AccessKey cannot call it."""
from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from authz_helpers import TeaApi, expire_sts_credential
from helpers import core_client, expect_error, run_cli, store_args


@pytest.fixture
def key_pair(server, account, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    path = tmp_path / "private_key.pem"
    path.write_text(pem)
    res = run_cli(["account", "import-key-pair", "--account-id", account.account_id, "--private-key-file", str(path), *store_args(server.store)])
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)["PublicKeyId"], path, pem


@pytest.fixture
def trusted_local_ca(server, tmp_path, monkeypatch):
    """requests verifies Tea's https calls against certifi's bundle only: this process's copy
    of it gets localyun's CA, the SDK stays as shipped."""
    import certifi
    import requests.adapters

    ca = run_cli(["ca", "export", *store_args(server.store)]).stdout
    bundle = tmp_path / "bundle.pem"
    bundle.write_text(open(certifi.where()).read() + "\n" + ca)
    monkeypatch.setattr(requests.adapters, "DEFAULT_CA_BUNDLE_PATH", str(bundle))


def test_the_rsa_key_pair_provider_gets_a_root_session_key(account, key_pair, trusted_local_ca):
    from alibabacloud_credentials.provider.rsa_key_pair import RsaKeyPairCredentialsProvider

    public_key_id, path, _ = key_pair
    provider = RsaKeyPairCredentialsProvider(public_key_id=public_key_id, private_key_file=str(path), duration_seconds=900,
                                             sts_endpoint=f"127.0.0.1:{account.port}")
    cred = provider.get_credentials()
    assert cred.get_access_key_id().startswith("TMPSK.") and cred.get_access_key_secret(), cred
    # the session key is the root's: it may do what the root may
    sts = TeaApi("sts", account.port, cred.get_access_key_id(), cred.get_access_key_secret())
    who = sts.call("GetCallerIdentity")
    assert (who["IdentityType"], who["AccountId"]) == ("Account", account.account_id), who
    ram = TeaApi("ram", account.port, cred.get_access_key_id(), cred.get_access_key_secret())
    assert "Users" in ram.call("ListUsers")
    # and it is no AccessKey of the account's list
    keys = account.api().call("ListAccessKeys")["AccessKeys"]["AccessKey"]
    assert cred.get_access_key_id() not in [k["AccessKeyId"] for k in keys], keys


def generate(client, **params):
    from aliyunsdkcore.acs_exception.exceptions import ServerException
    from aliyunsdkcore.request import CommonRequest
    from helpers import ApiError

    req = CommonRequest(domain="127.0.0.1", version="2015-04-01", action_name="GenerateSessionAccessKey", product="Sts")
    for k, v in params.items():
        req.add_query_param(k, v)
    req.set_protocol_type("http")
    req.set_method("GET")
    try:
        return json.loads(client.do_action_with_exception(req))
    except ServerException as e:
        raise ApiError(e.get_http_status(), e.get_error_code(), e.get_error_msg()) from None


def test_what_a_key_pair_may_sign_and_what_not(server, account, key_pair):
    public_key_id, _, pem = key_pair
    signed_by_pair = core_client(account.port, public_key_id, pem)
    body = generate(signed_by_pair, DurationSeconds=3600)
    session = body["SessionAccessKey"]
    assert session["SessionAccessKeyId"].startswith("TMPSK.") and session["Expiration"].endswith("Z"), body
    ram = account.api(ak=session["SessionAccessKeyId"], secret=session["SessionAccessKeySecret"])
    assert "Users" in ram.call("ListUsers")
    # neither a session key nor a key pair is an AccessKey to the AccessKey actions
    for key_id in (session["SessionAccessKeyId"], public_key_id):
        e = expect_error(lambda: account.api().call("UpdateAccessKey", UserAccessKeyId=key_id, Status="Inactive"), 404)
        assert e.code == "EntityNotExist.User.AccessKey", (key_id, e)
    # past its expiry the session key is gone
    if not expire_sts_credential(server.store, session["SessionAccessKeyId"], table="access_key"):
        pytest.skip("the store layout is not the one the expiry helper edits")
    e = expect_error(lambda: ram.call("ListUsers"), 404)
    assert e.code == "InvalidAccessKeyId.NotFound", e
    e = expect_error(lambda: generate(signed_by_pair, DurationSeconds=100), 400)
    assert e.code == "InvalidParameter.DurationSeconds", e
    # the key pair is no AccessKey for any other call
    e = expect_error(lambda: account.api("core_post", ak=public_key_id, secret=pem).call("ListUsers"), 404)
    assert e.code == "InvalidAccessKeyId.NotFound", e
    # and an AccessKey cannot make session keys
    e = expect_error(lambda: generate(core_client(account.port, account.ak, account.secret)), 403)
    assert e.code == "NoPermission", e


def test_import_key_pair_refuses_what_it_cannot_use(server, tmp_path):
    bad = tmp_path / "not_a_key.txt"
    bad.write_text("hello")
    res = run_cli(["account", "import-key-pair", "--account-id", "1234567890123456", "--private-key-file", str(bad), *store_args(server.store)])
    assert res.returncode != 0 and "not a PEM private key" in res.stderr, res
