"""Direct messages from other servers: a Mastodon direct message to someone here is shown to
them alone, and answered from the Messages page; so is a Lemmy private message; a
followers-only post is not one; a direct post addressed to a community stays the community's
(tests/direct_world.py sets the scene)."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from mastodon import MastodonNotFoundError

from fedcop.services import oauth
from tests.direct_world import PASSWORD, World, app_for, world
from tests.paths import REAL_FIXTURES
from tests.scene import stored
from tests.signed_requests import encoded, post
from tests.web_session import signed_in

__all__ = ["world"]  # the fixture, used by name


async def test_a_mastodon_direct_message_is_shown_only_to_its_recipient(world: World) -> None:
    alpha, mona = world.alpha, world.mona
    # Given a direct message from Mastodon to ann, in Mastodon's shape
    note = mona.status(
        '<p><span class="h-card"><a href="' + alpha.base + '/u/ann" class="u-url mention">'
        "@<span>ann</span></a></span> are you coming to the meetup?</p>",
        to=[f"{alpha.base}/u/ann"],
        cc=[],
        tag=[{"type": "Mention", "href": f"{alpha.base}/u/ann", "name": "@ann"}],
        conversation="tag:masto.test,2026-12-06:objectId=1:objectType=Conversation",
    )
    response = await post(alpha, encoded(mona.create(note)), mona.sender)
    assert response.status_code == 202
    await world.settle()
    kept = await stored(alpha, note["id"])
    assert kept is not None and kept.visibility == "direct" and kept.community_id is None
    # Then ann sees it in her messages and her notifications; fa sees it nowhere
    ann_app = app_for(alpha, await oauth.admin_token(alpha.pool, "ann", "read write"))
    [conversation] = await asyncio.to_thread(ann_app.conversations)
    assert conversation["last_status"]["uri"] == note["id"]
    notes = await asyncio.to_thread(ann_app.notifications)
    assert [(n["type"], n["status"]["uri"]) for n in notes] == [("mention", note["id"])]
    async with signed_in(alpha, "ann", PASSWORD) as ann:
        assert "meetup" in await ann.page("/messages")
        # When ann writes to mona from the Messages page, by her address (her profile here
        # links to the form, filled in)
        handle = f"@mona@{mona.origin.split('//')[1]}"
        profile = await ann.page(f"/u/mona@{mona.origin.split('//')[1]}")
        assert "Write privately to" in profile
        form = await ann.page("/messages?to=" + handle)
        assert f'value="{handle}"' in form
        await ann.csrf("/messages")
        sent = await ann.submit("/messages", to=handle, content="See you there!")
        assert sent.status_code == 303
        # And to nobody anyone can find: the form comes back with a sentence
        await ann.csrf("/messages")
        nobody = await ann.submit("/messages", to="@nobody", content="Hello?")
        assert nobody.status_code == 400 and "nobody found to write to" in nobody.text
    await world.settle()
    # Then mona's server gets it, addressed to her alone
    [create] = [a for a in mona.received if a["type"] == "Create"]
    assert create["object"]["to"] == [mona.user] and create["object"]["cc"] == []
    assert "See you there!" in create["object"]["content"]
    fa_app = app_for(alpha, await oauth.admin_token(alpha.pool, "fa", "read write"))
    with pytest.raises(MastodonNotFoundError):
        await asyncio.to_thread(fa_app.status, kept.id)
    assert await asyncio.to_thread(fa_app.conversations) == []
    async with signed_in(alpha, "fa", PASSWORD) as fa:
        assert "meetup" not in await fa.page("/messages")
        assert "meetup" not in await fa.page("/home")
    found = await alpha.get("/search", params={"q": "meetup"})
    assert "coming to the meetup" not in found.text


async def test_a_followers_only_post_is_not_taken_for_a_direct_message(world: World) -> None:
    alpha, mona = world.alpha, world.mona
    note = mona.status(
        "<p>@ann for my followers only</p>",
        to=[f"{mona.user}/followers"],
        cc=[f"{alpha.base}/u/ann"],
        tag=[{"type": "Mention", "href": f"{alpha.base}/u/ann", "name": "@ann"}],
    )
    response = await post(alpha, encoded(mona.create(note)), mona.sender)
    assert response.status_code == 202
    await world.settle()
    assert await stored(alpha, note["id"]) is None


async def test_a_direct_post_to_a_community_stays_the_communitys(world: World) -> None:
    """Mastodon users write into a members-only community with a direct post naming it: that
    is the community's post (for its members), not a private message to the people named."""
    alpha, mona = world.alpha, world.mona
    note = mona.status(
        "<p>@stewards @fa members only: our retention schedule draft</p>",
        to=[f"{alpha.base}/c/stewards", f"{alpha.base}/u/fa"],
        cc=[],
        tag=[
            {"type": "Mention", "href": f"{alpha.base}/c/stewards", "name": "@stewards"},
            {"type": "Mention", "href": f"{alpha.base}/u/fa", "name": "@fa"},
        ],
    )
    response = await post(alpha, encoded(mona.create(note)), mona.sender)
    assert response.status_code == 202
    await world.settle()
    kept = await stored(alpha, note["id"])
    assert kept is not None and kept.visibility != "direct"
    assert kept.community_id == await world.actor_id(alpha, f"{alpha.base}/c/stewards")


async def test_a_lemmy_private_message_is_a_direct_message(world: World) -> None:
    """Lemmy's private message, as Lemmy sends it (tests/data/real/lemmy/activities/
    create_private_message.json: a Note to one person, no cc, no tag), from mona's server to ann."""
    alpha, mona = world.alpha, world.mona
    real = json.loads((REAL_FIXTURES / "lemmy/activities/create_private_message.json").read_text())
    note = {
        **real["object"],
        "id": f"{mona.origin}/private_message/{uuid.uuid4().int}",
        "attributedTo": mona.user,
        "to": [f"{alpha.base}/u/ann"],
    }
    create = {
        **real,
        "id": f"{mona.origin}/activities/create/{uuid.uuid4()}",
        "actor": mona.user,
        "to": [f"{alpha.base}/u/ann"],
        "object": note,
    }
    response = await post(alpha, encoded(create), mona.sender)
    assert response.status_code == 202
    await world.settle()
    kept = await stored(alpha, note["id"])
    assert kept is not None and kept.visibility == "direct" and kept.community_id is None
    ann_app = app_for(alpha, await oauth.admin_token(alpha.pool, "ann", "read"))
    [conversation] = await asyncio.to_thread(ann_app.conversations)
    assert conversation["last_status"]["content"] == "hello"
    fa_app = app_for(alpha, await oauth.admin_token(alpha.pool, "fa", "read"))
    with pytest.raises(MastodonNotFoundError):
        await asyncio.to_thread(fa_app.status, kept.id)
