"""A local OIDC identity provider for the federation tests: an HTTP server on 127.0.0.1 that
publishes its discovery document and JWKS (RSA keys made by `cryptography`), and signs ID
tokens (RS256 JWTs) as a real issuer does."""
from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int(n: int) -> str:
    return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))


class Issuer:
    def __init__(self) -> None:
        self.keys: Dict[str, Any] = {}
        self.published: List[str] = []
        self.fetches = 0
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": issuer.url, "jwks_uri": f"{issuer.url}/jwks", "id_token_signing_alg_values_supported": ["RS256"]}
                elif self.path == "/jwks":
                    issuer.fetches += 1
                    body = {"keys": [issuer.jwk(kid) for kid in issuer.published]}
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add_key(self, kid: str, publish: bool = True) -> None:
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if publish:
            self.published.append(kid)

    def jwk(self, kid: str) -> Dict[str, str]:
        pub = self.keys[kid].public_key().public_numbers()
        return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": _int(pub.n), "e": _int(pub.e)}

    def token(self, kid: str, *, sub: str = "repo:acme/app:ref:refs/heads/main", aud: Any = "localyun-client",
              iss: Optional[str] = None, exp_in: int = 600, iat_ago: Optional[int] = 0, alg: str = "RS256",
              sign_with: Optional[str] = None) -> str:
        now = int(time.time())
        header = {"alg": alg, "kid": kid, "typ": "JWT"}
        claims = {"iss": iss or self.url, "sub": sub, "aud": aud, "exp": now + exp_in}
        if iat_ago is not None:  # None: a token without `iat`
            claims["iat"] = now - iat_ago
        signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}".encode()
        signature = self.keys[sign_with or kid].sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input.decode()}.{b64url(signature)}"

    def close(self) -> None:
        self.server.shutdown()
