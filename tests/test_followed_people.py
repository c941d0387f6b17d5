"""People that members here follow: their public posts are kept outside any community and shown
in the home timeline (web and client API), with the replies threaded under them, and on their
profile. Whatever is not kept is recorded with the reason.

A small Mastodon-shaped server (tests/microblog_server.py) plays the followed person's server,
over real sockets: it signs what it sends and verifies what it receives; alpha is a live node.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from mastodon import Mastodon

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, oauth
from fedcop.store import actors as actor_store
from federation.vocab import PUBLIC
from tests.browser import browser
from tests.conftest import fresh_database
from tests.group_server import group_server
from tests.live_node import LiveNode, live_node
from tests.microblog_server import MicroblogServer, microblog_server
from tests.scene import settle, stored
from tests.signed_requests import encoded, post

PASSWORD = "long enough pass"


@dataclass
class Setting:
    alpha: LiveNode
    mona: MicroblogServer  # the person ann follows
    rex: MicroblogServer  # someone nobody here follows
    token: str  # ann's client API token

    async def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The client API over TCP, as ann's app calls it."""
        headers = {"Host": self.alpha.config.domain, "Authorization": f"Bearer {self.token}"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.alpha.port}") as http:
            return await http.request(method, path, headers=headers, **kwargs)

    async def deliver(self, server: MicroblogServer, activity: dict[str, Any]) -> None:
        response = await post(self.alpha, encoded(activity), server.sender)
        assert response.status_code == 202, response.text
        await settle(self.alpha)

    async def reason(self, activity_id: str) -> tuple[str, str | None]:
        async with self.alpha.pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT state, reason FROM inbound_activities WHERE activity_id = $1",
                activity_id,
            )
        assert row is not None
        return row["state"], row["reason"]


@pytest.fixture
async def setting(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Setting]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as alpha:
        # ann also runs the node: she reads its federation page
        ann = await accounts.create_user(alpha.pool, alpha.config, "ann", PASSWORD, is_admin=True)
        token = await oauth.admin_token(alpha.pool, "ann", "read write follow")
        async with alpha.pool.acquire() as conn:
            instance = await actor_store.find_instance_actor(conn)  # signs forwarded reports
        assert instance is not None
        with microblog_server("masto") as mona, microblog_server("elsewhere", "rex") as rex:
            for server in (mona, rex):
                server.known_keys[ann.public_key_id] = ann.public_key_pem
                server.known_keys[instance.actor.public_key_id] = instance.actor.public_key_pem
            setting = Setting(alpha, mona, rex, token)
            await _follow(setting)
            yield setting


async def _follow(setting: Setting) -> None:
    """Ann finds mona by her address and follows her from her app; mona's server accepts."""
    mona = setting.mona
    found = await setting.api(
        "GET", "/api/v2/search", params={"q": mona.user, "resolve": "true", "type": "accounts"}
    )
    assert found.status_code == 200, found.text
    [account] = found.json()["accounts"]
    followed = await setting.api("POST", f"/api/v1/accounts/{account['id']}/follow")
    assert followed.status_code == 200, followed.text
    await settle(setting.alpha)
    [follow] = [a for a in mona.received if a["type"] == "Follow"]
    await setting.deliver(
        mona,
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{mona.user}#accepts/{uuid.uuid4().int}",
            "type": "Accept",
            "actor": mona.user,
            "object": follow,
        },
    )
    relationship = await setting.api(
        "GET", "/api/v1/accounts/relationships", params={"id[]": account["id"]}
    )
    assert relationship.json()[0]["following"] is True


async def _home(setting: Setting) -> list[dict[str, Any]]:
    response = await setting.api("GET", "/api/v1/timelines/home")
    assert response.status_code == 200, response.text
    statuses: list[dict[str, Any]] = response.json()
    return statuses


async def _signed_in_page(setting: Setting, path: str) -> str:
    """The text of a page as ann reads it in her browser, signed in through the login form."""
    base = setting.alpha.base
    async with browser() as page:
        await page.goto(f"{base}/login")
        await page.get_by_label("Account name").fill("ann")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(f"{base}/")
        response = await page.goto(base + path)
        assert response is not None and response.status == 200, path
        return await page.locator("main").inner_text()


async def test_a_followed_persons_post_appears_in_the_home_timeline(setting: Setting) -> None:
    mona = setting.mona
    # When mona posts publicly on her server, which delivers it to her followers' servers
    note = mona.status("<p>Our archive opens on Saturdays now.</p>")
    await setting.deliver(mona, mona.create(note))
    # Then it is kept here, in no community, public as she wrote it
    kept = await stored(setting.alpha, note["id"])
    assert kept is not None
    assert kept.community_id is None and kept.thread_id is None
    assert kept.visibility == "public"
    assert "archive opens on Saturdays" in kept.content
    assert await setting.reason(note["id"] + "/activity") == ("done", None)
    # And ann's app shows it in her home timeline, by mona, mentioning no community
    [shown] = await _home(setting)
    assert shown["uri"] == note["id"]
    assert shown["account"]["acct"].startswith("mona@masto.test")
    assert "archive opens on Saturdays" in shown["content"]
    assert shown["visibility"] == "public"
    assert shown["mentions"] == []
    # And so does her home page on the web
    page = await _signed_in_page(setting, "/home")
    assert "archive opens on Saturdays" in page
    # And anyone can read it at its page here, as on mona's own server
    public_page = await setting.alpha.get(f"/t/{kept.id}")
    assert public_page.status_code == 200
    assert "archive opens on Saturdays" in public_page.text


async def test_a_reply_to_a_followed_persons_post_is_threaded_under_it(setting: Setting) -> None:
    mona, rex = setting.mona, setting.rex
    note = mona.status("<p>Which finding aid format do you use?</p>")
    await setting.deliver(mona, mona.create(note))
    # When rex, whom nobody here follows, answers her publicly (his server delivers the reply
    # to the servers of the people in the conversation)
    answer = rex.status(
        "<p>EAD 3, exported from ArchivesSpace.</p>",
        inReplyTo=note["id"],
        cc=[f"{rex.user}/followers", mona.user],
    )
    await setting.deliver(rex, rex.create(answer))
    # And mona answers him in turn
    thanks = mona.status("<p>Thanks, EAD 3 it is.</p>", inReplyTo=answer["id"])
    await setting.deliver(mona, mona.create(thanks))
    # Then both replies are kept in her post's thread, each under what it answers
    root = await stored(setting.alpha, note["id"])
    first = await stored(setting.alpha, answer["id"])
    second = await stored(setting.alpha, thanks["id"])
    assert first.thread_id == root.id and first.parent_id == root.id
    assert second.thread_id == root.id and second.parent_id == first.id
    assert first.community_id is None and second.community_id is None
    # And the app's context of her post lists them, in order
    context = await setting.api("GET", f"/api/v1/statuses/{root.id}/context")
    assert [s["uri"] for s in context.json()["descendants"]] == [answer["id"], thanks["id"]]
    above = await setting.api("GET", f"/api/v1/statuses/{second.id}/context")
    assert [s["uri"] for s in above.json()["ancestors"]] == [note["id"], answer["id"]]
    assert above.json()["ancestors"][1]["id"] == str(first.id)
    # And the thread's page shows them under her post
    page = await _signed_in_page(setting, f"/t/{root.id}")
    assert page.index("Which finding aid format") < page.index("EAD 3, exported")
    assert page.index("EAD 3, exported") < page.index("Thanks, EAD 3 it is")


async def test_a_followed_persons_profile_lists_their_posts_kept_here(setting: Setting) -> None:
    mona = setting.mona
    note = mona.status("<p>New accession policy published.</p>")
    await setting.deliver(mona, mona.create(note))
    kept = await stored(setting.alpha, note["id"])
    # Then her statuses in the app list it
    statuses = await setting.api("GET", f"/api/v1/accounts/{kept.author_id}/statuses")
    assert [s["uri"] for s in statuses.json()] == [note["id"]]
    # And her profile page here lists it
    domain = mona.user.split("/")[2]
    profile = await setting.alpha.get(f"/u/mona@{domain}")
    assert profile.status_code == 200, profile.text
    assert "New accession policy published." in profile.text
    assert f'href="/t/{kept.id}"' in profile.text


async def test_an_unlisted_post_is_kept_but_stays_off_the_public_timelines(
    setting: Setting,
) -> None:
    mona = setting.mona
    note = mona.status("<p>Quiet note.</p>", to=[f"{mona.user}/followers"], cc=[PUBLIC])
    await setting.deliver(mona, mona.create(note))
    kept = await stored(setting.alpha, note["id"])
    assert kept is not None and kept.visibility == "unlisted"
    assert [s["uri"] for s in await _home(setting)] == [note["id"]]
    federated = await setting.api("GET", "/api/v1/timelines/public")
    assert note["id"] not in [s["uri"] for s in federated.json()]


async def test_a_public_post_of_a_followed_person_is_on_the_federated_timeline_only(
    setting: Setting,
) -> None:
    mona = setting.mona
    note = mona.status("<p>Hello, fediverse.</p>")
    await setting.deliver(mona, mona.create(note))
    federated = await setting.api("GET", "/api/v1/timelines/public")
    assert [s["uri"] for s in federated.json()] == [note["id"]]
    remote = await setting.api("GET", "/api/v1/timelines/public", params={"remote": "true"})
    assert [s["uri"] for s in remote.json()] == [note["id"]]
    local = await setting.api("GET", "/api/v1/timelines/public", params={"local": "true"})
    assert local.json() == []


async def test_a_followers_only_post_is_not_kept_and_the_reason_is_recorded(
    setting: Setting,
) -> None:
    mona = setting.mona
    # When mona posts to her followers only
    note = mona.status("<p>For my followers.</p>", to=[f"{mona.user}/followers"], cc=[])
    await setting.deliver(mona, mona.create(note))
    # Then nothing is kept (no door here could tell her followers from anyone else), and why
    # is recorded on the inbound activity
    assert await stored(setting.alpha, note["id"]) is None
    state, reason = await setting.reason(note["id"] + "/activity")
    assert state == "ignored"
    assert reason is not None and "followers-only" in reason
    assert await _home(setting) == []


async def test_a_post_by_someone_nobody_follows_is_ignored_with_the_reason(
    setting: Setting,
) -> None:
    rex = setting.rex
    note = rex.status("<p>Nobody asked.</p>")
    await setting.deliver(rex, rex.create(note))
    assert await stored(setting.alpha, note["id"]) is None
    state, reason = await setting.reason(note["id"] + "/activity")
    assert state == "ignored"
    assert reason is not None and "nobody here follows" in reason and rex.user in reason
    # And the admin's federation page lists it, with the reason
    page = await _signed_in_page(setting, "/admin")
    ignored = page[page.index("Recently ignored") :]
    assert f"Create from {rex.user}: {reason}" in ignored


async def test_liking_a_followed_persons_post_tells_her_server(setting: Setting) -> None:
    mona = setting.mona
    note = mona.status("<p>Like this.</p>")
    await setting.deliver(mona, mona.create(note))
    kept = await stored(setting.alpha, note["id"])
    # When ann favourites it in her app
    response = await setting.api("POST", f"/api/v1/statuses/{kept.id}/favourite")
    assert response.status_code == 200, response.text
    assert response.json()["favourited"] is True
    await settle(setting.alpha)
    # Then mona's server receives the Like, addressed to her
    [like] = [a for a in mona.received if a["type"] == "Like"]
    assert like["object"] == note["id"]
    assert like["to"] == [mona.user]


async def test_a_followed_person_deletes_her_post(setting: Setting) -> None:
    mona = setting.mona
    note = mona.status("<p>Oops, wrong account.</p>")
    await setting.deliver(mona, mona.create(note))
    await setting.deliver(
        mona,
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{note['id']}#delete",
            "type": "Delete",
            "actor": mona.user,
            "object": {"id": note["id"], "type": "Tombstone"},
        },
    )
    kept = await stored(setting.alpha, note["id"])
    assert kept.deleted_at is not None and kept.content == ""
    assert await _home(setting) == []


async def test_a_public_post_naming_a_member_here_is_kept_and_she_is_notified(
    setting: Setting,
) -> None:
    rex = setting.rex
    ann = f"{setting.alpha.base}/u/ann"
    # When rex, whom nobody here follows, mentions ann in a public post
    note = rex.status(
        f'<p><span class="h-card"><a href="{ann}" class="u-url mention">@ann</a></span> '
        "could you share your retention schedule?</p>",
        cc=[f"{rex.user}/followers", ann],
        tag=[{"type": "Mention", "href": ann, "name": "@ann"}],
    )
    await setting.deliver(rex, rex.create(note))
    # Then it is kept, outside communities, and ann is notified of the mention
    kept = await stored(setting.alpha, note["id"])
    assert kept is not None and kept.community_id is None
    notifications = await setting.api("GET", "/api/v1/notifications")
    assert [(n["type"], n["status"]["uri"]) for n in notifications.json()] == [
        ("mention", note["id"])
    ]


async def test_every_door_to_a_followed_persons_post_answers_without_error(
    setting: Setting,
) -> None:
    mona = setting.mona
    note = mona.status(
        '<p>Tagged <a href="http://masto.test/tags/archives" rel="tag">#archives</a></p>',
        tag=[{"type": "Hashtag", "name": "#archives", "href": "http://masto.test/tags/archives"}],
    )
    await setting.deliver(mona, mona.create(note))
    kept = await stored(setting.alpha, note["id"])
    sid = kept.id
    # The client API: the status, its context, favourites, boosts and bookmarks of it
    for method, path in [
        ("GET", f"/api/v1/statuses/{sid}"),
        ("GET", f"/api/v1/statuses/{sid}/context"),
        ("POST", f"/api/v1/statuses/{sid}/bookmark"),
        ("GET", "/api/v1/bookmarks"),
        ("POST", f"/api/v1/statuses/{sid}/unbookmark"),
        ("POST", f"/api/v1/statuses/{sid}/reblog"),
        ("GET", f"/api/v1/statuses/{sid}/reblogged_by"),
        ("POST", f"/api/v1/statuses/{sid}/unreblog"),
        ("GET", f"/api/v1/statuses/{sid}/favourited_by"),
        ("GET", "/api/v1/timelines/tag/archives"),
        ("GET", f"/api/v1/accounts/{kept.author_id}"),
    ]:
        response = await setting.api(method, path)
        assert response.status_code == 200, f"{method} {path}: {response.text}"
    tagged = await setting.api("GET", "/api/v1/timelines/tag/archives")
    assert [s["uri"] for s in tagged.json()] == [note["id"]]
    # The boost went to mona's server, naming her (no community to name)
    await settle(setting.alpha)
    announce = next(a for a in mona.received if a["type"] == "Announce")
    assert announce["object"] == note["id"] and mona.user in announce["cc"]
    # A followers-only reply from here is refused with a sentence (it would reach everyone)
    reply = await setting.api(
        "POST",
        "/api/v1/statuses",
        json={"status": "Agreed", "in_reply_to_id": str(sid), "visibility": "private"},
    )
    assert reply.status_code == 422 and "public or unlisted" in reply.json()["error"]
    # A report about it goes to mona's server (no community here to tell)
    reported = await setting.api(
        "POST",
        "/api/v1/reports",
        json={
            "account_id": str(kept.author_id),
            "status_ids": [str(sid)],
            "comment": "spam",
            "forward": True,
        },
    )
    assert reported.status_code == 200, reported.text
    await settle(setting.alpha)
    [flag] = [a for a in mona.received if a["type"] == "Flag"]
    assert note["id"] in flag["object"]
    # The pages: the post, its feed, the hashtag, for a visitor
    for path in [f"/t/{sid}", f"/t/{sid}/feed.atom", "/tags/archives"]:
        page = await setting.alpha.get(path)
        assert page.status_code == 200, f"{path}: {page.text}"
        assert "Tagged" in page.text, path
    # And this node never serves it as its own: its id is on mona's server
    assert (await setting.alpha.get(f"/p/{sid}")).status_code == 404


async def test_following_a_person_from_their_page_on_the_web(setting: Setting) -> None:
    rex, base = setting.rex, setting.alpha.base
    async with browser() as page:
        await page.goto(f"{base}/login")
        await page.get_by_label("Account name").fill("ann")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(f"{base}/")
        # When ann finds rex by his address and follows him from his page
        await page.get_by_label("Find a community or a person").fill(rex.user)
        await page.get_by_role("button", name="Search").click()
        await page.get_by_role("button", name="Follow").click()
        await settle(setting.alpha)
        # Then his server receives her Follow, and once it accepts, his posts reach her home
        [follow] = [a for a in rex.received if a["type"] == "Follow"]
        assert follow["object"] == rex.user
        await setting.deliver(
            rex,
            {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{rex.user}#accepts/{uuid.uuid4().int}",
                "type": "Accept",
                "actor": rex.user,
                "object": follow,
            },
        )
        note = rex.status("<p>Glad to be followed.</p>")
        await setting.deliver(rex, rex.create(note))
        await page.goto(f"{base}/home")
        assert "Glad to be followed." in await page.locator("main").inner_text()
        # And she can unfollow him from his page
        await page.get_by_role("link", name="rex").first.click()
        await page.get_by_role("button", name="Unfollow").click()
        await settle(setting.alpha)
        [undo] = [a for a in rex.received if a["type"] == "Undo"]
        assert undo["object"]["id"] == follow["id"]


async def test_a_followed_persons_post_in_a_community_elsewhere_is_kept_in_the_community(
    setting: Setting,
) -> None:
    mona, alpha = setting.mona, setting.alpha
    with group_server("lemmy", "archivists") as lemmy:
        # Given ann also belongs to a community elsewhere
        await follows.join(alpha.pool, alpha.config, alpha.app.state.network, "ann", lemmy.group)
        await settle(alpha)
        # When mona posts into it: her server delivers to her followers and to the community
        note = mona.status(
            "<p>Call for papers: digital preservation day.</p>",
            cc=[f"{mona.user}/followers", lemmy.group],
            tag=[{"type": "Mention", "href": lemmy.group, "name": "@archivists"}],
        )
        create = mona.create(note)
        await setting.deliver(mona, create)
        # Then her own delivery is not kept apart from the community, and why is recorded
        assert await stored(alpha, note["id"]) is None
        state, reason = await setting.reason(create["id"])
        assert state == "ignored" and reason is not None and lemmy.group in reason
        # And when the community announces it, it is kept in the community, whole
        announce = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{lemmy.origin}/activities/announce/{uuid.uuid4()}",
            "type": "Announce",
            "actor": lemmy.group,
            "to": [PUBLIC],
            "cc": [f"{lemmy.group}/followers"],
            "object": {k: v for k, v in create.items() if k != "@context"},
        }
        response = await post(alpha, encoded(announce), lemmy.sender)
        assert response.status_code == 202
        await settle(alpha)
        kept = await stored(alpha, note["id"])
        assert kept is not None
        async with alpha.pool.acquire() as conn:
            community = await conn.fetchval(
                "SELECT uri FROM actors WHERE id = $1", kept.community_id
            )
        assert community == lemmy.group


async def test_following_and_reading_a_person_from_mastodon_py(setting: Setting) -> None:
    rex, alpha = setting.rex, setting.alpha
    app = Mastodon(access_token=setting.token, api_base_url=alpha.base)
    # When ann's Mastodon app finds rex by his address and follows him
    found = await asyncio.to_thread(app.search_v2, rex.user, resolve=True, result_type="accounts")
    [account] = found["accounts"]
    await asyncio.to_thread(app.account_follow, account["id"])
    await settle(alpha)
    [follow] = [a for a in rex.received if a["type"] == "Follow"]
    await setting.deliver(
        rex,
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{rex.user}#accepts/{uuid.uuid4().int}",
            "type": "Accept",
            "actor": rex.user,
            "object": follow,
        },
    )
    # And rex posts, and mona answers him
    note = rex.status("<p>Anyone using BagIt profiles?</p>")
    await setting.deliver(rex, rex.create(note))
    answer = setting.mona.status("<p>We do, for every transfer.</p>", inReplyTo=note["id"])
    await setting.deliver(setting.mona, setting.mona.create(answer))
    # Then the app's home shows both (ann follows both), his statuses list his post, and its
    # context holds the answer
    home = await asyncio.to_thread(app.timeline_home)
    assert [s["uri"] for s in home] == [answer["id"], note["id"]]
    assert home[0]["in_reply_to_id"] == home[1]["id"]
    statuses = await asyncio.to_thread(app.account_statuses, account["id"])
    assert [s["uri"] for s in statuses] == [note["id"]]
    context = await asyncio.to_thread(app.status_context, home[1]["id"])
    assert [s["uri"] for s in context["descendants"]] == [answer["id"]]


async def test_a_reply_written_here_reaches_the_followed_person(setting: Setting) -> None:
    mona, alpha = setting.mona, setting.alpha
    note = mona.status("<p>Is anyone digitising glass plates?</p>")
    await setting.deliver(mona, mona.create(note))
    root = await stored(alpha, note["id"])
    # When ann answers from her app
    domain = mona.user.split("/")[2]
    written = await setting.api(
        "POST",
        "/api/v1/statuses",
        json={"status": f"@mona@{domain} Yes, with a copy stand.", "in_reply_to_id": str(root.id)},
    )
    assert written.status_code == 200, written.text
    entity = written.json()
    assert entity["in_reply_to_id"] == str(root.id) and entity["visibility"] == "public"
    await settle(alpha)
    # Then mona's server receives it as Mastodon sends a reply: public, naming her
    [create] = [a for a in mona.received if a["type"] == "Create"]
    reply = create["object"]
    assert reply["type"] == "Note" and reply["inReplyTo"] == note["id"]
    assert reply["to"] == [PUBLIC] and mona.user in reply["cc"]
    assert {"type": "Mention", "href": mona.user, "name": f"@mona@{domain}"} in reply["tag"]
    assert "copy stand" in reply["content"]
    # And it is threaded under her post here, and served at its id
    kept = await stored(alpha, reply["id"])
    assert kept.thread_id == root.id and kept.parent_id == root.id and kept.community_id is None
    served = await alpha.get(
        reply["id"].removeprefix(alpha.base), headers={"Accept": "application/activity+json"}
    )
    assert served.status_code == 200 and served.json()["inReplyTo"] == note["id"]
    # When she answers again from the thread's page on the web
    async with browser() as page:
        base = alpha.base
        await page.goto(f"{base}/login")
        await page.get_by_label("Account name").fill("ann")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(f"{base}/")
        await page.goto(f"{base}/t/{root.id}")
        await page.get_by_label("Your reply (Markdown)").fill("Also **scanning** them.")
        await page.get_by_role("button", name="Reply", exact=True).click()
        await page.wait_for_url(f"{base}/t/{root.id}#post-*")
        assert "Also scanning them." in await page.locator("main").inner_text()
    await settle(alpha)
    creates = [a for a in mona.received if a["type"] == "Create"]
    assert len(creates) == 2 and "<strong>scanning</strong>" in creates[1]["object"]["content"]
    # And deleting the first reply tells her server
    deleted = await setting.api("DELETE", f"/api/v1/statuses/{entity['id']}")
    assert deleted.status_code == 200, deleted.text
    await settle(alpha)
    [delete] = [a for a in mona.received if a["type"] == "Delete"]
    assert delete["object"] == reply["id"] and mona.user in delete["to"]
