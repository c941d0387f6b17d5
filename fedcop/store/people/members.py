"""A community's members with what they state, filtered; and "who knows about X" in it.

Members are the community's accepted followers as this node records them (every member of a
community here; for one elsewhere, those this node learnt of through joins). Local accounts
that are not active (pending, suspended) are left out.

Who knows about X ranks people by three signals, each read through an index:

    stated    their expertise matches X (actor_profiles.expertise_words, GIN)   strong: 10 + rank
    written   their posts in this community that match X and the reader may      1 each (at most
              read (posts.search_vector, GIN; migrations/0030)                     20) + rank
    answered  their replies accepted as the answer of a question, where the       3 each
              question or the answer matches X (posts.accepted_answer_id, 0032)

so a member who states the subject comes before one who mentioned it once, and answers that
solved a question count more than other posts. People who wrote or answered in the community
are ranked even when this node does not know them as members (a community elsewhere).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from fedcop.store.actors import _ACTOR_COLUMNS, Actor, _actor
from fedcop.store.people.profiles import PROFILE_COLUMNS, Profile, profile_from_row
from fedcop.store.post_search import CONFIGS
from fedcop.store.timelines import visible_to

STATED_WEIGHT = 10.0
ANSWER_WEIGHT = 3.0
MAX_COUNTED_POSTS = 20

_ACTIVE = """
    NOT EXISTS (SELECT 1 FROM users u WHERE u.actor_id = a.id AND u.state <> 'active')
"""
# The words of a query, as expertise is indexed: as written, and stemmed as English.
_EXPERTISE_QUERY = "(websearch_to_tsquery('simple', {0}) || websearch_to_tsquery('english', {0}))"


@dataclass(frozen=True)
class Filters:
    """What narrows a members list; each is optional. Organisation and sector match whole
    values (case and surrounding spaces aside); expertise matches words of the subjects."""

    organisation: str | None = None
    sector: str | None = None
    expertise: str | None = None


@dataclass(frozen=True)
class Member:
    actor: Actor
    profile: Profile
    # When their membership was accepted; None for someone ranked without being a member here.
    joined_at: datetime | None


@dataclass(frozen=True)
class Knower:
    """Someone found by "who knows about X", with the signals that placed them."""

    member: Member
    score: float
    stated: bool
    posts: int
    answers: int


def _filter_conditions(filters: Filters, args: list[object]) -> list[str]:
    conditions: list[str] = []

    def parameter(value: object) -> str:
        args.append(value)
        return f"${len(args)}"

    if filters.organisation:
        conditions.append(
            f"lower(trim(p.organisation)) = lower(trim({parameter(filters.organisation)}))"
        )
    if filters.sector:
        conditions.append(f"lower(trim(p.sector)) = lower(trim({parameter(filters.sector)}))")
    if filters.expertise:
        query = _EXPERTISE_QUERY.format(f"{parameter(filters.expertise)}::text")
        conditions.append(f"p.expertise_words @@ {query}")
    return conditions


async def members(
    conn: asyncpg.Connection, community_id: int, filters: Filters, *, limit: int, offset: int = 0
) -> tuple[list[Member], int]:
    """One page of members, by name, and how many match in all."""
    args: list[object] = [community_id]
    conditions = " AND ".join(["true", *_filter_conditions(filters, args)])
    base = f"""
        FROM follows f JOIN actors a ON a.id = f.follower_id
        LEFT JOIN actor_profiles p ON p.actor_id = a.id
        WHERE f.followed_id = $1 AND f.state = 'accepted' AND {_ACTIVE} AND {conditions}
    """
    total = await conn.fetchval(f"SELECT count(*) {base}", *args)
    rows = await conn.fetch(
        f"""
        SELECT {_ACTOR_COLUMNS}, {PROFILE_COLUMNS}, f.accepted_at {base}
        ORDER BY lower(coalesce(nullif(a.display_name, ''), a.username)), a.id
        LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}
        """,
        *args,
        limit,
        offset,
    )
    found = [Member(_actor(row), profile_from_row(row), row["accepted_at"]) for row in rows]
    return found, int(total or 0)


async def who_knows(
    conn: asyncpg.Connection,
    community_id: int,
    query: str,
    *,
    viewer_id: int | None,
    limit: int,
) -> list[Knower]:
    """People of the community ranked by what they state and wrote about `query`, best first."""
    rows = await conn.fetch(
        f"""
        WITH pq AS (
            SELECT c AS config, websearch_to_tsquery(c, $2) AS query
            FROM unnest('{{{",".join(CONFIGS)}}}'::regconfig[]) AS c
            WHERE EXISTS (SELECT 1 FROM posts e WHERE e.search_config = c)
        ), hits AS (
            -- posts in this community about the subject, that the reader may read
            SELECT p.id, p.author_id, p.thread_id,
                   ts_rank_cd(p.search_vector, pq.query) AS rank
            FROM pq JOIN posts p ON p.search_config = pq.config AND p.search_vector @@ pq.query
            WHERE p.community_id = $1 AND {visible_to("$3::bigint")}
        ), written AS (
            SELECT author_id AS actor_id, count(*) AS posts, sum(rank) AS rank
            FROM hits GROUP BY author_id
        ), answered AS (
            -- accepted answers where the question or the answer is about the subject
            SELECT ans.author_id AS actor_id, count(DISTINCT ans.id) AS answers
            FROM hits h
            JOIN posts t ON t.id = coalesce(h.thread_id, h.id)
            JOIN posts ans ON ans.id = t.accepted_answer_id
            WHERE (h.id = t.id OR h.id = ans.id)
              AND ans.deleted_at IS NULL AND ans.removed_at IS NULL
            GROUP BY ans.author_id
        ), stated AS (
            SELECT p.actor_id,
                   ts_rank(p.expertise_words, {_EXPERTISE_QUERY.format("$2")}) AS rank
            FROM actor_profiles p
            JOIN follows f ON f.follower_id = p.actor_id AND f.followed_id = $1
                          AND f.state = 'accepted'
            WHERE p.expertise_words @@ {_EXPERTISE_QUERY.format("$2")}
        ), ranked AS (
            SELECT coalesce(s.actor_id, w.actor_id, x.actor_id) AS actor_id,
                   s.actor_id IS NOT NULL AS stated,
                   coalesce(w.posts, 0) AS posts, coalesce(x.answers, 0) AS answers,
                   CASE WHEN s.actor_id IS NOT NULL THEN {STATED_WEIGHT} + s.rank ELSE 0 END
                   + least(coalesce(w.posts, 0), {MAX_COUNTED_POSTS}) + coalesce(w.rank, 0)
                   + {ANSWER_WEIGHT} * coalesce(x.answers, 0) AS score
            FROM stated s
            FULL JOIN written w ON w.actor_id = s.actor_id
            FULL JOIN answered x ON x.actor_id = coalesce(s.actor_id, w.actor_id)
        )
        SELECT {_ACTOR_COLUMNS}, {PROFILE_COLUMNS}, r.stated, r.posts, r.answers, r.score,
               f.accepted_at
        FROM ranked r JOIN actors a ON a.id = r.actor_id
        LEFT JOIN actor_profiles p ON p.actor_id = a.id
        LEFT JOIN follows f ON f.follower_id = a.id AND f.followed_id = $1
                           AND f.state = 'accepted'
        WHERE a.actor_type <> 'Group' AND {_ACTIVE}
        ORDER BY r.score DESC, a.id
        LIMIT $4
        """,
        community_id,
        query,
        viewer_id,
        limit,
    )
    return [
        Knower(
            Member(_actor(row), profile_from_row(row), row["accepted_at"]),
            score=float(row["score"]),
            stated=row["stated"],
            posts=int(row["posts"]),
            answers=int(row["answers"]),
        )
        for row in rows
    ]
