"""What the pages show: communities with their threads, people, and what a viewer may do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcop.services import reading
from fedcop.services.reading import PostView
from fedcop.store import actors as actor_store
from fedcop.store import browsing as browse_store
from fedcop.store import facilitation as fac_store
from fedcop.store import follows as follow_store
from fedcop.store import moderation as mod_store
from fedcop.store import users as user_store
from fedcop.store.actors import Actor
from fedcop.store.people import profiles as profile_store
from fedcop.store.people.profiles import EMPTY as EMPTY_PROFILE
from fedcop.store.people.profiles import Profile
from fedcop.store.users import User

THREADS_PER_PAGE = 30
ACTIVITY_DAYS = 30  # "recent activity" on a community's page
HOME_THREADS = 10  # the newest threads the home page lists


@dataclass(frozen=True)
class CommunityCard:
    actor: Actor
    members: int
    threads: int


@dataclass(frozen=True)
class CommunityView:
    community: Actor
    facilitators: list[Actor]
    members: int
    pinned: list[PostView]
    threads: list[PostView]
    membership: str | None  # None, 'pending' or 'accepted'
    may_moderate: bool
    private: bool
    approval: bool  # joining needs a facilitator's approval
    posting_restricted: bool
    charter: str = ""
    # Threads started in the last ACTIVITY_DAYS days: what a newcomer reads before joining.
    recent_threads: int = 0

    @property
    def handle_path(self) -> str:
        """The community's page here: /c/name, or /c/name@domain for one elsewhere."""
        c = self.community
        return f"/c/{c.username}" if c.is_local else f"/c/{c.username}@{c.domain}"


@dataclass(frozen=True)
class Permissions:
    reply: bool
    vote: bool
    edit: bool
    moderate: bool
    voted: bool
    pinned: bool = False
    # The author deletes their own post, even in a Closed community (services.lifecycle).
    delete: bool = False


@dataclass(frozen=True)
class ProfileView:
    actor: Actor
    user: User | None
    communities: list[Actor]
    recent: list[PostView]
    # The viewer's follow of a person elsewhere: None, 'pending' or 'accepted'.
    following: str | None = None
    # What they state: organisation, sector, role, expertise (here or read from elsewhere).
    profile: Profile = EMPTY_PROFILE


async def local_communities(pool: Any) -> list[CommunityCard]:
    async with pool.acquire() as conn:
        rows = await browse_store.local_communities(conn)
    return [CommunityCard(actor, members, threads) for actor, members, threads in rows]


async def recent_threads(pool: Any) -> list[browse_store.RecentThread]:
    """The newest threads of the public communities here (the home page's "what is happening")."""
    async with pool.acquire() as conn:
        return await browse_store.recent_public_threads(conn, HOME_THREADS)


async def community(
    pool: Any,
    uri: str,
    viewer_id: int | None,
    *,
    active_first: bool = False,
    question_filter: str | None = None,
) -> CommunityView | None:
    async with pool.acquire() as conn:
        actor = await actor_store.find_by_uri(conn, uri)
        if actor is None or actor.actor_type != "Group":
            return None
        local = await actor_store.find_local(conn, actor.username) if actor.is_local else None
        facilitators = await actor_store.facilitators_of(conn, actor.id)
        members = await follow_store.count_followers(conn, actor.id)
        membership = None
        may_moderate = False
        if viewer_id is not None:
            follow = await follow_store.find(conn, viewer_id, actor.id)
            membership = follow.state if follow else None
            may_moderate = await _may_moderate(conn, actor, viewer_id)
        pinned_uris = await mod_store.pinned_uris(conn, actor.id)
        charter = await fac_store.charter(conn, actor.id) if local else ""
        recent_threads = await browse_store.threads_since(conn, actor.id, ACTIVITY_DAYS)
    pinned = [v for v in [await reading.post_by_uri(pool, u) for u in pinned_uris] if v]
    if question_filter is not None:
        # Only questions in one state: pinned threads are listed with the others.
        threads = await reading.question_threads(pool, actor.id, question_filter, THREADS_PER_PAGE)
        pinned = []
    elif active_first:
        threads = await reading.active_threads(pool, actor.id, THREADS_PER_PAGE)
    else:
        threads = await reading.threads(pool, actor.id, None, THREADS_PER_PAGE)
    # A private community's threads are its members' (not even their titles are shown to others).
    pinned = await reading.readable(pool, pinned, viewer_id)
    threads = await reading.readable(pool, threads, viewer_id)
    pinned_ids = {view.post.id for view in pinned}
    return CommunityView(
        community=actor,
        facilitators=facilitators,
        members=members,
        pinned=pinned,
        threads=[view for view in threads if view.post.id not in pinned_ids],
        membership=membership,
        may_moderate=may_moderate,
        private=actor.members_only,
        approval=bool(local.manually_approves_followers if local else actor.members_only),
        posting_restricted=bool(local and local.posting_restricted_to_mods),
        charter=charter,
        recent_threads=recent_threads,
    )


async def remote_community_uri(pool: Any, name: str, domain: str) -> str | None:
    async with pool.acquire() as conn:
        return await browse_store.remote_actor_uri(conn, name, domain, "Group")


async def remote_person_uri(pool: Any, name: str, domain: str) -> str | None:
    async with pool.acquire() as conn:
        return await browse_store.remote_actor_uri(conn, name, domain, "Person")


async def profile(pool: Any, uri: str, viewer_id: int | None = None) -> ProfileView | None:
    """A person's page as `viewer_id` sees it: membership of a private community is shown only
    to the person and to that community's members; members-only posts only to members."""
    async with pool.acquire() as conn:
        actor = await actor_store.find_by_uri(conn, uri)
        if actor is None or actor.actor_type != "Person":
            return None
        user = await user_store.find_by_id(conn, actor.id) if actor.is_local else None
        communities = [
            community
            for community in await browse_store.communities_of(conn, actor.id)
            if not community.members_only
            or viewer_id == actor.id
            or (viewer_id is not None and await _member(conn, viewer_id, community.id))
        ]
        recent_ids = await browse_store.recent_post_ids(conn, actor.id, 10)
        follow = (
            await follow_store.find(conn, viewer_id, actor.id)
            if viewer_id is not None and not actor.is_local
            else None
        )
        stated = await profile_store.profile_of(conn, actor.id)
    recent = [v for v in [await reading.post_by_id(pool, i) for i in recent_ids] if v]
    readable = await reading.readable(pool, recent, viewer_id)
    return ProfileView(actor, user, communities, readable, follow.state if follow else None, stated)


async def _member(conn: Any, actor_id: int, community_id: int) -> bool:
    follow = await follow_store.find(conn, actor_id, community_id)
    return follow is not None and follow.state == "accepted"


async def permissions(pool: Any, view: PostView, viewer_id: int | None) -> Permissions:
    if viewer_id is None:
        return Permissions(False, False, False, False, False)
    if view.community is None:
        # A followed person's post outside communities: liked and answered here (the Like and
        # the reply go to its author: services.votes, services.person_replies), moderated by
        # no facilitator.
        async with pool.acquire() as conn:
            voted = await browse_store.has_voted(conn, view.post.id, viewer_id)
        alive = not view.post.is_gone
        return Permissions(alive, alive, False, False, voted)
    async with pool.acquire() as conn:
        banned = await mod_store.is_banned(conn, view.community.id, viewer_id)
        moderate = await _may_moderate(conn, view.community, viewer_id)
        voted = await browse_store.has_voted(conn, view.post.id, viewer_id)
        pinned = view.post.uri in await mod_store.pinned_uris(conn, view.community.id)
    return _in_community(
        view, viewer_id, banned=banned, moderate=moderate, voted=voted, pinned=pinned,
        locked=view.post.locked,
    )  # fmt: skip


async def reply_permissions(
    pool: Any, thread: PostView, replies: list[PostView], viewer_id: int | None
) -> dict[int, Permissions]:
    """What the viewer may do with each reply of `thread`, by the same rules as for the
    thread's first post (the thread's lock holds for its replies), read in a few queries."""
    if viewer_id is None or not replies:
        return {reply.post.id: Permissions(False, False, False, False, False) for reply in replies}
    async with pool.acquire() as conn:
        voted = await browse_store.voted_among(conn, [r.post.id for r in replies], viewer_id)
        if thread.community is None:
            banned = moderate = False
        else:
            banned = await mod_store.is_banned(conn, thread.community.id, viewer_id)
            moderate = await _may_moderate(conn, thread.community, viewer_id)
    found: dict[int, Permissions] = {}
    for reply in replies:
        if reply.community is None:
            alive = not reply.post.is_gone
            found[reply.post.id] = Permissions(alive, alive, False, False, reply.post.id in voted)
            continue
        found[reply.post.id] = _in_community(
            reply, viewer_id, banned=banned, moderate=moderate, voted=reply.post.id in voted,
            pinned=False, locked=thread.post.locked,
        )  # fmt: skip
    return found


def _in_community(
    view: PostView,
    viewer_id: int,
    *,
    banned: bool,
    moderate: bool,
    voted: bool,
    pinned: bool,
    locked: bool,
) -> Permissions:
    assert view.community is not None
    alive = not view.post.is_gone
    # A Closed community (services.lifecycle) is an archive: read, never added to.
    open_ = not view.community.is_closed
    return Permissions(
        reply=alive and not banned and not locked and open_,
        vote=alive and not banned and open_,
        edit=alive and view.author.id == viewer_id and open_,
        moderate=moderate,
        voted=voted,
        pinned=pinned,
        delete=alive and view.author.id == viewer_id,
    )


async def _may_moderate(conn: Any, community: Actor, viewer_id: int) -> bool:
    """Facilitators of the community, wherever it lives (a remote one's as this node learned
    them), and this node's admins for the communities here."""
    if await mod_store.is_facilitator(conn, community.id, viewer_id):
        return True
    return community.is_local and await mod_store.is_node_admin(conn, viewer_id)
