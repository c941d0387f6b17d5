"""A node with many posts for the search benchmark: bench/api_seed.py's node (people,
communities, members-only ones, memberships, the benchmark reader), then posts added by SQL
(`INSERT ... SELECT` over `generate_series`) until there are --posts of them.

    vocabulary    per language (English, French, German, Spanish), common words of the field
                  first, then made-up words to 20,000 ranks; a word of rank k is drawn with
                  probability ~ 1/k (Zipf), as `floor(exp(random() * ln N))` draws it
    sentences     a pool per language: 8 to 16 drawn words, some of them one of the stock
                  sentences of api_seed (so phrases such as "data dictionaries" really occur)
    posts         threads (a fifth, each with a title) and replies to earlier threads of the
                  same community; a post is 1 to 5 sentences of its community's language (most
                  communities English, some French, German, Spanish; a share of posts with no
                  language, as many remote servers send them, searched with 'simple'); ids are
                  time-sortable over the last --days days; members-only communities' posts are
                  'followers'; a third of threads are questions, half of those with an accepted
                  answer (their first reply)

The text is made on the database server: the node's posts are never in this process's memory.
"""

from __future__ import annotations

import random
from typing import Any

import api_seed
import asyncpg
from common import phase

LANGUAGES = {
    "en": (
        "the of and to in a is that for we data it on with as our this be are have was at by "
        "or from metadata repository research archive an not but dataset can will which "
        "records workflow library open team schema project review you they access support "
        "catalogue training question policy version share standard process file storage "
        "provenance licence steward community practice guidance systems funding survey "
        "publish template ontology notebooks reviewers pilot migration handover wiki "
        "vocabulary checklist identifiers preservation curation licensing citation "
        "interoperability backup retention embargo consent anonymisation"
    ),
    "fr": (
        "le de la et les des en un une du est que pour nous dans données sur avec pas par "
        "plus notre archives bibliothèque recherche dépôt métadonnées projet équipe accès "
        "catalogue formation question politique version partage norme fichier stockage "
        "provenance licence communauté pratique modèle ontologie relecture migration"
    ),
    "de": (
        "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als "
        "auch daten es an werden aus er hat dass sie nach bei bibliothek forschung archiv "
        "metadaten projekt team zugang katalog schulung frage richtlinie version speicher "
        "herkunft lizenz gemeinschaft praxis vorlage ontologie begutachtung migration"
    ),
    "es": (
        "de la que el en y a los del se las por un para con no una su al lo como más datos "
        "pero sus le ya o biblioteca investigación archivo metadatos proyecto equipo acceso "
        "catálogo formación pregunta política versión almacenamiento procedencia licencia "
        "comunidad práctica plantilla ontología revisión migración"
    ),
}
# Share of communities by language (the rest English), and of posts with no language tag.
COMMUNITY_LANGUAGES = {"fr": 0.12, "de": 0.1, "es": 0.1}
NO_LANGUAGE_SHARE = 0.08
VOCABULARY = 20_000
SENTENCES_PER_LANGUAGE = 60_000
_SYLLABLES = (
    "ka", "lo", "mi", "ne", "su", "ri", "ta", "po", "ve", "chi", "da", "fe", "gu",
    "ho", "ja", "ke", "lu", "mo", "ni", "pa", "qua", "ro", "se", "ti", "zu",
)  # fmt: skip


def _made_up(rank: int) -> str:
    """A word no language has, the same for a rank every time."""
    syllables = []
    number = rank
    while True:
        syllables.append(_SYLLABLES[number % len(_SYLLABLES)])
        number //= len(_SYLLABLES)
        if number == 0:
            break
    return "".join(syllables) + "n"


def vocabulary() -> list[tuple[str, int, str]]:
    """(language, rank, word) rows: the language's words first, made-up words after."""
    rows: list[tuple[str, int, str]] = []
    for language, text in LANGUAGES.items():
        words = list(dict.fromkeys(text.split()))
        words += [_made_up(rank) for rank in range(VOCABULARY - len(words))]
        rows += [(language, rank + 1, word) for rank, word in enumerate(words[:VOCABULARY])]
    return rows


_SETUP = """
CREATE TEMP TABLE bench_words (language text, rank int, word text, PRIMARY KEY (language, rank));
CREATE TEMP TABLE bench_stock (number int PRIMARY KEY, sentence text);
CREATE TEMP TABLE bench_sentences (language text, number int, sentence text,
                                   PRIMARY KEY (language, number));
CREATE TEMP TABLE bench_communities (number int PRIMARY KEY, id bigint, language text,
                                     private boolean);
CREATE TEMP TABLE bench_people (number int PRIMARY KEY, id bigint);
"""

# Each sentence: 8 to 16 words by Zipf rank; one in six with a stock sentence in the middle.
_SENTENCES = """
INSERT INTO bench_sentences (language, number, sentence)
SELECT l.language, s.number,
       (SELECT string_agg(w.word, ' ' ORDER BY d.i)
        FROM (SELECT i, least($2, floor(exp(random() * ln($2 + 1)))::int) AS rank
              FROM generate_series(1, 8 + (s.number * 7919 + length(l.language)) % 9) AS i)
             AS d
        JOIN bench_words w ON w.language = l.language AND w.rank = d.rank)
       || CASE WHEN l.language = 'en' AND random() < 0.16
               THEN ' ' || (SELECT b.sentence FROM bench_stock b
                            WHERE b.number = 1 + (s.number % $3))
               ELSE '' END
       || '.'
FROM unnest($1::text[]) AS l(language), generate_series(1, $4) AS s(number)
"""

_THREADS = """
INSERT INTO posts (id, uri, community_id, author_id, object_type, title, content, summary,
                   visibility, published, language, is_question, created_at)
SELECT t.id, $5 || '/p/' || t.id, c.id, a.id, 'Page',
       initcap((SELECT string_agg(w.word, ' ')
                FROM (SELECT floor(exp(random() * ln(3000)))::int AS rank
                      FROM generate_series(1, 3 + t.g % 5)) AS d
                JOIN bench_words w ON w.language = c.language AND w.rank = d.rank)),
       '<p>' || (SELECT string_agg(s.sentence, ' ')
                 FROM (SELECT 1 + floor(random() * $6)::int AS number
                       FROM generate_series(1, 1 + t.g % 5)) AS d
                 JOIN bench_sentences s ON s.language = c.language AND s.number = d.number)
       || '</p>',
       '', CASE WHEN c.private THEN 'followers' ELSE 'public' END,
       t.at, CASE WHEN random() < $7 THEN NULL ELSE c.language END,
       random() < 0.33, t.at
FROM (SELECT g, at, (((extract(epoch FROM at) * 1000)::bigint) << 16) | (g % 65536) AS id,
             least($3, floor(exp(random() * ln($3 + 1)))::int) AS community,
             1 + floor(random() * $4)::int AS person
      FROM (SELECT g, now() - interval '10 minutes' - random() * ($2 * interval '1 day') AS at
            FROM generate_series(1, $1) AS g) AS times) AS t
JOIN bench_communities c ON c.number = t.community
JOIN bench_people a ON a.number = t.person
ORDER BY t.id
ON CONFLICT DO NOTHING
"""

# Replies: each to a thread drawn at random, up to three days after it, in its community and
# language.
_REPLIES = """
INSERT INTO posts (id, uri, community_id, author_id, thread_id, parent_id, in_reply_to_uri,
                   object_type, content, summary, visibility, published, language, created_at)
SELECT r.id, $3 || '/p/' || r.id, r.community_id, a.id, r.thread, r.thread, r.thread_uri,
       'Note',
       '<p>' || (SELECT string_agg(s.sentence, ' ')
                 FROM (SELECT 1 + floor(random() * $4)::int AS number
                       FROM generate_series(1, 1 + r.g % 4)) AS d
                 JOIN bench_sentences s ON s.language = r.language AND s.number = d.number)
       || '</p>',
       '', r.visibility, r.at, CASE WHEN random() < $5 THEN NULL ELSE r.language END, r.at
FROM (SELECT x.g, x.at, (((extract(epoch FROM x.at) * 1000)::bigint) << 16) | (x.g % 65536) AS id,
             t.id AS thread, t.uri AS thread_uri, t.community_id, t.visibility,
             coalesce(t.language, 'en') AS language, 1 + floor(random() * $2)::int AS person
      FROM (SELECT g, b.id AS thread_id,
                   least(now() - interval '1 minute',
                         b.published + random() * interval '3 days') AS at
            FROM generate_series(1, $1) AS g
            JOIN bench_threads b ON b.number = 1 + (hashint4(g)::bigint & 2147483647) % $6)
           AS x JOIN posts t ON t.id = x.thread_id) AS r
JOIN bench_people a ON a.number = r.person
ORDER BY r.id
ON CONFLICT DO NOTHING
"""


async def add_posts(
    conn: asyncpg.Connection, total: int, days: int, base_url: str
) -> dict[str, Any]:
    """Posts until the node has `total` of them; counts of what was written."""
    rng = random.Random(7)
    await conn.execute(_SETUP)
    await conn.execute("SELECT setseed(0.13)")
    await conn.copy_records_to_table(
        "bench_words", records=vocabulary(), columns=["language", "rank", "word"]
    )
    stock = [sentence.rstrip(".?").lower() for sentence in api_seed._SENTENCES]
    await conn.copy_records_to_table(
        "bench_stock", records=list(enumerate(stock, start=1)), columns=["number", "sentence"]
    )
    communities = await conn.fetch(
        "SELECT a.id, c.private FROM communities c JOIN actors a ON a.id = c.actor_id ORDER BY a.id"
    )
    rows = []
    for number, row in enumerate(communities, start=1):
        draw, language, edge = rng.random(), "en", 0.0
        for name, share in COMMUNITY_LANGUAGES.items():
            edge += share
            if draw < edge:
                language = name
                break
        # the busiest communities (Zipf's first ranks) stay English
        rows.append((number, row["id"], "en" if number <= 3 else language, row["private"]))
    await conn.copy_records_to_table(
        "bench_communities", records=rows, columns=["number", "id", "language", "private"]
    )
    people = await conn.fetch("SELECT id FROM actors WHERE actor_type = 'Person' ORDER BY id")
    await conn.copy_records_to_table(
        "bench_people", records=[(n, r["id"]) for n, r in enumerate(people, 1)],
        columns=["number", "id"],
    )  # fmt: skip
    # temporary tables have no statistics until asked: without them every draw of a word
    # would read the whole vocabulary
    await conn.execute("ANALYZE bench_words, bench_stock, bench_communities, bench_people")
    # each post's few draws are looked up by key: a hash of a whole vocabulary per post (what
    # the planner picks, not knowing how few rows generate_series gives) costs minutes
    await conn.execute("SET enable_hashjoin = off; SET enable_mergejoin = off")
    with phase("sentence pools"):
        await conn.execute(
            _SENTENCES, list(LANGUAGES), VOCABULARY, len(stock), SENTENCES_PER_LANGUAGE
        )
    await conn.execute("ANALYZE bench_sentences")
    existing = await conn.fetchval("SELECT count(*) FROM posts")
    wanted = max(0, total - existing)
    threads = wanted // 5
    counts: dict[str, Any] = {"base_posts": existing}
    async with conn.transaction():
        await conn.execute(api_seed._COUNTING_TRIGGERS.format(action="DISABLE"))
        # one build of each full-text index after the load, rather than a million insertions
        word_indexes = await conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'posts'"
            " AND indexdef LIKE '%USING gin (search_vector)%'"
        )
        for index in word_indexes:
            await conn.execute(f'DROP INDEX "{index["indexname"]}"')
        with phase(f"{threads} threads"):
            status = await conn.execute(
                _THREADS, threads, days, len(rows), len(people), base_url,
                SENTENCES_PER_LANGUAGE, NO_LANGUAGE_SHARE,
            )  # fmt: skip
            counts["threads_added"] = int(status.split()[-1])
        await conn.execute(
            """CREATE TEMP TABLE bench_threads AS
               SELECT row_number() OVER (ORDER BY id)::int AS number, id, published FROM posts
               WHERE thread_id IS NULL"""
        )
        await conn.execute("ALTER TABLE bench_threads ADD PRIMARY KEY (number)")
        await conn.execute("ANALYZE bench_threads")
        thread_count = await conn.fetchval("SELECT count(*) FROM bench_threads")
        with phase(f"{wanted - threads} replies"):
            status = await conn.execute(
                _REPLIES, wanted - threads, len(people), base_url, SENTENCES_PER_LANGUAGE,
                NO_LANGUAGE_SHARE, thread_count,
            )  # fmt: skip
            counts["replies_added"] = int(status.split()[-1])
        with phase("accepted answers"):
            await conn.execute(
                """UPDATE posts q SET accepted_answer_id = (
                       SELECT min(r.id) FROM posts r WHERE r.thread_id = q.id)
                   WHERE q.is_question AND q.thread_id IS NULL AND q.id % 2 = 0"""
            )
        await conn.execute(
            """UPDATE posts t SET reply_count = r.n
               FROM (SELECT thread_id, count(*) AS n FROM posts WHERE thread_id IS NOT NULL
                     GROUP BY thread_id) r WHERE r.thread_id = t.id"""
        )
        # (the account counters are left as the base node had them: search does not read them)
        await conn.execute(api_seed._COUNTING_TRIGGERS.format(action="ENABLE"))
        with phase("full-text indexes rebuilt"):
            await conn.execute("SET LOCAL maintenance_work_mem = '1GB'")
            for index in word_indexes:
                await conn.execute(index["indexdef"])
    with phase("VACUUM ANALYZE"):
        await conn.execute("VACUUM ANALYZE")
    for key, sql in {
        "posts": "SELECT count(*) FROM posts",
        "threads": "SELECT count(*) FROM posts WHERE thread_id IS NULL",
        "members_only_posts": "SELECT count(*) FROM posts WHERE visibility = 'followers'",
        "questions": "SELECT count(*) FROM posts WHERE is_question",
        "solved": "SELECT count(*) FROM posts WHERE accepted_answer_id IS NOT NULL",
    }.items():
        counts[key] = await conn.fetchval(sql)
    counts["by_search_config"] = {
        row["c"]: row["n"]
        for row in await conn.fetch(
            "SELECT search_config::text AS c, count(*) AS n FROM posts GROUP BY 1 ORDER BY 2 DESC"
        )
    }
    return counts
