"""A page's slug: the last part of its address, made once from its first title.

"Interlibrary loan: who pays?" -> "interlibrary-loan-who-pays". Letters are folded to ASCII
(accents dropped), so the address reads the same in every browser and log; a title with no
such letter gives "page". A slug already taken in the community gets "-2", "-3"...
"""

from __future__ import annotations

import re
import unicodedata

import asyncpg

from fedcop.store.knowledge import pages as page_store

MAX_SLUG = 80
# Addresses of the knowledge base that are not pages (/c/NAME/kb/new), and the charter's.
RESERVED = frozenset({"new", "charter", "feed", "history", "edit"})
CHARTER = "charter"
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def slug_from_title(title: str) -> str:
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_WORD.sub("-", folded.lower()).strip("-")
    if len(slug) > MAX_SLUG:
        # Cut at a word's end when there is one.
        slug = slug[:MAX_SLUG].rsplit("-", 1)[0] or slug[:MAX_SLUG]
    return slug or "page"


async def free_slug(conn: asyncpg.Connection, community_actor_id: int, title: str) -> str:
    stem = slug_from_title(title)
    taken = await page_store.slugs_like(conn, community_actor_id, stem) | RESERVED
    if stem not in taken:
        return stem
    number = 2
    while f"{stem}-{number}" in taken:
        number += 1
    return f"{stem}-{number}"
