"""A remote actor's profile, read from its document as Mastodon reads profile fields.

    attachment PropertyValue "Organisation"/"Organization"  -> organisation (plain text)
                             "Sector"                        -> sector
                             "Role"/"Job role"/"Job title"   -> role
                             "Expertise"/"Areas of expertise"-> expertise (comma-separated)
                             any other name                  -> kept as another field (HTML)
    tag Hashtag "#metadatastandards"  -> expertise, when no Expertise field states it
    discoverable: true                -> may be listed in directories

Names match case-insensitively, spaces folded. Everything is bounded as a local profile is
(services/profiles.py: lengths, at most MAX_TAGS subjects); values are sanitised HTML
(federation/profile_fields.py) and the four fedcop fields keep only their plain text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fedcop.services.people.limits import LIMITS, MAX_TAG_LENGTH, MAX_TAGS
from fedcop.services.people.profiles import save_remote
from fedcop.store.people.profiles import OtherField, Profile
from federation.profile_fields import hashtag_names, property_values

_NAMED = {
    "organisation": "organisation",
    "organization": "organisation",
    "sector": "sector",
    "role": "job_role",
    "job role": "job_role",
    "job title": "job_role",
    "expertise": "expertise",
    "areas of expertise": "expertise",
}


def field_key(name: str) -> str | None:
    """Which of the four fedcop fields a profile field's name stands for, if any."""
    return _NAMED.get(" ".join(name.lower().split()))


def subjects_of(text: str) -> tuple[str, ...]:
    """Subjects from comma-separated text, each once, bounded like a local person's."""
    seen: dict[str, str] = {}
    for part in text.split(","):
        subject = " ".join(part.split())[:MAX_TAG_LENGTH]
        if subject and subject.lower() not in seen:
            seen[subject.lower()] = subject
    return tuple(seen.values())[:MAX_TAGS]


def read_profile(document: Mapping[str, Any]) -> Profile:
    """What an actor document states, bounded and sanitised."""
    named: dict[str, str] = {}
    other: list[OtherField] = []
    for field in property_values(document):
        key = field_key(field.name)
        if key is None or key in named:
            other.append(OtherField(field.name, field.value_html))
            continue
        named[key] = " ".join(field.value_text.split())
    expertise = subjects_of(named.get("expertise", ""))
    if not expertise:
        expertise = tuple(hashtag_names(document))[:MAX_TAGS]
        expertise = tuple(name[:MAX_TAG_LENGTH] for name in expertise)
    return Profile(
        organisation=named.get("organisation", "")[: LIMITS["organisation"]],
        sector=named.get("sector", "")[: LIMITS["sector"]],
        job_role=named.get("job_role", "")[: LIMITS["job_role"]],
        expertise=expertise,
        other_fields=tuple(other),
        discoverable=document.get("discoverable") is True,
    )


async def keep_profile(conn: Any, actor_id: int, document: Mapping[str, Any]) -> None:
    """Store what a remote actor's document (just fetched, or sent in its Update) states."""
    await save_remote(conn, actor_id, read_profile(document))
