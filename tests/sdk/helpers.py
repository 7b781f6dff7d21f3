"""Shared helpers of the localyun SDK integration suite.

Everything that talks to a localyun process lives here: starting/stopping a server by PID,
creating accounts through the CLI, building official SDK clients (Tea V3, Tea `v2` = HMAC-SHA1,
and the old aliyunsdkcore AcsClient), and a uniform way to call an action and to see its error.
The hand-signing client used for negative tests is in signer.py.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import string
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import requests

REPO = Path(__file__).resolve().parents[2]
ENV_KEYS = ("LOCALYUN_ACCOUNT_ID", "LOCALYUN_ACCESS_KEY_ID", "LOCALYUN_ACCESS_KEY_SECRET")
# Never inherited by a localyun process the suite starts: it would override the store we give.
STORE_ENV = "LOCALYUN_STORE"

# Documented defaults that apply on a loopback address when no credential env var is set.
DEFAULT_ACCOUNT_ID = "1234567890123456"
DEFAULT_AK = "LTAI5tLocalyunRootKey01"
DEFAULT_SECRET = "LocalyunRootSecretDoNotUseInProd"

RAM_VERSION = "2015-05-01"
IMS_VERSION = "2019-08-15"

UUID_UPPER = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")

HEALTH_TIMEOUT = 15.0
SDK_READ_TIMEOUT_MS = 15000
SDK_CONNECT_TIMEOUT_MS = 5000

# Local traffic must never go through a proxy (the old core reads HTTP_PROXY itself).
for _var in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_var, None)
os.environ["NO_PROXY"] = "127.0.0.1,localhost"


# --------------------------------------------------------------------------------------------
# binary, ports, processes
# --------------------------------------------------------------------------------------------

def binary() -> str:
    return os.environ.get("LOCALYUN_BIN") or str(REPO / "target" / "release" / "localyun")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(**extra: str) -> Dict[str, str]:
    """The test process environment without any LOCALYUN_* credential variable (nor
    LOCALYUN_STORE), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS and k != STORE_ENV}
    env.update(extra)
    return env


def random_account_id() -> str:
    return str(secrets.randbelow(9 * 10**15) + 10**15)


def random_alnum(n: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(n))


def unique(prefix: str = "u") -> str:
    """A short name that is valid as a RAM UserName."""
    return f"{prefix}-{secrets.token_hex(4)}"


def upn(name: str, account_id: str) -> str:
    return f"{name}@{account_id}.onaliyun.com"


def http_get(port: int, path: str, timeout: float = 5.0) -> requests.Response:
    return requests.get(f"http://127.0.0.1:{port}{path}", timeout=timeout)


def health_ok(port: int) -> bool:
    try:
        r = http_get(port, "/_localyun/health", timeout=2.0)
        return r.status_code == 200 and r.json().get("status") == "ok"
    except (requests.RequestException, ValueError):
        return False


# --------------------------------------------------------------------------------------------
# store locations: a data directory (embedded SQLite) or a PostgreSQL database URL
# --------------------------------------------------------------------------------------------
#
# A "store location" is a plain string: a directory path for the embedded store, or a
# `postgres://` / `postgresql://` URL. `store_args` turns it into the CLI flags, `StoreFactory`
# makes fresh ones of the kind the run tests (LOCALYUN_TEST_STORE = sqlite | postgres) and
# removes the databases it made (DROP DATABASE ... WITH (FORCE)).

STORE_KINDS = ("sqlite", "postgres")
DEFAULT_POSTGRES_ADMIN = "postgres://root@127.0.0.1:5432/test"
PSQL_TIMEOUT = 30.0


def test_store_kind() -> str:
    """The store the suite runs on: LOCALYUN_TEST_STORE, `sqlite` (default) or `postgres`."""
    kind = (os.environ.get("LOCALYUN_TEST_STORE") or "sqlite").strip().lower()
    if kind not in STORE_KINDS:
        raise ValueError(f"LOCALYUN_TEST_STORE must be one of {STORE_KINDS}, not {kind!r}")
    return kind


def postgres_admin_url() -> str:
    """The PostgreSQL URL used for CREATE/DROP DATABASE (LOCALYUN_TEST_POSTGRES)."""
    return os.environ.get("LOCALYUN_TEST_POSTGRES") or DEFAULT_POSTGRES_ADMIN


def is_postgres(location: Optional[str]) -> bool:
    return bool(location) and str(location).startswith(("postgres://", "postgresql://"))


def store_kind(location: str) -> str:
    return "postgres" if is_postgres(location) else "sqlite"


def store_args(location: str) -> List[str]:
    """The CLI flags that name `location`: ['--store', url] or ['--data-dir', dir]."""
    assert location, "a store location is required"
    if is_postgres(location):
        return ["--store", str(location)]
    return ["--data-dir", str(location)]


def database_url(name: str, admin: Optional[str] = None) -> str:
    """The admin URL with its database replaced by `name` (user, host, port and query kept)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(admin or postgres_admin_url())
    return urlunsplit(parts._replace(path="/" + name))


def psql(url: str, sql: str, variables: Optional[Dict[str, str]] = None,
         timeout: float = PSQL_TIMEOUT) -> subprocess.CompletedProcess:
    """Runs `sql` (a script read from stdin, so :'var' interpolation works) with psql against
    `url`; stops at the first error. Rows come back unaligned, tuples only, '|'-separated."""
    args = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url]
    for k, v in (variables or {}).items():
        args += ["-v", f"{k}={v}"]
    return subprocess.run(args, input=sql, capture_output=True, text=True, timeout=timeout)


_pg_reason: Optional[str] = None


def postgres_unreachable_reason() -> str:
    """'' when PostgreSQL at LOCALYUN_TEST_POSTGRES answers through psql, else why not (cached)."""
    global _pg_reason
    if _pg_reason is None:
        import shutil

        admin = postgres_admin_url()
        if shutil.which("psql") is None:
            _pg_reason = "psql is not installed"
        else:
            try:
                res = psql(admin, "SELECT 1;", timeout=10)
                first = (res.stderr.strip().splitlines() or ["psql failed"])[0]
                _pg_reason = "" if res.returncode == 0 else f"PostgreSQL at {admin} cannot be reached: {first}"
            except subprocess.TimeoutExpired:
                _pg_reason = f"PostgreSQL at {admin} did not answer within 10 s"
    return _pg_reason


# Databases made by any StoreFactory of this process and not yet dropped (session safety net).
_LIVE_DATABASES: Dict[str, str] = {}


def create_database(prefix: str = "localyun_t") -> str:
    """CREATE DATABASE <prefix>_<random> on the admin server; returns its URL."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    admin = postgres_admin_url()
    res = psql(admin, f"CREATE DATABASE {name};")
    assert res.returncode == 0, f"CREATE DATABASE {name} failed: {res.stderr}"
    _LIVE_DATABASES[name] = admin
    return database_url(name, admin)


def drop_database(url: str) -> None:
    """DROP DATABASE ... WITH (FORCE): also ends connections a killed test may have left."""
    from urllib.parse import urlsplit

    name = urlsplit(url).path.lstrip("/")
    assert re.fullmatch(r"localyun_t\w*", name), f"refusing to drop a database the suite did not make: {name}"
    admin = _LIVE_DATABASES.pop(name, postgres_admin_url())
    res = psql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE);")
    assert res.returncode == 0, f"DROP DATABASE {name} failed: {res.stderr}"


def drop_leftover_databases() -> None:
    for name in list(_LIVE_DATABASES):
        try:
            drop_database(database_url(name, _LIVE_DATABASES[name]))
        except Exception:  # noqa: BLE001 - best effort at the very end of a session
            pass


class StoreFactory:
    """Makes fresh store locations under `base` (directories) or on PostgreSQL (databases);
    `cleanup()` drops the databases it made (directories stay with pytest's tmp_path)."""

    def __init__(self, base: Path):
        self.base = Path(base)
        self.made: List[str] = []

    def new(self, kind: Optional[str] = None) -> str:
        kind = kind or test_store_kind()
        assert kind in STORE_KINDS, kind
        if kind == "postgres":
            reason = postgres_unreachable_reason()
            assert not reason, reason
            location = create_database()
        else:
            self.base.mkdir(parents=True, exist_ok=True)
            d = self.base / f"data{len(self.made)}-{secrets.token_hex(3)}"
            d.mkdir()
            location = str(d)
        self.made.append(location)
        return location

    def cleanup(self) -> None:
        errors = []
        for location in self.made:
            if is_postgres(location):
                try:
                    drop_database(location)
                except AssertionError as e:
                    errors.append(str(e))
        self.made.clear()
        assert not errors, "; ".join(errors)


@dataclass
class Account:
    """Credentials of one account, bound to the port of the server that holds it."""

    port: int
    account_id: str
    ak: str
    secret: str

    # SDK clients signed with this account's root key (or with another key of the account).
    def ram(self, v1: bool = False, ak: str = None, secret: str = None):
        return tea_ram(self.port, ak or self.ak, secret or self.secret, v1=v1)

    def ims(self, v1: bool = False, ak: str = None, secret: str = None):
        return tea_ims(self.port, ak or self.ak, secret or self.secret, v1=v1)

    def core(self, ak: str = None, secret: str = None):
        return core_client(self.port, ak or self.ak, secret or self.secret)

    def api(self, flavour: str = "tea_v3", product: str = "ram", ak: str = None, secret: str = None) -> "Api":
        return Api(flavour, product, self.port, ak or self.ak, secret or self.secret)

    def upn(self, name: str) -> str:
        return upn(name, self.account_id)

    def signer(self, ak: str = None, secret: str = None):
        from signer import Signer

        return Signer(self.port, ak or self.ak, secret or self.secret)

    # SLS: SDK clients (see SlsApi) and the hand signer for SLS requests.
    def sls(self, flavour: str = "tea_v1", monkeypatch=None, ak: str = None, secret: str = None, **kw) -> "SlsApi":
        return SlsApi(flavour, self.port, ak or self.ak, secret or self.secret, monkeypatch=monkeypatch, **kw)

    def sls_signer(self, ak: str = None, secret: str = None, region: str = None):
        from signer import SLS_DEFAULT_REGION, SlsSigner

        return SlsSigner(self.port, ak or self.ak, secret or self.secret, region or SLS_DEFAULT_REGION)


@dataclass
class ServerHandle:
    proc: subprocess.Popen
    port: int
    store: Optional[str]  # the store location (data dir or postgres URL); None for --in-memory
    root_ak: str
    root_secret: str
    account_id: str
    log_path: Path
    args: List[str] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def root(self) -> Account:
        return Account(self.port, self.account_id, self.root_ak, self.root_secret)

    def tea_ram(self, ak: str, secret: str, v1: bool = False):
        return tea_ram(self.port, ak, secret, v1=v1)

    def tea_ims(self, ak: str, secret: str, v1: bool = False):
        return tea_ims(self.port, ak, secret, v1=v1)

    def core_client(self, ak: str, secret: str):
        return core_client(self.port, ak, secret)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM, grace: float = 5.0) -> Optional[int]:
        """Stops the process by its PID: `sig` first, SIGKILL after `grace` seconds."""
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        return self.proc.returncode


def start_server(
    store: Optional[str],
    log_dir: Path,
    *,
    in_memory: bool = False,
    creds: Optional[Dict[str, str]] = None,
    use_env_creds: bool = True,
    port: Optional[int] = None,
    extra_args: Optional[List[str]] = None,
    wait: float = HEALTH_TIMEOUT,
    store_via_env: bool = False,
    preexec=None,
) -> ServerHandle:
    """Starts `localyun serve` on 127.0.0.1 and waits until health answers (at most `wait` s).

    `store` is a store location (a data dir or a postgres:// URL, see store_args); with
    `store_via_env` a URL is given as LOCALYUN_STORE instead of --store.

    `creds` = {"account_id", "ak", "secret"} are passed through the LOCALYUN_* variables; when
    `use_env_creds` is False no credential variable is set and the documented defaults apply.
    """
    port = port or free_port()
    args = [binary(), "serve", "--listen", f"127.0.0.1:{port}"]
    if in_memory:
        args.append("--in-memory")
    else:
        assert store, "a store location is required unless in_memory"
        if not store_via_env:
            args += store_args(store)
    args += extra_args or []
    if use_env_creds:
        creds = creds or {"account_id": random_account_id(), "ak": "LTAI5t" + random_alnum(18),
                          "secret": random_alnum(30)}
        env = clean_env(LOCALYUN_ACCOUNT_ID=creds["account_id"], LOCALYUN_ACCESS_KEY_ID=creds["ak"],
                        LOCALYUN_ACCESS_KEY_SECRET=creds["secret"])
    else:
        creds = {"account_id": DEFAULT_ACCOUNT_ID, "ak": DEFAULT_AK, "secret": DEFAULT_SECRET}
        env = clean_env()
    if store_via_env:
        assert is_postgres(store), "LOCALYUN_STORE names a PostgreSQL database"
        env[STORE_ENV] = str(store)
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"localyun-{port}.log"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, stdin=subprocess.DEVNULL,
                                preexec_fn=preexec)
    handle = ServerHandle(proc, port, str(store) if store else None, creds["ak"], creds["secret"],
                          creds["account_id"], log_path, args)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"localyun exited with {proc.returncode} before serving:\n{handle.log()}")
        if health_ok(port):
            return handle
        time.sleep(0.05)
    handle.stop(signal.SIGKILL)
    raise RuntimeError(f"localyun did not answer health within {wait}s:\n{handle.log()}")


def run_cli(args: List[str], timeout: float = 20.0, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    return subprocess.run([binary()] + args, capture_output=True, text=True, timeout=timeout,
                          env=clean_env(**(env or {})), stdin=subprocess.DEVNULL)


def create_account(store: str, port: int) -> Account:
    """`localyun account create --data-dir DIR` (or `--store URL`): exactly one JSON object on stdout."""
    res = run_cli(["account", "create"] + store_args(store))
    assert res.returncode == 0, f"account create failed ({res.returncode}): {res.stderr}"
    obj = json.loads(res.stdout)
    assert isinstance(obj, dict), res.stdout
    return Account(port, obj["AccountId"], obj["AccessKeyId"], obj["AccessKeySecret"])


def list_accounts(store: str) -> List[Dict[str, Any]]:
    res = run_cli(["account", "list"] + store_args(store))
    assert res.returncode == 0, f"account list failed ({res.returncode}): {res.stderr}"
    arr = json.loads(res.stdout)
    assert isinstance(arr, list), res.stdout
    return arr


# --------------------------------------------------------------------------------------------
# SDK clients
# --------------------------------------------------------------------------------------------

def _tea_config(port: int, ak: str, secret: str, v1: bool):
    from alibabacloud_tea_openapi.models import Config

    cfg = Config(access_key_id=ak, access_key_secret=secret, endpoint=f"127.0.0.1:{port}", protocol="http",
                 read_timeout=SDK_READ_TIMEOUT_MS, connect_timeout=SDK_CONNECT_TIMEOUT_MS)
    if v1:
        cfg.signature_algorithm = "v2"
    return cfg


def tea_ram(port: int, ak: str, secret: str, v1: bool = False):
    """alibabacloud_ram20150501 client; V3 (ACS3-HMAC-SHA256) unless v1 (HMAC-SHA1)."""
    from alibabacloud_ram20150501.client import Client

    return Client(_tea_config(port, ak, secret, v1))


def tea_ims(port: int, ak: str, secret: str, v1: bool = False):
    from alibabacloud_ims20190815.client import Client

    return Client(_tea_config(port, ak, secret, v1))


def core_client(port: int, ak: str, secret: str):
    """aliyunsdkcore AcsClient aimed at 127.0.0.1:port (requests are switched to http per call)."""
    from aliyunsdkcore.client import AcsClient

    return AcsClient(ak, secret, "cn-hangzhou", auto_retry=False, port=port, timeout=15, connect_timeout=5)


# --------------------------------------------------------------------------------------------
# uniform calls and errors
# --------------------------------------------------------------------------------------------

class ApiError(Exception):
    """An error answer from the server, whichever SDK received it."""

    def __init__(self, status: int, code: str, message: str, data: Optional[dict] = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.data = data or {}


def _snake(action: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", action).lower()


def flatten(params: Dict[str, Any]) -> Dict[str, str]:
    """Wire form of repeat lists: Name.N and Name.N.Field (ram.md 2.5); booleans as Python does."""
    out: Dict[str, str] = {}

    def walk(prefix: str, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}", v)
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value, 1):
                walk(f"{prefix}.{i}", v)
        else:
            out[prefix] = str(value)

    for k, v in params.items():
        walk(k, v)
    return out


def tea_call(client, action: str, params: Dict[str, Any], models) -> dict:
    from alibabacloud_tea_openapi.exceptions import AlibabaCloudException

    req_cls = getattr(models, f"{action}Request", None)
    method = getattr(client, _snake(action))
    try:
        if req_cls is None:
            resp = method()
        else:
            resp = method(req_cls().from_map(dict(params)))
    except AlibabaCloudException as e:
        data = e.data if isinstance(e.data, dict) else {}
        raise ApiError(e.status_code, e.code, data.get("Message", e.message), data) from None
    assert resp.status_code == 200, resp.status_code
    return resp.body.to_map()


def core_call(client, product: str, action: str, params: Dict[str, Any], method: str = "POST") -> dict:
    """Calls through the old core: aliyunsdkram request classes for RAM, CommonRequest for IMS."""
    from aliyunsdkcore.acs_exception.exceptions import ServerException

    if product == "ram":
        import importlib

        mod = importlib.import_module(f"aliyunsdkram.request.v20150501.{action}Request")
        req = getattr(mod, f"{action}Request")()
        for k, v in params.items():
            if v is None:
                continue
            setter = getattr(req, f"set_{k}", None)
            if setter is not None:
                setter(v)
            else:
                req.add_query_param(k, v)
        req.set_endpoint("127.0.0.1")
    else:
        from aliyunsdkcore.request import CommonRequest

        req = CommonRequest(domain="127.0.0.1", version=IMS_VERSION, action_name=action, product="Ims")
        for k, v in flatten(params).items():
            req.add_query_param(k, v)
    req.set_protocol_type("http")
    req.set_method(method)
    try:
        raw = client.do_action_with_exception(req)
    except ServerException as e:
        raise ApiError(e.get_http_status(), e.get_error_code(), e.get_error_msg()) from None
    return json.loads(raw)


FLAVOURS = ("tea_v3", "tea_v2", "core_post", "core_get")


class Api:
    """One way of calling one product: `call(action, **wire_params)` -> response body dict.

    flavour: tea_v3 (ACS3-HMAC-SHA256), tea_v2 (Tea with HMAC-SHA1), core_post / core_get (old core).
    product: "ram" (2015-05-01) or "ims" (2019-08-15). Raises ApiError on an error answer.
    """

    def __init__(self, flavour: str, product: str, port: int, ak: str, secret: str):
        assert flavour in FLAVOURS and product in ("ram", "ims")
        self.flavour, self.product = flavour, product
        if flavour.startswith("tea"):
            v1 = flavour == "tea_v2"
            if product == "ram":
                from alibabacloud_ram20150501 import models

                self.client = tea_ram(port, ak, secret, v1=v1)
            else:
                from alibabacloud_ims20190815 import models

                self.client = tea_ims(port, ak, secret, v1=v1)
            self.models = models
        else:
            self.client = core_client(port, ak, secret)

    def call(self, action: str, **params: Any) -> dict:
        params = {k: v for k, v in params.items() if v is not None}
        if self.flavour.startswith("tea"):
            return tea_call(self.client, action, params, self.models)
        return core_call(self.client, self.product, action, params,
                         method="GET" if self.flavour == "core_get" else "POST")

    def __repr__(self) -> str:
        return f"Api({self.flavour}, {self.product})"


def expect_error(fn: Callable[[], Any], status: int = None, code: str = None, prefix: str = None) -> ApiError:
    """Runs `fn`, which must fail; checks HTTP status, exact code and/or code prefix."""
    try:
        result = fn()
    except ApiError as e:
        err = e
    else:
        raise AssertionError(f"expected an error ({status} {code or prefix}), got success: {result!r}")
    if status is not None:
        assert err.status == status, f"expected HTTP {status} ({code or prefix}), got {err.status} {err.code}: {err.message}"
    if code is not None:
        assert err.code == code, f"expected code {code}, got {err.status} {err.code}: {err.message}"
    if prefix is not None:
        assert err.code and err.code.startswith(prefix), \
            f"expected a code starting {prefix!r}, got {err.status} {err.code}: {err.message}"
    return err


def tag_pairs(list_body: dict) -> List[tuple]:
    """(ResourceId, TagKey, TagValue) triples of an IMS ListTagResources body."""
    items = (list_body.get("TagResources") or {}).get("TagResource") or []
    return [(i.get("ResourceId"), i.get("TagKey"), i.get("TagValue")) for i in items]


def user_tags(ims: Api, user_id: str) -> Dict[str, str]:
    """All tags of one user, read with ListTagResources (following NextToken)."""
    out: Dict[str, str] = {}
    token = None
    for _ in range(50):
        body = ims.call("ListTagResources", ResourceType="user", ResourceId=[user_id], NextToken=token)
        for rid, k, v in tag_pairs(body):
            assert rid == user_id, body
            assert k not in out, f"duplicate pair for key {k}: {body}"
            out[k] = v
        token = body.get("NextToken")
        if not body.get("IsTruncated") or not token:
            return out
    raise AssertionError("ListTagResources never stopped paging")


# ============================================================================================
# SLS (sls.md): LogClient (aliyun-log-python-sdk) and Tea (alibabacloud-sls20201230) clients,
# one call style for both (`SlsApi`), and checks of the SLS response conventions.
# ============================================================================================

SLS_REGION = "cn-hangzhou"
SLS_REQUEST_ID = re.compile(r"^[0-9A-F]{24}$")
SLS_TIMEOUT_S = 15
SLS_FLAVOURS = ("lc_v1", "lc_v4", "tea_v1", "tea_v4")


def sls_name(prefix: str = "p") -> str:
    """A fresh project name (project names are unique per region across accounts)."""
    return f"{prefix}-{secrets.token_hex(5)}"


def enable_sls_proxy_env(monkeypatch, port: int) -> None:
    """sls.md 8.1 option C: HTTP_PROXY=http://127.0.0.1:PORT, and no NO_PROXY entry for 127.0.0.1
    (requests would match it as a suffix of `<project>.127.0.0.1` and bypass the proxy)."""
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    for var in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(var, f"http://127.0.0.1:{port}")
    for var in ("NO_PROXY", "no_proxy"):
        assert "127.0.0.1" not in os.environ.get(var, "")


def sls_logclient(endpoint: str, ak: str, secret: str, v4: bool = False, region: str = SLS_REGION,
                  token: Optional[str] = None):
    """aliyun.log.LogClient as a user writes it. For `127.0.0.1:PORT` the caller must have set the
    proxy variables (enable_sls_proxy_env); for the bare `127.0.0.1` a server must listen on port 80."""
    from aliyun.log import LogClient

    if v4:
        c = LogClient(endpoint, ak, secret, securityToken=token, auth_version="v4", region=region)
    else:
        c = LogClient(endpoint, ak, secret, securityToken=token)
    c.timeout = SLS_TIMEOUT_S
    return c


def sls_tea(port: Optional[int], ak: str, secret: str, v4: bool = False, endpoint: Optional[str] = None,
            region: Optional[str] = SLS_REGION, proxy: bool = True, token: Optional[str] = None):
    """alibabacloud_sls20201230 Client as in sls.md 8.2: http, endpoint 127.0.0.1:PORT (or `endpoint`),
    region_id, and http_proxy pointing at localyun itself (needed for project-scoped calls)."""
    from alibabacloud_sls20201230.client import Client
    from alibabacloud_tea_openapi.models import Config

    cfg = Config(access_key_id=ak, access_key_secret=secret, endpoint=endpoint or f"127.0.0.1:{port}",
                 protocol="http", read_timeout=SDK_READ_TIMEOUT_MS, connect_timeout=SDK_CONNECT_TIMEOUT_MS)
    if region:
        cfg.region_id = region
    if proxy:
        cfg.http_proxy = f"http://127.0.0.1:{port}"
    if token:
        cfg.security_token = token
    if v4:
        cfg.signature_version = "v4"
    return Client(cfg)


class SlsError(Exception):
    """An SLS error answer, whichever SDK received it."""

    def __init__(self, status: Optional[int], code: Optional[str], message: Optional[str], request_id: Optional[str]):
        super().__init__(f"{status} {code}: {message} (request {request_id})")
        self.status, self.code, self.message, self.request_id = status, code, message, request_id


def _sls_call(fn: Callable[[], Any]) -> Any:
    from aliyun.log.logexception import LogException
    from Tea.exceptions import TeaException

    try:
        return fn()
    except LogException as e:
        if e.get_error_code() == "LogRequestError" and not e.get_request_id():
            raise  # nothing came back from the server (connection, name resolution...)
        raise SlsError(e.get_resp_status(), e.get_error_code(), e.get_error_message(), e.get_request_id()) from None
    except TeaException as e:
        data = e.data if isinstance(e.data, dict) else {}
        if e.code is None and not data:
            raise
        raise SlsError(data.get("httpCode") or data.get("statusCode"), e.code, e.message, data.get("requestId")) from None


def expect_sls_error(fn: Callable[[], Any], status: Optional[int] = None, code: Optional[str] = None,
                     message: Optional[str] = None) -> SlsError:
    """Runs fn (an SlsApi call), which must fail with this status/code; checks the request id."""
    try:
        result = fn()
    except SlsError as e:
        err = e
    else:
        raise AssertionError(f"expected an error ({status} {code}), got success: {result!r}")
    if status is not None:
        assert err.status == status, f"expected HTTP {status} {code}, got {err.status} {err.code}: {err.message}"
    if code is not None:
        assert err.code == code, f"expected code {code}, got {err.status} {err.code}: {err.message}"
    if message is not None:
        assert err.message == message, f"expected message {message!r}, got {err.message!r}"
    assert err.request_id and SLS_REQUEST_ID.match(err.request_id), f"bad x-log-requestid {err.request_id!r}"
    return err


def _tags_list(tags: Any) -> List[tuple]:
    if isinstance(tags, dict):
        return list(tags.items())
    return [tuple(t) for t in tags]


class SlsApi:
    """One way of calling SLS: flavour lc_v1 / lc_v4 (LogClient through the proxy variable, or on
    port 80 with `endpoint="127.0.0.1"`), tea_v1 / tea_v4 (Tea with http_proxy).

    Every method returns plain data (wire field names) and raises SlsError on an error answer.
    `last_headers` holds the headers of the last successful answer (lower-cased names).
    """

    def __init__(self, flavour: str, port: int, ak: str, secret: str, *, monkeypatch=None,
                 endpoint: Optional[str] = None, region: str = SLS_REGION, token: Optional[str] = None,
                 tea_proxy: bool = True):
        self.flavour, self.port, self.ak, self.secret = flavour, port, ak, secret
        self.region = region
        self.last_headers: Dict[str, str] = {}
        v4 = flavour.endswith("v4")
        if flavour.startswith("lc"):
            self.kind = "lc"
            ep = endpoint or f"127.0.0.1:{port}"
            if ep != "127.0.0.1":
                assert monkeypatch is not None, "LogClient on 127.0.0.1:PORT or a real name needs the proxy variables"
                enable_sls_proxy_env(monkeypatch, port)
            self.client = sls_logclient(ep, ak, secret, v4=v4, region=region, token=token)
        else:
            from alibabacloud_sls20201230 import models

            self.kind = "tea"
            self.models = models
            self.client = sls_tea(port, ak, secret, v4=v4, endpoint=endpoint, region=region, token=token,
                                  proxy=tea_proxy)

    def __repr__(self) -> str:
        return f"SlsApi({self.flavour})"

    # ------------------------------------------------------------------ plumbing
    def _lc(self, fn: Callable[[], Any]) -> Any:
        resp = _sls_call(fn)
        if hasattr(resp, "headers"):
            self.last_headers = {k.lower(): v for k, v in resp.headers.items()}
        return resp

    def _tea(self, fn: Callable[[], Any]) -> Any:
        resp = _sls_call(fn)
        assert resp.status_code == 200, resp.status_code
        self.last_headers = {k.lower(): v for k, v in (resp.headers or {}).items()}
        return resp

    @staticmethod
    def _tea_body(resp) -> Any:
        return resp.body.to_map() if resp.body is not None else None

    def _m(self, name: str, data: Dict[str, Any]):
        return getattr(self.models, name)().from_map({k: v for k, v in data.items() if v is not None})

    # ------------------------------------------------------------------ projects
    def create_project(self, name: str, description: str = "") -> None:
        if self.kind == "lc":
            self._lc(lambda: self.client.create_project(name, description))
        else:
            self._tea(lambda: self.client.create_project(
                self._m("CreateProjectRequest", {"projectName": name, "description": description})))

    def get_project(self, name: str) -> Dict[str, Any]:
        if self.kind == "lc":
            r = self._lc(lambda: self.client.get_project(name))
            assert r.get_projectname() == r.body["projectName"]
            return r.body
        return self._tea_body(self._tea(lambda: self.client.get_project(name, self.models.GetProjectRequest())))

    def update_project(self, name: str, description: str) -> None:
        if self.kind == "lc":
            self._lc(lambda: self.client.update_project(name, description))
        else:
            self._tea(lambda: self.client.update_project(name, self._m("UpdateProjectRequest", {"description": description})))

    def delete_project(self, name: str) -> None:
        if self.kind == "lc":
            self._lc(lambda: self.client.delete_project(name))
        else:
            self._tea(lambda: self.client.delete_project(name, self.models.DeleteProjectRequest()))

    def list_projects(self, offset: int = 0, size: int = 100, name: Optional[str] = None) -> Dict[str, Any]:
        """{"count", "total", "names", "projects"}"""
        if self.kind == "lc":
            r = self._lc(lambda: self.client.list_project(offset=offset, size=size, project_name_pattern=name))
            body = {"count": r.get_count(), "total": r.get_total(), "projects": r.get_projects()}
        else:
            body = self._tea_body(self._tea(lambda: self.client.list_project(
                self._m("ListProjectRequest", {"offset": offset, "size": size, "projectName": name}))))
        body["names"] = [p["projectName"] for p in body.get("projects") or []]
        return body

    # ------------------------------------------------------------------ logstores
    def create_logstore(self, project: str, name: str, ttl: int = 7, shard_count: int = 2, **extra) -> None:
        if self.kind == "lc":
            self._lc(lambda: self.client.create_logstore(project, name, ttl=ttl, shard_count=shard_count, **extra))
        else:
            req = {"logstoreName": name, "ttl": ttl, "shardCount": shard_count}
            req.update(extra)
            self._tea(lambda: self.client.create_log_store(project, self._m("CreateLogStoreRequest", req)))

    def get_logstore(self, project: str, name: str) -> Dict[str, Any]:
        if self.kind == "lc":
            r = self._lc(lambda: self.client.get_logstore(project, name))
            assert r.get_ttl() == r.body["ttl"] and r.get_shard_count() == r.body["shardCount"]
            return r.body
        return self._tea_body(self._tea(lambda: self.client.get_log_store(project, name)))

    def update_logstore(self, project: str, name: str, ttl: int, shard_count: Optional[int] = None) -> None:
        if self.kind == "lc":
            self._lc(lambda: self.client.update_logstore(project, name, ttl=ttl))
        else:
            sc = shard_count if shard_count is not None else self.get_logstore(project, name)["shardCount"]
            self._tea(lambda: self.client.update_log_store(project, name, self._m(
                "UpdateLogStoreRequest", {"logstoreName": name, "ttl": ttl, "shardCount": sc})))

    def delete_logstore(self, project: str, name: str) -> None:
        if self.kind == "lc":
            self._lc(lambda: self.client.delete_logstore(project, name))
        else:
            self._tea(lambda: self.client.delete_log_store(project, name))

    def list_logstores(self, project: str, offset: int = 0, size: int = 100, name: Optional[str] = None) -> Dict[str, Any]:
        """{"count", "total", "names"}"""
        if self.kind == "lc":
            r = self._lc(lambda: self.client.list_logstore(project, logstore_name_pattern=name, offset=offset, size=size))
            return {"count": r.get_count(), "total": r.get_total(), "names": r.get_logstores()}
        b = self._tea_body(self._tea(lambda: self.client.list_log_stores(
            project, self._m("ListLogStoresRequest", {"offset": offset, "size": size, "logstoreName": name}))))
        return {"count": b.get("count"), "total": b.get("total"), "names": b.get("logstores")}

    # ------------------------------------------------------------------ dashboards
    def create_dashboard(self, project: str, name: str, display_name: str, description: str = "") -> None:
        detail = {"dashboardName": name, "displayName": display_name, "description": description, "charts": []}
        if self.kind == "lc":
            self._lc(lambda: self.client.create_dashboard(project, detail))
        else:
            self._tea(lambda: self.client.create_dashboard(project, self.models.CreateDashboardRequest(
                body=self._m("Dashboard", detail))))

    def get_dashboard(self, project: str, name: str) -> Dict[str, Any]:
        if self.kind == "lc":
            return self._lc(lambda: self.client.get_dashboard(project, name)).get_entity()
        return self._tea_body(self._tea(lambda: self.client.get_dashboard(project, name)))

    def update_dashboard(self, project: str, name: str, display_name: str, description: str = "") -> None:
        detail = {"dashboardName": name, "displayName": display_name, "description": description, "charts": []}
        if self.kind == "lc":
            self._lc(lambda: self.client.update_dashboard(project, detail))
        else:
            self._tea(lambda: self.client.update_dashboard(project, name, self._m("UpdateDashboardRequest", detail)))

    def delete_dashboard(self, project: str, name: str) -> None:
        if self.kind == "lc":
            self._lc(lambda: self.client.delete_dashboard(project, name))
        else:
            self._tea(lambda: self.client.delete_dashboard(project, name))

    def list_dashboards(self, project: str, offset: int = 0, size: int = 100, name: Optional[str] = None) -> Dict[str, Any]:
        """{"count", "total", "names"} (LogClient: no name filter; Tea: no count/total in its model)."""
        if self.kind == "lc":
            assert name is None, "LogClient.list_dashboard has no name filter"
            r = self._lc(lambda: self.client.list_dashboard(project, offset=offset, size=size))
            return {"count": r.count, "total": r._total, "names": r.get_entities()}
        b = self._tea_body(self._tea(lambda: self.client.list_dashboard(
            project, self._m("ListDashboardRequest", {"offset": offset, "size": size, "dashboardName": name}))))
        return {"count": None, "total": None, "names": b.get("dashboards"), "items": b.get("dashboardItems")}

    # ------------------------------------------------------------------ machine groups
    def _group(self, name: str, ips: List[str], topic: Optional[str]) -> Dict[str, Any]:
        g = {"groupName": name, "machineIdentifyType": "ip", "machineList": list(ips)}
        if topic is not None:
            g["groupAttribute"] = {"groupTopic": topic}
        return g

    def create_machine_group(self, project: str, name: str, ips: List[str], topic: Optional[str] = None) -> None:
        if self.kind == "lc":
            from aliyun.log import MachineGroupDetail

            d = MachineGroupDetail(name, "ip", list(ips), "", {"groupTopic": topic} if topic is not None else {})
            self._lc(lambda: self.client.create_machine_group(project, d))
        else:
            self._tea(lambda: self.client.create_machine_group(project, self._m(
                "CreateMachineGroupRequest", self._group(name, ips, topic))))

    def get_machine_group(self, project: str, name: str) -> Dict[str, Any]:
        if self.kind == "lc":
            r = self._lc(lambda: self.client.get_machine_group(project, name))
            g = r.get_machine_group()
            assert (g.group_name, g.machine_list) == (r.body["groupName"], r.body["machineList"])
            return r.body
        return self._tea_body(self._tea(lambda: self.client.get_machine_group(project, name)))

    def update_machine_group(self, project: str, name: str, ips: List[str], topic: Optional[str] = None) -> None:
        if self.kind == "lc":
            from aliyun.log import MachineGroupDetail

            d = MachineGroupDetail(name, "ip", list(ips), "", {"groupTopic": topic} if topic is not None else {})
            self._lc(lambda: self.client.update_machine_group(project, d))
        else:
            self._tea(lambda: self.client.update_machine_group(project, name, self._m(
                "UpdateMachineGroupRequest", self._group(name, ips, topic))))

    def delete_machine_group(self, project: str, name: str) -> None:
        if self.kind == "lc":
            self._lc(lambda: self.client.delete_machine_group(project, name))
        else:
            self._tea(lambda: self.client.delete_machine_group(project, name))

    def list_machine_groups(self, project: str, offset: int = 0, size: int = 100, name: Optional[str] = None) -> Dict[str, Any]:
        if self.kind == "lc":
            assert name is None, "LogClient.list_machine_group has no name filter"
            r = self._lc(lambda: self.client.list_machine_group(project, offset=offset, size=size))
            return {"count": r.count, "total": r._total, "names": r.get_machine_group()}
        b = self._tea_body(self._tea(lambda: self.client.list_machine_group(
            project, self._m("ListMachineGroupRequest", {"offset": offset, "size": size, "groupName": name}))))
        return {"count": b.get("count"), "total": b.get("total"), "names": b.get("machinegroups")}

    # ------------------------------------------------------------------ Logtail configs
    @staticmethod
    def config_body(name: str, logstore: str, log_path: str = "/var/log", pattern: str = "*.log") -> Dict[str, Any]:
        return {"configName": name, "inputType": "file",
                "inputDetail": {"logType": "common_reg_log", "logPath": log_path, "filePattern": pattern,
                                "localStorage": True, "regex": "(.*)", "key": ["content"], "timeFormat": "",
                                "topicFormat": "none"},
                "outputType": "LogService", "outputDetail": {"logstoreName": logstore}}

    def create_config(self, project: str, name: str, logstore: str, log_path: str = "/var/log") -> None:
        if self.kind == "lc":
            from aliyun.log import SimpleFileConfigDetail

            d = SimpleFileConfigDetail(logstore, name, log_path, "*.log")
            self._lc(lambda: self.client.create_logtail_config(project, d))
        else:
            self._tea(lambda: self.client.create_config(project, self.models.CreateConfigRequest(
                body=self._m("LogtailConfig", self.config_body(name, logstore, log_path)))))

    def get_config(self, project: str, name: str) -> Dict[str, Any]:
        if self.kind == "lc":
            r = self._lc(lambda: self.client.get_logtail_config(project, name))
            assert r.logtail_config.config_name == name and r.logtail_config.logstore_name == r.body["outputDetail"]["logstoreName"]
            return r.body
        return self._tea_body(self._tea(lambda: self.client.get_config(project, name)))

    def update_config(self, project: str, name: str, logstore: str, log_path: str) -> None:
        if self.kind == "lc":
            from aliyun.log import SimpleFileConfigDetail

            d = SimpleFileConfigDetail(logstore, name, log_path, "*.log")
            self._lc(lambda: self.client.update_logtail_config(project, d))
        else:
            self._tea(lambda: self.client.update_config(project, name, self.models.UpdateConfigRequest(
                body=self._m("LogtailConfig", self.config_body(name, logstore, log_path)))))

    def delete_config(self, project: str, name: str) -> None:
        if self.kind == "lc":
            self._lc(lambda: self.client.delete_logtail_config(project, name))
        else:
            self._tea(lambda: self.client.delete_config(project, name))

    def list_configs(self, project: str, offset: int = 0, size: int = 100, name: Optional[str] = None,
                     logstore: Optional[str] = None) -> Dict[str, Any]:
        if self.kind == "lc":
            r = self._lc(lambda: self.client.list_logtail_config(project, logstore=logstore, config=name,
                                                                  offset=offset, size=size))
            return {"count": r.get_count(), "total": r.get_total(), "names": r.get_configs()}
        b = self._tea_body(self._tea(lambda: self.client.list_config(project, self._m(
            "ListConfigRequest", {"offset": offset, "size": size, "configName": name, "logstoreName": logstore}))))
        return {"count": b.get("count"), "total": b.get("total"), "names": b.get("configs")}

    # ------------------------------------------------------------------ tags
    def tag(self, rtype: str, rid: str, tags: Any) -> None:
        pairs = _tags_list(tags)
        if self.kind == "lc":
            kw = dict(pairs)
            assert len(kw) == len(pairs), "LogClient cannot send duplicate keys"
            self._lc(lambda: self.client.tag_resources(rtype, rid, **kw))
        else:
            self._tea(lambda: self.client.tag_resources(self._m("TagResourcesRequest", {
                "resourceType": rtype, "resourceId": [rid], "tags": [{"key": k, "value": v} for k, v in pairs]})))

    def untag(self, rtype: str, rid: str, keys: List[str] = (), all: Optional[bool] = None) -> None:
        if self.kind == "lc":
            assert all is None, "LogClient cannot send `all`"
            self._lc(lambda: self.client.untag_resources(rtype, rid, *keys))
        else:
            self._tea(lambda: self.client.untag_resources(self._m("UntagResourcesRequest", {
                "resourceType": rtype, "resourceId": [rid], "tags": list(keys), "all": all})))

    def list_tags(self, rtype: str, rid: Optional[str] = None, tags: Any = None) -> List[Dict[str, str]]:
        """Every row of ListTagResources (LogClient follows nextToken; Tea reads one page)."""
        pairs = _tags_list(tags or [])
        rows: List[Dict[str, str]] = []
        if self.kind == "lc":
            pages = self._lc(lambda: list(self.client.list_tag_resources(rtype, rid, **dict(pairs))))
            for page in pages:
                assert isinstance(page.next_token, str)
                rows += [{"resourceType": t.get_resource_type(), "resourceId": t.get_resource_id(),
                          "tagKey": t.get_tag_key(), "tagValue": t.get_tag_value()} for t in page.get_tags()]
                self.last_headers = {k.lower(): v for k, v in page.headers.items()}
            self.last_pages = pages
            return rows
        req = {"resourceType": rtype}
        if rid is not None:
            req["resourceId"] = [rid]
        if pairs:
            req["tags"] = [{"key": k, "value": v} for k, v in pairs]
        b = self._tea_body(self._tea(lambda: self.client.list_tag_resources(self._m("ListTagResourcesRequest", req))))
        assert b.get("nextToken") == "", f"Tea cannot follow nextToken; unexpected {b.get('nextToken')!r}"
        return b.get("tagResources") or []

    def tags_of(self, rtype: str, rid: str) -> Dict[str, str]:
        out: Dict[str, str] = {}
        for row in self.list_tags(rtype, rid):
            assert row["resourceId"] == rid, row
            assert row["tagKey"] not in out, f"duplicate key row {row}"
            out[row["tagKey"]] = row["tagValue"]
        return out


def assert_sls_headers(headers: Dict[str, str]) -> None:
    """Headers every SLS answer carries (sls.md 4.1 and the seed): `Content-Type: application/json`
    on a body, none on an empty answer (`Content-Length: 0`), as the real service sends; the Node
    SDK @alicloud/log JSON-parses every application/json body, also an empty one."""
    h = {k.lower(): v for k, v in headers.items()}
    assert SLS_REQUEST_ID.match(h.get("x-log-requestid", "")), f"x-log-requestid: {h.get('x-log-requestid')!r}"
    assert h.get("server") == "nginx", f"Server: {h.get('server')!r}"
    if h.get("content-length") == "0":
        assert "content-type" not in h, f"Content-Type on an empty answer: {h.get('content-type')!r}"
    else:
        assert h.get("content-type", "").split(";")[0].strip() == "application/json", f"Content-Type: {h.get('content-type')!r}"
    assert h.get("date", "").endswith(" GMT"), f"Date: {h.get('date')!r}"
    assert h.get("connection") in ("keep-alive", "close"), f"Connection: {h.get('connection')!r}"


def assert_sls_empty_ok(reply) -> None:
    """A hand-signed request that must succeed with the empty 200 body of writes and tag calls."""
    assert reply.status == 200, f"expected 200, got {reply.status}: {reply.text[:500]}"
    assert reply.body == b"", reply.text[:300]
    assert reply.headers.get("content-length") == "0", reply.headers
    assert_sls_headers(reply.headers)


def assert_sls_json_ok(reply) -> Any:
    assert reply.status == 200, f"expected 200, got {reply.status}: {reply.text[:500]}"
    assert_sls_headers(reply.headers)
    assert reply.headers.get("content-length") == str(len(reply.body)), reply.headers
    return reply.json()


def assert_sls_error(reply, status: int, code: str, message: Optional[str] = None) -> Dict[str, Any]:
    """An SLS error: exact status, JSON {errorCode, errorMessage, requestId}, and the usual headers."""
    assert reply.status == status, f"expected {status} {code}, got {reply.status}: {reply.text[:500]}"
    assert_sls_headers(reply.headers)
    body = reply.json()
    assert isinstance(body, dict), reply.text
    assert {"errorCode", "errorMessage", "requestId"} <= set(body), f"error body lacks fields: {body}"
    assert body["errorCode"] == code, f"expected {code}, got {body}"
    assert isinstance(body["errorMessage"], str) and body["errorMessage"], body
    assert body["requestId"] == reply.headers.get("x-log-requestid"), (body, reply.headers.get("x-log-requestid"))
    if message is not None:
        assert body["errorMessage"] == message, body
    return body
