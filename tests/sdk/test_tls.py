"""HTTPS on the one port (issue 13, first part): the local CA kept in the store and printed by
`localyun ca export`, TLS told from plain HTTP on the same port, certificates issued for the
names localyun serves (and refused for others), HTTP/2 by ALPN, the official Tea client over https
verified against the exported CA, and `acs:SecureTransport` true over TLS and false over plain
http. On PostgreSQL, every process of a shared environment presents the same CA."""
from __future__ import annotations

import socket
import ssl

import pytest
import requests

from authz_helpers import allow, doc, new_user, user_denied, user_res
from helpers import is_postgres, run_cli, store_args, tea_call, unique


def export_ca(store: str) -> str:
    res = run_cli(["ca", "export"] + store_args(store))
    assert res.returncode == 0, res.stderr
    pem = res.stdout
    assert pem.startswith("-----BEGIN CERTIFICATE-----") and pem.rstrip().endswith("-----END CERTIFICATE-----"), pem
    return pem


@pytest.fixture(scope="module")
def ca_file(server, tmp_path_factory):
    path = tmp_path_factory.mktemp("ca") / "localyun-ca.pem"
    path.write_text(export_ca(server.store))
    return str(path)


def tls_handshake(port: int, ca_file: str, server_hostname, alpn=None):
    """The peer certificate and the ALPN protocol of a verified handshake."""
    ctx = ssl.create_default_context(cafile=ca_file)
    if alpn:
        ctx.set_alpn_protocols(alpn)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname=server_hostname) as s:
            return s.getpeercert(), s.selected_alpn_protocol()


def tea_https_ram(port: int, ak: str, secret: str, ca: str):
    from alibabacloud_ram20150501.client import Client
    from alibabacloud_tea_openapi.models import Config

    return Client(Config(access_key_id=ak, access_key_secret=secret, endpoint=f"127.0.0.1:{port}", protocol="https",
                         ca=ca, read_timeout=10000, connect_timeout=5000))


def ram_call(client, action, **params):
    from alibabacloud_ram20150501 import models

    return tea_call(client, action, params, models)


def test_the_ca_is_kept_in_the_store_and_exported(server, ca_file):
    assert export_ca(server.store) == open(ca_file).read()


def test_tls_and_plain_http_share_the_port(server, ca_file):
    r = requests.get(f"https://127.0.0.1:{server.port}/_localyun/health", verify=ca_file, timeout=5)
    assert r.status_code == 200 and r.json()["status"] == "ok"
    r = requests.get(f"http://127.0.0.1:{server.port}/_localyun/health", timeout=5)
    assert r.status_code == 200 and r.json()["status"] == "ok"
    # not trusted without the local CA: verification is real
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"https://127.0.0.1:{server.port}/_localyun/health", timeout=5)


@pytest.mark.parametrize("name", ["ram.aliyuncs.com", "ims.aliyuncs.com", "sts.cn-hangzhou.aliyuncs.com",
                                  "cn-hangzhou.log.aliyuncs.com", "my-proj.cn-hangzhou.log.aliyuncs.com", "localhost"])
def test_certificates_are_issued_for_the_served_names(server, ca_file, name):
    cert, _ = tls_handshake(server.port, ca_file, name)
    sans = [v for k, v in cert["subjectAltName"] if k == "DNS"]
    assert sans == [name], cert


def test_an_ip_connection_gets_the_loopback_names(server, ca_file):
    ctx = ssl.create_default_context(cafile=ca_file)
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
        # no SNI for an IP address; the hostname check is against the IP SAN
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            sans = s.getpeercert()["subjectAltName"]
    assert ("IP Address", "127.0.0.1") in sans and ("DNS", "localhost") in sans, sans


def test_other_names_get_no_certificate(server, ca_file):
    with pytest.raises(ssl.SSLError):
        tls_handshake(server.port, ca_file, "example.com")
    # the port still serves afterwards
    assert requests.get(f"http://127.0.0.1:{server.port}/_localyun/health", timeout=5).status_code == 200


def test_http2_is_offered_by_alpn(server, ca_file):
    _, proto = tls_handshake(server.port, ca_file, "ram.aliyuncs.com", alpn=["h2", "http/1.1"])
    assert proto == "h2"
    _, proto = tls_handshake(server.port, ca_file, "ram.aliyuncs.com", alpn=["http/1.1"])
    assert proto == "http/1.1"


def test_the_tea_client_works_over_https(account, ca_file):
    client = tea_https_ram(account.port, account.ak, account.secret, ca_file)
    name = unique("tls")
    created = ram_call(client, "CreateUser", UserName=name)["User"]
    assert ram_call(client, "GetUser", UserName=name)["User"]["UserId"] == created["UserId"]
    # the same user over plain http
    assert account.api().call("GetUser", UserName=name)["User"]["UserId"] == created["UserId"]


def test_secure_transport_is_true_over_tls_only(account, ca_file):
    target = unique("t")
    account.api().call("CreateUser", UserName=target)
    https_only = doc(allow("ram:GetUser", condition={"Bool": {"acs:SecureTransport": "true"}}))
    u = new_user(account, documents=[https_only])
    over_tls = tea_https_ram(account.port, u.ak, u.secret, ca_file)
    assert ram_call(over_tls, "GetUser", UserName=target)["User"]["UserName"] == target
    err = user_denied(u, lambda: u.ram().call("GetUser", UserName=target), "ram:GetUser", user_res(account.account_id, target))
    assert err.status == 403
    # and a policy for plain http only is the mirror image
    http_only = new_user(account, documents=[doc(allow("ram:GetUser", condition={"Bool": {"acs:SecureTransport": "false"}}))])
    assert http_only.ram().call("GetUser", UserName=target)["User"]["UserName"] == target
    with pytest.raises(Exception) as denied:
        ram_call(tea_https_ram(account.port, http_only.ak, http_only.secret, ca_file), "GetUser", UserName=target)
    assert "NoPermission" in str(denied.value), denied.value


def test_every_process_of_a_shared_store_presents_the_same_ca(spawn_server, new_store, tmp_path):
    store = new_store()
    first = spawn_server(store=store)
    second = spawn_server(store=store) if is_postgres(store) else None
    pem = export_ca(store)
    ca = tmp_path / "ca.pem"
    ca.write_text(pem)
    for h in filter(None, [first, second]):
        r = requests.get(f"https://127.0.0.1:{h.port}/_localyun/health", verify=str(ca), timeout=5)
        assert r.status_code == 200
    # a restart keeps it
    first.stop()
    again = spawn_server(store=store)
    assert export_ca(store) == pem
    assert requests.get(f"https://127.0.0.1:{again.port}/_localyun/health", verify=str(ca), timeout=5).status_code == 200
