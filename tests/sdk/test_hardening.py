"""Issue 11: connections that cannot exhaust the server, a bounded shutdown, and a well-known
default key that never reaches a public address. Timeouts are configurable, so these tests use
sub-second ones and stay fast."""
from __future__ import annotations

import json
import resource
import shutil
import signal
import socket
import subprocess
import time

import pytest

import helpers
from helpers import (DEFAULT_AK, DEFAULT_SECRET, Account, binary, clean_env, expect_error, free_port, run_cli,
                     store_args, unique)
from signer import encode_pairs, new_nonce, utc_stamp, v1_signature, v1_string_to_sign

SHORT = ["--header-read-timeout", "0.5", "--idle-timeout", "0.8"]


def _connect(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.settimeout(5)
    return s


def _closed_within(sock: socket.socket, seconds: float) -> float:
    """Reads until the server closes; returns how long that took (fails past `seconds`)."""
    sock.settimeout(seconds)
    start = time.monotonic()
    try:
        while sock.recv(65536):
            pass
    except socket.timeout:
        pytest.fail(f"the server kept the connection open for more than {seconds} s")
    except ConnectionResetError:
        pass
    return time.monotonic() - start


def _health_request() -> bytes:
    return b"GET /_localyun/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head + b"\r\n\r\n" + rest


# ------------------------------------------------------------------------------------ item 1

def test_slowloris_connections_are_closed_after_the_header_read_timeout(spawn_server):
    srv = spawn_server(extra_args=SHORT)
    socks = []
    for _ in range(50):
        s = _connect(srv.port)
        s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        socks.append(s)
    time.sleep(0.2)
    for s in socks:
        s.sendall(b"a")  # still trickling: the deadline counts from the first byte, not the last
    for s in socks:
        assert _closed_within(s, 3.0) < 3.0
        s.close()
    assert helpers.http_get(srv.port, "/_localyun/health").status_code == 200


def test_a_connection_that_never_sends_is_closed_after_the_header_read_timeout(spawn_server):
    srv = spawn_server(extra_args=SHORT)
    s = _connect(srv.port)
    assert _closed_within(s, 3.0) >= 0.4


def test_idle_keep_alive_connections_are_closed_after_the_idle_timeout_and_reused_before(spawn_server):
    srv = spawn_server(extra_args=["--header-read-timeout", "0.4", "--idle-timeout", "1.2"])
    s = _connect(srv.port)
    for _ in range(3):  # idle 0.6 s each time: longer than the header timeout, shorter than idle
        s.sendall(_health_request())
        assert _read_response(s).startswith(b"HTTP/1.1 200")
        time.sleep(0.6)
    s.sendall(_health_request())
    assert _read_response(s).startswith(b"HTTP/1.1 200")
    waited = _closed_within(s, 4.0)
    assert 0.9 < waited < 4.0


def test_an_sdk_client_survives_its_pooled_connection_being_closed_when_idle(spawn_server):
    srv = spawn_server(extra_args=["--idle-timeout", "0.3"])
    api = srv.root().api()
    name = unique()
    api.call("CreateUser", UserName=name)
    time.sleep(0.8)  # the pooled connection has been closed by now
    assert api.call("GetUser", UserName=name)["User"]["UserName"] == name


def _low_soft_limit():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))


def _open_file_limits(pid: int):
    with open(f"/proc/{pid}/limits") as f:
        for line in f:
            if line.startswith("Max open files"):
                soft, hard = line.split()[3:5]
                return soft, hard
    raise AssertionError("no open-files line")


def test_the_open_file_soft_limit_is_raised_and_silent_clients_do_not_lock_others_out(spawn_server):
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip(f"the hard open-file limit here ({hard}) leaves no room above the soft one")
    srv = spawn_server(extra_args=["--header-read-timeout", "60"], preexec=_low_soft_limit)
    soft, hard_seen = _open_file_limits(srv.pid)
    assert soft == hard_seen, (soft, hard_seen)
    silent = [_connect(srv.port) for _ in range(600)]  # more than the 256 it was started with
    try:
        time.sleep(0.2)
        api = srv.root().api()
        name = unique()
        assert api.call("CreateUser", UserName=name)["User"]["UserName"] == name
    finally:
        for s in silent:
            s.close()


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _open_idle_connections(port: int, n: int):
    socks = [_connect(port) for _ in range(n)]
    for s in socks:
        s.sendall(_health_request())
    for s in socks:
        assert _read_response(s).startswith(b"HTTP/1.1 200")
    return socks


def test_connections_cost_little_memory_and_closed_ones_leave_none_behind(spawn_server):
    """Silent connections hold no HTTP state until their first bytes (the protocol is chosen
    then); after a request hyper keeps an 8 KiB read and an 8 KiB write buffer. What closed
    connections freed is reused: cycles of a thousand connections level off instead of adding up."""
    srv = spawn_server(extra_args=["--idle-timeout", "60", "--header-read-timeout", "60"])
    for _ in range(50):
        helpers.http_get(srv.port, "/_localyun/health")
    time.sleep(0.2)
    baseline = _rss_kb(srv.pid)
    socks = [_connect(srv.port) for _ in range(1000)]
    time.sleep(0.3)
    silent = (_rss_kb(srv.pid) - baseline) * 1024 / len(socks)
    for s in socks:
        s.close()
    peaks = []
    for _ in range(10):
        socks = _open_idle_connections(srv.port, 1000)
        time.sleep(0.2)
        peaks.append(_rss_kb(srv.pid))
        for s in socks:
            s.close()
        time.sleep(0.3)
    idle = (peaks[0] - baseline) * 1024 / 1000
    assert silent < 6 * 1024, f"{silent:.0f} bytes per silent connection"
    # About 20 KB (two 8 KiB buffers and the task); the allocator's growth steps make a single
    # reading noisy (20-44 KB seen), so this bound only catches a gross regression.
    assert idle < 64 * 1024, f"{idle:.0f} bytes per idle keep-alive connection"
    # The allocator's pools settle after a couple of cycles, but a single reading wanders by a few
    # MB either way (seen: 31, 41, 36, 39, 39, 43 MB), so the highest of the last four cycles is
    # held against the highest of the first four: a leak of a tenth of what a cycle's connections
    # take would add well above a third of it over the six cycles between them.
    early, late = max(peaks[:4]), max(peaks[-4:])
    assert late - early < (peaks[0] - baseline) / 3, f"RSS {baseline} kB at first, then {peaks} kB"


# ------------------------------------------------------------------------------------ item 2

def _signed_create_user(srv, name: str) -> bytes:
    pairs = [("Action", "CreateUser"), ("Version", "2015-05-01"), ("Format", "JSON"),
             ("AccessKeyId", srv.root_ak), ("SignatureMethod", "HMAC-SHA1"), ("SignatureVersion", "1.0"),
             ("SignatureNonce", new_nonce()), ("Timestamp", utc_stamp()), ("UserName", name)]
    pairs.append(("Signature", v1_signature(v1_string_to_sign("POST", pairs), srv.root_secret)))
    return encode_pairs(pairs).encode()


def _request_head(body: bytes) -> bytes:
    return (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")


def test_sigterm_finishes_a_request_in_flight_then_exits(spawn_server):
    srv = spawn_server(extra_args=["--shutdown-grace", "5"])
    name = unique()
    body = _signed_create_user(srv, name)
    s = _connect(srv.port)
    s.sendall(_request_head(body) + body[:10])
    time.sleep(0.2)
    srv.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    assert srv.alive(), "the server left before the request in flight was answered"
    s.sendall(body[10:])
    answer = _read_response(s)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:300]
    srv.proc.wait(timeout=5)
    assert srv.proc.returncode == 0
    # What was answered is kept.
    again = helpers.start_server(srv.store, srv.log_path.parent, creds={
        "account_id": srv.account_id, "ak": srv.root_ak, "secret": srv.root_secret})
    try:
        assert again.root().api().call("GetUser", UserName=name)["User"]["UserName"] == name
    finally:
        again.stop()


def test_sigterm_with_a_stuck_client_exits_after_the_grace_period(spawn_server):
    srv = spawn_server(extra_args=["--shutdown-grace", "1", "--body-read-timeout", "60"])
    stuck = _connect(srv.port)
    stuck.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nAction=")
    idle = _connect(srv.port)
    idle.sendall(_health_request())
    _read_response(idle)
    time.sleep(0.2)
    start = time.monotonic()
    srv.proc.send_signal(signal.SIGTERM)
    srv.proc.wait(timeout=5)
    took = time.monotonic() - start
    assert srv.proc.returncode == 0
    assert 0.9 < took < 3.0, f"exited after {took:.2f} s with a 1 s grace period"
    assert _closed_within(idle, 1.0) < 1.0


def test_a_second_signal_exits_at_once(spawn_server):
    srv = spawn_server(extra_args=["--shutdown-grace", "60", "--body-read-timeout", "60"])
    stuck = _connect(srv.port)
    stuck.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nAction=")
    time.sleep(0.2)
    srv.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    assert srv.alive()
    start = time.monotonic()
    srv.proc.send_signal(signal.SIGINT)
    srv.proc.wait(timeout=5)
    assert time.monotonic() - start < 1.5


def test_timeouts_must_be_positive_numbers_of_seconds():
    for bad in ("0", "-1", "soon", "nan"):
        res = subprocess.run([binary(), "serve", "--in-memory", f"--idle-timeout={bad}"], capture_output=True, text=True,
                             timeout=10, env=clean_env(), stdin=subprocess.DEVNULL)
        assert res.returncode == 2 and "idle-timeout" in res.stderr, (bad, res.stderr)


# ------------------------------------------------------------------------------------ item 5

@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is needed to speak HTTP/2 prior knowledge")
def test_http2_prior_knowledge_is_served(spawn_server):
    srv = spawn_server()
    out = subprocess.run(["curl", "-s", "--http2-prior-knowledge", "-w", "\n%{http_version} %{http_code}",
                          f"http://127.0.0.1:{srv.port}/_localyun/health"], capture_output=True, text=True, timeout=10)
    body, _, status = out.stdout.rpartition("\n")
    assert status == "2 200", out
    assert json.loads(body)["status"] == "ok"
    # An RPC call over HTTP/2 gets the same JSON error a client over HTTP/1.1 gets.
    out = subprocess.run(["curl", "-s", "--http2-prior-knowledge", "-w", "\n%{http_version} %{http_code}",
                          f"http://127.0.0.1:{srv.port}/?Action=GetUser&Version=2015-05-01&Format=JSON"],
                         capture_output=True, text=True, timeout=10)
    body, _, status = out.stdout.rpartition("\n")
    assert status.startswith("2 4"), out
    assert json.loads(body)["Code"], body


# ------------------------------------------------------------------------------------ item 3

# TEST-NET-1 (RFC 5737): not loopback and not an address of this machine, so a server that gets
# past its checks fails to bind instead of listening anywhere reachable.
UNBINDABLE = "192.0.2.1"


def _serve_public(store: str, creds: dict):
    env = clean_env(LOCALYUN_ACCOUNT_ID=creds["account_id"], LOCALYUN_ACCESS_KEY_ID=creds["ak"],
                    LOCALYUN_ACCESS_KEY_SECRET=creds["secret"])
    return subprocess.run([binary(), "serve", "--listen", f"{UNBINDABLE}:{free_port()}"] + store_args(store),
                          capture_output=True, text=True, timeout=20, env=env, stdin=subprocess.DEVNULL)


def test_the_default_key_never_reaches_a_public_address(spawn_server, new_store):
    store = new_store()
    srv = spawn_server(store=store, use_env_creds=False)  # loopback, no credentials: the default key
    Account(srv.port, srv.account_id, DEFAULT_AK, DEFAULT_SECRET).api().call("CreateUser", UserName=unique())
    srv.stop()
    creds = {"account_id": helpers.random_account_id(), "ak": "LTAI5t" + helpers.random_alnum(18),
             "secret": helpers.random_alnum(30)}
    refused = _serve_public(store, creds)
    assert refused.returncode == 2, refused
    assert DEFAULT_AK in refused.stderr and "disable-default-key" in refused.stderr, refused.stderr

    out = run_cli(["account", "disable-default-key"] + store_args(store))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"AccessKeyId": DEFAULT_AK, "Disabled": True}
    again = run_cli(["account", "disable-default-key"] + store_args(store))
    assert json.loads(again.stdout)["Disabled"] is False

    # Past the check now: it only fails to bind the unreachable test address.
    passed = _serve_public(store, creds)
    assert passed.returncode == 2 and "cannot listen on" in passed.stderr, passed.stderr

    # And the key no longer works, even on loopback with explicit credentials.
    srv2 = spawn_server(store=store, creds=creds)
    expect_error(lambda: Account(srv2.port, srv2.account_id, DEFAULT_AK, DEFAULT_SECRET).api().call("ListUsers"),
                 code="InvalidAccessKeyId.Inactive")


# ------------------------------------------------------------------------------------ item 4

CONTROLS = ["a\x01b", "tab\there", "line\nbreak", "del\x7f"]


POLICY = '{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:GetUser","Resource":"*"}]}'


@pytest.mark.parametrize("value", CONTROLS, ids=["soh", "tab", "lf", "del"])
def test_control_characters_in_tags_are_refused_with_the_tag_rule_error(account, value):
    ims, ram = account.api(product="ims"), account.api()
    uid = ram.call("CreateUser", UserName=unique())["User"]["UserId"]
    expect_error(lambda: ims.call("TagResources", ResourceType="user", ResourceId=[uid],
                                  Tag=[{"Key": "k", "Value": value}]), 400, "InvalidParameter.TagValue")
    expect_error(lambda: ims.call("TagResources", ResourceType="user", ResourceId=[uid],
                                  Tag=[{"Key": value, "Value": "v"}]), 400, "InvalidParameter.TagKey")
    listed = ims.call("ListTagResources", ResourceType="user", ResourceId=[uid])
    assert listed["TagResources"]["TagResource"] == [], listed

    policy = unique("pol")
    ram.call("CreatePolicy", PolicyName=policy, PolicyDocument=POLICY)
    expect_error(lambda: ram.call("TagResources", ResourceType="policy", ResourceNames=[policy],
                                  Tag=[{"Key": "k", "Value": value}]), 400, "InvalidParameter.TagValue")
    expect_error(lambda: ram.call("TagResources", ResourceType="policy", ResourceNames=[policy],
                                  Tag=[{"Key": value, "Value": "v"}]), 400, "InvalidParameter.TagKey")

    sls = account.sls("tea_v1")
    project = unique("ctl").lower().replace("_", "-")
    sls.create_project(project)
    try:
        with pytest.raises(Exception) as info:
            sls.tag("project", project, {"k": value})
        assert "ParameterInvalid" in str(info.value), info.value
        assert sls.tags_of("project", project) == {}
    finally:
        sls.delete_project(project)


def test_xml_tag_listings_are_well_formed_and_carry_every_character(account):
    import xml.etree.ElementTree as ET

    from signer import Signer

    value = "a<b&c>\"d'e ☃ 😀 é"
    uid = account.api().call("CreateUser", UserName=unique())["User"]["UserId"]
    account.api(product="ims").call("TagResources", ResourceType="user", ResourceId=[uid],
                                    Tag=[{"Key": "k&<", "Value": value}])
    s = Signer(account.port, account.ak, account.secret)
    r = s.v1("ListTagResources", [("ResourceType", "user"), ("ResourceId.1", uid)], version="2019-08-15", fmt="XML")
    assert r.status == 200, r.body
    root = ET.fromstring(r.body)  # raises on ill-formed XML
    rows = root.findall(".//TagResource")
    assert [(t.findtext("TagKey"), t.findtext("TagValue")) for t in rows] == [("k&<", value)], r.text


# ------------------------------------------------------------------------------------ item 8

def _flushes_during_writes(srv, writes: int) -> int:
    """fsync/fdatasync calls the server makes while `writes` acknowledged CreateUser calls run."""
    out = srv.log_path.parent / f"strace-{srv.port}.txt"
    tracer = subprocess.Popen(["strace", "-f", "-qq", "-e", "trace=fsync,fdatasync", "-o", str(out), "-p", str(srv.pid)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)  # attached to every thread by now
        api = srv.root().api()
        for _ in range(writes):
            api.call("CreateUser", UserName=unique())
    finally:
        tracer.send_signal(signal.SIGINT)
        tracer.wait(timeout=10)
    return sum(1 for line in out.read_text().splitlines() if "fsync(" in line or "fdatasync(" in line)


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace counts the flushes")
@pytest.mark.skipif(helpers.test_store_kind() != "sqlite", reason="--durability is the embedded store's")
def test_durability_full_flushes_every_commit_and_normal_does_not(spawn_server):
    normal = spawn_server()
    assert helpers.http_get(normal.port, "/_localyun/health").json()["durability"] == "normal"
    full = spawn_server(extra_args=["--durability", "full"])
    assert helpers.http_get(full.port, "/_localyun/health").json()["durability"] == "full"
    writes = 20
    flushed_full = _flushes_during_writes(full, writes)
    flushed_normal = _flushes_during_writes(normal, writes)
    assert flushed_full >= writes, f"{flushed_full} flushes for {writes} commits with --durability full"
    assert flushed_normal < writes / 4, f"{flushed_normal} flushes for {writes} commits by default"


def test_durability_is_refused_where_it_does_not_apply(new_store):
    res = subprocess.run([binary(), "serve", "--in-memory", "--durability", "full"], capture_output=True, text=True,
                         timeout=10, env=clean_env(), stdin=subprocess.DEVNULL)
    assert res.returncode == 2, res
    pg = "postgres://root@127.0.0.1:1/none"
    res = subprocess.run([binary(), "serve", "--store", pg, "--durability", "full"], capture_output=True,
                         text=True, timeout=10, env=clean_env(), stdin=subprocess.DEVNULL)
    assert res.returncode == 2 and "embedded store" in res.stderr, res.stderr
    res = subprocess.run([binary(), "serve", "--durability", "sometimes"], capture_output=True, text=True,
                         timeout=10, env=clean_env(), stdin=subprocess.DEVNULL)
    assert res.returncode == 2 and "durability" in res.stderr, res.stderr
