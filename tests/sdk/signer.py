"""A small hand-signing client for negative tests: RPC (ram.md 3.1-3.3) and, at the end, SLS
(`SlsSigner`, sls.md 3: v1 HMAC-SHA1/SHA256 and v4).

V1 = HMAC-SHA1 with SignatureVersion 1.0 (parameters in the query, or everything in a form body),
V3 = ACS3-HMAC-SHA256 (Authorization header). Every knob exists to break one thing on purpose:
wrong secret, a parameter changed after signing, an old/future/garbage timestamp, a chosen
(reused) nonce, parameters left out, Format=XML, raw query suffixes and custom bodies.
Requests go through http.client so that the URL is sent byte for byte as built here.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import http.client
import json
import select
import socket
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union
from urllib.parse import quote

Params = Union[Dict[str, Any], Sequence[Tuple[str, Any]]]
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def pct(s: str) -> str:
    """RFC 3986 encoding of the UTF-8 bytes, upper-case hex, `-_.~` kept (ram.md 3.1)."""
    return quote(s, safe="-_.~", encoding="utf-8")


def utc_stamp(offset_seconds: float = 0) -> str:
    t = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=offset_seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def new_nonce() -> str:
    return uuid.uuid4().hex


def _pairs(params: Optional[Params]) -> List[Tuple[str, str]]:
    if not params:
        return []
    items = params.items() if isinstance(params, dict) else params
    return [(str(k), _text(v)) for k, v in items if v is not None]


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def encode_pairs(pairs: Iterable[Tuple[str, str]]) -> str:
    return "&".join(f"{pct(k)}={pct(v)}" for k, v in pairs)


def v1_string_to_sign(method: str, pairs: Iterable[Tuple[str, str]]) -> str:
    items = sorted((k, v) for k, v in pairs if k != "Signature")
    canonical = encode_pairs(items)
    return f"{method.upper()}&{pct('/')}&{pct(canonical)}"


def v1_signature(string_to_sign: str, secret: str) -> str:
    mac = hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


def v3_canonical_request(method: str, path: str, query: Iterable[Tuple[str, str]], headers: Dict[str, str],
                         signed: Sequence[str], payload_hash: str) -> str:
    cq = encode_pairs(sorted(query))
    ch = "".join(f"{n}:{headers[n].strip()}\n" for n in signed)
    return "\n".join([method.upper(), path, cq, ch, ";".join(signed), payload_hash])


def v3_string_to_sign(canonical_request: str) -> str:
    return "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical_request.encode()).hexdigest()


def v3_signature(string_to_sign: str, secret: str) -> str:
    return hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


@dataclass
class Reply:
    status: int
    headers: Dict[str, str]
    body: bytes
    string_to_sign: str = ""
    url: str = ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)

    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def send(port: int, method: str, path: str, headers: Dict[str, str], body: bytes = b"",
         timeout: float = 15.0) -> Reply:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        hdrs = {"Host": f"127.0.0.1:{port}", **headers}
        if body or method.upper() == "POST":
            hdrs.setdefault("Content-Length", str(len(body)))
        for k, v in hdrs.items():
            conn.putheader(k, v)
        conn.endheaders(body if body else None)
        resp = conn.getresponse()
        data = resp.read()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data, url=path)
    finally:
        conn.close()


def send_large(port: int, method: str, path: str, headers: Dict[str, str], body_size: int,
               timeout: float = 30.0) -> Optional[int]:
    """Sends a request with a big body over a raw socket and returns the response status.

    The server may answer (e.g. 413) before reading the body and then close the connection,
    so the socket is polled for an early answer before and while the body is written.
    Returns None only if the connection ended without any HTTP status line.
    """
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.settimeout(timeout)
    received = b""
    try:
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {body_size}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "Connection: close\r\n\r\n"
        sock.sendall(head.encode())
        chunk = b"a=" + b"b" * (64 * 1024 - 2)
        sent = 0
        try:
            while sent < body_size:
                r, _, _ = select.select([sock], [], [], 0)
                if r:
                    break  # the server already answered
                part = chunk[: min(len(chunk), body_size - sent)]
                sock.sendall(part)
                sent += len(part)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            while b"\r\n" not in received:
                data = sock.recv(65536)
                if not data:
                    break
                received += data
        except (ConnectionResetError, socket.timeout):
            pass
    finally:
        sock.close()
    if not received.startswith(b"HTTP/1."):
        return None
    return int(received.split(b" ", 2)[1])


class Signer:
    def __init__(self, port: int, ak: str, secret: str):
        self.port, self.ak, self.secret = port, ak, secret

    # ---------------------------------------------------------------------------- V1 (HMAC-SHA1)
    def v1(self, action: Optional[str], params: Optional[Params] = None, *, version: Optional[str] = "2015-05-01",
           method: str = "POST", secret: Optional[str] = None, access_key_id: Optional[str] = None,
           timestamp: Optional[str] = None, nonce: Optional[str] = None, fmt: Optional[str] = "JSON",
           omit: Sequence[str] = (), tamper: Optional[Dict[str, str]] = None, raw_suffix: str = "",
           in_body: bool = False, body: Optional[bytes] = None, content_type: Optional[str] = None,
           timeout: float = 15.0) -> Reply:
        """Signs and sends one V1 request.

        omit: common parameters left out before signing (signature stays valid for the rest);
        "Signature" in omit sends no signature at all.
        tamper: parameters replaced/added after signing. raw_suffix: raw text appended to the
        query after signing (e.g. "&Comments=%zz"). in_body: everything in a form body (pop-core
        POST style). body/content_type: a custom body sent as is.
        """
        common = {
            "Action": action,
            "Version": version,
            "Format": fmt,
            "AccessKeyId": access_key_id or self.ak,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0",
            "SignatureNonce": nonce or new_nonce(),
            "Timestamp": timestamp or utc_stamp(),
        }
        pairs = [(k, v) for k, v in common.items() if v is not None and k not in omit]
        pairs += _pairs(params)
        sts = v1_string_to_sign(method, pairs)
        if "Signature" not in omit:
            pairs.append(("Signature", v1_signature(sts, secret if secret is not None else self.secret)))
        if tamper:
            for k, v in tamper.items():
                pairs = [(a, b) for a, b in pairs if a != k] + [(k, v)]
        encoded = encode_pairs(pairs) + raw_suffix
        headers: Dict[str, str] = {}
        if in_body:
            path, payload = "/", encoded.encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            path, payload = "/?" + encoded, b""
        if body is not None:
            payload = body
        if content_type:
            headers["Content-Type"] = content_type
        reply = send(self.port, method, path, headers, payload, timeout=timeout)
        reply.string_to_sign = sts
        return reply

    # ---------------------------------------------------------------------------- V3 (ACS3)
    def v3(self, action: Optional[str], query: Optional[Params] = None, *, version: Optional[str] = "2015-05-01",
           method: str = "POST", secret: Optional[str] = None, access_key_id: Optional[str] = None,
           date: Optional[str] = None, nonce: Optional[str] = None, body: bytes = b"",
           content_type: Optional[str] = None, tamper_query: Optional[Dict[str, str]] = None,
           tamper_headers: Optional[Dict[str, str]] = None, payload_hash: Optional[str] = None,
           timeout: float = 15.0) -> Reply:
        headers = {
            "host": f"127.0.0.1:{self.port}",
            "x-acs-action": action,
            "x-acs-version": version,
            "x-acs-date": date or utc_stamp(),
            "x-acs-signature-nonce": nonce or new_nonce(),
            "x-acs-content-sha256": payload_hash or hashlib.sha256(body).hexdigest(),
        }
        if content_type:
            headers["content-type"] = content_type
        headers = {k: v for k, v in headers.items() if v is not None}
        signed = sorted(headers)
        pairs = _pairs(query)
        creq = v3_canonical_request(method, "/", pairs, headers, signed, headers["x-acs-content-sha256"])
        sts = v3_string_to_sign(creq)
        sig = v3_signature(sts, secret if secret is not None else self.secret)
        headers["Authorization"] = (f"ACS3-HMAC-SHA256 Credential={access_key_id or self.ak},"
                                    f"SignedHeaders={';'.join(signed)},Signature={sig}")
        if tamper_query:
            for k, v in tamper_query.items():
                pairs = [(a, b) for a, b in pairs if a != k] + [(k, v)]
        if tamper_headers:
            headers.update(tamper_headers)
        path = "/" + ("?" + encode_pairs(pairs) if pairs else "")
        headers.pop("host")
        reply = send(self.port, method, path, headers, body, timeout=timeout)
        reply.string_to_sign = sts
        return reply


# ================================================================================================
# SLS (sls.md section 3): "v1" = `LOG ak:sig` (HMAC-SHA1 or HMAC-SHA256, chosen by
# x-log-signaturemethod), "v4" = SLS4-HMAC-SHA256 with a date/region scoped key.
# ================================================================================================

SLS_V4_ALGORITHM = "SLS4-HMAC-SHA256"
SLS_DEFAULT_REGION = "cn-hangzhou"


def _lower(headers: Dict[str, str]) -> Dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def sls_rfc1123(t: Optional[dt.datetime] = None, offset_seconds: float = 0) -> str:
    t = (t or dt.datetime.now(dt.timezone.utc)) + dt.timedelta(seconds=offset_seconds)
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{days[t.weekday()]}, {t.day:02d} {months[t.month - 1]} {t.year} {t:%H:%M:%S} GMT"


def sls_v4_date(t: Optional[dt.datetime] = None, offset_seconds: float = 0) -> str:
    t = (t or dt.datetime.now(dt.timezone.utc)) + dt.timedelta(seconds=offset_seconds)
    return t.strftime("%Y%m%dT%H%M%SZ")


def sls_md5_upper(body: bytes) -> str:
    return hashlib.md5(body).hexdigest().upper()


def sls_v1_canonical_headers(headers: Dict[str, str]) -> str:
    """x-log-* and x-acs-* headers except x-log-date and x-log-meta-*, lower-cased and sorted."""
    h = _lower(headers)
    names = sorted(n for n in h if (n.startswith("x-log-") or n.startswith("x-acs-"))
                   and n != "x-log-date" and not n.startswith("x-log-meta-"))
    return "".join(f"{n}:{h[n].strip()}\n" for n in names)


def sls_v1_canonical_resource(path: str, query: Iterable[Tuple[str, str]]) -> str:
    pairs = sorted(query, key=lambda kv: kv[0])
    if not pairs:
        return path
    return path + "?" + "&".join(f"{k}={v}" for k, v in pairs)


def sls_v1_string_to_sign(method: str, path: str, query: Iterable[Tuple[str, str]], headers: Dict[str, str]) -> str:
    h = _lower(headers)
    return "\n".join([method.upper(), h.get("content-md5", ""), h.get("content-type", ""),
                      h.get("date", h.get("x-log-date", ""))]) + "\n" \
        + sls_v1_canonical_headers(headers) + sls_v1_canonical_resource(path, list(query))


def sls_v1_signature(string_to_sign: str, secret: str, hash_name: str = "sha1") -> str:
    algo = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}[hash_name]
    return base64.b64encode(hmac.new(secret.encode(), string_to_sign.encode(), algo).digest()).decode()


def sls_v4_canonical_query(query: Iterable[Tuple[str, str]]) -> str:
    out = []
    for k, v in sorted(query, key=lambda kv: kv[0]):
        out.append(f"{k}={pct(v)}" if v != "" else k)
    return "&".join(out)


def sls_v4_signed_header_names(headers: Dict[str, str]) -> List[str]:
    h = _lower(headers)
    return sorted(n for n in h if n in ("host", "content-type")
                  or ((n.startswith("x-log-") or n.startswith("x-acs-")) and not n.startswith("x-log-meta-")))


def sls_v4_canonical_request(method: str, path: str, query: Iterable[Tuple[str, str]], headers: Dict[str, str]) -> str:
    h = _lower(headers)
    names = sls_v4_signed_header_names(headers)
    block = "".join(f"{n}:{h[n].strip()}\n" for n in names)
    return "\n".join([method.upper(), path, sls_v4_canonical_query(list(query)), block, ";".join(names),
                      h["x-log-content-sha256"]])


def sls_v4_string_to_sign(x_log_date: str, scope_date: str, region: str, canonical_request: str) -> str:
    return "\n".join([SLS_V4_ALGORITHM, x_log_date, f"{scope_date}/{region}/sls/aliyun_v4_request",
                      hashlib.sha256(canonical_request.encode()).hexdigest()])


def sls_v4_signature(secret: str, scope_date: str, region: str, string_to_sign: str) -> str:
    def mac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    k = mac(("aliyun_v4" + secret).encode(), scope_date)
    for part in (region, "sls", "aliyun_v4_request"):
        k = mac(k, part)
    return hmac.new(k, string_to_sign.encode(), hashlib.sha256).hexdigest()


def send_raw(port: int, method: str, target: str, headers: Dict[str, str], body: bytes = b"",
             timeout: float = 15.0) -> Reply:
    """Sends exactly these headers (no Host added) to 127.0.0.1:port; `target` may be absolute-form."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        hdrs = dict(headers)
        if not any(k.lower() == "content-length" for k in hdrs):
            hdrs["Content-Length"] = str(len(body))
        for k, v in hdrs.items():
            conn.putheader(k, v)
        conn.endheaders(body if body else None)
        resp = conn.getresponse()
        data = resp.read()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data, url=target)
    finally:
        conn.close()


_UNSET = object()


class SlsSigner:
    """Hand-signed SLS requests with a knob for every way of breaking one on purpose.

    request(method, path, project=..., query=..., body=...) builds the headers the SDKs send
    (sls.md section 2), signs them (v1 with sha1/sha256, or v4), then applies the tampering knobs
    and sends the request byte for byte. The Host is `<project>.127.0.0.1` (LogClient style, no
    port) unless `host` is given; `absolute=True` sends an absolute-form target like a proxy client.
    """

    def __init__(self, port: int, ak: str, secret: str, region: str = SLS_DEFAULT_REGION):
        self.port, self.ak, self.secret, self.region = port, ak, secret, region

    def request(self, method: str, path: str = "/", *, project: Optional[str] = None, host: Optional[str] = None,
                query: Optional[Params] = None, body: Any = None, version: str = "v1", hash_name: str = "sha1",
                signature_method: Any = _UNSET, secret: Optional[str] = None, access_key_id: Optional[str] = None,
                region: Optional[str] = None, date: Optional[str] = None, date_offset: float = 0,
                scope_date: Optional[str] = None, token: Optional[str] = None,
                content_type: Any = _UNSET, content_md5: Any = _UNSET, content_sha256: Optional[str] = None,
                extra_headers: Optional[Dict[str, str]] = None, tamper_headers: Optional[Dict[str, Optional[str]]] = None,
                tamper_body: Optional[bytes] = None, tamper_query: Optional[Params] = None,
                tamper_authorization: Optional[Callable[[str], str]] = None,
                authorization: Any = _UNSET, absolute: bool = False, timeout: float = 15.0) -> Reply:
        if body is None:
            payload = b""
        elif isinstance(body, bytes):
            payload = body
        elif isinstance(body, str):
            payload = body.encode()
        else:
            payload = json.dumps(body).encode()
        host = host or (f"{project}.127.0.0.1" if project else "127.0.0.1")
        headers: Dict[str, str] = {"Host": host, "x-log-apiversion": "0.6.0",
                                   "x-log-bodyrawsize": str(len(payload))}
        if content_type is _UNSET:
            content_type = "application/json" if payload else None
        if content_type is not None:
            headers["Content-Type"] = content_type
        if token is not None:
            headers["x-acs-security-token"] = token
        if extra_headers:
            headers.update(extra_headers)
        pairs = _pairs(query)
        ak = access_key_id or self.ak
        key = secret if secret is not None else self.secret
        if version == "v1":
            if content_md5 is _UNSET:
                content_md5 = sls_md5_upper(payload) if payload else None
            if content_md5 is not None:
                headers["Content-MD5"] = content_md5
            if signature_method is _UNSET:
                signature_method = "hmac-" + hash_name
            if signature_method is not None:
                headers["x-log-signaturemethod"] = signature_method
            headers["Date"] = date or sls_rfc1123(offset_seconds=date_offset)
            sts = sls_v1_string_to_sign(method, path, pairs, headers)
            auth = f"LOG {ak}:{sls_v1_signature(sts, key, hash_name)}"
        elif version == "v4":
            headers["x-log-date"] = date or sls_v4_date(offset_seconds=date_offset)
            headers["x-log-content-sha256"] = content_sha256 or hashlib.sha256(payload).hexdigest()
            scope = scope_date or headers["x-log-date"][:8]
            reg = self.region if region is None else region
            creq = sls_v4_canonical_request(method, path, pairs, headers)
            sts = sls_v4_string_to_sign(headers["x-log-date"], scope, reg, creq)
            auth = (f"{SLS_V4_ALGORITHM} Credential={ak}/{scope}/{reg}/sls/aliyun_v4_request,"
                    f"Signature={sls_v4_signature(key, scope, reg, sts)}")
        else:
            raise ValueError(version)
        if tamper_authorization is not None:
            auth = tamper_authorization(auth)
        if authorization is not _UNSET:
            auth = authorization
        if auth is not None:
            headers["Authorization"] = auth
        if tamper_headers:
            for k, v in tamper_headers.items():
                for existing in [e for e in headers if e.lower() == k.lower()]:
                    del headers[existing]
                if v is not None:
                    headers[k] = v
        if tamper_body is not None:
            payload = tamper_body
        if tamper_query is not None:
            pairs = _pairs(tamper_query)
        target = path
        if pairs:
            target += "?" + encode_pairs(pairs)
        if absolute:
            target = f"http://{host}{target}" if ":" in host else f"http://{host}:{self.port}{target}"
        reply = send_raw(self.port, method, target, headers, payload, timeout=timeout)
        reply.string_to_sign = sts
        return reply
