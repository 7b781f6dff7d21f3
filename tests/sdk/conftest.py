"""Fixtures of the localyun SDK integration suite.

- `server` (session): one `localyun serve` on a temp data dir and a free 127.0.0.1 port, with
  explicit LOCALYUN_* credentials; stopped by PID at the end (SIGTERM, SIGKILL after 5 s).
- `account` (function): a fresh isolated account made with `localyun account create`.
- `spawn_server` (function): starts extra servers (own data dir or --in-memory) for restart,
  persistence and CLI tests; every one still running is stopped by PID at teardown.
Helper functions (SDK clients, uniform calls, errors) are in helpers.py, the hand signer in signer.py.
"""
from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

import helpers
from helpers import Account, ServerHandle, create_account, start_server

# Re-exported so tests can `from conftest import ...` the helpers named in the suite's brief.
tea_ram = helpers.tea_ram
tea_ims = helpers.tea_ims
core_client = helpers.core_client
upn = helpers.upn


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: starts extra localyun processes")


def _require_binary():
    path = helpers.binary()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.exit(f"localyun binary not found at {path} (set LOCALYUN_BIN or cargo build --release)", returncode=2)


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> ServerHandle:
    _require_binary()
    base = tmp_path_factory.mktemp("localyun-session")
    data_dir = base / "data"
    data_dir.mkdir()
    handle = start_server(str(data_dir), base / "logs")
    yield handle
    handle.stop(signal.SIGTERM, grace=5.0)


@pytest.fixture
def account(server) -> Account:
    """A new account on the session server; every test works in its own account."""
    return create_account(server.data_dir, server.port)


@pytest.fixture
def root(server) -> Account:
    """The session server's default account (the one set through the LOCALYUN_* variables)."""
    return server.root()


@pytest.fixture
def spawn_server(tmp_path):
    """Factory: spawn_server(data_dir=None, in_memory=False, **kw) -> ServerHandle.

    Without data_dir a fresh one under tmp_path is used. All spawned processes are stopped by
    PID when the test ends.
    """
    started = []

    def spawn(data_dir: str = None, in_memory: bool = False, **kw) -> ServerHandle:
        if data_dir is None and not in_memory:
            data_dir = tmp_path / f"data{len(started)}"
            Path(data_dir).mkdir()
        handle = start_server(str(data_dir) if data_dir else None, tmp_path / "logs", in_memory=in_memory, **kw)
        started.append(handle)
        return handle

    yield spawn
    for h in started:
        h.stop(signal.SIGTERM, grace=5.0)


@pytest.fixture
def other_account(server) -> Account:
    """A second fresh account on the session server (isolation tests)."""
    return create_account(server.data_dir, server.port)


def _port80_free() -> str:
    """'' when 127.0.0.1:80 can be bound, else the reason it cannot."""
    import socket

    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 80))
        return ""
    except OSError as e:
        return f"cannot bind 127.0.0.1:80 ({e}); sls.md 8.1 option A needs a server on port 80"
    finally:
        s.close()


@pytest.fixture(scope="session")
def sls_port80(tmp_path_factory) -> ServerHandle:
    """A dedicated localyun on 127.0.0.1:80 for LogClient("127.0.0.1", ...) (sls.md 8.1 option A).

    Skips with the reason when port 80 cannot be bound; stopped by PID at the end of the session.
    """
    _require_binary()
    reason = _port80_free()
    if reason:
        pytest.skip(reason)
    base = tmp_path_factory.mktemp("localyun-port80")
    data_dir = base / "data"
    data_dir.mkdir()
    handle = start_server(str(data_dir), base / "logs", port=80)
    yield handle
    handle.stop(signal.SIGTERM, grace=5.0)
