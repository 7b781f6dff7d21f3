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
    """The test process environment without any LOCALYUN_* credential variable, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
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


@dataclass
class ServerHandle:
    proc: subprocess.Popen
    port: int
    data_dir: Optional[str]
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
    data_dir: Optional[str],
    log_dir: Path,
    *,
    in_memory: bool = False,
    creds: Optional[Dict[str, str]] = None,
    use_env_creds: bool = True,
    port: Optional[int] = None,
    extra_args: Optional[List[str]] = None,
    wait: float = HEALTH_TIMEOUT,
) -> ServerHandle:
    """Starts `localyun serve` on 127.0.0.1 and waits until health answers (at most `wait` s).

    `creds` = {"account_id", "ak", "secret"} are passed through the LOCALYUN_* variables; when
    `use_env_creds` is False no credential variable is set and the documented defaults apply.
    """
    port = port or free_port()
    args = [binary(), "serve", "--listen", f"127.0.0.1:{port}"]
    if in_memory:
        args.append("--in-memory")
    else:
        assert data_dir, "a data dir is required unless in_memory"
        args += ["--data-dir", str(data_dir)]
    args += extra_args or []
    if use_env_creds:
        creds = creds or {"account_id": random_account_id(), "ak": "LTAI5t" + random_alnum(18),
                          "secret": random_alnum(30)}
        env = clean_env(LOCALYUN_ACCOUNT_ID=creds["account_id"], LOCALYUN_ACCESS_KEY_ID=creds["ak"],
                        LOCALYUN_ACCESS_KEY_SECRET=creds["secret"])
    else:
        creds = {"account_id": DEFAULT_ACCOUNT_ID, "ak": DEFAULT_AK, "secret": DEFAULT_SECRET}
        env = clean_env()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"localyun-{port}.log"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, stdin=subprocess.DEVNULL)
    handle = ServerHandle(proc, port, str(data_dir) if data_dir else None, creds["ak"], creds["secret"],
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


def run_cli(args: List[str], timeout: float = 20.0) -> subprocess.CompletedProcess:
    return subprocess.run([binary()] + args, capture_output=True, text=True, timeout=timeout,
                          env=clean_env(), stdin=subprocess.DEVNULL)


def create_account(data_dir: str, port: int) -> Account:
    """`localyun account create --data-dir DIR`: exactly one JSON object on stdout."""
    res = run_cli(["account", "create", "--data-dir", str(data_dir)])
    assert res.returncode == 0, f"account create failed ({res.returncode}): {res.stderr}"
    obj = json.loads(res.stdout)
    assert isinstance(obj, dict), res.stdout
    return Account(port, obj["AccountId"], obj["AccessKeyId"], obj["AccessKeySecret"])


def list_accounts(data_dir: str) -> List[Dict[str, Any]]:
    res = run_cli(["account", "list", "--data-dir", str(data_dir)])
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
    return re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()


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
