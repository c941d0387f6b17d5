"""What cannot be undone is asked first, and the last facilitator names a successor; over real
sockets, on every door.

    POST /t/N/delete, /t/N/moderate (remove, ban), /c/X/manage/bans (ban), /c/X/leave
        without confirmed=yes -> a page saying what will happen; nothing changes
        with it              -> done, and the next page shows a notice once (role=status)
    the last facilitator leaving: web asks for a successor among the members; the client API
        answers 422 and keeps them; from another server (Undo Follow) their membership ends
        and they stay the facilitator
"""

from __future__ import annotations

import html
import re

import httpx

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import follows, moderation, oauth, posts
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store import moderation as mod_store
from tests.live_node import LiveNode
from tests.scene import settle, stored, three_nodes
from tests.web_session import signed_in


def notice(page: str) -> str | None:
    found = re.search(r'<div class="flash" role="status"><p class="notice">([^<]*)</p>', page)
    return html.unescape(found.group(1)) if found else None


async def facilitators(node: LiveNode, community: str) -> set[str]:
    async with node.pool.acquire() as conn:
        group = await actor_store.find_by_uri(conn, community)
        assert group is not None
        return {actor.uri for actor in await actor_store.facilitators_of(conn, group.id)}


async def is_member(node: LiveNode, person: str, community: str) -> bool:
    async with node.pool.acquire() as conn:
        who = await actor_store.find_by_uri(conn, person)
        group = await actor_store.find_by_uri(conn, community)
        assert who is not None and group is not None
        return await follow_store.is_accepted_follower(conn, who.id, group.id)


async def test_delete_remove_and_ban_change_nothing_until_confirmed(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as nodes:
        alpha, beta, _ = nodes
        community = f"{alpha.base}/c/stewards"
        thread = await posts.write(
            alpha.pool, alpha.config, alpha.app.state.network, author="fa",
            community_uri=community, title="Retention", content="How long do you keep logs?",
        )  # fmt: skip
        await settle(*nodes)
        reply = await posts.write(
            beta.pool, beta.config, beta.app.state.network, author="bea",
            community_uri=community, content="Ninety days here.", in_reply_to=thread.uri,
        )  # fmt: skip
        await settle(*nodes)
        async with alpha.pool.acquire() as conn:
            here = await conn.fetchval("SELECT id FROM posts WHERE uri = $1", reply.uri)
        bea_uri = f"{beta.base}/u/bea"
        async with signed_in(alpha, "fa", "long enough") as fa:
            await fa.csrf(f"/t/{thread.id}")
            # When fa asks to remove bea's reply, she is told what will happen, and nothing is
            asked = await fa.submit(f"/t/{here}/moderate", action="remove", reason="off topic")
            assert asked.status_code == 200
            text = html.unescape(asked.text)
            assert "The reply will be removed for everyone, on every server" in text
            assert "Ninety days here." in text  # what she is about to remove
            assert 'name="reason" value="off topic"' in asked.text  # carried to the second form
            assert (await stored(alpha, reply.uri)).removed_at is None
            # and a ban, from the thread or the Facilitate page, is asked too
            ban = await fa.submit(f"/t/{here}/moderate", action="ban")
            assert "will no longer be able to post" in html.unescape(ban.text)
            await fa.csrf("/c/stewards/manage")
            ban = await fa.submit(
                "/c/stewards/manage/bans", who=f"bea@{beta.config.domain}", change="ban"
            )
            assert ban.status_code == 200 and "Ban bea@" in html.unescape(ban.text)
            async with alpha.pool.acquire() as conn:
                group = await actor_store.find_by_uri(conn, community)
                bea = await actor_store.find_by_uri(conn, bea_uri)
                assert group is not None and bea is not None
                assert not await mod_store.is_banned(conn, group.id, bea.id)
            # and deleting her own thread is asked, and not done
            await fa.csrf(f"/t/{thread.id}")
            asked = await fa.submit(f"/t/{thread.id}/delete")
            assert "Your thread will be deleted for everyone" in html.unescape(asked.text)
            assert (await stored(alpha, thread.uri)).deleted_at is None

            # When she confirms the removal
            removed = await fa.submit(
                f"/t/{here}/moderate", action="remove", reason="off topic", confirmed="yes"
            )
            assert removed.status_code == 303
            # Then it is removed, and the page she lands on says so, once
            assert (await stored(alpha, reply.uri)).removed_at is not None
            landed = await fa.page(removed.headers["location"])
            assert notice(landed) == "It is removed."
            assert notice(await fa.page(f"/t/{thread.id}")) is None
            # and the moderation log keeps her reason, naming people and threads, not addresses
            log = html.unescape(await fa.page("/c/stewards/modlog"))
            assert "off topic" in log
            assert f'<a href="/t/{thread.id}#post-{here}">a reply by bea in “Retention”</a>' in log
            assert '<a href="/u/fa">' in log
            assert f">{reply.uri}<" not in log and f">{alpha.base}/u/fa<" not in log


async def test_a_notice_follows_pinning_and_a_forged_one_is_not_shown(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as nodes:
        alpha = nodes[0]
        thread = await posts.write(
            alpha.pool, alpha.config, alpha.app.state.network, author="fa",
            community_uri=f"{alpha.base}/c/stewards", title="Rules", content="Read me",
        )  # fmt: skip
        async with signed_in(alpha, "fa", "long enough") as fa:
            await fa.csrf(f"/t/{thread.id}")
            pinned = await fa.submit(f"/t/{thread.id}/moderate", action="pin")
            assert pinned.status_code == 303  # pinning is undone in one click: not asked
            assert notice(await fa.page(pinned.headers["location"])) == "The thread is pinned."
            # A notice cookie not signed by this node shows nothing
            fa.http.cookies.set("fedcop_notice", "You won a prize")
            assert notice(await fa.page(f"/t/{thread.id}")) is None


async def api(node: LiveNode, token: str, path: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{node.port}") as http:
        return await http.post(
            path, headers={"Host": node.config.domain, "Authorization": f"Bearer {token}"}
        )


async def test_the_last_facilitator_names_a_successor_on_every_door(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as nodes:
        alpha, beta, _ = nodes
        community = f"{alpha.base}/c/stewards"
        fa_uri, bea_uri = f"{alpha.base}/u/fa", f"{beta.base}/u/bea"
        # Given fa is the only facilitator of stewards
        assert await facilitators(alpha, community) == {fa_uri}

        # When she leaves from a Mastodon app: refused, she stays
        token = await oauth.admin_token(alpha.pool, "fa", "write")
        async with alpha.pool.acquire() as conn:
            group = await actor_store.find_by_uri(conn, community)
        assert group is not None
        refused = await api(alpha, token, f"/api/v1/accounts/{group.id}/unfollow")
        assert refused.status_code == 422
        assert "last facilitator" in refused.json()["error"]
        assert await is_member(alpha, fa_uri, community)

        async with signed_in(alpha, "fa", "long enough") as fa:
            await fa.csrf("/c/stewards")
            # When she leaves on the web, she is asked who takes over, among the members
            asked = await fa.submit("/c/stewards/leave")
            assert asked.status_code == 200
            assert "You are its last facilitator" in asked.text
            assert f'<option value="{bea_uri}">' in asked.text
            # and confirming without naming anyone changes nothing
            again = await fa.submit("/c/stewards/leave", confirmed="yes")
            assert again.status_code == 200 and "You are its last facilitator" in again.text
            assert await is_member(alpha, fa_uri, community)
            # and naming someone who is not a member is refused
            stranger = await fa.submit(
                "/c/stewards/leave", confirmed="yes", successor=f"{alpha.base}/u/nobody"
            )
            assert stranger.status_code == 400
            assert await facilitators(alpha, community) == {fa_uri}
            # When she names bea
            left = await fa.submit("/c/stewards/leave", confirmed="yes", successor=bea_uri)
            assert left.status_code == 303
            assert notice(await fa.page(left.headers["location"])) == "You left the community."
        # Then bea facilitates it, fa neither facilitates nor belongs
        assert await facilitators(alpha, community) == {bea_uri}
        assert not await is_member(alpha, fa_uri, community)
        await settle(*nodes)
        # and beta, bea's server, was told she facilitates it (her controls show there)
        assert await facilitators(beta, community) == {bea_uri}

        # When bea, now the last facilitator, leaves from her own server (Undo Follow)
        await follows.leave(beta.pool, beta.config, "bea", community)
        await settle(*nodes)
        # Then her membership ends there and here, and the community keeps its facilitator
        assert not await is_member(alpha, bea_uri, community)
        assert await facilitators(alpha, community) == {bea_uri}
        # and she can still be replaced by an admin's or her own facilitation
        await moderation.act(
            beta.pool, beta.config, beta.app.state.network, moderator="bea",
            community_uri=community,
            action=moderation.Action("add_facilitator", f"{alpha.base}/u/fa"),
        )  # fmt: skip
        await settle(*nodes)
        assert await facilitators(alpha, community) == {bea_uri, fa_uri}
