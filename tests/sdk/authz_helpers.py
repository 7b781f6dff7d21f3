"""Helpers of the authorization part of the suite (policy.md, ram.md 4.3/5/6/8/9, sls.md 5.1/7.7).

- policy documents: `doc`, `allow`, `deny` (JSON text as a user writes it);
- principals: `new_user` (a RAM user with an AccessKey, optionally with policies and groups),
  `create_policy`, `attach` / `detach`, `create_role`, `assume_role`;
- clients: `TeaApi` (any Tea RPC client, also with an STS security token), `sts_api`,
  `ram_api` / `ims_api` with a token;
- denials: `expect_denied` (RAM/IMS/STS `NoPermission` 403 with `AccessDeniedDetail`),
  `decode` (DecodeDiagnosticMessage as the root), `lc_call` / `expect_sls_denied` (SLS 401
  `Unauthorized` through aliyun-log-python-sdk, with the raw body);
- `expire_sts_credential`: moves a temporary credential's expiry into the past in the store
  (the SQLite file of a data dir, or the PostgreSQL database through psql).

Every RAM/IMS/STS call made here as a RAM user or role session goes through the official Tea
SDKs (alibabacloud-ram20150501, alibabacloud-ims20190815, alibabacloud-sts20150401); the Tea
SDK exposes the error body as `data`, where `AccessDeniedDetail` lives.
"""
from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, Optional

from helpers import (SDK_CONNECT_TIMEOUT_MS, SDK_READ_TIMEOUT_MS, SLS_REGION, Account, Api, ApiError,
                     enable_sls_proxy_env, is_postgres, psql, sls_logclient, tea_call, unique)

DENY_PREFIX = "You are not authorized to do this action. You should be authorized by RAM."
TRUST_DENY_PREFIX = "No permission perform sts:AssumeRole on this Role."
ROOT_ASSUME_MESSAGE = "Roles may not be assumed by root accounts."

ACCOUNT_POLICY = "AccountLevelIdentityBasedPolicy"
SESSION_POLICY = "SessionPolicy"
TRUST_POLICY = "AssumeRolePolicy"


# --------------------------------------------------------------------------------------------
# policy documents
# --------------------------------------------------------------------------------------------

def statement(effect: str, action: Any = None, resource: Any = "*", *, not_action: Any = None,
              not_resource: Any = None, condition: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    s: Dict[str, Any] = {"Effect": effect}
    if not_action is not None:
        s["NotAction"] = not_action
    else:
        s["Action"] = action
    if not_resource is not None:
        s["NotResource"] = not_resource
    elif resource is not None:
        s["Resource"] = resource
    if condition is not None:
        s["Condition"] = condition
    return s


def allow(action: Any = None, resource: Any = "*", **kw) -> Dict[str, Any]:
    return statement("Allow", action, resource, **kw)


def deny(action: Any = None, resource: Any = "*", **kw) -> Dict[str, Any]:
    return statement("Deny", action, resource, **kw)


def doc(*statements: Dict[str, Any]) -> str:
    return json.dumps({"Version": "1", "Statement": list(statements)})


def trust(*principals: str, condition: Optional[Dict[str, Any]] = None) -> str:
    """A trust policy letting the given RAM principals (ARNs or account ids) assume the role."""
    s: Dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": list(principals)}}
    if condition is not None:
        s["Condition"] = condition
    return json.dumps({"Version": "1", "Statement": [s]})


# --------------------------------------------------------------------------------------------
# ARNs (ram.md 9, sls.md 7.7)
# --------------------------------------------------------------------------------------------

def user_arn(account_id: str, name: str) -> str:
    """The principal ARN of a RAM user (GetCallerIdentity, trust policies, denial messages)."""
    return f"acs:ram::{account_id}:user/{name}"


def user_res(account_id: str, name: str) -> str:
    """The resource a RAM/IMS user action is authorized on."""
    return f"acs:ram:*:{account_id}:user/{name}"


def group_res(account_id: str, name: str) -> str:
    return f"acs:ram:*:{account_id}:group/{name}"


def role_res(account_id: str, name: str) -> str:
    return f"acs:ram:*:{account_id}:role/{name}"


def role_arn(account_id: str, name: str) -> str:
    """The role ARN of GetRole and AssumeRole."""
    return f"acs:ram::{account_id}:role/{name}"


def policy_res(account_id: str, name: str) -> str:
    return f"acs:ram:*:{account_id}:policy/{name}"


def system_policy_res(name: str) -> str:
    return f"acs:ram:*:system:policy/{name}"


def root_arn(account_id: str) -> str:
    return f"acs:ram::{account_id}:root"


def log_res(account_id: str, project: str = None, kind: str = None, name: str = None,
            region: str = SLS_REGION) -> str:
    """`acs:log:<region>:<acct>:project/<p>[/<kind>/<name>]` (sls.md 7.7)."""
    arn = f"acs:log:{region}:{account_id}:project/{project if project is not None else '*'}"
    if kind:
        arn += f"/{kind}/{name}"
    return arn


# --------------------------------------------------------------------------------------------
# clients
# --------------------------------------------------------------------------------------------

def tea_config(port: int, ak: str, secret: str, token: Optional[str] = None, v1: bool = False):
    from alibabacloud_tea_openapi.models import Config

    cfg = Config(access_key_id=ak, access_key_secret=secret, endpoint=f"127.0.0.1:{port}", protocol="http",
                 read_timeout=SDK_READ_TIMEOUT_MS, connect_timeout=SDK_CONNECT_TIMEOUT_MS)
    if token is not None:
        cfg.security_token = token
    if v1:
        cfg.signature_algorithm = "v2"
    return cfg


class TeaApi:
    """`call(action, **wire_params)` on any Tea RPC client (RAM, IMS, STS), optionally with an STS
    token; raises helpers.ApiError whose `data` is the whole error body."""

    def __init__(self, product: str, port: int, ak: str, secret: str, token: Optional[str] = None, v1: bool = False):
        if product == "ram":
            from alibabacloud_ram20150501 import models
            from alibabacloud_ram20150501.client import Client
        elif product == "ims":
            from alibabacloud_ims20190815 import models
            from alibabacloud_ims20190815.client import Client
        elif product == "sts":
            from alibabacloud_sts20150401 import models
            from alibabacloud_sts20150401.client import Client
        else:
            raise ValueError(product)
        self.product, self.models = product, models
        self.client = Client(tea_config(port, ak, secret, token=token, v1=v1))

    def call(self, action: str, **params: Any) -> dict:
        return tea_call(self.client, action, {k: v for k, v in params.items() if v is not None}, self.models)

    def __repr__(self) -> str:
        return f"TeaApi({self.product})"


def sts_api(port: int, ak: str, secret: str, token: Optional[str] = None, v1: bool = False) -> TeaApi:
    return TeaApi("sts", port, ak, secret, token=token, v1=v1)


# --------------------------------------------------------------------------------------------
# principals
# --------------------------------------------------------------------------------------------

@dataclass
class RamUser:
    account: Account
    name: str
    user_id: str
    ak: str
    secret: str

    @property
    def arn(self) -> str:
        return user_arn(self.account.account_id, self.name)

    @property
    def res(self) -> str:
        return user_res(self.account.account_id, self.name)

    def ram(self, flavour: str = "tea_v3") -> Api:
        return self.account.api(flavour, "ram", ak=self.ak, secret=self.secret)

    def ims(self, flavour: str = "tea_v3") -> Api:
        return self.account.api(flavour, "ims", ak=self.ak, secret=self.secret)

    def sts(self, v1: bool = False) -> TeaApi:
        return sts_api(self.account.port, self.ak, self.secret, v1=v1)


def create_policy(account: Account, document: str, name: Optional[str] = None, description: Optional[str] = None) -> str:
    name = name or unique("pol")
    account.api().call("CreatePolicy", PolicyName=name, PolicyDocument=document, Description=description)
    return name


def attach(account: Account, kind: str, entity: str, policy: str, ptype: str = "Custom") -> None:
    """kind: User / Group / Role."""
    account.api().call(f"AttachPolicyTo{kind}", PolicyType=ptype, PolicyName=policy, **{f"{kind}Name": entity})


def detach(account: Account, kind: str, entity: str, policy: str, ptype: str = "Custom") -> None:
    account.api().call(f"DetachPolicyFrom{kind}", PolicyType=ptype, PolicyName=policy, **{f"{kind}Name": entity})


def new_user(account: Account, name: Optional[str] = None, *, documents: Iterable[str] = (),
             system: Iterable[str] = (), groups: Iterable[str] = ()) -> RamUser:
    """A RAM user with one AccessKey, made by the root. `documents` become custom policies attached
    to the user; `system` are system policy names; `groups` existing group names to join."""
    root = account.api()
    name = name or unique("u")
    uid = root.call("CreateUser", UserName=name)["User"]["UserId"]
    key = root.call("CreateAccessKey", UserName=name)["AccessKey"]
    for d in documents:
        attach(account, "User", name, create_policy(account, d))
    for s in system:
        attach(account, "User", name, s, "System")
    for g in groups:
        root.call("AddUserToGroup", GroupName=g, UserName=name)
    return RamUser(account, name, uid, key["AccessKeyId"], key["AccessKeySecret"])


def create_role(account: Account, trust_doc: str, name: Optional[str] = None, *, max_session: Optional[int] = None,
                system: Iterable[str] = (), documents: Iterable[str] = ()) -> Dict[str, Any]:
    name = name or unique("role")
    role = account.api().call("CreateRole", RoleName=name, AssumeRolePolicyDocument=trust_doc,
                              MaxSessionDuration=max_session)["Role"]
    for s in system:
        attach(account, "Role", name, s, "System")
    for d in documents:
        attach(account, "Role", name, create_policy(account, d))
    return role


@dataclass
class Session:
    """Temporary credentials of a role session (AssumeRole answer)."""

    port: int
    ak: str
    secret: str
    token: str
    body: Dict[str, Any] = field(default_factory=dict)

    def ram(self, v1: bool = False, token: Optional[str] = "same") -> TeaApi:
        return TeaApi("ram", self.port, self.ak, self.secret, token=self.token if token == "same" else token, v1=v1)

    def ims(self, v1: bool = False) -> TeaApi:
        return TeaApi("ims", self.port, self.ak, self.secret, token=self.token, v1=v1)

    def sts(self, v1: bool = False, token: Optional[str] = "same") -> TeaApi:
        return sts_api(self.port, self.ak, self.secret, token=self.token if token == "same" else token, v1=v1)


def assume_role(caller: RamUser, arn: str, session: str = "sess", **params: Any) -> Session:
    body = caller.sts().call("AssumeRole", RoleArn=arn, RoleSessionName=session, **params)
    c = body["Credentials"]
    return Session(caller.account.port, c["AccessKeyId"], c["AccessKeySecret"], c["SecurityToken"], body)


# --------------------------------------------------------------------------------------------
# denials (ram.md 4.3, 5.2; policy.md 5.2)
# --------------------------------------------------------------------------------------------

def expect_denied(fn: Callable[[], Any], *, action: str, resource: str, principal_arn: str, account_id: str,
                  display_name: str, principal_type: str = "SubUser", explicit: bool = False,
                  policy_type: str = ACCOUNT_POLICY, matched: Optional[str] = None,
                  message_prefix: str = DENY_PREFIX) -> ApiError:
    """`fn` must be refused with 403 NoPermission; checks the message and AccessDeniedDetail.

    `matched`, for an explicit deny, is the expected explanation fragment
    "statement N of the <Custom|System|SessionPolicy> policy <name> (<version>)".
    """
    try:
        result = fn()
    except ApiError as e:
        err = e
    else:
        raise AssertionError(f"expected NoPermission for {action} on {resource}, got success: {result!r}")
    assert (err.status, err.code) == (403, "NoPermission"), \
        f"expected 403 NoPermission for {action}, got {err.status} {err.code}: {err.message}"
    msg = err.message or ""
    assert msg.startswith(message_prefix), f"message does not start with {message_prefix!r}: {msg!r}"
    if message_prefix == DENY_PREFIX:
        assert action in msg, f"message does not name the action {action}: {msg!r}"
        assert resource in msg, f"message does not name the resource {resource}: {msg!r}"
        assert principal_arn in msg, f"message does not name the principal {principal_arn}: {msg!r}"
        if explicit:
            assert "explicitly denied" in msg, msg
            if matched:
                assert f"explicitly denied by {matched}" in msg, f"expected 'explicitly denied by {matched}' in {msg!r}"
        else:
            assert "implicitly denied" in msg and "explicitly" not in msg, msg
    detail = (err.data or {}).get("AccessDeniedDetail")
    assert isinstance(detail, dict), f"no AccessDeniedDetail in the error body: {err.data}"
    expected = {
        "PolicyType": policy_type,
        "AuthPrincipalOwnerId": account_id,
        "AuthPrincipalType": principal_type,
        "AuthPrincipalDisplayName": display_name,
        "NoPermissionType": "ExplicitDeny" if explicit else "ImplicitDeny",
        "AuthAction": action,
    }
    got = {k: detail.get(k) for k in expected}
    assert got == expected, f"AccessDeniedDetail {detail} != expected {expected}"
    enc = detail.get("EncodedDiagnosticMessage")
    assert isinstance(enc, str) and len(enc) > 8, f"EncodedDiagnosticMessage: {enc!r}"
    return err


def decode(account: Account, encoded: str) -> Dict[str, Any]:
    """DecodeDiagnosticMessage as the account root -> DecodedDiagnosticMessage."""
    body = account.api().call("DecodeDiagnosticMessage", EncodedDiagnosticMessage=encoded)
    d = body.get("DecodedDiagnosticMessage")
    assert isinstance(d, dict), body
    return d


def user_denied(user: RamUser, fn: Callable[[], Any], action: str, resource: str, **kw) -> ApiError:
    """expect_denied for a RAM user caller."""
    return expect_denied(fn, action=action, resource=resource, principal_arn=user.arn,
                         account_id=user.account.account_id, display_name=user.user_id, **kw)


# --------------------------------------------------------------------------------------------
# SLS (aliyun-log-python-sdk through the HTTP_PROXY recipe, sls.md 8.1 option C)
# --------------------------------------------------------------------------------------------

class SlsFailure(Exception):
    def __init__(self, status, code, message, body):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.body = status, code, message, body


def log_client(monkeypatch, port: int, ak: str, secret: str, token: Optional[str] = None, v4: bool = False):
    enable_sls_proxy_env(monkeypatch, port)
    return sls_logclient(f"127.0.0.1:{port}", ak, secret, v4=v4, token=token)


def lc_call(fn: Callable[[], Any]) -> Any:
    """Runs a LogClient call; an error answer becomes SlsFailure with the parsed body."""
    from aliyun.log.logexception import LogException

    try:
        return fn()
    except LogException as e:
        if e.get_error_code() == "LogRequestError" and not e.get_request_id():
            raise
        try:
            body = json.loads(e.get_resp_body()) if e.get_resp_body() else {}
        except (TypeError, ValueError):
            body = {"raw": e.get_resp_body()}
        raise SlsFailure(e.get_resp_status(), e.get_error_code(), e.get_error_message(), body) from None


def expect_sls_failure(fn: Callable[[], Any], status: int, code: str) -> SlsFailure:
    try:
        result = lc_call(fn)
    except SlsFailure as e:
        err = e
    else:
        raise AssertionError(f"expected {status} {code}, got success: {result!r}")
    assert (err.status, err.code) == (status, code), f"expected {status} {code}, got {err.status} {err.code}: {err.message}"
    return err


def expect_sls_denied(fn: Callable[[], Any], action: str, resource: str, *, explicit: bool = False) -> SlsFailure:
    """SLS denial (sls.md 5.1): 401 Unauthorized, `denied by sts or ram, action: <a>, resource: <arn>`,
    and an `accessDeniedDetail` object in the body."""
    err = expect_sls_failure(fn, 401, "Unauthorized")
    prefix = f"denied by sts or ram, action: {action}, resource: {resource}"
    assert err.message.startswith(prefix), f"expected a message starting {prefix!r}, got {err.message!r}"
    rest = err.message[len(prefix):]
    assert not rest or not (rest[0].isalnum() or rest[0] in "/-_*"), \
        f"the resource in the message continues past {resource!r}: {err.message!r}"
    detail = err.body.get("accessDeniedDetail")
    assert isinstance(detail, dict), f"no accessDeniedDetail in {err.body}"
    assert detail.get("AuthAction") == action, detail
    assert detail.get("NoPermissionType") == ("ExplicitDeny" if explicit else "ImplicitDeny"), detail
    return err


# --------------------------------------------------------------------------------------------
# expiry of temporary credentials without waiting (white box: the store layout)
# --------------------------------------------------------------------------------------------

def _new_generation(old: Optional[bytes]) -> bytes:
    """A fresh identity generation token (decimal u64 text), different from `old`."""
    import secrets

    while True:
        token = str(secrets.randbits(63)).encode()
        if token != (bytes(old) if old is not None else None):
            return token


def expire_sts_credential(store: str, access_key_id: str, seconds_ago: int = 60, table: str = "sts_credential") -> bool:
    """Moves the expiry of a temporary credential `seconds_ago` into the past, directly in the
    server's store (key-value table, tbl `table`: 'sts_credential', or 'access_key' for a session
    AccessKey; JSON field `expires_ms`), and gives
    the account's identity generation a new random value in the same transaction, as every
    writer of identities must (the server caches credentials until that generation changes).
    `store` is a data dir (SQLite file localyun.db, table kv) or a postgres:// URL (table
    localyun_kv, edited through psql). Returns False when the record cannot be found in that
    layout (then the caller skips)."""
    import time

    expires_ms = int(time.time() * 1000) - seconds_ago * 1000
    if is_postgres(store):
        return _expire_sts_credential_postgres(store, access_key_id, expires_ms, table)
    path = os.path.join(store, "localyun.db")
    if not os.path.exists(path):
        return False
    conn = sqlite3.connect(path, timeout=10)
    try:
        row = conn.execute("SELECT v FROM kv WHERE tbl = ? AND k = ?", (table, access_key_id)).fetchone()
        if row is None:
            return False
        rec = json.loads(row[0])
        if "expires_ms" not in rec:
            return False
        rec["expires_ms"] = expires_ms
        account = rec["account_id"]
        with conn:
            conn.execute("UPDATE kv SET v = ? WHERE tbl = ? AND k = ?",
                         (json.dumps(rec).encode(), table, access_key_id))
            gen = conn.execute("SELECT v FROM kv WHERE tbl = 'identity_generation' AND k = ?", (account,)).fetchone()
            conn.execute("INSERT OR REPLACE INTO kv (tbl, k, v) VALUES ('identity_generation', ?, ?)",
                         (account, _new_generation(gen[0] if gen else None)))
        return True
    except sqlite3.Error:
        return False
    finally:
        conn.close()


# One transaction: the credential's expiry and its account's new generation, or nothing.
# Prints the account id when the record was found and changed.
_PG_EXPIRE = """
BEGIN;
CREATE TEMP TABLE expired ON COMMIT DROP AS
  WITH upd AS (
    UPDATE localyun_kv
       SET v = convert_to(jsonb_set(convert_from(v, 'UTF8')::jsonb, '{expires_ms}',
                                    to_jsonb(:'expires_ms'::bigint))::text, 'UTF8')
     WHERE tbl = :'tbl' AND k = :'ak'
       AND convert_from(v, 'UTF8')::jsonb ? 'expires_ms'
       AND convert_from(v, 'UTF8')::jsonb ? 'account_id'
    RETURNING convert_from(v, 'UTF8')::jsonb ->> 'account_id' AS account)
  SELECT account FROM upd;
INSERT INTO localyun_kv (tbl, k, v)
  SELECT 'identity_generation', account, convert_to(:'generation', 'UTF8') FROM expired
  ON CONFLICT (tbl, k) DO UPDATE SET v = EXCLUDED.v;
SELECT account FROM expired;
COMMIT;
"""


def _expire_sts_credential_postgres(url: str, access_key_id: str, expires_ms: int, table: str) -> bool:
    # A random 63-bit token equals the current one with probability 2^-63.
    res = psql(url, _PG_EXPIRE, {"ak": access_key_id, "tbl": table, "expires_ms": str(expires_ms),
                                 "generation": _new_generation(None).decode()})
    if res.returncode != 0:
        return False
    return bool(res.stdout.strip())
