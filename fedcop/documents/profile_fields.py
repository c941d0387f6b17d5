"""A local person's profile on their `Person`: `attachment` PropertyValues and `tag` Hashtags.

    "attachment": [
      {"type": "PropertyValue", "name": "Organisation", "value": "City Archive"},
      {"type": "PropertyValue", "name": "Sector", "value": "Cultural heritage"},
      {"type": "PropertyValue", "name": "Role", "value": "Metadata librarian"},
      {"type": "PropertyValue", "name": "Expertise", "value": "metadata standards, archives"}],
    "tag": [{"type": "Hashtag", "name": "#metadatastandards",
             "href": "https://a.example/tags/metadatastandards"}, ...]

Field names are the ones the client API shows (account_cards); values are the person's plain
text, HTML-escaped (a value is HTML on the wire, as Mastodon sends it). Empty fields are left
out. fedcop reads the same shape back (services/people/remote_profiles.py).
"""

from __future__ import annotations

from typing import Any

from fedcop.store.people.profiles import Profile
from fedcop.urls import Urls
from federation.html import escape
from federation.profile_fields import hashtag, hashtag_of, property_value

FIELD_NAMES = (
    ("Organisation", "organisation"),
    ("Sector", "sector"),
    ("Role", "job_role"),
    ("Expertise", "expertise"),
)


def named_fields(profile: Profile) -> list[tuple[str, str]]:
    """The four fields as (name, plain text), the empty ones left out."""
    values = {
        "organisation": profile.organisation,
        "sector": profile.sector,
        "job_role": profile.job_role,
        "expertise": ", ".join(profile.expertise),
    }
    return [(name, values[key]) for name, key in FIELD_NAMES if values[key]]


def attachment(profile: Profile) -> list[dict[str, str]]:
    return [property_value(name, escape(text)) for name, text in named_fields(profile)]


def hashtags(profile: Profile, urls: Urls) -> list[dict[str, str]]:
    names = dict.fromkeys(name for name in map(hashtag_of, profile.expertise) if name)
    return [hashtag(name, urls.tag_page(name)) for name in names]


def add_profile(document: dict[str, Any], profile: Profile, urls: Urls) -> None:
    """Put the profile on a Person document (always both keys, so that an Update that empties
    the profile empties it elsewhere too)."""
    document["attachment"] = attachment(profile)
    document["tag"] = hashtags(profile, urls)
    document["discoverable"] = profile.discoverable
