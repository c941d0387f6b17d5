"""An ActivityPub server that verifies ONE HTTP signature scheme, with an independent library.

    inbox = OneSchemeServer("rfc9421", keys={key_id: public_pem})
    with serve(inbox.app()) as port: ...    # tests/federation/local_http.py
    inbox.seen  -> [Seen("draft-cavage", 401), Seen("rfc9421", 202)]

What a server that knows only one scheme does with the other: it cannot verify it, so it
answers 401, exactly as Mastodon, GoToSocial and Fedify answer a signature they refuse.

- "draft-cavage" is verified by `httpsig` (Mastodon's headers required: `(request-target) host
  date digest` on POST), and the Digest against the body with hashlib;
- "rfc9421" is verified by `http-message-signatures` (`@method`, `@target-uri` and, on POST,
  `content-digest` required, checked against the body by the library).

Neither library shares code with fedcop's own signatures, so a 202 here means fedcop signed what
an independent implementation of that scheme accepts. POST /inbox answers 202 and keeps the
body; GET /object answers a small ActivityPub document, for signed fetches. Everything runs on
the server's own thread and event loop (local_http.serve); the lists are read by the test after
the requests complete.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Literal

import http_message_signatures

# Independent implementations, installed by the `test` extra: a missing one fails, never skips.
import httpsig  # type: ignore[import-untyped]
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from http_message_signatures import HTTPMessageVerifier, MappingKeyResolver
from http_message_signatures.algorithms import RSA_V1_5_SHA256
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

Scheme = Literal["draft-cavage", "rfc9421"]


@dataclass(frozen=True)
class Seen:
    """One signed request the server judged: the scheme it carried and the answer."""

    scheme: str  # draft-cavage | rfc9421 | unsigned
    status: int
    method: str = "POST"


@dataclass
class _Message:
    """The request shape http-message-signatures works on."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)


def scheme_of(headers: dict[str, str]) -> str:
    if "signature-input" in headers:
        return "rfc9421"
    return "draft-cavage" if "signature" in headers else "unsigned"


class OneSchemeServer:
    def __init__(self, accepts: Scheme, keys: dict[str, str] | None = None) -> None:
        self.accepts = accepts
        self.keys: dict[str, str] = dict(keys or {})  # key id -> public key PEM
        self.seen: list[Seen] = []
        self.bodies: list[bytes] = []
        self.refusals: list[str] = []  # why each 401 was answered

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/inbox", self._inbox, methods=["POST"]),
                Route("/object", self._object, methods=["GET"]),
            ]
        )

    def schemes(self, method: str = "POST") -> list[tuple[str, int]]:
        return [(seen.scheme, seen.status) for seen in self.seen if seen.method == method]

    async def _inbox(self, request: Request) -> Response:
        body = await request.body()
        refusal = self._judge(request, body)
        if refusal is not None:
            return refusal
        self.bodies.append(body)
        return Response(status_code=202)

    async def _object(self, request: Request) -> Response:
        refusal = self._judge(request, None)
        if refusal is not None:
            return refusal
        url = f"http://{request.headers['host']}{request.url.path}"
        return JSONResponse(
            {"id": url, "type": "Note", "content": "signed fetch"},
            media_type="application/activity+json",
        )

    def _judge(self, request: Request, body: bytes | None) -> Response | None:
        """None if the request carries a signature of our scheme that verifies; else the 401."""
        headers = {name.lower(): value for name, value in request.headers.items()}
        scheme = scheme_of(headers)
        why = None
        if scheme != self.accepts:
            why = f"this server verifies {self.accepts} signatures only, not {scheme}"
        elif scheme == "draft-cavage":
            why = self._cavage_refusal(request, headers, body)
        else:
            why = self._rfc9421_refusal(request, headers, body)
        status = 401 if why else (202 if request.method == "POST" else 200)
        self.seen.append(Seen(scheme, status, request.method))
        if why:
            self.refusals.append(why)
            return PlainTextResponse(why, status_code=401)
        return None

    def _public_key(self, key_id: str) -> rsa.RSAPublicKey | None:
        pem = self.keys.get(key_id)
        key = load_pem_public_key(pem.encode()) if pem else None
        return key if isinstance(key, rsa.RSAPublicKey) else None

    def _cavage_refusal(
        self, request: Request, headers: dict[str, str], body: bytes | None
    ) -> str | None:
        params = dict(part.split("=", 1) for part in headers["signature"].split(",") if "=" in part)
        key_id = params.get("keyId", "").strip('"')
        pem = self.keys.get(key_id)
        if pem is None:
            return f"unknown key {key_id!r}"
        required = ["(request-target)", "host", "date"]
        if body is not None:
            required.append("digest")
            expected = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
            if headers.get("digest") != expected:
                return "the Digest does not match the body"
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        verifier = httpsig.HeaderVerifier(
            headers,
            pem,
            required_headers=required,
            method=request.method,
            path=path,
            sign_header="signature",
        )
        return None if verifier.verify() else "httpsig could not verify the signature"

    def _rfc9421_refusal(
        self, request: Request, headers: dict[str, str], body: bytes | None
    ) -> str | None:
        public_keys = {
            key_id: key for key_id in self.keys if (key := self._public_key(key_id)) is not None
        }
        url = f"http://{headers['host']}{request.url.path}"
        if request.url.query:
            url += f"?{request.url.query}"
        verifier = HTTPMessageVerifier(
            signature_algorithm=RSA_V1_5_SHA256,
            key_resolver=MappingKeyResolver(public_keys=public_keys, private_keys={}),
        )
        required = ("@method", "@target-uri") + (("content-digest",) if body else ())
        try:
            verifier.verify(
                _Message(request.method, url, headers), require_components=required, body=body
            )
        except (http_message_signatures.HTTPMessageSignaturesException, KeyError) as error:
            return f"http-message-signatures could not verify the signature: {error}"
        return None
