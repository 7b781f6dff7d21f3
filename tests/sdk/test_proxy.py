"""The HTTPS proxy (issue 13): `CONNECT <served name>:443` answers 200 and terminates TLS inside
the tunnel with a certificate for that name, and the requests inside are served as if sent
directly; `CONNECT` to any other host is refused with a 4xx and never tunnelled anywhere. Clients:
requests through `proxies=` and the official Tea RAM client with its `https_proxy` setting and
the real endpoint name, verified against the exported CA."""
from __future__ import annotations

import socket

import pytest
import requests

from helpers import run_cli, store_args, tea_call, unique


@pytest.fixture(scope="module")
def ca_file(server, tmp_path_factory):
    res = run_cli(["ca", "export"] + store_args(server.store))
    assert res.returncode == 0, res.stderr
    path = tmp_path_factory.mktemp("ca") / "localyun-ca.pem"
    path.write_text(res.stdout)
    return str(path)


def raw_connect(port: int, target: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
        return s.recv(4096)


@pytest.mark.parametrize("target", ["example.com:443", "oss-cn-hangzhou.aliyuncs.com:443", "ram.aliyuncs.com.evil.com:443"])
def test_connect_to_other_hosts_is_refused(server, target):
    answer = raw_connect(server.port, target)
    assert answer.startswith(b"HTTP/1.1 403"), answer


def test_connect_to_a_served_name_is_answered_and_terminated_here(server, ca_file):
    assert raw_connect(server.port, "ram.aliyuncs.com:443").startswith(b"HTTP/1.1 200"), "CONNECT refused"
    proxies = {"https": f"http://127.0.0.1:{server.port}"}
    r = requests.get("https://ram.aliyuncs.com/_localyun/health", proxies=proxies, verify=ca_file, timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "ok"
    r = requests.get("https://cn-hangzhou.log.aliyuncs.com/_localyun/health", proxies=proxies, verify=ca_file, timeout=10)
    assert r.status_code == 200


def test_the_tea_client_reaches_the_real_endpoint_name_through_the_proxy(account, ca_file):
    from alibabacloud_ram20150501 import models
    from alibabacloud_ram20150501.client import Client
    from alibabacloud_tea_openapi.models import Config

    client = Client(Config(access_key_id=account.ak, access_key_secret=account.secret, endpoint="ram.aliyuncs.com",
                           https_proxy=f"http://127.0.0.1:{account.port}", ca=ca_file,
                           read_timeout=10000, connect_timeout=5000))
    name = unique("px")
    created = tea_call(client, "CreateUser", {"UserName": name}, models)["User"]
    # the same user, asked directly over plain http
    assert account.api().call("GetUser", UserName=name)["User"]["UserId"] == created["UserId"]


def test_requests_inside_a_tunnel_are_secure_transport(account, ca_file):
    from authz_helpers import allow, doc, new_user
    from alibabacloud_ram20150501 import models
    from alibabacloud_ram20150501.client import Client
    from alibabacloud_tea_openapi.models import Config

    target = unique("t")
    account.api().call("CreateUser", UserName=target)
    u = new_user(account, documents=[doc(allow("ram:GetUser", condition={"Bool": {"acs:SecureTransport": "true"}}))])
    client = Client(Config(access_key_id=u.ak, access_key_secret=u.secret, endpoint="ram.aliyuncs.com",
                           https_proxy=f"http://127.0.0.1:{account.port}", ca=ca_file,
                           read_timeout=10000, connect_timeout=5000))
    assert tea_call(client, "GetUser", {"UserName": target}, models)["User"]["UserName"] == target
