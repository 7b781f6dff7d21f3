"""Authentication and request-level negatives, mostly with the hand signer (signer.py)."""
from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET

import pytest

import signer as sg
from helpers import IMS_VERSION, UUID_UPPER, expect_error, health_ok, unique

MINUTE = 60


def assert_error(reply, status, code=None, prefix=None):
    """An error answer: status, JSON body with RequestId/HostId/Code/Message, and the code."""
    assert reply.status == status, f"expected {status} {code or prefix}, got {reply.status}: {reply.text[:500]}"
    body = reply.json()
    assert isinstance(body, dict), reply.text
    missing = {"RequestId", "HostId", "Code", "Message"} - set(body)
    assert not missing, f"error body lacks {missing}: {body}"
    assert UUID_UPPER.match(body["RequestId"]), body
    if code is not None:
        assert body["Code"] == code, body
    if prefix is not None:
        assert body["Code"].startswith(prefix), body
    return body


def assert_ok(reply):
    assert reply.status == 200, f"expected 200, got {reply.status}: {reply.text[:500]}"
    body = reply.json()
    assert "Code" not in body, body
    assert UUID_UPPER.match(body["RequestId"]), body
    return body


@pytest.fixture
def s(account):
    return account.signer()


@pytest.fixture
def existing_user(account):
    name = unique("auth")
    account.api().call("CreateUser", UserName=name)
    return name


# ------------------------------------------------------------------------------- the signer itself

def test_signer_reproduces_the_spec_test_vectors():
    """ram.md 3.2 and 3.3 vectors; no server involved."""
    p = [("Action", "UntagResources"), ("Version", "2019-08-15"), ("Format", "JSON"), ("AccessKeyId", "testid"),
         ("SignatureMethod", "HMAC-SHA1"), ("SignatureVersion", "1.0"),
         ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"), ("Timestamp", "2024-01-01T12:00:00Z"),
         ("ResourceType", "user"), ("ResourcePrincipalName.1", "test@example.onaliyun.com"),
         ("TagKey.1", "owner"), ("TagKey.2", "cost center")]
    assert sg.v1_signature(sg.v1_string_to_sign("POST", p), "testsecret") == "sTmmNTCKJrS7VoMx4aKwynhqm/4="
    h = {"host": "ims.aliyuncs.com", "x-acs-action": "UntagResources", "x-acs-version": "2019-08-15",
         "x-acs-date": "2024-01-01T12:00:00Z", "x-acs-signature-nonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
         "x-acs-content-sha256": sg.EMPTY_SHA256}
    q = [("ResourceType", "user"), ("ResourcePrincipalName.1", "test@example.onaliyun.com"), ("TagKey.1", "owner"),
         ("TagKey.2", "cost center"), ("All", "false")]
    sts = sg.v3_string_to_sign(sg.v3_canonical_request("POST", "/", q, h, sorted(h), sg.EMPTY_SHA256))
    assert sg.v3_signature(sts, "testsecret") == "6adc662040cbbddac9ce5512a3632fdbe1c5cc22b2c92af002958f4bf38d09f1"


@pytest.mark.parametrize("how", ["v1-post-query", "v1-get", "v1-post-form-body", "v3-post", "v3-get"])
def test_hand_signed_requests_succeed(s, existing_user, how):
    params = [("UserName", existing_user)]
    if how == "v1-post-query":
        r = s.v1("GetUser", params)
    elif how == "v1-get":
        r = s.v1("GetUser", params, method="GET")
    elif how == "v1-post-form-body":
        r = s.v1("GetUser", params, in_body=True)
    elif how == "v3-post":
        r = s.v3("GetUser", params)
    else:
        r = s.v3("GetUser", params, method="GET")
    body = assert_ok(r)
    assert body["User"]["UserName"] == existing_user
    assert "json" in r.content_type()


def test_signed_empty_value_is_a_real_parameter(s, existing_user):
    """The old core sends SignatureType= (empty); an empty value takes part in the V1 signature."""
    assert_ok(s.v1("GetUser", [("UserName", existing_user), ("SignatureType", "")]))


# ------------------------------------------------------------------------------- signature mismatch

@pytest.mark.parametrize("method", ["POST", "GET"])
def test_v1_wrong_secret(s, method):
    r = s.v1("ListUsers", secret="not-the-secret", method=method)
    body = assert_error(r, 400, "SignatureDoesNotMatch")
    assert body["Message"].count(":") == 1, body["Message"]
    assert body["Message"].split(":")[1] == r.string_to_sign, "the message must end with ':' + StringToSign"


def test_v3_wrong_secret(s):
    assert_error(s.v3("ListUsers", secret="not-the-secret"), 400, "SignatureDoesNotMatch")


def test_v1_parameter_altered_after_signing(s, existing_user):
    assert_error(s.v1("GetUser", [("UserName", existing_user)], tamper={"UserName": existing_user + "x"}),
                 400, "SignatureDoesNotMatch")
    assert_error(s.v1("ListUsers", [("MaxItems", "3")], tamper={"MaxItems": "4"}), 400, "SignatureDoesNotMatch")
    assert_error(s.v1("ListUsers", tamper={"Extra": "added"}), 400, "SignatureDoesNotMatch")


def test_v3_query_or_header_altered_after_signing(s, existing_user):
    assert_error(s.v3("GetUser", [("UserName", existing_user)], tamper_query={"UserName": existing_user + "x"}),
                 400, "SignatureDoesNotMatch")
    assert_error(s.v3("ListUsers", tamper_query={"MaxItems": "1"}), 400, "SignatureDoesNotMatch")
    assert_error(s.v3("GetUser", [("UserName", existing_user)], tamper_headers={"x-acs-action": "DeleteUser"}),
                 400, "SignatureDoesNotMatch")


def test_v3_body_not_matching_its_hash(s):
    r = s.v3("ListUsers", body=b"a=1", content_type="application/x-www-form-urlencoded",
             payload_hash=hashlib.sha256(b"a=2").hexdigest())
    body = assert_error(r, 400)
    assert body["Code"] == "SignatureDoesNotMatch" or body["Code"].startswith("InvalidParameter"), body


def test_old_core_wrong_secret_becomes_invalid_access_key_secret(account):
    """aliyunsdkcore splits Message at ':' and compares part [1] with its StringToSign."""
    api = account.api("core_post", secret="wrong-secret")
    err = expect_error(lambda: api.call("ListUsers"), 400, "InvalidAccessKeySecret")
    assert "AccessKeySecret" in err.message
    api_get = account.api("core_get", secret="wrong-secret")
    expect_error(lambda: api_get.call("ListUsers"), 400, "InvalidAccessKeySecret")


@pytest.mark.parametrize("flavour", ["tea_v3", "tea_v2"])
def test_tea_wrong_secret(account, flavour):
    expect_error(lambda: account.api(flavour, secret="wrong-secret").call("ListUsers"), 400, "SignatureDoesNotMatch")


def test_failed_create_creates_nothing(account, s):
    name = unique("forged")
    assert_error(s.v1("CreateUser", [("UserName", name)], secret="bad"), 400, "SignatureDoesNotMatch")
    assert_error(s.v3("CreateUser", [("UserName", name)], secret="bad"), 400, "SignatureDoesNotMatch")
    assert_error(s.v1("CreateUser", [("UserName", "other")], tamper={"UserName": name}), 400, "SignatureDoesNotMatch")
    expect_error(lambda: account.api().call("GetUser", UserName=name), 404, "EntityNotExist.User")
    assert account.api().call("ListUsers")["Users"].get("User", []) == []


# ------------------------------------------------------------------------------- keys, routing

def test_unknown_access_key(s):
    assert_error(s.v1("ListUsers", access_key_id="LTAI5tUnknownKey000000000"), 404, "InvalidAccessKeyId.NotFound")
    assert_error(s.v3("ListUsers", access_key_id="LTAI5tUnknownKey000000000"), 404, "InvalidAccessKeyId.NotFound")


def test_missing_action(s):
    assert_error(s.v1(None), 400, "MissingParameter")
    assert_error(s.v1(None, version=IMS_VERSION, method="GET"), 400, "MissingParameter")


def test_unknown_action(s):
    assert_error(s.v1("NoSuchAction"), 404, "InvalidAction.NotFound")
    assert_error(s.v3("NoSuchAction"), 404, "InvalidAction.NotFound")
    assert_error(s.v1("NoSuchAction", version=IMS_VERSION), 404, "InvalidAction.NotFound")


@pytest.mark.parametrize("version", ["2099-01-01", "2015-04-01x", "2019-08-16", "latest"])
def test_unknown_version(s, version):
    assert_error(s.v1("ListUsers", version=version), 400, "InvalidVersion")
    assert_error(s.v3("ListUsers", version=version), 400, "InvalidVersion")


@pytest.mark.parametrize("missing", ["Signature", "Timestamp", "SignatureNonce", "AccessKeyId", "SignatureMethod"])
def test_missing_signature_material_is_refused(s, missing):
    r = s.v1("ListUsers", omit=[missing])
    assert 400 <= r.status < 500, r.text
    assert_error(r, r.status)


def test_unsigned_request_is_refused(server):
    r = sg.send(server.port, "GET", "/?Action=ListUsers&Version=2015-05-01&Format=JSON", {})
    assert 400 <= r.status < 500, r.text
    assert "Users" not in r.text


# ------------------------------------------------------------------------------- time and replay

@pytest.mark.parametrize("offset", [-16 * MINUTE, 16 * MINUTE, -24 * 3600, 8 * 3600], ids=["-16m", "+16m", "-1d", "+8h"])
def test_timestamp_outside_window(s, offset):
    assert_error(s.v1("ListUsers", timestamp=sg.utc_stamp(offset)), 400, "InvalidTimeStamp.Expired")
    assert_error(s.v3("ListUsers", date=sg.utc_stamp(offset)), 400, "InvalidTimeStamp.Expired")


@pytest.mark.parametrize("offset", [-14 * MINUTE, 14 * MINUTE], ids=["-14m", "+14m"])
def test_timestamp_inside_window(s, offset):
    assert_ok(s.v1("ListUsers", timestamp=sg.utc_stamp(offset)))
    assert_ok(s.v3("ListUsers", date=sg.utc_stamp(offset)))


@pytest.mark.parametrize("stamp", ["yesterday", "2024-13-45T99:00:00Z", "1700000000", "2024/01/01 12:00:00"])
def test_timestamp_garbage(s, stamp):
    assert_error(s.v1("ListUsers", timestamp=stamp), 400, "InvalidTimeStamp.Format")
    assert_error(s.v3("ListUsers", date=stamp), 400, "InvalidTimeStamp.Format")


def test_v1_nonce_reuse(s):
    nonce = sg.new_nonce()
    assert_ok(s.v1("ListUsers", nonce=nonce))
    assert_error(s.v1("ListUsers", nonce=nonce), 400, "SignatureNonceUsed")
    assert_error(s.v1("ListUsers", [("MaxItems", "5")], nonce=nonce, method="GET"), 400, "SignatureNonceUsed")
    assert_ok(s.v1("ListUsers"))


def test_v3_nonce_reuse(s):
    nonce = sg.new_nonce()
    assert_ok(s.v3("ListUsers", nonce=nonce))
    assert_error(s.v3("ListUsers", nonce=nonce), 400, "SignatureNonceUsed")
    assert_ok(s.v3("ListUsers"))


def test_replayed_create_does_not_run_twice(account, s):
    name = unique("replay")
    nonce = sg.new_nonce()
    assert_ok(s.v1("CreateUser", [("UserName", name)], nonce=nonce))
    assert_error(s.v1("CreateUser", [("UserName", name)], nonce=nonce), 400, "SignatureNonceUsed")
    assert [u["UserName"] for u in account.api().call("ListUsers")["Users"]["User"]] == [name]


# ------------------------------------------------------------------------------- XML

def test_xml_error(s):
    r = s.v1("GetUser", [("UserName", unique("nobody"))], fmt="XML")
    assert r.status == 404, r.text
    assert "xml" in r.content_type().lower(), r.headers
    root = ET.fromstring(r.body)
    assert root.tag == "Error", r.text
    assert root.findtext("Code") == "EntityNotExist.User", r.text
    assert root.findtext("RequestId"), r.text


def test_xml_error_for_bad_signature(s):
    r = s.v1("ListUsers", fmt="XML", secret="bad")
    assert r.status == 400, r.text
    root = ET.fromstring(r.body)
    assert root.tag == "Error" and root.findtext("Code") == "SignatureDoesNotMatch", r.text


def test_xml_success(s, existing_user):
    r = s.v1("GetUser", [("UserName", existing_user)], fmt="XML")
    assert r.status == 200, r.text
    assert "xml" in r.content_type().lower(), r.headers
    root = ET.fromstring(r.body)
    assert root.tag == "GetUserResponse", r.text
    assert root.findtext("RequestId"), r.text
    assert root.findtext("User/UserName") == existing_user, r.text
    assert root.find("Code") is None


def test_json_format_is_case_insensitive(s, existing_user):
    for fmt in ("json", "JSON", "Json"):
        assert assert_ok(s.v1("GetUser", [("UserName", existing_user)], fmt=fmt))["User"]["UserName"] == existing_user


# ------------------------------------------------------------------------------- hostile input

MALFORMED = {
    "bad-percent-in-value": dict(raw_suffix="&Comments=%zz"),
    "bad-percent-in-name": dict(raw_suffix="&%zz=1"),
    "truncated-percent": dict(raw_suffix="&Comments=%f"),
    "non-utf8-value": dict(raw_suffix="&Comments=%ff%fe"),
    "non-utf8-name": dict(raw_suffix="&%c3%28=1"),
    "non-utf8-form-body": dict(in_body=True, raw_suffix="&Comments=%ff"),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_encoding_is_a_client_error(server, s, case):
    name = unique("mal")
    r = s.v1("CreateUser", [("UserName", name)], **MALFORMED[case])
    assert 400 <= r.status < 500, f"{case}: {r.status} {r.text[:300]}"
    assert health_ok(server.port)


def test_repeated_parameter_names(server, account, s):
    a, b = unique("a"), unique("b")
    r = s.v1("CreateUser", [("UserName", a), ("UserName", b)])
    assert 400 <= r.status < 500, r.text
    r = s.v3("CreateUser", [("UserName", a), ("UserName", b)])
    assert 400 <= r.status < 500, r.text
    assert account.api().call("ListUsers")["Users"].get("User", []) == []
    assert health_ok(server.port)


def test_too_many_parameters(server, s):
    params = [(f"P{i}", "x") for i in range(600)]
    r = s.v1("ListUsers", params)
    assert 400 <= r.status < 500, r.text[:300]
    r = s.v3("ListUsers", params)
    assert 400 <= r.status < 500, r.text[:300]
    assert health_ok(server.port)


def test_huge_query_value(server, account, s):
    name = unique("big")
    r = s.v1("CreateUser", [("UserName", name), ("Comments", "c" * 100_000)])
    assert 400 <= r.status < 500, r.text[:300]
    r = s.v3("CreateUser", [("UserName", name), ("Comments", "c" * 100_000)])
    assert 400 <= r.status < 500, r.text[:300]
    expect_error(lambda: account.api().call("GetUser", UserName=name), 404, "EntityNotExist.User")
    assert health_ok(server.port)


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "application/octet-stream"])
def test_ten_mib_body(server, content_type):
    status = sg.send_large(server.port, "POST", "/", {"Content-Type": content_type}, 10 * 1024 * 1024)
    assert status is not None, "connection closed without an HTTP answer"
    assert 400 <= status < 500, status
    assert health_ok(server.port)


def test_server_still_healthy_after_hostile_input(server, root):
    assert health_ok(server.port)
    assert "Users" in root.api().call("ListUsers", MaxItems=1)


def _malformed_chunked(port: int, path: str, extra: str = "") -> tuple:
    """A POST whose chunked body has the chunk size `zz`: (status, body) of the answer."""
    import json
    import socket

    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        sock.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nTransfer-Encoding: chunked\r\n{extra}"
                      "Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\nzz\r\nabc\r\n0\r\n\r\n").encode())
        received = b""
        while True:
            data = sock.recv(65536)
            if not data:
                break
            received += data
    finally:
        sock.close()
    head, _, body = received.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body[body.index(b"{"):body.rindex(b"}") + 1]) if b"{" in body else {}


def test_malformed_chunked_body_is_a_400_not_a_413(server):
    """A chunk size that is not hex is a malformed request (issue 11 item 5): 400 on both API styles."""
    status, body = _malformed_chunked(server.port, "/")
    assert status == 400, body
    assert body.get("Code") == "InvalidParameter", body
    status, body = _malformed_chunked(server.port, "/logstores", "x-log-apiversion: 0.6.0\r\n")
    assert status == 400, body
    assert body.get("errorCode") == "ParameterInvalid", body
    assert health_ok(server.port), "the server keeps serving"
