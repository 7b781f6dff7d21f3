"""A small hand-signing RPC client for negative tests (ram.md 3.1-3.3).

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
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union
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
