"""Double-knocking: which HTTP signature scheme to sign a request with, and when to try the other.

Two schemes sign ActivityPub requests: draft-cavage (the `Signature` header every server has
verified for years) and RFC 9421 (`Signature-Input` + `Signature`, verified by Mastodon 4.5+,
Fedify and NodeBB). A server that refuses a signature answers 401. So a request is signed with
one scheme and, only if it is refused with 401, signed again with the other and sent again at
once, in the same attempt ("a second knock"), never hours later by the retry schedule:

```
first_scheme(remembered)            remembered scheme of the host, else draft-cavage
  sign, POST ──> 401? ──> sign with other_scheme(first), POST again (same slot, same attempt)
             └─> anything else: that is the answer
DeliveryResult.accepted_scheme      the scheme that got a 2xx, for the caller to remember
```

The caller (fedcop's delivery worker) keeps what worked per host and passes it back in next
time, so the steady state costs one signature per delivery; the second signature is made only
after a 401. This module keeps no memory itself: it has no database and no state.

Which scheme first for a host we know nothing about: draft-cavage, as Mastodon does (it signs
cavage first and knocks with RFC 9421 only when cavage is refused). Fedify knocks RFC 9421 first
(and knocks again on any 4xx or 5xx). fedcop does not, because:
- every server that verifies RFC 9421 today also verifies draft-cavage, while Lemmy,
  GoToSocial, Misskey, Akkoma, Pixelfed and Mastodon before 4.5 verify draft-cavage only, so
  cavage first costs one signature almost everywhere and RFC 9421 first would cost two (~285 µs
  of CPU each, the bound on fan-out) at most of the fediverse, on every first contact;
- a server that ignores `Signature-Input` does not always answer 401: Pixelfed answers 200 to an
  RFC 9421 POST and drops the activity, and Misskey answers signed GETs it cannot verify with a
  stripped-down document. A first knock those servers do not understand can be lost silently,
  with no 401 to start the second knock.
A host that refuses draft-cavage with 401 and accepts RFC 9421 is remembered as an RFC 9421 host
and gets RFC 9421 first from then on. A host remembered as RFC 9421 that starts refusing it
(a restored backup, another server software behind the name) is knocked at with draft-cavage,
and the memory follows whatever worked.

What starts a second knock: a 401, what Mastodon, GoToSocial, Fedify and fedcop answer to a
signature they refuse; and a 400 to an RFC 9421 knock, since a server that does not know
RFC 9421 may read its `Signature` header as a malformed draft-cavage one and call the request
bad (without this, a host remembered as RFC 9421 whose software changed would have every
delivery given up). A 400 to draft-cavage, a 403 and the rest are answers about the request
itself, a 5xx is the server's trouble: signing again cannot change them, and the retry policy
(retry_policy.py) handles them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from federation.signatures import SIGNATURE_SCHEMES, SignatureScheme, other_scheme

if TYPE_CHECKING:  # fetch.py uses this module; the Signer type is all we need of it
    from federation.fetch import Signer

__all__ = [
    "FIRST_SCHEME_FOR_UNKNOWN_HOSTS",
    "KNOCK_AGAIN_STATUS",
    "Knock",
    "first_scheme",
    "knocks_again",
    "other_scheme",
]

# See the module's docstring for why draft-cavage and not RFC 9421.
FIRST_SCHEME_FOR_UNKNOWN_HOSTS: SignatureScheme = "draft-cavage"
# The answer that means "I could not verify this signature" and so starts a second knock.
KNOCK_AGAIN_STATUS = 401
# What a server that does not know RFC 9421 may answer to it instead (see above).
_BAD_REQUEST = 400


@dataclass(frozen=True)
class Knock:
    """One way to sign a request: the scheme, and a signer that signs with it."""

    scheme: SignatureScheme
    signer: Signer


def first_scheme(remembered: str | None) -> SignatureScheme:
    """The scheme to knock with first at a host that last accepted `remembered` (None: unknown,
    or anything this version does not know)."""
    for scheme in SIGNATURE_SCHEMES:
        if remembered == scheme:
            return scheme
    return FIRST_SCHEME_FOR_UNKNOWN_HOSTS


def knocks_again(status: int | None, scheme: SignatureScheme | None) -> bool:
    """Whether an answer `status` to a request signed with `scheme` calls for a second knock."""
    if status == KNOCK_AGAIN_STATUS:
        return True
    return status == _BAD_REQUEST and scheme == "rfc9421"
