"""SLS authentication (sls.md 3): v1 `LOG ak:sig` with HMAC-SHA1 / HMAC-SHA256 chosen by
x-log-signaturemethod, v4 SLS4-HMAC-SHA256 with its date/region scope, and every negative of the
contract with status, errorCode and x-log-requestid. Mostly hand-signed (signer.SlsSigner)."""
from __future__ import annotations

import hashlib

import pytest

import signer as sg
from helpers import (SlsApi, assert_sls_empty_ok, assert_sls_error, assert_sls_json_ok, expect_sls_error,
                     sls_name, unique)

MIN = 60
SECRET = "TestAccessKeySecret0123456789abc"


# ------------------------------------------------------------------------------- the signer itself

def test_signer_reproduces_the_spec_examples():
    """sls.md 3.2 (LogClient v1 sha1, Tea v1 sha256, query canonicalization) and 3.3 (v4); no server."""
    h = {"Content-Type": "application/json", "x-log-bodyrawsize": "75", "x-log-apiversion": "0.6.0",
         "Host": "proj-a.127.0.0.1", "x-log-signaturemethod": "hmac-sha1", "Date": "Wed, 25 Nov 2026 17:51:31 GMT",
         "Content-MD5": "192AE23A3FDAF7E287CAA348BB884386", "x-log-date": "Wed, 25 Nov 2026 17:51:31 GMT"}
    body = b'{"projectName": "proj-a", "description": "desc one", "resourceGroupId": ""}'
    assert sg.sls_md5_upper(body) == h["Content-MD5"]
    sts = sg.sls_v1_string_to_sign("POST", "/", [], h)
    assert sts == ("POST\n192AE23A3FDAF7E287CAA348BB884386\napplication/json\nWed, 25 Nov 2026 17:51:31 GMT\n"
                   "x-log-apiversion:0.6.0\nx-log-bodyrawsize:75\nx-log-signaturemethod:hmac-sha1\n/")
    assert sg.sls_v1_signature(sts, SECRET, "sha1") == "CFr723iFgmSGruq/QGhkxbMh7UQ="

    h2 = {"host": "127.0.0.1:52581", "x-log-apiversion": "0.6.0", "content-type": "application/json",
          "x-log-bodyrawsize": "61", "x-log-signaturemethod": "hmac-sha256", "date": "Wed, 25 Nov 2026 17:52:17 GMT",
          "content-md5": "1C5B2CFEF306658A2E732CD803B1A360"}
    assert sg.sls_md5_upper(b'{"all":true,"resourceId":["proj-a"],"resourceType":"project"}') == h2["content-md5"]
    sts2 = sg.sls_v1_string_to_sign("POST", "/untag", [], h2)
    assert sg.sls_v1_signature(sts2, SECRET, "sha256") == "E21VG3+Irr2zYJ7pnfCw4CWEwB8LO7aT5isq5PD9Yh8="

    q = [("resourceType", "project"), ("tags", '[{"key": "env", "value": "dev"}]'), ("nextToken", ""),
         ("resourceId", '["proj-a"]')]
    assert sg.sls_v1_canonical_resource("/tags", q) == \
        '/tags?nextToken=&resourceId=["proj-a"]&resourceType=project&tags=[{"key": "env", "value": "dev"}]'

    h4 = {"Content-Length": "0", "x-log-bodyrawsize": "0", "x-log-apiversion": "0.6.0", "Host": "proj-a.127.0.0.1",
          "x-log-content-sha256": sg.EMPTY_SHA256, "x-log-date": "20261125T175131Z", "Accept": "*/*"}
    creq = sg.sls_v4_canonical_request("GET", "/tags", q, h4)
    assert creq.split("\n")[2] == ("nextToken&resourceId=%5B%22proj-a%22%5D&resourceType=project&tags="
                                   "%5B%7B%22key%22%3A%20%22env%22%2C%20%22value%22%3A%20%22dev%22%7D%5D")
    sts4 = sg.sls_v4_string_to_sign("20261125T175131Z", "20261125", "cn-hangzhou", creq)
    assert sts4.startswith("SLS4-HMAC-SHA256\n20261125T175131Z\n20261125/cn-hangzhou/sls/aliyun_v4_request\nbbe5a8a1")
    assert sg.sls_v4_signature(SECRET, "20261125", "cn-hangzhou", sts4) == \
        "f705cd5f9ce3bd0e99cd7708258d01b86bbd3fb7434124f07cc0378effe6023f"

    b5 = b'{"logstoreName":"store1","shardCount":1,"ttl":7}'
    h5 = {"host": "proj-a.127.0.0.1:52581", "x-log-apiversion": "0.6.0", "content-type": "application/json",
          "x-log-bodyrawsize": "48", "x-log-date": "20261125T175219Z",
          "x-log-content-sha256": hashlib.sha256(b5).hexdigest(), "accept": "application/json"}
    assert h5["x-log-content-sha256"].startswith("9aa1fb1cc247")
    c5 = sg.sls_v4_canonical_request("POST", "/logstores", [], h5)
    s5 = sg.sls_v4_string_to_sign("20261125T175219Z", "20261125", "cn-hangzhou", c5)
    assert sg.sls_v4_signature(SECRET, "20261125", "cn-hangzhou", s5) == \
        "2a9032f459d7c0cb209840010612e90255990e0e626f720c2955a286934bf7f4"


# ------------------------------------------------------------------------------- fixtures

@pytest.fixture
def s(account):
    return account.sls_signer()


@pytest.fixture
def project(account):
    name = sls_name("auth")
    account.sls("tea_v1").create_project(name, "auth")
    return name


def list_logstores(s, project, **kw):
    return s.request("GET", "/logstores", project=project, query={"offset": "0", "size": "10"}, **kw)


def create_logstore(s, project, name="s1", **kw):
    return s.request("POST", "/logstores", project=project, body={"logstoreName": name, "ttl": 7, "shardCount": 1}, **kw)


V1_HASHES = [("v1", "sha1"), ("v1", "sha256"), ("v4", "sha1")]
IDS = ["v1-sha1", "v1-sha256", "v4"]


# ------------------------------------------------------------------------------- positives

@pytest.mark.parametrize("version,hash_name", V1_HASHES, ids=IDS)
def test_hand_signed_requests_succeed(s, project, version, hash_name):
    kw = {"version": version, "hash_name": hash_name}
    assert_sls_empty_ok(create_logstore(s, project, **kw))
    body = assert_sls_json_ok(list_logstores(s, project, **kw))
    assert body["logstores"] == ["s1"]
    # query with an empty value, spaces and JSON, absolute-form target, Host with a port
    r = s.request("GET", "/tags", project=project, query={"resourceType": "project", "resourceId": f'["{project}"]',
                                                          "tags": '[{"key": "a b", "value": "c+d"}]', "nextToken": ""},
                  absolute=True, **kw)
    assert assert_sls_json_ok(r)["tagResources"] == []
    r = s.request("GET", "/", host=f"{project}.127.0.0.1:{s.port}", **kw)
    assert assert_sls_json_ok(r)["projectName"] == project


@pytest.mark.parametrize("flavour", ["lc_v1", "lc_v4", "tea_v1", "tea_v4"])
def test_sts_token_header_with_a_normal_key_is_accepted_when_signed(account, monkeypatch, flavour):
    api = SlsApi(flavour, account.port, account.ak, account.secret, monkeypatch=monkeypatch, token="some-sts-token")
    p = sls_name("sts")
    api.create_project(p, "with token")
    assert api.get_project(p)["owner"] == account.account_id


@pytest.mark.parametrize("version", ["v1", "v4"])
def test_sts_token_header_is_signed(s, project, version):
    assert_sls_json_ok(list_logstores(s, project, version=version, token="tok"))
    r = list_logstores(s, project, version=version, token="tok", tamper_headers={"x-acs-security-token": "other"})
    assert_sls_error(r, 401, "SignatureNotMatch")
    r = list_logstores(s, project, version=version, tamper_headers={"x-acs-security-token": "added-later"})
    assert_sls_error(r, 401, "SignatureNotMatch")


def test_ram_user_access_key_reaches_sls_as_that_user(account, monkeypatch):
    ram = account.api()  # before the proxy variables are set
    user = unique("slsuser")
    ram.call("CreateUser", UserName=user)
    # full SLS rights, so the calls below also succeed once RAM policies are enforced
    ram.call("AttachPolicyToUser", PolicyType="System", PolicyName="AliyunLogFullAccess", UserName=user)
    key = ram.call("CreateAccessKey", UserName=user)["AccessKey"]
    for flavour in ("lc_v1", "tea_v4"):
        api = SlsApi(flavour, account.port, key["AccessKeyId"], key["AccessKeySecret"], monkeypatch=monkeypatch)
        p = sls_name("ram")
        api.create_project(p, "by a RAM user")
        got = api.get_project(p)
        assert got["owner"] == account.account_id
        # the account's root key sees the project the user created
        assert account.sls("tea_v1").get_project(p)["description"] == "by a RAM user"
        assert p in api.list_projects(name=p)["names"]
    # the user's key follows the user's key state (RAM calls without the proxy variables)
    for var in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(var, raising=False)
    kid = key["AccessKeyId"]
    user_signer = account.sls_signer(ak=kid, secret=key["AccessKeySecret"])
    assert_sls_json_ok(user_signer.request("GET", "/", query={"offset": "0", "size": "1"}))
    ram.call("UpdateAccessKey", UserName=user, UserAccessKeyId=kid, Status="Inactive")
    assert_sls_error(user_signer.request("GET", "/"), 401, "Unauthorized", f"AccessKeyId is disabled: {kid}")
    ram.call("DeleteAccessKey", UserName=user, UserAccessKeyId=kid)
    assert_sls_error(user_signer.request("GET", "/", version="v4"), 401, "Unauthorized", f"AccessKeyId not found: {kid}")


# ------------------------------------------------------------------------------- signature mismatch

@pytest.mark.parametrize("version,hash_name", V1_HASHES, ids=IDS)
def test_wrong_secret(s, project, version, hash_name):
    r = list_logstores(s, project, version=version, hash_name=hash_name, secret="wrong-secret")
    assert_sls_error(r, 401, "SignatureNotMatch")


def test_hash_is_chosen_by_signature_method_header(s, project):
    # signed with SHA256 while the header says hmac-sha1, and the other way round
    r = list_logstores(s, project, hash_name="sha256", signature_method="hmac-sha1")
    assert_sls_error(r, 401, "SignatureNotMatch")
    r = list_logstores(s, project, hash_name="sha1", signature_method="hmac-sha256")
    assert_sls_error(r, 401, "SignatureNotMatch")


@pytest.mark.parametrize("version,hash_name", V1_HASHES, ids=IDS)
def test_tampering_after_signing(s, project, version, hash_name):
    kw = {"version": version, "hash_name": hash_name}
    cases = [
        dict(tamper_query={"offset": "1", "size": "10"}),
        dict(tamper_headers={"x-log-apiversion": "0.6.1"}),
        dict(tamper_headers={"Host": f"other-{project}.127.0.0.1"}) if version == "v4" else None,
        dict(tamper_authorization=lambda a: a.replace(s.ak, s.ak[:-1] + ("A" if s.ak[-1] != "A" else "B"))),
    ]
    for c in filter(None, cases):
        r = list_logstores(s, project, **kw, **c)
        assert r.status in (401,), (c, r.status, r.text)
    r = list_logstores(s, project, **kw, tamper_query={"offset": "1", "size": "10"})
    assert_sls_error(r, 401, "SignatureNotMatch")
    # a changed body with a matching hash header still breaks the signature
    good = b'{"logstoreName": "s1", "ttl": 7, "shardCount": 1}'
    evil = b'{"logstoreName": "s9", "ttl": 7, "shardCount": 1}'
    fix = {"Content-MD5": sg.sls_md5_upper(evil)} if version == "v1" else {"x-log-content-sha256": hashlib.sha256(evil).hexdigest()}
    r = s.request("POST", "/logstores", project=project, body=good, tamper_body=evil, tamper_headers=fix, **kw)
    assert_sls_error(r, 401, "SignatureNotMatch")
    assert assert_sls_json_ok(list_logstores(s, project, **kw))["total"] == 0


def test_unknown_access_key(s, project):
    for version in ("v1", "v4"):
        r = list_logstores(s, project, version=version, access_key_id="LTAI5tNoSuchKey000000000")
        assert_sls_error(r, 401, "Unauthorized", "AccessKeyId not found: LTAI5tNoSuchKey000000000")


def test_inactive_access_key(account, project):
    ram = account.api()
    key = ram.call("CreateAccessKey")["AccessKey"]
    kid, ksecret = key["AccessKeyId"], key["AccessKeySecret"]
    s2 = account.sls_signer(ak=kid, secret=ksecret)
    assert_sls_json_ok(list_logstores(s2, project))
    ram.call("UpdateAccessKey", UserAccessKeyId=kid, Status="Inactive")
    for version in ("v1", "v4"):
        assert_sls_error(list_logstores(s2, project, version=version), 401, "Unauthorized",
                         f"AccessKeyId is disabled: {kid}")
    expect_sls_error(lambda: account.sls("tea_v1", ak=kid, secret=ksecret).get_project(project), 401, "Unauthorized")
    ram.call("UpdateAccessKey", UserAccessKeyId=kid, Status="Active")
    assert_sls_json_ok(list_logstores(s2, project))


def test_missing_authorization(s, project):
    for version in ("v1", "v4"):
        assert_sls_error(list_logstores(s, project, version=version, authorization=None), 401, "Unauthorized")
    assert_sls_error(create_logstore(s, project, authorization=None), 401, "Unauthorized")


@pytest.mark.parametrize("auth", [
    "Bearer abc", "LOG", "LOG nocolon", "garbage",
    "SLS4-HMAC-SHA256 garbage", "SLS4-HMAC-SHA256 Credential=ak/20261125/cn-hangzhou/sls/aliyun_v4_request",
    "SLS4-HMAC-SHA256 Credential=ak/2026/cn-hangzhou/sls/aliyun_v4_request,Signature=00",
], ids=lambda a: a[:30])
def test_unparsable_authorization(s, project, auth):
    assert_sls_error(list_logstores(s, project, authorization=auth), 400, "ParameterInvalid")


def test_failed_authentication_changes_nothing(s, project):
    assert_sls_error(create_logstore(s, project, secret="bad"), 401, "SignatureNotMatch")
    assert_sls_error(create_logstore(s, project, authorization=None), 401, "Unauthorized")
    assert_sls_error(create_logstore(s, project, date_offset=-30 * MIN), 400, "RequestTimeExpired")
    assert assert_sls_json_ok(list_logstores(s, project))["total"] == 0


# ------------------------------------------------------------------------------- clock

@pytest.mark.parametrize("version", ["v1", "v4"])
@pytest.mark.parametrize("offset", [-20 * MIN, 20 * MIN, -24 * 3600, 366 * 24 * 3600], ids=["-20m", "+20m", "-1d", "+1y"])
def test_request_time_outside_window(s, project, version, offset):
    assert_sls_error(list_logstores(s, project, version=version, date_offset=offset), 400, "RequestTimeExpired")


@pytest.mark.parametrize("version", ["v1", "v4"])
@pytest.mark.parametrize("offset", [-10 * MIN, 10 * MIN], ids=["-10m", "+10m"])
def test_request_time_inside_window(s, project, version, offset):
    assert_sls_json_ok(list_logstores(s, project, version=version, date_offset=offset))


@pytest.mark.parametrize("date", ["yesterday", "2026-11-25T17:51:31Z", "Wed, 32 Nov 2026 17:51:31 GMT"],
                         ids=["word", "iso", "day32"])
def test_unparsable_date_v1(s, project, date):
    assert_sls_error(list_logstores(s, project, date=date), 400, "InvalidRequestTime")


def test_v1_x_log_date_is_not_signed(s, project):
    """LogClient adds x-log-date after signing (sls.md 3.2); its value never breaks a v1 signature."""
    r = list_logstores(s, project, extra_headers={"x-log-date": "Wed, 25 Nov 2026 17:51:31 GMT"})
    assert_sls_json_ok(r)
    r = list_logstores(s, project, tamper_headers={"x-log-date": sg.sls_rfc1123(offset_seconds=5)})
    assert_sls_json_ok(r)


# ------------------------------------------------------------------------------- body hashes

def test_content_md5_mismatch(s, project):
    r = create_logstore(s, project, content_md5="0" * 32)
    assert_sls_error(r, 400, "InvalidContentMD5")
    r = create_logstore(s, project, content_md5=sg.sls_md5_upper(b"{}"))
    assert_sls_error(r, 400, "InvalidContentMD5")
    body = b'{"logstoreName": "s1", "ttl": 7, "shardCount": 1}'
    r = s.request("POST", "/logstores", project=project, body=body, tamper_body=body.replace(b"7", b"8"))
    assert_sls_error(r, 400, "InvalidContentMD5")
    # empty Content-MD5 is like none (Tea sends it on bodiless requests)
    assert_sls_json_ok(list_logstores(s, project, content_md5=""))
    assert assert_sls_json_ok(list_logstores(s, project))["total"] == 0
    assert_sls_empty_ok(create_logstore(s, project, hash_name="sha256"))


def test_content_sha256_mismatch(s, project):
    r = create_logstore(s, project, version="v4", content_sha256="0" * 64)
    assert_sls_error(r, 400, "InvalidContentSha256")
    r = create_logstore(s, project, version="v4", content_sha256=sg.EMPTY_SHA256 + "")
    assert r.status in (400,), r.text  # empty-body hash with a body (allowed only for data-plane uploads)
    body = b'{"logstoreName": "s1", "ttl": 7, "shardCount": 1}'
    r = s.request("POST", "/logstores", project=project, body=body, version="v4", tamper_body=body.replace(b"7", b"8"))
    assert_sls_error(r, 400, "InvalidContentSha256")
    assert assert_sls_json_ok(list_logstores(s, project))["total"] == 0
    assert_sls_empty_ok(create_logstore(s, project, version="v4"))


# ------------------------------------------------------------------------------- v4 scope

def test_v4_scope_date_must_match_x_log_date(s, project):
    import datetime as dt

    other_day = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)).strftime("%Y%m%d")
    r = list_logstores(s, project, version="v4", scope_date=other_day)
    assert_sls_error(r, 401, "SignatureNotMatch")


def test_v4_region_is_part_of_the_signature(s, project):
    r = list_logstores(s, project, version="v4",
                       tamper_authorization=lambda a: a.replace("/cn-hangzhou/", "/cn-beijing/"))
    assert_sls_error(r, 401, "SignatureNotMatch")
    r = list_logstores(s, project, version="v4", tamper_authorization=lambda a: a.replace("/sls/", "/ecs/"))
    assert r.status in (400, 401), r.text
    assert_sls_error(r, r.status, "ParameterInvalid" if r.status == 400 else "SignatureNotMatch")


def test_sdk_with_wrong_secret_gets_signature_not_match(account, monkeypatch):
    for flavour in ("lc_v1", "lc_v4", "tea_v1", "tea_v4"):
        api = SlsApi(flavour, account.port, account.ak, "not-the-secret", monkeypatch=monkeypatch)
        expect_sls_error(lambda: api.list_projects(), 401, "SignatureNotMatch")


def test_unparsable_x_log_date_v4(s, project):
    today = sg.sls_v4_date()[:8]
    for bad in ("yesterday", today + "T25:99:99Z", today):
        r = list_logstores(s, project, version="v4", date=bad, scope_date=today)
        assert_sls_error(r, 400, "InvalidRequestTime")
