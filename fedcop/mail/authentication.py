"""Whether the node's own mail server vouched for the sender (RFC 8601 Authentication-Results).

Used only when the operator names the mail server's authserv-id (FEDCOP_MAIL_TRUSTED_AUTHSERV_ID):
then only results that server wrote count (it must strip any such header arriving from outside,
as Postfix with OpenDKIM/OpenDMARC and rspamd do), and a person's mail is read only if one of
    dmarc=pass
    dkim=pass   with header.d the From domain or a parent of it
    spf=pass    with smtp.mailfrom's domain the From domain, a parent or a child of it
holds. Without the setting nothing is checked here (the mail server's own policy applies).
"""

from __future__ import annotations

import re
from email.message import EmailMessage

_RESULT = re.compile(r"\b(dmarc|dkim|spf)\s*=\s*([a-z]+)((?:\s+[a-z.]+\s*=\s*[^\s;]+)*)", re.I)
_PROPERTY = re.compile(r"([a-z.]+)\s*=\s*([^\s;]+)", re.I)


def _aligned(domain: str, from_domain: str) -> bool:
    domain = domain.lower().strip(".").split("@")[-1]
    return bool(domain) and (from_domain == domain or from_domain.endswith("." + domain))


def refusal(message: EmailMessage, authserv_id: str, from_address: str) -> str | None:
    """Why the sender is not vouched for by `authserv_id`, or None when it is."""
    from_domain = from_address.rpartition("@")[2].lower()
    headers = [str(value) for value in message.get_all("Authentication-Results") or []]
    ours = [
        value
        for value in headers
        if value.split(";", 1)[0].strip().lower().split()[:1] == [authserv_id.lower()]
    ]
    if not ours:
        return f"no Authentication-Results from {authserv_id}"
    for value in ours:
        for method, result, properties in _RESULT.findall(value.split(";", 1)[-1]):
            if result.lower() != "pass":
                continue
            found = {k.lower(): v for k, v in _PROPERTY.findall(properties)}
            if method.lower() == "dmarc":
                return None
            if method.lower() == "dkim" and _aligned(found.get("header.d", ""), from_domain):
                return None
            if method.lower() == "spf":
                mailfrom = found.get("smtp.mailfrom", "").rpartition("@")[2].lower()
                if _aligned(mailfrom, from_domain) or _aligned(from_domain, mailfrom):
                    return None
    return f"sender {from_address} not authenticated by {authserv_id} (no DMARC, DKIM or SPF pass)"
