"""Full-text search over posts (threads and replies), ranked, limited to what a reader may see.

Each post's words are kept in `posts.search_vector`, stemmed with the text search configuration
of its language (`posts.search_config`, migrations/0030_post_search.sql), under a GIN index. A
query is parsed once per configuration with `websearch_to_tsquery` (phrases in quotes, `-word`,
`or`), and a post matches the query parsed as its own language's: one bitmap scan of the index
per configuration that posts here use (`posts_search_config` says which), never a scan of the
table.

Rank is `ts_rank_cd` over the weighted vector: a title (weight A) counts above words in a text
(weight B), so a thread named after the subject comes before a reply that mentions it.
Snippets come from `ts_headline` over the text with its tags taken out (its entities kept: the
parser would drop a decoded `<script>` as a tag) and the control characters \x01 and \x02
around each match; the caller decodes, escapes and turns the markers into highlight elements
(services/post_search.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from fedcop.store.posts import _COLUMNS, Post, _post
from fedcop.store.timelines import visible_to

# Every configuration fedcop_search_config() can answer; a query is parsed with each.
CONFIGS = (
    "simple", "english", "french", "german", "spanish", "portuguese", "italian", "dutch",
    "swedish", "danish", "finnish", "norwegian", "russian", "hungarian", "turkish",
)  # fmt: skip
MARK_START = "\x01"
MARK_STOP = "\x02"
_HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_STOP}, MaxWords=30, MinWords=12, "
    "MaxFragments=2, FragmentDelimiter= … "
)


@dataclass(frozen=True)
class Filters:
    """What narrows a search besides its words. Each is optional; more may join (each adds one
    condition in `_filter_conditions`)."""

    community_id: int | None = None
    author_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    # Only threads (no replies).
    threads_only: bool = False


@dataclass(frozen=True)
class Found:
    post: Post
    # The title of the thread a reply belongs to (a thread's own title for a thread).
    thread_title: str | None
    # Text (HTML entities kept) around the matches, each between MARK_START and MARK_STOP.
    snippet: str
    rank: float


def _filter_conditions(filters: Filters, args: list[object]) -> list[str]:
    """SQL conditions on `p` for the filters, their values appended to `args`."""
    conditions: list[str] = []

    def parameter(value: object) -> str:
        args.append(value)
        return f"${len(args)}"

    if filters.community_id is not None:
        conditions.append(f"p.community_id = {parameter(filters.community_id)}::bigint")
    if filters.author_id is not None:
        conditions.append(f"p.author_id = {parameter(filters.author_id)}::bigint")
    if filters.since is not None:
        conditions.append(f"p.published >= {parameter(filters.since)}::timestamptz")
    if filters.until is not None:
        conditions.append(f"p.published < {parameter(filters.until)}::timestamptz")
    if filters.threads_only:
        conditions.append("p.thread_id IS NULL")
    return conditions


def search_sql(filters: Filters, args: list[object]) -> str:
    """The search statement; `args` must hold [query, viewer id, limit, offset] and receives the
    filters' values."""
    conditions = " AND ".join([visible_to("$2::bigint"), *_filter_conditions(filters, args)])
    return f"""
        WITH q AS (
            SELECT c AS config, websearch_to_tsquery(c, $1) AS query
            FROM unnest('{{{",".join(CONFIGS)}}}'::regconfig[]) AS c
            -- only the languages posts here are in: each is one scan of the index
            WHERE EXISTS (SELECT 1 FROM posts e WHERE e.search_config = c)
        ), hits AS (
            SELECT p.id, ts_rank_cd(p.search_vector, q.query) AS rank, q.query
            FROM q JOIN posts p ON p.search_config = q.config AND p.search_vector @@ q.query
            LEFT JOIN posts t ON t.id = p.thread_id
            WHERE {conditions}
              -- a reply only while its thread is shown
              AND (p.thread_id IS NULL OR (t.deleted_at IS NULL AND t.removed_at IS NULL))
            ORDER BY rank DESC, p.id DESC
            LIMIT $3 OFFSET $4
        )
        SELECT {_COLUMNS}, h.rank, coalesce(p.title, t.title) AS thread_title,
               ts_headline(p.search_config,
                           translate(regexp_replace(p.summary || ' ' || p.content,
                                                    '<[^>]*>', ' ', 'g'),
                                     chr(1) || chr(2), ''),
                           h.query, '{_HEADLINE_OPTIONS}') AS snippet
        FROM hits h JOIN posts p ON p.id = h.id LEFT JOIN posts t ON t.id = p.thread_id
        ORDER BY h.rank DESC, p.id DESC
    """


async def search(
    conn: asyncpg.Connection,
    query: str,
    *,
    viewer_id: int | None,
    filters: Filters,
    limit: int,
    offset: int = 0,
) -> list[Found]:
    """Posts matching `query` that the viewer may see, best first."""
    args: list[object] = [query, viewer_id, limit, offset]
    rows = await conn.fetch(search_sql(filters, args), *args)
    return [
        Found(
            post=_post(row),
            thread_title=row["thread_title"],
            # the text's own \x01 and \x02 were removed: every one left is a marker
            snippet=row["snippet"],
            rank=float(row["rank"]),
        )
        for row in rows
    ]
