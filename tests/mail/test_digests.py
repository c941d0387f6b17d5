"""Digests: one message per member, community and period, listing exactly what the reader may
see, handed to a real SMTP server and read back with the standard library's parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fedcop.config import Config
from fedcop.services import accounts, follows, posts, questions
from fedcop.services.knowledge import pages as kb_pages
from fedcop.services.mail import digests
from tests.mail.mail_world import (
    choose,
    give_address,
    html_of,
    mailing_node,
    send_all,
    text_of,
    tomorrow,
)


async def _world(app: Any, config: Config) -> dict[str, int]:
    pool, network = app.state.pool, app.state.network
    for name in ("fa", "ann", "gus", "ex", "sus", "una", "bou"):
        await accounts.create_user(pool, config, name, "long enough")
    await accounts.create_community(pool, config, "garden", title="Gardeners", owner="fa")
    await accounts.create_community(
        pool, config, "clinic", title="Clinicians", owner="fa", private=True
    )
    ids = {
        name: await give_address(pool, name, f"{name}@example.org")
        for name in ("fa", "ann", "gus", "ex", "sus")
    }
    ids["una"] = await give_address(pool, "una", "una@example.org", confirmed=False)
    ids["bou"] = await give_address(pool, "bou", "bou@example.org", bounced=True)
    for name in ("ann", "ex", "una", "bou"):
        await follows.join(pool, config, network, name, config.url("/c/garden"))
    for name in ("ann", "ex"):
        await follows.join(pool, config, network, name, config.url("/c/clinic"))
        await follows.decide_request(pool, config, "clinic", config.url(f"/u/{name}"), approve=True)
    for name in ("ann", "gus", "ex", "una", "bou"):
        await choose(pool, config, ids[name], "garden", "daily")
    for name in ("ann", "ex"):
        await choose(pool, config, ids[name], "clinic", "daily")
    return ids


async def _write(
    app: Any, config: Config, author: str, community: str, title: str, **more: Any
) -> Any:
    return await posts.write(
        app.state.pool, config, app.state.network, author=author,
        community_uri=config.url(f"/c/{community}"), title=title, content=f"<p>{title}</p>", **more,
    )  # fmt: skip


async def test_a_digest_lists_exactly_what_the_reader_may_see(dsn: str) -> None:
    async with mailing_node(dsn) as (app, config, smtp):
        pool = app.state.pool
        ids = await _world(app, config)
        # Given a day in the garden: a thread, a solved question, a changed page, a busy thread,
        await _write(app, config, "ann", "garden", "Saving seeds")
        question = await _write(app, config, "fa", "garden", "Why do leaves curl?", question=True)
        for n in range(3):
            answer = await posts.write(
                pool, config, app.state.network, author="ann", in_reply_to=question.uri,
                community_uri=config.url("/c/garden"), content=f"<p>Answer {n}</p>",
            )  # fmt: skip
        await questions.accept(pool, config, by="fa", thread_id=question.id, answer_id=answer.id)
        await kb_pages.create(
            pool, config, community="garden", by="fa", title="Composting", markdown="Layers."
        )
        # and what nobody may read: a removed thread, one by a suspended member,
        removed = await _write(app, config, "ann", "garden", "Spam that was removed")
        await _write(app, config, "sus", "garden", "Written by a suspended member")
        async with pool.acquire() as conn:
            await conn.execute("UPDATE posts SET removed_at = now() WHERE id = $1", removed.id)
            await conn.execute(
                "UPDATE users SET state = 'suspended' WHERE actor_id = $1", ids["sus"]
            )
        # and a members-only thread of the clinic, after which ex leaves the clinic
        await _write(app, config, "fa", "clinic", "A hard case")
        await follows.leave(pool, config, "ex", config.url("/c/clinic"))

        await send_all(app)  # the day's notifications, not the subject here
        smtp.received.clear()

        # When the digest job runs once the day is over
        handled = await digests.run_once(pool, config, now=tomorrow())
        await send_all(app)

        # Then gus, who is no member of the public garden, misses nothing public in it
        gus = smtp.only_message_to("gus@example.org")
        assert gus["Subject"].startswith("[Gardeners] Daily digest")
        assert gus["List-Id"] == '"Gardeners" <garden.alpha.test>'
        assert gus["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        text = text_of(gus)
        for listed in ("Saving seeds", "Why do leaves curl?", "Composting"):
            assert listed in text and listed in html_of(gus)
        assert "Solved questions\n- Why do leaves curl?" in text
        assert "Why do leaves curl?: 3 new replies" in text
        for hidden in ("Spam that was removed", "suspended member", "A hard case"):
            assert hidden not in text
        # And ann, a member of both, has one digest of each; the clinic's has its thread
        to_ann = [r.message for r in smtp.received if r.recipients == ["ann@example.org"]]
        assert sorted(m["Subject"].split("]")[0] for m in to_ann) == ["[Clinicians", "[Gardeners"]
        clinic = next(m for m in to_ann if m["Subject"].startswith("[Clinicians"))
        assert "A hard case" in text_of(clinic)
        # And ex, who left the clinic, gets the garden's digest but nothing of the clinic
        to_ex = [r.message["Subject"] for r in smtp.received if r.recipients == ["ex@example.org"]]
        assert len(to_ex) == 1 and to_ex[0].startswith("[Gardeners]")
        # And an unconfirmed or bounce-disabled address gets nothing
        everyone = {r.recipients[0] for r in smtp.received}
        assert everyone == {"gus@example.org", "ann@example.org", "ex@example.org"}
        # And the clinic's period of ex was handled (with nothing in it), so it is not redone
        assert handled == 5

        # When the job runs again (a restart, a second worker) nothing is sent twice
        assert await digests.run_once(pool, config, now=tomorrow()) == 0
        assert await send_all(app) == 0
        assert len(smtp.received) == 4


async def test_a_weekly_digest_waits_for_the_end_of_its_week(dsn: str) -> None:
    async with mailing_node(dsn) as (app, config, smtp):
        pool = app.state.pool
        await accounts.create_user(pool, config, "fa", "long enough")
        await accounts.create_community(pool, config, "garden", title="Gardeners", owner="fa")
        fa = await give_address(pool, "fa", "fa@example.org")
        await choose(pool, config, fa, "garden", "weekly")
        await _write(app, config, "fa", "garden", "This week's thread")
        # Until the week is over (Monday 00:00 UTC) its digest is not sent
        week = digests.CADENCES["weekly"]
        week_ends = digests.last_completed("weekly", datetime.now(UTC)) + 2 * week
        await digests.run_once(pool, config, now=week_ends - timedelta(seconds=1))
        await send_all(app)
        assert [r.recipients for r in smtp.received] == []
        # And the first run after it sends the week's digest
        await digests.run_once(pool, config, now=week_ends + timedelta(minutes=1))
        await send_all(app)
        message = smtp.only_message_to("fa@example.org")
        assert message["Subject"].startswith("[Gardeners] Weekly digest, week of")
        assert "This week's thread" in text_of(message)
