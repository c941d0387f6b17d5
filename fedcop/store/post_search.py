"""Full-text search over posts (threads and replies), ranked, limited to what a reader may see.

Each post's words are kept in `posts.search_vector`, stemmed with the text search configuration
of its language (`posts.search_config`, migrations/0030_post_search.sql), under a GIN index. A
query is parsed once per configuration with `websearch_to_tsquery` (phrases in quotes, `-word`,
`or`), and a post matches the query parsed as its own language's.

Bounded work: a search ranks at most `candidates` matches, the newest ones (ids are
time-sortable). Each language that posts here use is one branch of the statement, planned with
the query's own words (`plan_cache_mode = force_custom_plan`), so PostgreSQL picks per word:
for a rare word the GIN index gives every match and the newest are kept; for a common word it
walks that language's posts newest first (`posts_search_recent`, migration 0035) and stops
once enough match, instead of reading tens of thousands of matches to rank them all. The
caller is told how many were considered, so a page can say it shows the best of the newest.

Rank is `ts_rank_cd` over the weighted vector: a title (weight A) counts above words in a text
(weight B), so a thread named after the subject comes before a reply that mentions it. A
question's accepted answer counts double, and a solved question half again, so what the
community settled on comes before passing mentions.

A post's files count too (weight C, migration 0047): the alt text or description of each, and
its file name, so a thread is found by the name of the spreadsheet it carries.

Snippets come from `ts_headline` over the text (then its files' words) with its tags taken out
(its entities kept: the parser would drop a decoded `<script>` as a tag) and the control
characters \x01 and \x02 around each match; the caller decodes, escapes and turns the markers
into highlight elements (services/post_search.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

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
# How many of the newest matches a search ranks.
CANDIDATES = 500
# Rank multipliers: a question's accepted answer, a solved question thread.
ACCEPTED_ANSWER_BOOST = 2.0
SOLVED_QUESTION_BOOST = 1.5

_ID_CLOCK_MARGIN = timedelta(hours=1)
# A phrase search looks among the posts stored in the last 30 days first, then, when fewer
# than `candidates` of them match, among all: the same newest matches either way. The index
# knows which posts hold a phrase's words, not whether they are side by side, so each post
# holding them all is read; for common words that is thousands of posts of every year, and the
# window reads only this month's. (For words alone the window costs more than it saves: the
# newest-first walk already stops early, and a rare word's matches are few.)
PHRASE_WINDOWS: tuple[timedelta | None, ...] = (timedelta(days=30), None)
WORD_WINDOWS: tuple[timedelta | None, ...] = (None,)


def windows_for(query: str) -> tuple[timedelta | None, ...]:
    return PHRASE_WINDOWS if '"' in query else WORD_WINDOWS


# Question states a search can be narrowed to -> the SQL condition on the thread the post is
# in (`p` for a thread, `t` for a reply's thread), as `coalesce` picks it.
QUESTION_STATES = {
    "question": "{is_question}",
    "unanswered": "{is_question} AND {accepted} IS NULL",
    "solved": "{is_question} AND {accepted} IS NOT NULL",
}


@dataclass(frozen=True)
class Filters:
    """What narrows a search besides its words. Each is optional; each adds one condition in
    `_filter_conditions`."""

    community_id: int | None = None
    author_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    # Only threads (no replies).
    threads_only: bool = False
    # 'question', 'unanswered' or 'solved' (QUESTION_STATES): posts in such threads.
    question: str | None = None
    # Post ids above / below (the client API's min_id and max_id).
    min_id: int | None = None
    max_id: int | None = None


@dataclass(frozen=True)
class Found:
    post: Post
    # The title of the thread a reply belongs to (a thread's own title for a thread).
    thread_title: str | None
    # Text (HTML entities kept) around the matches, each between MARK_START and MARK_STOP.
    snippet: str
    rank: float


@dataclass(frozen=True)
class Results:
    found: list[Found]
    # How many matches were ranked: `candidates` means older matches were not considered.
    considered: int


_LARGEST_ID = 2**63 - 1


def _id_floor(since: datetime) -> int:
    """The smallest id a post stored since `since` (less an hour) can have, within bigint."""
    if since <= datetime.min.replace(tzinfo=since.tzinfo) + _ID_CLOCK_MARGIN:
        return 0
    floor = int((since - _ID_CLOCK_MARGIN).timestamp() * 1000) << 16
    return max(0, min(floor, _LARGEST_ID))


def _filter_conditions(filters: Filters, args: list[object]) -> list[str]:
    """SQL conditions on `p` (and its thread `t`) for the filters, their values appended to
    `args`."""
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
        # The same bound on the id, which indexes can use: ids count the milliseconds at which
        # a post was stored (migration 0001), and a post is never published after it is stored
        # (store/posts.py: least(published, now())); an hour spares clocks a little apart.
        conditions.append(f"p.id >= {parameter(_id_floor(filters.since))}::bigint")
    if filters.until is not None:
        conditions.append(f"p.published < {parameter(filters.until)}::timestamptz")
    if filters.threads_only:
        conditions.append("p.thread_id IS NULL")
    if filters.question is not None:
        conditions.append(
            QUESTION_STATES[filters.question].format(
                is_question="(CASE WHEN p.thread_id IS NULL THEN p.is_question"
                " ELSE t.is_question END)",
                accepted="(CASE WHEN p.thread_id IS NULL THEN p.accepted_answer_id"
                " ELSE t.accepted_answer_id END)",
            )
        )
    if filters.min_id is not None:
        conditions.append(f"p.id > {parameter(filters.min_id)}::bigint")
    if filters.max_id is not None:
        conditions.append(f"p.id < {parameter(filters.max_id)}::bigint")
    return conditions


def search_sql(configs: list[str], filters: Filters, args: list[object]) -> str:
    """The search statement over posts in `configs` (names from CONFIGS); `args` must hold
    [query, viewer id, candidates, limit, offset] and receives the filters' values."""
    unknown = set(configs) - set(CONFIGS)
    if unknown or not configs:
        raise ValueError(f"not search configurations: {sorted(unknown) or configs}")
    conditions = " AND ".join([visible_to("$2::bigint"), *_filter_conditions(filters, args)])
    # The thread is read for each match only when a question filter needs it; otherwise only
    # for the candidates kept (a reply whose thread is gone is then dropped from them).
    thread_join = "LEFT JOIN posts t ON t.id = p.thread_id" if filters.question else ""
    branches = " UNION ALL ".join(
        f"""(
            SELECT p.id, p.thread_id, p.accepted_answer_id, p.search_vector AS words,
                   websearch_to_tsquery('{config}'::regconfig, $1) AS query
            FROM posts p {thread_join}
            WHERE p.search_config = '{config}'::regconfig
              AND p.search_vector @@ websearch_to_tsquery('{config}'::regconfig, $1)
              AND {conditions}
            ORDER BY p.id DESC LIMIT $3
        )"""
        for config in configs
    )
    return f"""
        WITH newest AS MATERIALIZED (
            SELECT * FROM ({branches}) AS matches ORDER BY id DESC LIMIT $3
        ), hits AS (
            SELECT n.id, n.query,
                   ts_rank_cd(n.words, n.query)
                   * CASE WHEN t.accepted_answer_id = n.id THEN {ACCEPTED_ANSWER_BOOST}
                          WHEN n.accepted_answer_id IS NOT NULL THEN {SOLVED_QUESTION_BOOST}
                          ELSE 1 END AS rank
            FROM newest n LEFT JOIN posts t ON t.id = n.thread_id
            -- a reply only while its thread is shown
            WHERE n.thread_id IS NULL OR (t.deleted_at IS NULL AND t.removed_at IS NULL)
            ORDER BY rank DESC, n.id DESC
            LIMIT $4 OFFSET $5
        )
        SELECT {_COLUMNS}, h.rank, coalesce(p.title, t.title) AS thread_title,
               ts_headline(p.search_config,
                           translate(regexp_replace(p.summary || ' ' || p.content || ' '
                                                    || fedcop_attachment_text(p.attachments),
                                                    '<[^>]*>', ' ', 'g'),
                                     chr(1) || chr(2), ''),
                           h.query, '{_HEADLINE_OPTIONS}') AS snippet,
               (SELECT count(*) FROM newest) AS considered
        FROM hits h JOIN posts p ON p.id = h.id LEFT JOIN posts t ON t.id = p.thread_id
        ORDER BY h.rank DESC, p.id DESC
    """


def within(filters: Filters, window: timedelta | None) -> Filters:
    """The filters, narrowed to posts stored within `window` of now (None: any time)."""
    if window is None:
        return filters
    # ids count the milliseconds at which posts were stored (migration 0001)
    floor = int((datetime.now(UTC) - window).timestamp() * 1000) << 16
    return replace(filters, min_id=max(floor, filters.min_id or floor))


async def configs_in_use(conn: asyncpg.Connection) -> list[str]:
    """The text search configurations of posts here (each a probe of posts_search_recent)."""
    rows = await conn.fetch(
        "SELECT c::text AS config FROM unnest($1::regconfig[]) AS c"
        " WHERE EXISTS (SELECT 1 FROM posts e WHERE e.search_config = c)",
        list(CONFIGS),
    )
    return [row["config"] for row in rows]


async def search(
    conn: asyncpg.Connection,
    query: str,
    *,
    viewer_id: int | None,
    filters: Filters,
    limit: int,
    offset: int = 0,
    candidates: int = CANDIDATES,
) -> Results:
    """Posts matching `query` that the viewer may see, best first among the newest
    `candidates` matches."""
    configs = await configs_in_use(conn)
    if not configs:
        return Results([], 0)
    rows: list[asyncpg.Record] = []
    for window in windows_for(query):
        args: list[object] = [query, viewer_id, candidates, limit, offset]
        sql = search_sql(configs, within(filters, window), args)
        async with conn.transaction():
            # each search planned for its own words: how common they are decides the plan
            await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
            rows = await conn.fetch(sql, *args)
        # enough matches in the window: they are the newest `candidates` of all
        if rows and rows[0]["considered"] >= candidates:
            break
    found = [
        Found(
            post=_post(row),
            thread_title=row["thread_title"],
            # the text's own \x01 and \x02 were removed: every one left is a marker
            snippet=row["snippet"],
            rank=float(row["rank"]),
        )
        for row in rows
    ]
    return Results(found, rows[0]["considered"] if rows else 0)


async def newest(
    conn: asyncpg.Connection,
    *,
    viewer_id: int | None,
    filters: Filters,
    limit: int,
    offset: int = 0,
) -> Results:
    """Without words: the newest posts the filters keep that the viewer may see (a snippet is
    the beginning of the text, with no marks). The filters narrow what is read: the caller
    only comes here when there is at least one."""
    args: list[object] = [None, viewer_id, limit, offset]
    conditions = " AND ".join([visible_to("$2::bigint"), *_filter_conditions(filters, args)])
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS}, coalesce(p.title, t.title) AS thread_title,
               left(translate(regexp_replace(p.summary || ' ' || p.content, '<[^>]*>', ' ', 'g'),
                              chr(1) || chr(2), ''), 240) AS snippet
        FROM posts p LEFT JOIN posts t ON t.id = p.thread_id
        WHERE $1::text IS NULL AND {conditions}
          AND (p.thread_id IS NULL OR (t.deleted_at IS NULL AND t.removed_at IS NULL))
        ORDER BY p.id DESC
        LIMIT $3 OFFSET $4
        """,
        *args,
    )
    found = [
        Found(post=_post(row), thread_title=row["thread_title"], snippet=row["snippet"], rank=0.0)
        for row in rows
    ]
    return Results(found, len(found))
