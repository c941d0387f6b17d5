"""Every real payload under tests/data/real goes through the inbox path, signature aside.

    fixture bytes -> admit(body, host of its actor)        the inbox's checks after the signature
      4xx -> a one-line reason, and not one row written anywhere
      202 -> the row, queued by the node's inbox writer -> InboxWorker.run_once()
             -> done | ignored | rejected (a handler's refusal, with its reason)
                | waiting ('pending' with last_error: a peer to fetch from is down)
             never a handler crash (the worker logs those), never 'failed'
    after every file: the database's invariants hold (no half-written rows)

Each file goes through two nodes, shared by the module (no HTTP server: nothing is posted to
them), whose databases are emptied back to a baseline before each file: the instance actor, a
local user `member` and a community `commons`.

bare:  an https node, as in production, that knows no one and reaches no one (no name
       resolves). What needs a fetch waits, as it would for a peer that is down; an http id is
       not fetched at all.
known: an http node (the captured payloads come mostly from servers' test set-ups on http, so
       it may fetch their ids), set up as the payload needs:
  - A 'pending' row means its signature was verified, so the sender's key, and with it the
    sender, is cached. Every actor the payload names as an actor or an author is therefore
    cached: its real document when the corpus has one (checked by fedcop's own actor_fields),
    else a stand-in (a Group when it announces, a Person otherwise).
  - Cached Persons are members of `commons` (so a vote, an edit or a reply there is relayed, and
    a deleted account has memberships to end); `member` follows every cached Group (so what
    those communities announce is for this node).
  - The posts the payload acts on (the object of a Like, Dislike, Update or Delete, the post a
    new one replies to, the post an undone vote was cast on) are kept here: in the announcing
    community, else in `commons`, written by the payload's actor.
  - The network serves the documents the corpus holds (the objects embedded in the payload
    first: its origin serves what it sent); any other fetch fails as on the bare node.

Run with -s for the per-file outcomes and a summary table.
"""

from __future__ import annotations

import contextlib
import copy
import json
import socket
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
import pytest_asyncio

from fedcop.app import create_app
from fedcop.config import Config
from fedcop.db.embedded import EmbeddedPostgres
from fedcop.handlers import HandlerContext
from fedcop.inbox.acceptance import admit
from fedcop.inbox.writer import InboxWriter
from fedcop.network import Network, SigningKey
from fedcop.services import accounts, remote_actors
from fedcop.services import node as node_service
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store import posts as post_store
from fedcop.store.actors import Actor
from fedcop.store.posts import NewPost
from fedcop.workers.inbox import InboxWorker
from federation.keys import generate_key_pair
from federation.vocab import as_list, first_type, host_of, id_of
from tests.conftest import fresh_database, make_config
from tests.paths import REAL_FIXTURES
from tests.post_expectations import expected_post, plain_text

FIXTURES = REAL_FIXTURES
MISSING = (
    f"the real-payload fixtures are missing: {FIXTURES} does not exist. They are part of the "
    "repository (tests/data/real); restore them from git."
)
# Tables the baseline keeps (the local actors); every other table is emptied between files.
BASELINE_TABLES = frozenset(
    {"actors", "users", "communities", "community_facilitators", "node", "schema_migrations"}
)
# Caches and the queue itself: an ignored or waiting activity may change these, nothing else.
CACHE_TABLES = frozenset({"actors", "hosts", "inbound_activities"})
ACTOR_TYPES = remote_actors.ACTOR_TYPES


def _fixture_files() -> list[str]:
    if not FIXTURES.is_dir():
        return []
    return sorted(path.relative_to(FIXTURES).as_posix() for path in FIXTURES.glob("**/*.json"))


FILES = _fixture_files()


# -- outcomes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    kind: str  # refused | done | ignored | rejected | waiting
    detail: str  # the activity type handled or ignored; else the reason, or why it waits


SCENES = ("bare", "known")
OUTCOMES: dict[tuple[str, str], Outcome] = {}  # (scene, file) -> outcome


@dataclass(frozen=True)
class Expected:
    kind: str
    detail: str  # text the outcome's detail must contain
    why: str


SCRUBBED = Expected(
    "refused",
    "id: must be an absolute https or http URI (got 'SCRUBBED_ID')",
    "Mbin's snapshot tooling replaced every id with SCRUBBED_ID",
)
NOT_AN_ACTIVITY = Expected(
    "refused", "type: is required", "WebFinger/NodeInfo document: no ActivityStreams type"
)

# The outcomes that matter, on the known node. Every other file only has to be refused with a
# reason, or handled without a crash and without a half-written row.
EXPECTED: dict[str, Expected] = {
    **{name: SCRUBBED for name in FILES if name.startswith("mbin/activities/snapshot_")},
    **{name: NOT_AN_ACTIVITY for name in FILES if "/discovery/" in name},
    "mastodon/actors/person.json": Expected(
        "refused", "is not an activity: it has no actor", "an actor document is not an activity"
    ),
    "lemmy/activities/update_community.json": Expected(
        "refused",
        "Update of http://enterprise.lemmy.ml/c/main, which is not on the actor's host",
        "a moderator on ds9 updating a community on enterprise: only its own host may",
    ),
    "misskey/activities/misskey-like.json": Expected(
        "refused",
        "is not on the actor's host mastodon.example.org",
        "the activity id is on another host than its actor",
    ),
    "gotosocial/activities/delete_public_status.json": Expected(
        "refused", "Delete.id: is required", "a documentation example without an id"
    ),
    # Follows of communities elsewhere: not for this node.
    "lemmy/activities/follow.json": Expected("ignored", "Follow", "a Follow of a remote actor"),
    "mastodon/activities/follow.json": Expected("ignored", "Follow", "a Follow of a remote actor"),
    # Accept of a Follow no local actor sent.
    "mastodon/activities/mastodon-accept-activity.json": Expected(
        "ignored", "Accept", "an Accept of someone else's Follow"
    ),
    # Unknown types are recorded, then ignored.
    "lemmy/activities/warn.json": Expected("ignored", "Warn", "no handler for Warn"),
    "pleroma/activities/create-chat-message.json": Expected(
        "rejected", "a ChatMessage is not a post", "a private chat message"
    ),
    # Handled for real on the scene.
    "lemmy/activities/announce_create_page.json": Expected(
        "done", "Announce", "a followed Lemmy community announces a new post: stored"
    ),
    "lemmy/activities/like_note.json": Expected("done", "Like", "a vote on a post kept here"),
    "lemmy/activities/dislike_page.json": Expected("done", "Dislike", "a downvote, counted apart"),
    "lemmy/activities/undo_like_note.json": Expected("done", "Undo", "a vote taken back"),
    "lemmy/activities/update_page.json": Expected("done", "Update", "its author edits a post"),
    "lemmy/activities/delete_page.json": Expected("done", "Delete", "its author deletes a post"),
    "mastodon/activities/mastodon-delete-user.json": Expected(
        "done", "Delete", "an account deleted: its membership ends"
    ),
    "mastodon/activities/create_note.json": Expected(
        "done", "Create", "a Mastodon reply to a post kept here"
    ),
    "mastodon/activities/mastodon-update.json": Expected(
        "rejected",
        "publicKeyPem is not a PEM-encoded public key",
        "an actor's own profile, whose key its source cut short: the key in hand is kept",
    ),
    "piefed/activities/announce_create_page.json": Expected(
        "done", "Announce", "a followed PieFed community announces a new post: stored"
    ),
}

# The outcomes that matter on a bare node: it knows no one, and every fetch fails.
EXPECTED_BARE: dict[str, Expected] = {
    "mastodon/activities/like_page.json": Expected(
        "waiting",
        "ConnectionFailedError: fetching https://mastodon.madrid/users/felix failed",
        "the voter must be fetched first, and its server cannot be reached",
    ),
    "piefed/activities/announce_create_page.json": Expected(
        "waiting",
        "fetching https://piefed.social/c/piefed_meta failed",
        "the announcing community must be fetched first",
    ),
    "lemmy/activities/like_note.json": Expected(
        "rejected",
        "SchemeNotAllowedError: refused to contact http://ds9.lemmy.ml/u/lemmy_alpha",
        "an https node does not fetch a voter's http id: no retry will change that",
    ),
    "lemmy/activities/follow.json": Expected("ignored", "Follow", "a Follow of a remote actor"),
    "mastodon/activities/create_note.json": Expected(
        "ignored", "Create", "a reply to a post this node does not keep"
    ),
    "mastodon/activities/mastodon-delete-user.json": Expected(
        "ignored", "Delete", "an account this node never knew is gone: nothing to do"
    ),
    "mastodon/activities/mastodon-update.json": Expected(
        "rejected",
        "publicKeyPem is not a PEM-encoded public key",
        "an actor's own profile whose key its source cut short: not kept",
    ),
    "pleroma/activities/create-chat-message.json": Expected(
        "rejected", "a ChatMessage is not a post", "a private chat message"
    ),
}


# -- the node ----------------------------------------------------------------------------------


async def offline(host: str, port: int) -> list[str]:
    """No name resolves: this test never reaches the network, on any machine."""
    raise socket.gaierror(socket.EAI_NONAME, f"{host}: name not known (the test is offline)")


class CorpusNetwork(Network):
    """The node's network, except that the corpus's documents are served from memory."""

    def __init__(self, config: Config, key: SigningKey, corpus: dict[str, dict[str, Any]]) -> None:
        super().__init__(config, key, resolver=offline)
        self.corpus = corpus
        self.sent: dict[str, dict[str, Any]] = {}  # the objects embedded in the current payload

    async def fetch(self, url: str) -> dict[str, Any]:
        document = self.sent.get(url) or self.corpus.get(url)
        if document is not None:
            return copy.deepcopy(document)
        return await super().fetch(url)


@dataclass
class Node:
    name: str  # bare | known
    config: Config
    pool: Any
    writer: InboxWriter
    worker: InboxWorker
    network: CorpusNetwork
    tables: list[str]
    emptied: list[str]  # every table but the baseline's, referencing tables first
    stand_in_key: str
    commons: Actor
    member: Actor


def _documents_in(value: object) -> Iterator[dict[str, Any]]:
    """Every object with an http(s) id and a type, the outermost first."""
    pending = [value]
    while pending:
        item = pending.pop(0)
        if isinstance(item, dict):
            if host_of(item.get("id")) is not None and first_type(item) is not None:
                yield item
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def _corpus() -> dict[str, dict[str, Any]]:
    """The corpus's documents by id: actors first, then objects, collections, activities."""
    order = {"actors": 0, "objects": 1, "collections": 2, "activities": 3}
    corpus: dict[str, dict[str, Any]] = {}
    for name in sorted(FILES, key=lambda name: (order.get(name.split("/")[1], 9), name)):
        document = json.loads((FIXTURES / name).read_bytes())
        if isinstance(document, dict) and host_of(document.get("id")) is not None:
            corpus.setdefault(str(document["id"]), document)
    return corpus


@contextlib.asynccontextmanager
async def _running_node(
    pg_cluster: EmbeddedPostgres, name: str, base_url: str, corpus: dict[str, dict[str, Any]]
) -> AsyncIterator[Node]:
    """A node (its app's lifespan run, no workers) with the baseline's local actors."""
    async with fresh_database(pg_cluster) as dsn:
        config = make_config(base_url)
        app = create_app(config, dsn, run_workers=False, resolver=offline)
        async with app.router.lifespan_context(app):
            pool = app.state.pool
            member = await accounts.create_user(pool, config, "member", "long enough")
            commons = await accounts.create_community(
                pool, config, "commons", title="Commons", owner="member"
            )
            instance = await node_service.instance_actor(pool)
            key = SigningKey(instance.actor.public_key_id, instance.private_key_pem)
            network = CorpusNetwork(config, key, corpus)
            async with pool.acquire() as conn:
                tables = [
                    str(row["table_name"])
                    for row in await conn.fetch(
                        """
                        SELECT table_name FROM information_schema.tables
                        WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
                        ORDER BY table_name
                        """
                    )
                ]
                references = {
                    (str(row["child"]), str(row["parent"]))
                    for row in await conn.fetch(
                        """
                        SELECT conrelid::regclass::text AS child,
                               confrelid::regclass::text AS parent
                        FROM pg_constraint WHERE contype = 'f'
                        """
                    )
                }
            try:
                yield Node(
                    name=name,
                    config=config,
                    pool=pool,
                    writer=app.state.inbox_writer,
                    worker=InboxWorker(HandlerContext(pool=pool, config=config, network=network)),
                    network=network,
                    tables=tables,
                    emptied=_referencing_first(
                        [table for table in tables if table not in BASELINE_TABLES], references
                    ),
                    stand_in_key=generate_key_pair().public_pem,
                    commons=commons,
                    member=member,
                )
            finally:
                await network.aclose()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def nodes(pg_cluster: EmbeddedPostgres) -> AsyncIterator[dict[str, Node]]:
    assert FIXTURES.is_dir(), MISSING
    async with (
        _running_node(pg_cluster, "bare", "https://alpha.test", {}) as bare,
        _running_node(pg_cluster, "known", "http://alpha.test", _corpus()) as known,
    ):
        try:
            yield {"bare": bare, "known": known}
        finally:
            _print_summary()


def _referencing_first(tables: list[str], references: set[tuple[str, str]]) -> list[str]:
    """`tables` ordered so that each comes before the tables it references."""
    ordered: list[str] = []
    remaining = set(tables)
    while remaining:
        ready = sorted(
            table
            for table in remaining
            if not any(p == table and c in remaining and c != table for c, p in references)
        )
        assert ready, f"foreign keys in a cycle among {sorted(remaining)}"
        ordered += ready
        remaining -= set(ready)
    return ordered


async def _reset(node: Node) -> None:
    """Back to the baseline: the local actors, nothing else (DELETE: tables this small empty
    ten times faster than with TRUNCATE)."""
    statements = [f"DELETE FROM {table}" for table in node.emptied] + [
        "DELETE FROM actors WHERE domain IS NOT NULL",
        f"DELETE FROM community_facilitators WHERE actor_id <> {int(node.member.id)}",
    ]
    async with node.pool.acquire() as conn, conn.transaction():
        await conn.execute("; ".join(statements))


async def _fingerprints(conn: asyncpg.Connection, tables: list[str]) -> dict[str, str]:
    """Per table, its row count and a digest of every row: any write shows."""
    columns = ", ".join(
        f"(SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
        f" FROM {table} t) AS {table}"
        for table in tables
    )
    row = await conn.fetchrow(f"SELECT {columns}")
    return {table: str(row[table]) for table in tables}


# -- the scene ---------------------------------------------------------------------------------


@dataclass
class Scene:
    actors: dict[str, str] = field(default_factory=dict)  # uri -> type of a stand-in
    posts: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # uri -> author, group
    votes: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # id -> post, voter, kind

    def actor(self, uri: str | None, stand_in_type: str) -> None:
        if uri is not None:
            self.actors.setdefault(uri, stand_in_type)

    def post(self, uri: str | None, author: str, community: str | None) -> None:
        if uri is not None and uri != author:
            self.posts.setdefault(uri, (author, community))


def _url(value: object) -> str | None:
    """The id a property names, if it is an http(s) URL."""
    found = id_of(value)
    return found if host_of(found) is not None else None


def plan(activity: dict[str, Any], scene: Scene, community: str | None = None) -> None:
    """What must already be here for `activity` to be handled (see the module docstring)."""
    actor = _url(activity.get("actor"))
    if actor is None:
        return
    kind = first_type(activity)
    scene.actor(actor, "Group" if kind == "Announce" else "Person")
    inner = activity.get("object")
    if kind == "Announce":
        if isinstance(inner, dict) and _url(inner.get("actor")) is not None:
            plan(inner, scene, community=actor)
        elif isinstance(inner, dict):
            scene.actor(_url(inner.get("attributedTo")), "Person")
        return
    if kind == "Create":
        for note in as_list(inner):
            if isinstance(note, dict):
                scene.actor(_url(note.get("attributedTo")), "Person")
                scene.post(_url(note.get("inReplyTo")), actor, community)
    elif kind in ("Like", "Dislike", "Update", "Delete"):
        if not (isinstance(inner, dict) and first_type(inner) in ACTOR_TYPES):
            scene.post(_url(inner), actor, community)
    elif kind == "Undo":
        undone = first_type(inner) if isinstance(inner, dict) else None
        vote_id = _url(inner)
        if isinstance(inner, dict) and undone in ("Like", "Dislike") and vote_id is not None:
            post_uri = _url(inner.get("object"))
            scene.post(post_uri, actor, community)
            if post_uri is not None:
                scene.votes[vote_id] = (post_uri, actor, undone.lower())
        elif isinstance(inner, str) and vote_id is not None:
            # Only an id: the vote it names was cast here, on a post this node keeps.
            post_uri = f"{actor}/scene/voted-post"
            scene.post(post_uri, actor, community)
            scene.votes[vote_id] = (post_uri, actor, "like")


def _stand_in(uri: str, actor_type: str, public_key_pem: str) -> actor_store.RemoteActorFields:
    parts = urlsplit(uri)
    name = next((s for s in reversed(parts.path.split("/")) if s), parts.netloc).lstrip("@")
    return actor_store.RemoteActorFields(
        uri=uri,
        actor_type=actor_type,
        username=name[:255] or "someone",
        domain=parts.netloc.lower(),
        display_name=name[:255],
        summary="",
        inbox_url=f"{uri}/inbox",
        shared_inbox_url=None,
        outbox_url=f"{uri}/outbox",
        followers_url=f"{uri}/followers",
        public_key_id=f"{uri}#main-key",
        public_key_pem=public_key_pem,
    )


async def _set_scene(node: Node, scene: Scene) -> None:
    async with node.pool.acquire() as conn, conn.transaction():
        cached: dict[str, Actor] = {}
        for uri, stand_in_type in scene.actors.items():
            fields = _stand_in(uri, stand_in_type, node.stand_in_key)
            real = node.network.corpus.get(uri)
            if real is not None:
                # An unusable actor document (no key, a placeholder id...): the stand-in.
                with contextlib.suppress(remote_actors.ActorError):
                    fields = remote_actors.actor_fields(copy.deepcopy(real))
            cached[uri] = await actor_store.upsert_remote(conn, fields)
        for actor in cached.values():
            if actor.actor_type == "Group":
                follower, followed = node.member, actor
            else:
                follower, followed = actor, node.commons
            await follow_store.upsert(conn, follower.id, followed.id, f"{actor.uri}#joins", True)
        for uri, (author, group) in scene.posts.items():
            community = cached.get(group, node.commons) if group else node.commons
            await post_store.insert(
                conn,
                NewPost(
                    uri=uri,
                    community_id=community.id,
                    author_id=cached[author].id,
                    thread_id=None,
                    parent_id=None,
                    in_reply_to_uri=None,
                    object_type="Page",
                    title="A thread this node keeps",
                    content="<p>Kept before the payload arrived.</p>",
                    summary="",
                    url=None,
                    attachments=[],
                    sensitive=False,
                    visibility="public",
                    create_uri=None,
                    published=None,
                ),
            )
        for vote_id, (post_uri, voter, kind) in scene.votes.items():
            post = await post_store.find_by_uri(conn, post_uri)
            assert post is not None
            await post_store.set_vote(conn, post.id, cached[voter].id, kind, vote_id)


# -- invariants --------------------------------------------------------------------------------

_HOST = "split_part(split_part(split_part(lower({0}), '://', 2), '/', 1), ':', 1)"

INVARIANTS: dict[str, str] = {
    "an inbound row is finished exactly when its state is final": """
        SELECT activity_id, state FROM inbound_activities
        WHERE (finished_at IS NOT NULL) <> (state IN ('done', 'ignored', 'rejected', 'failed'))
    """,
    "only an unverified row keeps its signed request": """
        SELECT activity_id, state FROM inbound_activities
        WHERE signed_request IS NOT NULL AND state <> 'unverified'
    """,
    "a remote actor's domain is its id's host": """
        SELECT uri, domain FROM actors
        WHERE domain IS NOT NULL
          AND split_part(split_part(lower(uri), '://', 2), '/', 1) <> domain
    """,
    "a post lives in a community (a Group)": """
        SELECT p.uri FROM posts p JOIN actors c ON c.id = p.community_id
        WHERE c.actor_type <> 'Group'
    """,
    "a reply hangs in a thread of its own community": """
        SELECT p.uri FROM posts p JOIN posts t ON t.id = p.thread_id
        WHERE t.thread_id IS NOT NULL OR t.community_id <> p.community_id
    """,
    "a thread has a title, a reply has none": """
        SELECT uri, title FROM posts WHERE (thread_id IS NULL) <> (title IS NOT NULL)
    """,
    "a reply names the post it answers": """
        SELECT uri FROM posts WHERE thread_id IS NOT NULL AND in_reply_to_uri IS NULL
    """,
    "a thread's reply count is its replies": """
        SELECT t.uri, t.reply_count FROM posts t
        WHERE t.thread_id IS NULL
          AND t.reply_count <> (SELECT count(*) FROM posts r WHERE r.thread_id = t.id)
    """,
    "a post's vote counts are its votes": """
        SELECT p.uri FROM posts p
        WHERE p.like_count
                  <> (SELECT count(*) FROM votes v WHERE v.post_id = p.id AND v.kind = 'like')
           OR p.dislike_count
                  <> (SELECT count(*) FROM votes v WHERE v.post_id = p.id AND v.kind = 'dislike')
    """,
    "a deleted post keeps no content": """
        SELECT uri FROM posts
        WHERE deleted_at IS NOT NULL AND (content <> '' OR summary <> '' OR attachments <> '[]')
    """,
    "a follow joins two actors, at least one of them local": """
        SELECT f.follow_uri FROM follows f
        JOIN actors a ON a.id = f.follower_id JOIN actors b ON b.id = f.followed_id
        WHERE a.id = b.id OR (a.domain IS NOT NULL AND b.domain IS NOT NULL)
    """,
    "a follow is accepted exactly when it says when": """
        SELECT follow_uri FROM follows WHERE (state = 'accepted') <> (accepted_at IS NOT NULL)
    """,
    "only local actors publish, under their own name": """
        SELECT o.uri FROM outbound_activities o JOIN actors a ON a.id = o.actor_id
        WHERE a.domain IS NOT NULL OR o.document->>'id' <> o.uri
           OR o.document->>'actor' <> a.uri OR o.body::jsonb <> o.document
    """,
    "a delivery is queued for its inbox's host": f"""
        SELECT inbox_url, host FROM deliveries WHERE host <> {_HOST.format("inbox_url")}
    """,
}


_RULES = list(INVARIANTS)
_ALL_INVARIANTS = " UNION ALL ".join(
    f"(SELECT {number} AS rule, q::text AS example FROM ({INVARIANTS[rule]}) q LIMIT 3)"
    for number, rule in enumerate(_RULES)
)


async def _broken_invariants(conn: asyncpg.Connection) -> list[str]:
    """Each rule broken, with up to three offending rows; all rules in one round trip."""
    broken: dict[str, list[str]] = {}
    for row in await conn.fetch(_ALL_INVARIANTS):
        broken.setdefault(_RULES[row["rule"]], []).append(row["example"])
    return [f"{rule}: {examples}" for rule, examples in broken.items()]


# -- the tests ---------------------------------------------------------------------------------


def test_the_fixture_directory_is_present() -> None:
    assert FIXTURES.is_dir(), MISSING
    assert FILES, f"{FIXTURES} holds no .json files"


def test_every_expectation_names_an_existing_file() -> None:
    assert FIXTURES.is_dir(), MISSING
    assert sorted((set(EXPECTED) | set(EXPECTED_BARE) | STORES_POSTS) - set(FILES)) == []


def _signer_host(document: object) -> str:
    """The host whose signature the payload would carry: its actor's (else its id's)."""
    if isinstance(document, dict):
        for value in (id_of(document.get("actor")), document.get("id")):
            host = host_of(value)
            if host is not None:
                return host
    return "unknown.invalid"


def _is_one_sentence(text: str | None) -> bool:
    return bool(text and text.strip()) and "\n" not in str(text) and "Traceback" not in str(text)


async def _through_the_inbox(node: Node, name: str, caplog: pytest.LogCaptureFixture) -> Outcome:
    """One payload through admit, the inbox writer and the inbox worker, on a node; every check
    that holds whatever the outcome is made here."""
    where = f"{name} ({node.name} node)"
    body = (FIXTURES / name).read_bytes()
    try:
        document: object = json.loads(body)
    except ValueError:
        document = None
    # Given the node at its baseline, with the scene (on the known node)
    await _reset(node)
    node.network.sent = {}
    if node.name == "known":
        scene = Scene()
        if isinstance(document, dict):
            plan(document, scene)
        await _set_scene(node, scene)
        for embedded in _documents_in(document):
            if embedded is not document:
                node.network.sent.setdefault(str(embedded["id"]), embedded)
    async with node.pool.acquire() as conn:
        before = await _fingerprints(conn, node.tables)
    caplog.clear()

    # When it passes the inbox's checks after the signature (signed by its actor's host), is
    # queued if admitted, and the inbox worker runs once
    decision = admit(body, _signer_host(document))
    if decision.row is not None:
        await node.writer.write(decision.row)
    claimed = await node.worker.run_once()

    # Then nothing crashed and the database is consistent, ...
    async with node.pool.acquire() as conn:
        after = await _fingerprints(conn, node.tables)
        broken = await _broken_invariants(conn)
        row = (
            await conn.fetchrow(
                """
                SELECT state, last_error, attempts, next_attempt_at > now() AS later, reason
                FROM inbound_activities WHERE activity_id = $1
                """,
                decision.row.activity_id,
            )
            if decision.row is not None
            else None
        )
    crashes = [
        f"{record.name}: {record.getMessage()} ({record.exc_info[1]!r})"
        for record in caplog.records
        if record.name.startswith("fedcop")
        and record.levelname in ("ERROR", "CRITICAL")
        and record.exc_info is not None
    ]
    assert not crashes, f"{where} crashed fedcop: {crashes}"
    assert not broken, f"{where} left the database inconsistent: {broken}"
    # ... and it was refused with a reason and nothing was written, ...
    if decision.row is None:
        # (a 400: the sender's own error, which resending will not cure)
        assert decision.status == 400, f"{where}: {decision}"
        assert _is_one_sentence(decision.message), f"{where}: unclear {decision.message!r}"
        assert claimed == 0
        assert after == before, f"{where} was refused, yet something was written"
        return Outcome("refused", decision.message)
    # ... or it was handled, ignored, rejected with a reason, or waits for a peer; never half-way
    assert decision.status == 202 and claimed == 1, f"{where}: {decision}, {claimed} claimed"
    assert row is not None, f"{where}: admitted, but no row was queued"
    state, last_error, attempts, later, reason = row
    assert attempts == 1
    # Nothing accepted is dropped without a recorded reason.
    assert state != "ignored" or _is_one_sentence(reason), f"{where}: ignored, {reason!r}"
    if state in ("done", "ignored"):
        assert last_error is None, f"{where}: {state}, yet {last_error}"
        outcome = Outcome(str(state), decision.row.activity_type)
    elif state == "rejected":
        assert _is_one_sentence(last_error), f"{where}: rejected, {last_error!r}"
        outcome = Outcome("rejected", str(last_error))
    else:
        assert state == "pending", f"{where} ended {state}: {last_error}"
        assert later and _is_one_sentence(last_error), f"{where}: waits, {last_error!r}"
        outcome = Outcome("waiting", str(last_error))
    changed = {table for table in node.tables if after[table] != before[table]}
    if outcome.kind == "done":
        assert changed - {"inbound_activities", "hosts"}, f"{where}: done, yet nothing changed"
    else:
        written = sorted(changed - CACHE_TABLES)
        assert not written, f"{where} is {outcome.kind}, yet {written} changed"
    return outcome


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("name", FILES or [MISSING])
async def test_each_real_payload_goes_through_the_inbox_path(
    name: str, nodes: dict[str, Node], caplog: pytest.LogCaptureFixture
) -> None:
    if not FIXTURES.is_dir():
        pytest.fail(MISSING)
    # Given a node that knows no one and reaches no one; When the payload comes in; Then ...
    bare = await _through_the_inbox(nodes["bare"], name, caplog)
    # Given a node that knows what the payload is about; When it comes in; Then ...
    known = await _through_the_inbox(nodes["known"], name, caplog)
    OUTCOMES[("bare", name)] = bare
    OUTCOMES[("known", name)] = known
    # ... and every post it left here says what the payload says
    checked = await _stored_posts_match_the_payload(nodes["known"], name)
    if name in STORES_POSTS:
        assert checked, f"{name} is handled by keeping a post, yet no post was stored"
    # ... a refusal does not depend on what the node knows, and the outcomes that matter hold
    assert (bare.kind == "refused") == (known.kind == "refused"), f"{name}: {bare}, {known}"
    for scene_name, outcome, table in (("bare", bare, EXPECTED_BARE), ("known", known, EXPECTED)):
        expected = table.get(name)
        if expected is not None:
            where = f"{name} on the {scene_name} node ({expected.why})"
            assert outcome.kind == expected.kind, f"{where}: {outcome}"
            assert expected.detail in outcome.detail, f"{where}: {outcome}"


# -- what is stored, against what the payload says (tests/post_expectations.py) -------------

# Payloads whose handling keeps a post (new, or edited): each must leave at least one.
STORES_POSTS: frozenset[str] = frozenset(
    {
        "friendica/activities/create_note.json",
        "friendica/activities/update_note.json",
        "gnusocial/activities/create_note.json",
        "lemmy/activities/announce_create_note_raw_body_lemmy_ml.json",
        "lemmy/activities/announce_create_page.json",
        "lemmy/activities/create_comment.json",
        "lemmy/activities/update_page.json",
        "lotide/activities/create_note_reply.json",
        "mastodon/activities/create_note.json",
        "mastodon/activities/mastodon_flow_1_update_note.json",
        "nodebb/activities/case1_received_1.json",
        "nodebb/activities/case1_received_10.json",
        "nodebb/activities/case1_received_2.json",
        "nodebb/activities/case1_received_4.json",
        "nodebb/activities/case1_received_7.json",
        "nodebb/activities/case2_received_2.json",
        "nodebb/activities/case2_received_3.json",
        "nodebb/activities/case2_received_5.json",
        "piefed/activities/announce_create_page.json",
        "pleroma/activities/create-pleroma-reply-to-misskey-thread.json",
        "pleroma/activities/create_note.json",
        "smithereen/activities/create_note.json",
        "streams/activities/roadhouse-create-activity.json",
        "wordpress/activities/announce_update_article.json",
    }
)
SCENE_CONTENT = "<p>Kept before the payload arrived.</p>"


async def _stored_posts_match_the_payload(node: Node, name: str) -> int:
    """Compare every post the payload left (new, or edited) with what it says; how many."""
    async with node.pool.acquire() as conn:
        rows = await conn.fetch(
            """
            SELECT uri, content, url, attachments, sensitive, tags, language, in_reply_to_uri,
                   updated IS NOT NULL AS edited
            FROM posts WHERE deleted_at IS NULL AND content <> $1
            """,
            SCENE_CONTENT,
        )
    for row in rows:
        note = node.network.sent.get(row["uri"]) or node.network.corpus.get(row["uri"])
        assert note is not None, f"{name}: stored {row['uri']}, which the payload does not hold"
        expected = expected_post(note)
        where = f"{name}: {row['uri']}"
        assert plain_text(row["content"]) == expected["text"], where
        assert list(row["tags"]) == expected["tags"], where
        assert row["language"] == expected["language"], where
        if row["edited"]:
            continue  # an edit changes the text, not where the post hangs or links to
        assert row["url"] == expected["url"], where
        attachments = (
            json.loads(row["attachments"])
            if isinstance(row["attachments"], str)
            else row["attachments"]
        )
        assert [a["url"] for a in attachments] == expected["attachments"], where
        assert all(a["sensitive"] is expected["sensitive"] for a in attachments), where
        assert row["sensitive"] is expected["sensitive"], where
        assert row["in_reply_to_uri"] == expected["in_reply_to"], where
    return len(rows)


def _print_summary() -> None:
    if not OUTCOMES:
        return
    kinds = ("refused", "done", "ignored", "rejected", "waiting")
    for scene_name in SCENES:
        outcomes = {name: o for (scene, name), o in OUTCOMES.items() if scene == scene_name}
        print(f"\n{len(outcomes)} real payloads through the inbox path, {scene_name} node:")
        for name, outcome in sorted(outcomes.items()):
            if outcome.kind != "refused":
                print(f"  {outcome.kind:8} {name}: {outcome.detail[:90]}")
        by_software: dict[str, Counter[str]] = {}
        for name, outcome in outcomes.items():
            by_software.setdefault(name.split("/")[0], Counter())[outcome.kind] += 1
        print(f"\n  {'software':14}" + "".join(f"{kind:>9}" for kind in kinds))
        for software, counts in sorted(by_software.items()):
            print(f"  {software:14}" + "".join(f"{counts[kind]:>9}" for kind in kinds))
        totals = Counter(outcome.kind for outcome in outcomes.values())
        print(f"  {'all':14}" + "".join(f"{totals[kind]:>9}" for kind in kinds))
