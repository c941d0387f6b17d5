"""A realistic node for the client API benchmark, written in one transaction with COPY.

    communities   local (some private: members-only posts) and remote (Lemmy-like hosts)
    people        local users (profile fields) and remote people on a few hosts
    follows       memberships (person -> community) and person -> person, mostly 'accepted'
    posts         threads and replies in time order (ids are time-sortable, as fedcop makes
                  them), replies mostly to recent threads, some to other replies; hashtags,
                  a few deleted or removed; reply, like and dislike counts as the hooks keep them
    votes, boosts, bookmarks, pins
    notifications what the hooks would have written: replies -> 'mention', likes ->
                  'favourite', boosts -> 'reblog', follows -> 'follow'; topped up with mentions
                  for the benchmark user
    the benchmark user   member of --reader-communities communities (private and remote ones
                  among them), follows --reader-follows people, has posts others answer and like
    a big thread  in one of the reader's communities, for /api/v1/statuses/:id/context

Everything is random but seeded (--seed), so two runs build the same node. Rows are written
straight into the tables the store layer reads (the benchmark measures reading them); the one
thing taken from fedcop is the shape of the ids (`fedcop_next_id()`: milliseconds << 16 | a
counter).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from fedcop.services.passwords import hash_password
from federation.keys import generate_key_pair

READER = "bench_reader"


def _words(text: str) -> list[str]:
    return text.split()


_FIRST = _words(
    "maria alex sam jo ana li noor omar ines tom rosa ken amir eva luca mei raj sara "
    "ivan nina paul ada yuki leo zoe femi olga hugo lena ravi tess abel dana emil ira "
    "kofi mila nils priya ruth theo"
)
_LAST = _words(
    "okafor silva nguyen berg costa ward kim haddad lund moreau rossi patel novak "
    "mensah ortiz brandt sato adeyemi fischer diaz kowalski laine murphy tanaka rahman "
    "weber evans bauer ali chen jensen lopez ivanova osei park quinn reyes stone"
)
_TOPICS = _words(
    "data stewards research software open science metadata archives digital humanities "
    "ontology clinical data curation library systems citizen science repository ops "
    "linked data provenance reproducibility peer review data ethics public health "
    "geospatial climate data lab notebooks survey methods"
)
_SENTENCES = [
    "We compared how three teams keep their data dictionaries current.",
    "The template has a field for provenance, a field for the steward and a review date.",
    "Has anyone moved a repository of this size without downtime?",
    "Our working group meets on Thursdays; notes are on the wiki.",
    "I would start with the smallest dataset that still shows the problem.",
    "The checklist caught two licence mismatches in the first week.",
    "Reviewers asked for the code, so we published the notebooks as well.",
    "That matches what we saw in the pilot: the hard part is the handover.",
    "Could you share the schema you ended up with?",
    "We tried three vocabularies before settling on the simplest one.",
    "The migration took a weekend and one very long Monday.",
    "Good point about versioning: we tag every release of the dataset now.",
]


@dataclass(frozen=True)
class Shape:
    communities: int = 50
    remote_communities: int = 10
    private_communities: int = 6
    people: int = 2_000
    remote_people_share: float = 0.15
    posts: int = 200_000
    thread_share: float = 0.2
    days: int = 180
    reader_communities: int = 20
    reader_follows: int = 50
    reader_followers: int = 300
    reader_notifications: int = 5_000
    big_thread: int = 300
    seed: int = 1


@dataclass
class Seeded:
    """What the benchmark needs to know about the node it drives."""

    reader_id: int
    big_thread_id: int
    big_thread_replies: int
    search_prefixes: list[str]
    counts: dict[str, int] = field(default_factory=dict)


class Ids:
    """Time-sortable ids, as `fedcop_next_id()` makes them, for moments in the past."""

    def __init__(self) -> None:
        self.counter = 0

    def at(self, when: dt.datetime) -> int:
        self.counter += 1
        return (int(when.timestamp() * 1000) << 16) | (self.counter % 65536)


def _zipf_weights(count: int, exponent: float = 0.9) -> list[float]:
    return [1.0 / (rank + 1) ** exponent for rank in range(count)]


def _usernames(count: int, rng: random.Random) -> list[str]:
    names = [f"{first}_{last}" for first in _FIRST for last in _LAST]
    rng.shuffle(names)
    extra = 2
    while len(names) < count:
        names += [f"{name}{extra}" for name in names[: count - len(names)]]
        extra += 1
    return names[:count]


class _Builder:
    def __init__(self, shape: Shape, base_url: str) -> None:
        self.shape = shape
        self.base = base_url
        self.rng = random.Random(shape.seed)
        self.ids = Ids()
        self.end = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        self.start = self.end - dt.timedelta(days=shape.days)
        keys = generate_key_pair()
        self.public_pem, self.private_pem = keys.public_pem, keys.private_pem
        self.password_hash = hash_password("not-used-by-the-benchmark")
        self.actors: list[tuple[Any, ...]] = []
        self.users: list[tuple[Any, ...]] = []
        self.profiles: list[tuple[Any, ...]] = []
        self.communities: list[tuple[Any, ...]] = []
        self.facilitators: list[tuple[Any, ...]] = []
        self.follows: list[tuple[Any, ...]] = []
        self.posts: list[list[Any]] = []
        self.votes: list[tuple[Any, ...]] = []
        self.boosts: list[tuple[Any, ...]] = []
        self.bookmarks: list[tuple[Any, ...]] = []
        self.pins: list[tuple[Any, ...]] = []
        self.notifications: list[tuple[Any, ...]] = []
        self._notified: set[tuple[int, str, int, int]] = set()
        self._followed: set[tuple[int, int]] = set()
        self.uri_of: dict[int, str] = {}
        self.local: set[int] = set()
        self.local_users: set[int] = set()

    # -- actors -------------------------------------------------------------------------------

    def _actor(self, kind: str, username: str, domain: str | None, display: str) -> int:
        created = self.start - dt.timedelta(days=self.rng.randint(1, 400))
        actor_id = self.ids.at(created)
        if domain is None:
            prefix = "/c/" if kind == "Group" else "/u/"
            uri = f"{self.base}{prefix}{username}"
            shared, private = f"{self.base}/inbox", self.private_pem
            self.local.add(actor_id)
        else:
            uri = f"https://{domain}/{'c' if kind == 'Group' else 'users'}/{username}"
            shared, private = f"https://{domain}/inbox", None
        self.uri_of[actor_id] = uri
        self.actors.append(
            (
                actor_id, uri, kind, username, domain, display, "",
                f"{uri}/inbox", shared, f"{uri}/outbox", f"{uri}/followers",
                f"{uri}#main-key", self.public_pem, private, created, created,
            )
        )  # fmt: skip
        return actor_id

    def build_actors(self) -> None:
        shape, rng = self.shape, self.rng
        words = list(dict.fromkeys(_TOPICS))
        topics = [f"{a}_{b}" for a in words for b in words if a != b]
        rng.shuffle(topics)
        self.community_ids: list[int] = []
        self.private: set[int] = set()
        self.remote_communities: set[int] = set()
        local_count = shape.communities - shape.remote_communities
        for index in range(shape.communities):
            name = topics[index]
            remote = index >= local_count
            domain = f"lemmy{index % 2}.test" if remote else None
            cid = self._actor("Group", name, domain, name.replace("_", " ").title())
            self.community_ids.append(cid)
            if remote:
                self.remote_communities.add(cid)
                continue
            private = index % 6 == 3 and len(self.private) < shape.private_communities
            if private:
                self.private.add(cid)
            self.communities.append((cid, private, private, "Be kind; cite your sources."))
        self.people: list[int] = []
        self.remote_people: list[int] = []
        remote_count = int(shape.people * shape.remote_people_share)
        names = _usernames(shape.people + 1, rng)
        for index, name in enumerate(names[: shape.people]):
            remote = index >= shape.people - remote_count
            domain = f"social{index % 6}.test" if remote else None
            first, _, last = name.partition("_")
            pid = self._actor("Person", name, domain, f"{first.title()} {last.title()}")
            self.people.append(pid)
            if remote:
                self.remote_people.append(pid)
            else:
                self.local_users.add(pid)
                self.users.append((pid, self.password_hash, index == 0, "active"))
                self.profiles.append(
                    (pid,
                     rng.choice(["", "", "City Library", "Institute of Data", "Uni Lab"]),
                     rng.choice(["", "research", "public sector", "health"]),
                     rng.choice(["", "data steward", "engineer", "researcher"]),
                     rng.sample(["metadata", "python", "archives", "ethics", "sql"], 2))
                )  # fmt: skip
        self.reader = self._actor("Person", READER, None, "Bench Reader")
        self.people.append(self.reader)
        self.local_users.add(self.reader)
        self.users.append((self.reader, self.password_hash, False, "active"))
        self.local_people = [p for p in self.people if p in self.local]
        for cid in self.community_ids:
            if cid in self.local:
                for owner in rng.sample(self.local_people[:-1], 2):
                    self.facilitators.append((cid, owner, self.start))

    # -- follows ------------------------------------------------------------------------------

    def _follow(self, follower: int, followed: int, state: str = "accepted") -> None:
        if (follower, followed) in self._followed:
            return
        self._followed.add((follower, followed))
        when = self.start - dt.timedelta(hours=self.rng.randint(1, 5000))
        self.follows.append(
            (self.ids.at(when), follower, followed,
             f"{self.uri_of[follower]}#follows/{followed}", state, when,
             when if state == "accepted" else None)
        )  # fmt: skip

    def build_follows(self) -> None:
        shape, rng = self.shape, self.rng
        weights = _zipf_weights(len(self.community_ids))
        self.members: dict[int, list[int]] = {cid: [] for cid in self.community_ids}
        local_communities = [c for c in self.community_ids if c in self.local]
        local_weights = _zipf_weights(len(local_communities))
        for person in self.people[:-1]:
            remote = person not in self.local
            pool, pool_weights = (
                (local_communities, local_weights) if remote else (self.community_ids, weights)
            )
            joined = set(rng.choices(pool, pool_weights, k=rng.randint(2, 8)))
            for cid in joined:
                pending = cid in self.private and rng.random() < 0.05
                self._follow(person, cid, "pending" if pending else "accepted")
                if not pending:
                    self.members[cid].append(person)
            targets = self.local_people[:-1] if remote else self.people[:-1]
            for other in set(rng.sample(targets, rng.randint(0, 15))) - {person}:
                self._follow(person, other)
        # The reader: the most active communities, two private and three remote among them.
        private = sorted(self.private, key=self.community_ids.index)[:2]
        remote = sorted(self.remote_communities, key=self.community_ids.index)[:3]
        public = [c for c in self.community_ids if c in self.local and c not in self.private][
            : shape.reader_communities - len(private) - len(remote)
        ]
        self.reader_communities = public + private + remote
        for cid in self.reader_communities:
            self._follow(self.reader, cid)
            self.members[cid].append(self.reader)
        self.reader_followed = rng.sample(self.people[:-1], shape.reader_follows)
        for other in self.reader_followed:
            self._follow(self.reader, other)
        self.reader_followers = rng.sample(self.people[:-1], shape.reader_followers)
        for other in self.reader_followers:
            self._follow(other, self.reader)
        # Who posts where: members; remote communities also have posters we never saw join.
        self.posters = {
            cid: (members + rng.sample(self.remote_people, min(60, len(self.remote_people))))
            if cid in self.remote_communities
            else (members or self.local_people[:1])
            for cid, members in self.members.items()
        }

    # -- posts --------------------------------------------------------------------------------

    def _content(self, sentences: int) -> str:
        chosen = self.rng.sample(_SENTENCES, sentences)
        return "".join(f"<p>{text}</p>" for text in chosen)

    def _post(
        self,
        when: dt.datetime,
        community: int,
        author: int,
        thread: list[Any] | None,
        parent: list[Any] | None,
    ) -> list[Any]:
        rng = self.rng
        post_id = self.ids.at(when)
        local_author = author in self.local
        domain = self.uri_of[author].split("/")[2]
        uri = f"{self.base}/p/{post_id}" if local_author else f"https://{domain}/objects/{post_id}"
        is_thread = thread is None
        tags: list[str] = []
        if rng.random() < (0.4 if is_thread else 0.05):
            tags = sorted(set(rng.sample(self.tag_words, rng.randint(1, 3 if is_thread else 1))))
        gone = rng.random()
        row = [
            post_id, uri, community, author,
            thread[0] if thread else None, parent[0] if parent else None,
            parent[1] if parent else None,
            "Page" if is_thread else "Note",
            f"{rng.choice(_TOPICS).title()}: {rng.choice(_SENTENCES)[:60]}" if is_thread else None,
            self._content(rng.randint(1, 4)),
            "", None if local_author else uri, rng.random() < 0.01,
            "followers" if community in self.private else "public",
            None if local_author else f"{uri}/activity",
            when,
            when + dt.timedelta(minutes=30) if rng.random() < 0.03 else None,
            when + dt.timedelta(hours=2) if gone < 0.003 else None,
            when + dt.timedelta(hours=3) if 0.003 <= gone < 0.005 else None,
            False, 0, 0, 0, tags, when,
        ]  # fmt: skip
        self.posts.append(row)
        return row

    def build_posts(self) -> None:
        shape, rng = self.shape, self.rng
        words = list(dict.fromkeys(_TOPICS))
        self.tag_words = sorted({f"{a}{b}" for a in words[:12] for b in words[12:24]})[:150]
        span = (self.end - self.start).total_seconds()
        times = sorted(rng.random() * span for _ in range(shape.posts - shape.big_thread))
        weights = _zipf_weights(len(self.community_ids), 0.7)
        threads: dict[int, list[list[Any]]] = {cid: [] for cid in self.community_ids}
        replies: dict[int, list[list[Any]]] = {}
        reader_set = set(self.reader_communities)
        communities = rng.choices(self.community_ids, weights, k=len(times))
        for offset, community in zip(times, communities, strict=True):
            when = self.start + dt.timedelta(seconds=offset)
            author = rng.choice(self.posters[community])
            if community in reader_set and rng.random() < 0.002:
                author = self.reader
            open_threads = threads[community]
            if not open_threads or rng.random() < shape.thread_share:
                open_threads.append(self._post(when, community, author, None, None))
                continue
            # Most replies go to recent threads.
            back = min(int(rng.expovariate(1 / 30)), len(open_threads) - 1)
            thread = open_threads[-1 - back]
            below = replies.setdefault(thread[0], [])
            parent = thread if not below or rng.random() < 0.5 else rng.choice(below)
            below.append(self._post(when, community, author, thread, [parent[0], parent[1]]))
        # The big thread: a week old, in the reader's most active community, answered since.
        community = self.reader_communities[0]
        started = self.end - dt.timedelta(days=7)
        big = self._post(started, community, rng.choice(self.posters[community]), None, None)
        below = []
        for offset in sorted(rng.random() * 7 * 86400 for _ in range(shape.big_thread - 1)):
            parent = big if not below or rng.random() < 0.4 else rng.choice(below)
            author = rng.choice(self.posters[community])
            when = started + dt.timedelta(seconds=offset)
            below.append(self._post(when, community, author, big, [parent[0], parent[1]]))
        self.big_thread = big

    # -- reactions and notifications ----------------------------------------------------------

    def _notify(self, recipient: int, kind: str, sender: int, post: int | None, when: Any) -> None:
        key = (recipient, kind, sender, post or 0)
        if recipient == sender or recipient not in self.local_users or key in self._notified:
            return
        self._notified.add(key)
        self.notifications.append((self.ids.at(when), recipient, kind, sender, post, when))

    def build_reactions(self) -> None:
        rng = self.rng
        by_id = {row[0]: row for row in self.posts}
        events: list[tuple[Any, int, str, int, int | None]] = []
        for row in self.posts:
            post_id, _, community, author, thread_id, parent_id = row[:6]
            if row[17] is not None or row[18] is not None:
                continue
            if thread_id is not None:  # replies tell the author of the post they answer
                answered = by_id[parent_id or thread_id]
                events.append((row[15], answered[3], "mention", author, post_id))
            likes = int(rng.expovariate(1 / (4 if author == self.reader else 1.5)))
            voters = self.posters[community]
            for voter in set(rng.sample(voters, min(likes, len(voters)))) - {author}:
                kind = "dislike" if rng.random() < 0.05 else "like"
                when = row[15] + dt.timedelta(minutes=rng.randint(1, 600))
                self.votes.append(
                    (post_id, voter, kind, f"{self.uri_of[voter]}#likes/{post_id}", when)
                )
                row[20 if kind == "like" else 21] += 1
                if kind == "like":
                    events.append((when, author, "favourite", voter, post_id))
        # A thread's reply count counts every reply in it (as fedcop's hooks keep it).
        for row in self.posts:
            if row[4] is not None and row[17] is None and row[18] is None:
                by_id[row[4]][22] += 1
        visible = [row for row in self.posts if row[17] is None and row[18] is None]
        reader_posts = [row for row in visible if row[3] == self.reader]
        home = set(self.reader_communities)
        voted = {(vote[0], vote[1]) for vote in self.votes}
        reader_likes = {row[0] for row in visible if row[2] in home and rng.random() < 0.01}
        for post_id in reader_likes:
            row = by_id[post_id]
            if (post_id, self.reader) in voted:
                continue
            self.votes.append(
                (post_id, self.reader, "like", f"{self.uri_of[self.reader]}#likes/{post_id}",
                 row[15] + dt.timedelta(minutes=5))
            )  # fmt: skip
            row[20] += 1
            events.append((row[15], row[3], "favourite", self.reader, post_id))
        boosted: set[tuple[int, int]] = set()
        public = [row for row in visible if row[13] == "public"]
        for row in rng.sample(public, min(5_000, len(public))) + reader_posts[:200]:
            booster = rng.choice(self.people[:-1])
            if (booster, row[0]) in boosted or booster == row[3]:
                continue
            boosted.add((booster, row[0]))
            when = row[15] + dt.timedelta(minutes=rng.randint(1, 300))
            uri = f"{self.uri_of[booster]}#announces/{row[0]}"
            self.boosts.append((self.ids.at(when), booster, row[0], uri, when))
            events.append((when, row[3], "reblog", booster, row[0]))
        for row in rng.sample([r for r in visible if r[2] in home], 200):
            when = row[15] + dt.timedelta(hours=1)
            self.bookmarks.append((self.ids.at(when), self.reader, row[0], when))
        latest: dict[int, list[list[Any]]] = {}
        for row in visible:
            if row[4] is None and row[2] in self.local:
                latest.setdefault(row[2], []).append(row)
        for community, ours in latest.items():
            for row in ours[-2:]:
                self.pins.append((community, row[0], row[15]))
        for follow in self.follows:
            if follow[2] in self.local_users and follow[4] == "accepted":
                events.append((follow[5], follow[2], "follow", follow[1], None))
        events.sort(key=lambda event: event[0])
        for when, recipient, kind, sender, post in events:
            self._notify(recipient, kind, sender, post, when)
        # Top up the reader's with mentions in their communities (posts naming them).
        have = sum(1 for n in self.notifications if n[1] == self.reader)
        candidates = [row for row in visible if row[2] in home and row[3] != self.reader]
        extra = sorted(
            rng.sample(candidates, max(self.shape.reader_notifications - have, 0)),
            key=lambda row: row[0],
        )
        for row in extra:
            self._notify(self.reader, "mention", row[3], row[0], row[15])
        self.notifications.sort(key=lambda n: n[0])


_TABLES: list[tuple[str, str, list[str]]] = [
    ("actors", "actors", ["id", "uri", "actor_type", "username", "domain", "display_name",
                          "summary", "inbox_url", "shared_inbox_url", "outbox_url",
                          "followers_url", "public_key_id", "public_key_pem", "private_key_pem",
                          "created_at", "updated_at"]),
    ("users", "users", ["actor_id", "password_hash", "is_admin", "state"]),
    ("profiles", "actor_profiles", ["actor_id", "organisation", "sector", "job_role",
                                    "expertise"]),
    ("communities", "communities", ["actor_id", "private", "manually_approves_followers",
                                    "charter"]),
    ("facilitators", "community_facilitators", ["community_id", "actor_id", "added_at"]),
    ("follows", "follows", ["id", "follower_id", "followed_id", "follow_uri", "state",
                            "created_at", "accepted_at"]),
    ("posts", "posts", ["id", "uri", "community_id", "author_id", "thread_id", "parent_id",
                        "in_reply_to_uri", "object_type", "title", "content", "summary", "url",
                        "sensitive", "visibility", "create_uri", "published", "updated",
                        "deleted_at", "removed_at", "locked", "like_count", "dislike_count",
                        "reply_count", "tags", "created_at"]),
    ("votes", "votes", ["post_id", "actor_id", "kind", "activity_uri", "created_at"]),
    ("boosts", "boosts", ["id", "actor_id", "post_id", "activity_uri", "created_at"]),
    ("bookmarks", "bookmarks", ["id", "actor_id", "post_id", "created_at"]),
    ("pins", "community_pins", ["community_id", "post_id", "pinned_at"]),
    ("notifications", "notifications", ["id", "recipient_id", "kind", "from_id", "post_id",
                                        "created_at"]),
]  # fmt: skip


_COUNTING_TRIGGERS = """
    ALTER TABLE follows {action} TRIGGER follows_counted_insert;
    ALTER TABLE posts {action} TRIGGER posts_counted_insert;
"""
_MIGRATION = Path(__file__).resolve().parents[1] / "migrations" / "0014_actor_counts.sql"
_BACKFILL_START = "INSERT INTO actor_counts (actor_id, followers, following, statuses"


def _counters_backfill() -> str:
    """The last statement of 0014: every actor's counters, counted in one pass."""
    text = _MIGRATION.read_text(encoding="utf-8")
    start = text.rindex(_BACKFILL_START)
    return text[start:]


def build(shape: Shape, base_url: str) -> _Builder:
    """Every row, in memory (a few seconds for the default shape)."""
    builder = _Builder(shape, base_url)
    builder.build_actors()
    builder.build_follows()
    builder.build_posts()
    builder.build_reactions()
    return builder


async def write(conn: asyncpg.Connection, builder: _Builder) -> Seeded:
    """COPY every table in one transaction, then VACUUM ANALYZE (statistics and visibility map
    as a node that has been running for a while would have them)."""
    counts: dict[str, int] = {}
    async with conn.transaction():
        # The account counters' triggers (0014) would bump an author's and a community's row
        # for every copied post and follow, all in this one transaction, where no row version
        # can be pruned: a busy community's row grows a HOT chain of thousands of versions and
        # the COPY takes twice as long. They are off for the COPY; the counters are then filled
        # once, by the migration's own backfill.
        await conn.execute(_COUNTING_TRIGGERS.format(action="DISABLE"))
        for attribute, table, columns in _TABLES:
            rows = getattr(builder, attribute)
            # Posts reference earlier posts (thread, parent): ids are time-ordered, so id order
            # is a valid insertion order for the foreign keys.
            if table == "posts":
                rows = sorted(rows, key=lambda row: row[0])
            await conn.copy_records_to_table(table, records=rows, columns=columns)
            counts[table] = len(rows)
        await conn.execute(_counters_backfill())
        await conn.execute(_COUNTING_TRIGGERS.format(action="ENABLE"))
    await conn.execute("VACUUM ANALYZE")
    reader = builder.reader
    counts["reader_notifications"] = sum(1 for n in builder.notifications if n[1] == reader)
    counts["reader_communities"] = len(builder.reader_communities)
    counts["reader_follows"] = len(builder.reader_followed)
    counts["reader_posts"] = sum(1 for row in builder.posts if row[3] == reader)
    counts["members_only_posts"] = sum(1 for row in builder.posts if row[13] == "followers")
    counts["threads"] = sum(1 for row in builder.posts if row[4] is None)
    prefixes = sorted({name[:3] for name in _FIRST})[:12]
    return Seeded(
        reader_id=reader,
        big_thread_id=builder.big_thread[0],
        big_thread_replies=builder.big_thread[22],
        search_prefixes=prefixes,
        counts=counts,
    )
