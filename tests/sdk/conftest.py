"""Fixtures of the localyun SDK integration suite.

The store every server of the run uses is chosen by LOCALYUN_TEST_STORE: `sqlite` (default, a
temp data dir per server) or `postgres` (a database `localyun_t_<random>` per server, made on
LOCALYUN_TEST_POSTGRES, default postgres://root@127.0.0.1:5432/test, and dropped afterwards).
A server's `store` is that location; helpers.store_args(location) gives its CLI flags.

- `server` (session): one `localyun serve` on a fresh store and a free 127.0.0.1 port, with
  explicit LOCALYUN_* credentials; stopped by PID at the end (SIGTERM, SIGKILL after 5 s).
- `account` (function): a fresh isolated account made with `localyun account create`.
- `new_store` (function): factory new_store(kind=None) -> a fresh store location of the run's
  kind (or of `kind`, "sqlite" / "postgres"); its databases are dropped when the test ends.
- `spawn_server` (function): starts extra servers (own fresh store, a given one, or --in-memory)
  for restart, persistence and CLI tests; every one still running is stopped by PID at teardown.
Helper functions (SDK clients, uniform calls, errors) are in helpers.py, the hand signer in signer.py.
"""
from __future__ import annotations

import os
import signal

import pytest

import helpers
from helpers import Account, ServerHandle, StoreFactory, create_account, start_server

# Re-exported so tests can `from conftest import ...` the helpers named in the suite's brief.
tea_ram = helpers.tea_ram
tea_ims = helpers.tea_ims
core_client = helpers.core_client
upn = helpers.upn


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: starts extra localyun processes")


def pytest_report_header(config):
    kind = helpers.test_store_kind()
    extra = f" (admin {helpers.postgres_admin_url()})" if kind == "postgres" else ""
    return f"localyun test store: {kind}{extra}"


def pytest_sessionstart(session):
    try:
        kind = helpers.test_store_kind()
    except ValueError as e:
        pytest.exit(str(e), returncode=2)
    if kind == "postgres":
        reason = helpers.postgres_unreachable_reason()
        if reason:
            pytest.exit(f"LOCALYUN_TEST_STORE=postgres but {reason}", returncode=2)


def pytest_sessionfinish(session, exitstatus):
    # Safety net: databases of fixtures that could not clean up (an interrupted run).
    helpers.drop_leftover_databases()


def _require_binary():
    path = helpers.binary()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.exit(f"localyun binary not found at {path} (set LOCALYUN_BIN or cargo build --release)", returncode=2)


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> ServerHandle:
    _require_binary()
    base = tmp_path_factory.mktemp("localyun-session")
    stores = StoreFactory(base)
    handle = start_server(stores.new(), base / "logs")
    yield handle
    handle.stop(signal.SIGTERM, grace=5.0)
    stores.cleanup()


@pytest.fixture
def account(server) -> Account:
    """A new account on the session server; every test works in its own account."""
    return create_account(server.store, server.port)


@pytest.fixture
def new_store(tmp_path):
    """Factory: new_store(kind=None) -> a fresh store location (data dir or postgres URL) of the
    run's store kind, or of `kind`; databases are dropped at teardown."""
    stores = StoreFactory(tmp_path / "stores")
    yield stores.new
    stores.cleanup()


@pytest.fixture
def root(server) -> Account:
    """The session server's default account (the one set through the LOCALYUN_* variables)."""
    return server.root()


@pytest.fixture
def spawn_server(tmp_path, new_store):
    """Factory: spawn_server(store=None, in_memory=False, **kw) -> ServerHandle.

    Without `store` a fresh location of the run's store kind is used (new_store). All spawned
    processes are stopped by PID when the test ends (before their databases are dropped).
    """
    started = []

    def spawn(store: str = None, in_memory: bool = False, **kw) -> ServerHandle:
        if store is None and not in_memory:
            store = new_store()
        handle = start_server(store, tmp_path / "logs", in_memory=in_memory, **kw)
        started.append(handle)
        return handle

    yield spawn
    for h in started:
        h.stop(signal.SIGTERM, grace=5.0)


@pytest.fixture
def other_account(server) -> Account:
    """A second fresh account on the session server (isolation tests)."""
    return create_account(server.store, server.port)


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
    stores = StoreFactory(base)
    handle = start_server(stores.new(), base / "logs", port=80)
    yield handle
    handle.stop(signal.SIGTERM, grace=5.0)
    stores.cleanup()
