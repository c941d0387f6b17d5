"""Full-text search over knowledge-base pages: each page's current version, its title above its
text, only in the communities whose pages the reader may read.

Words are matched through the kb_versions_search index (migrations/0035_search_everything.sql)
parsed twice, as English and as written, since a page does not say its language. Reading
follows services/knowledge/access.py: a members-only community's pages are for its members and
facilitators. Snippets carry the same markers as post snippets (store/post_search.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from fedcop.store.post_search import MARK_START, MARK_STOP

_HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_STOP}, MaxWords=30, MinWords=12, "
    "MaxFragments=2, FragmentDelimiter= … "
)
_VECTOR = "fedcop_kb_search_vector(v.title, v.markdown)"
_ENGLISH = "websearch_to_tsquery('english'::regconfig, $1)"
_SIMPLE = "websearch_to_tsquery('simple'::regconfig, $1)"


@dataclass(frozen=True)
class FoundPage:
    slug: str
    title: str
    community_username: str
    # None for a community here.
    community_domain: str | None
    community_name: str
    updated_at: datetime
    # The Markdown around the matches, each between MARK_START and MARK_STOP.
    snippet: str
    rank: float


async def search(
    conn: asyncpg.Connection,
    query: str,
    *,
    viewer_id: int | None,
    community_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int,
) -> list[FoundPage]:
    """Pages whose current version matches `query` (websearch syntax), best first; `since` and
    `until` bound when the page last changed."""
    rows = await conn.fetch(
        f"""
        SELECT kp.slug, v.title, g.username, g.domain,
               coalesce(nullif(g.display_name, ''), g.username) AS community_name,
               kp.updated_at,
               ts_rank_cd({_VECTOR}, {_ENGLISH}) + ts_rank_cd({_VECTOR}, {_SIMPLE}) AS rank,
               ts_headline('english'::regconfig,
                           translate(v.markdown, chr(1) || chr(2), ''),
                           {_ENGLISH} || {_SIMPLE}, '{_HEADLINE_OPTIONS}') AS snippet
        FROM kb_versions v
        JOIN kb_pages kp ON kp.id = v.page_id AND kp.current_version = v.version
        JOIN actors g ON g.id = kp.community_actor_id
        WHERE ({_VECTOR} @@ {_ENGLISH} OR {_VECTOR} @@ {_SIMPLE})
          AND ($3::bigint IS NULL OR kp.community_actor_id = $3)
          AND ($4::timestamptz IS NULL OR kp.updated_at >= $4)
          AND ($5::timestamptz IS NULL OR kp.updated_at < $5)
          -- a members-only community's pages: its members' and facilitators' alone
          AND (NOT (g.manually_approves_followers OR coalesce(
                    (SELECT c.private FROM communities c WHERE c.actor_id = g.id), false))
               OR EXISTS (SELECT 1 FROM follows f
                          WHERE f.follower_id = $2 AND f.followed_id = g.id
                            AND f.state = 'accepted')
               OR EXISTS (SELECT 1 FROM community_facilitators cf
                          WHERE cf.community_id = g.id AND cf.actor_id = $2))
        ORDER BY rank DESC, kp.updated_at DESC, kp.id DESC
        LIMIT $6
        """,
        query,
        viewer_id,
        community_id,
        since,
        until,
        limit,
    )
    return [
        FoundPage(
            slug=row["slug"],
            title=row["title"],
            community_username=row["username"],
            community_domain=row["domain"],
            community_name=row["community_name"],
            updated_at=row["updated_at"],
            snippet=row["snippet"],
            rank=float(row["rank"]),
        )
        for row in rows
    ]
