"""RFC 9421 HTTP Message Signatures: `Signature-Input` + `Signature`, RSA v1.5 SHA-256 only.

Mastodon (4.5+), Fedify and NodeBB accept these; we verify them and can sign them for a
later "double-knock" (try RFC 9421 first, fall back to draft-cavage).

```
Signature-Input: sig1=("@method" "@target-uri" "@authority" "content-digest");created=1618884473;keyid="https://a.example/u/ann#main-key";alg="rsa-v1_5-sha256"
Signature:       sig1=:<base64 RSA-SHA256 of the signature base>:

signature base (RFC 9421 section 2.5), one line per covered component, then the parameters:
  "@method": POST
  "@target-uri": https://b.example/inbox
  "@authority": b.example
  "content-digest": sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:
  "@signature-params": ("@method" "@target-uri" "@authority" "content-digest");created=...
```

Verification follows Mastodon's rules: exactly one signature; `created` and `keyid` present;
`@method` and the target (`@target-uri`, or `@authority` with `@path`/`@request-target`)
covered; on POST a covered `Content-Digest` that matches the body; `alg` absent or
`rsa-v1_5-sha256`. `parse_rfc9421` does every check that needs neither key nor body and
builds the signature base; `verify_rfc9421` checks the clock, the digest and the signature.
Component parameters (`;sf`, `;key`, `;bs`, `;req`, `;name`) are not supported.
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from typing import Literal

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from federation.digest import content_digest_header, verify_content_digest
from federation.signature_core import (
    HeaderMapping,
    ReceivedSignature,
    SignatureError,
    check_authority,
    check_body_digest,
    check_time_window,
    encode_signed_text,
    header_value,
    http_date,
    normalised_authority,
    sign_rsa_sha256,
    split_url,
    verify_with_key,
)
from federation.structured_fields import (
    InnerList,
    Item,
    Member,
    Parameters,
    StructuredFieldError,
    parse_dictionary,
    serialize_inner_list,
)

ALGORITHM = "rsa-v1_5-sha256"
SIGNATURE_LABEL = "sig1"


@dataclass(frozen=True, slots=True)
class Rfc9421Signature(ReceivedSignature):
    """A parsed RFC 9421 signature, ready to verify once the key for `key_id` is known."""

    label: str
    components: tuple[str, ...]
    created: int
    expires: int | None
    signature_base: bytes
    content_digest: str | None  # the Content-Digest header, when the signature covers it

    @property
    def scheme(self) -> Literal["rfc9421"]:
        return "rfc9421"


@dataclass(frozen=True)
class _Request:
    """What the derived components (RFC 9421 section 2.2) are computed from."""

    method: str
    scheme: str
    target: str  # path?query as received
    headers: HeaderMapping

    def component(self, name: str) -> str:
        if not name.startswith("@"):
            value = header_value(self.headers, name)
            if value is None:
                raise SignatureError(
                    f"the signature covers the {name} header, but the request has no {name} header"
                )
            return value
        path, has_query, query = self.target.partition("?")
        if name == "@method":
            return self.method
        if name == "@authority":
            return self.authority
        if name == "@scheme":
            return self.scheme
        if name == "@target-uri":
            return f"{self.scheme}://{self.authority}{self.target}"
        if name == "@request-target":
            return self.target
        if name == "@path":
            return path or "/"
        if name == "@query":
            return f"?{query}" if has_query else "?"
        raise SignatureError(f"the signature covers {name}, a component fedcop does not support")

    @functools.cached_property
    def authority(self) -> str:
        host = header_value(self.headers, "host")
        if not host:
            raise SignatureError(
                "the signature covers the request's authority, but it has no Host header"
            )
        # RFC 9421 section 2.2.3: the scheme's default port is left out of @authority.
        return normalised_authority(host, self.scheme)


def sign_rfc9421(
    method: str,
    url: str,
    body: bytes | None,
    key_id: str,
    private_key: rsa.RSAPrivateKey,
    *,
    now: float,
) -> dict[str, str]:
    """The headers to add to an outgoing request: Host, Date, Content-Digest (with a body),
    Signature-Input and Signature (label `sig1`). A POST always gets a Content-Digest."""
    parts = split_url(url)
    method = method.upper()
    headers = {"Host": parts.authority, "Date": http_date(now)}
    values = {"@method": method, "@target-uri": parts.target_uri, "@authority": parts.authority}
    if body is None and method == "POST":
        body = b""
    if body is not None:
        values["content-digest"] = headers["Content-Digest"] = content_digest_header(body)
    params: Parameters = {"created": int(now), "keyid": key_id, "alg": ALGORITHM}
    signature_params = InnerList(tuple(Item(name, {}) for name in values), params)
    try:
        params_text = serialize_inner_list(signature_params)
    except StructuredFieldError as error:
        raise ValueError(f"cannot sign with key id {key_id!r}: {error}") from None
    base = _signature_base(list(values.items()), params_text)
    signature = sign_rsa_sha256(private_key, base)
    headers["Signature-Input"] = f"{SIGNATURE_LABEL}={params_text}"
    headers["Signature"] = f"{SIGNATURE_LABEL}=:{base64.b64encode(signature).decode('ascii')}:"
    return headers


def parse_rfc9421(
    method: str,
    target: str,
    headers: HeaderMapping,
    signature_input_header: str,
    *,
    scheme: str,
    authority: str | None = None,
) -> Rfc9421Signature:
    """Parse and pre-check an RFC 9421 signature; raise `SignatureError` if it cannot pass.
    With `authority` (this server's host[:port]), the request's Host must name it."""
    method = method.upper()
    label, signature_input, signature = _the_one_signature(signature_input_header, headers)
    components = _covered_components(signature_input)
    created, expires, key_id = _signature_parameters(signature_input.params)
    _require_enough_coverage(method, components)
    if authority is not None:
        check_authority(header_value(headers, "host"), authority, scheme)

    request = _Request(method=method, scheme=scheme.lower(), target=target, headers=headers)
    values = [(name, request.component(name)) for name in components]
    try:
        params_text = serialize_inner_list(signature_input)
    except StructuredFieldError as error:
        raise SignatureError(
            f"the Signature-Input parameters cannot be serialized: {error}"
        ) from None
    return Rfc9421Signature(
        key_id=key_id,
        label=label,
        components=components,
        created=created,
        expires=expires,
        signature=signature,
        signature_base=encode_signed_text(_signature_base(values, params_text)),
        content_digest=dict(values).get("content-digest"),
    )


def check_rfc9421_unkeyed(parsed: Rfc9421Signature, body: bytes, *, now: float) -> None:
    """Raise `SignatureError` unless `parsed` is fresh and its digest matches: no key needed."""
    check_time_window(parsed.created, parsed.expires, now, source="created parameter")
    check_body_digest(parsed.content_digest, body, verify_content_digest)


def verify_rfc9421(
    parsed: Rfc9421Signature, public_key: PublicKeyTypes, body: bytes, *, now: float
) -> None:
    """Raise `SignatureError` unless `parsed` is fresh, its digest matches and the key signed it."""
    unkeyed = functools.partial(check_rfc9421_unkeyed, parsed, body, now=now)
    verify_with_key(parsed, public_key, unkeyed, [parsed.signature_base])


def _signature_base(values: list[tuple[str, str]], params_text: str) -> str:
    """RFC 9421 section 2.5: `"name": value` lines, then the `@signature-params` line."""
    lines = [f'"{name}": {value}' for name, value in values]
    lines.append(f'"@signature-params": {params_text}')
    return "\n".join(lines)


def _the_one_signature(input_text: str, headers: HeaderMapping) -> tuple[str, InnerList, bytes]:
    signature_text = header_value(headers, "signature")
    if signature_text is None:
        raise SignatureError("the request has a Signature-Input header but no Signature header")
    inputs = _dictionary(input_text, "Signature-Input")
    signatures = _dictionary(signature_text, "Signature")
    # Mastodon accepts exactly one signature: with several, which one vouches for the sender
    # would be our guess, and an intermediary's signature is not the actor's.
    if len(inputs) != 1 or len(signatures) != 1:
        raise SignatureError(
            f"the request carries {max(len(inputs), len(signatures))} RFC 9421 signatures; "
            "fedcop accepts exactly one"
        )
    ((label, signature_input),) = inputs.items()
    signature = signatures.get(label)
    if signature is None:
        raise SignatureError(
            f"the Signature header has no {label!r} entry to match the Signature-Input header"
        )
    if not isinstance(signature_input, InnerList):
        raise SignatureError("the Signature-Input entry is not a list of covered components")
    if not isinstance(signature, Item) or not isinstance(signature.value, bytes):
        raise SignatureError("the Signature entry is not a byte sequence (:base64:)")
    return label, signature_input, signature.value


def _dictionary(text: str, header_name: str) -> dict[str, Member]:
    try:
        return parse_dictionary(text)
    except StructuredFieldError as error:
        raise SignatureError(f"the {header_name} header is malformed: {error}") from None


def _covered_components(signature_input: InnerList) -> tuple[str, ...]:
    names: list[str] = []
    for item in signature_input.items:
        name = item.value
        if type(name) is not str:
            raise SignatureError("a covered component in Signature-Input is not a quoted string")
        if item.params:
            raise SignatureError(
                f"the covered component {name!r} has parameters "
                f"({', '.join(item.params)}); fedcop supports plain components only"
            )
        if name != name.lower() or name == "@signature-params":
            raise SignatureError(f"{name!r} cannot be a covered component")
        if name in names:
            raise SignatureError(f"the component {name!r} is covered twice")
        names.append(name)
    return tuple(names)


def _signature_parameters(params: Parameters) -> tuple[int, int | None, str]:
    created = params.get("created")
    expires = params.get("expires")
    key_id = params.get("keyid")
    algorithm = params.get("alg")
    if type(created) is not int:
        raise SignatureError("the signature has no created parameter (an integer Unix timestamp)")
    if expires is not None and type(expires) is not int:
        raise SignatureError("the signature's expires parameter is not an integer Unix timestamp")
    if not isinstance(key_id, str) or not key_id:
        raise SignatureError("the signature has no keyid parameter")
    if algorithm is not None and algorithm != ALGORITHM:
        raise SignatureError(
            f"unsupported signature algorithm {algorithm!r}: fedcop accepts {ALGORITHM} only"
        )
    return created, expires, str(key_id)


def _require_enough_coverage(method: str, components: tuple[str, ...]) -> None:
    """Mastodon's minimum, widened to accept the target as `@authority` plus a path."""
    if "@method" not in components:
        raise SignatureError("the signature must cover @method")
    covers_target = "@target-uri" in components or (
        "@authority" in components and ("@path" in components or "@request-target" in components)
    )
    if not covers_target:
        raise SignatureError(
            "the signature must cover @target-uri (or @authority with @path or @request-target)"
        )
    if method == "POST" and "content-digest" not in components:
        raise SignatureError("a signed POST must cover the Content-Digest header")
