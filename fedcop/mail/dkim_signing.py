"""DKIM signing (RFC 6376) of outgoing mail with the key the admin provides (dkimpy).

The admin publishes the public half as a TXT record at SELECTOR._domainkey.DOMAIN (see
deploy/README.md); receivers check it, and with SPF it lets DMARC pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dkim

# The headers a receiver must see unchanged for the signature to hold.
SIGNED_HEADERS = (
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"in-reply-to",
    b"references",
    b"reply-to",
    b"list-id",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
    b"mime-version",
    b"content-type",
)


@dataclass(frozen=True)
class DkimKey:
    selector: str
    domain: str
    private_key_pem: bytes

    @classmethod
    def from_file(cls, path: Path, selector: str, domain: str) -> DkimKey:
        return cls(selector=selector, domain=domain, private_key_pem=path.read_bytes())


def sign(message: bytes, key: DkimKey) -> bytes:
    """`message` with a DKIM-Signature header in front (relaxed/relaxed, rsa-sha256)."""
    present = {
        line.split(b":", 1)[0].strip().lower()
        for line in message.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
        if b":" in line and not line[:1].isspace()
    }
    signature = dkim.sign(
        message,
        key.selector.encode(),
        key.domain.encode(),
        key.private_key_pem,
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=[name for name in SIGNED_HEADERS if name in present],
    )
    return bytes(signature) + message
