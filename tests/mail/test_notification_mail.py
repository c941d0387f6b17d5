"""Notifications by mail: a reply to me, a mention, my question answered, a join request I
decide; each one message, threaded with its thread, with my own reply address; mailing-list
mode sends every post; nothing to a member who chose nothing, nor to an unusable address."""

from __future__ import annotations

from typing import Any

from fedcop.config import Config
from fedcop.mail import reply_addresses
from fedcop.services import accounts, follows, posts, questions
from fedcop.services.mail import links
from tests.mail.mail_world import choose, give_address, mailing_node, send_all, text_of
from tests.smtp_server import SmtpServer


async def _people(app: Any, config: Config) -> dict[str, int]:
    pool = app.state.pool
    for name in ("fa", "ann", "bob", "lis", "nob", "una"):
        await accounts.create_user(pool, config, name, "long enough")
    await accounts.create_community(pool, config, "garden", title="Gardeners", owner="fa")
    ids = {n: await give_address(pool, n, f"{n}@example.org") for n in ("fa", "ann", "bob")}
    ids |= {n: await give_address(pool, n, f"{n}@example.org") for n in ("lis", "nob")}
    ids["una"] = await give_address(pool, "una", "una@example.org", confirmed=False)
    for name in ("ann", "bob", "lis", "nob", "una"):
        await follows.join(pool, config, app.state.network, name, config.url("/c/garden"))
    await choose(pool, config, ids["lis"], "garden", "every")
    await choose(pool, config, ids["nob"], "garden", "none")
    return ids


def _to(smtp: SmtpServer, address: str) -> list[Any]:
    return [r.message for r in smtp.received if r.recipients == [address]]


async def _reply(app: Any, config: Config, author: str, to: Any, text: str) -> Any:
    return await posts.write(
        app.state.pool, config, app.state.network, author=author, in_reply_to=to.uri,
        community_uri=config.url("/c/garden"), content=f"<p>{text}</p>",
    )  # fmt: skip


async def test_replies_mentions_and_answers_reach_those_they_concern(dsn: str) -> None:
    async with mailing_node(dsn) as (app, config, smtp):
        pool = app.state.pool
        ids = await _people(app, config)
        # Given ann's question, and una (unconfirmed) and nob (chose nothing) answering it
        thread = await posts.write(
            pool, config, app.state.network, author="ann", title="Why do leaves curl?",
            community_uri=config.url("/c/garden"), content="<p>Mine do.</p>", question=True,
        )  # fmt: skip
        await send_all(app)
        smtp.received.clear()

        # When bob replies to ann and names nob and fa
        reply = await _reply(app, config, "bob", thread, "Too much sun, ask @nob and @fa")
        await send_all(app)

        # Then ann (the thread is hers), fa (named) and lis (every post) get it, once each
        assert sorted(r.recipients[0] for r in smtp.received) == [
            "ann@example.org", "fa@example.org", "lis@example.org",
        ]  # fmt: skip
        message = smtp.only_message_to("ann@example.org")
        assert message["Subject"] == "Re: [Gardeners] Why do leaves curl?"
        assert message["Message-ID"] == f"<post-{reply.id}@alpha.test>"
        assert message["In-Reply-To"] == f"<thread-{thread.id}@alpha.test>"
        assert message["References"] == f"<thread-{thread.id}@alpha.test>"
        assert "Too much sun" in text_of(message)
        assert "answers or names you" in text_of(message)
        # And its Reply-To is ann's own address for this thread, which the node accepts
        async with pool.acquire() as conn:
            secret = await links.mail_secret(conn)
        target = reply_addresses.verify_reply_address(
            secret, message["Reply-To"].addresses[0].addr_spec, config.reply_mail_domain
        )
        assert isinstance(target, reply_addresses.ReplyTarget)
        assert (target.user_id, target.thread_id) == (ids["ann"], thread.id)
        # And lis's copy carries lis's own reply address, not ann's
        to_lis = smtp.only_message_to("lis@example.org")
        assert to_lis["Reply-To"] != message["Reply-To"]
        assert "answers or names you" not in text_of(to_lis)
        smtp.received.clear()

        # When ann accepts bob's reply as the answer
        await questions.accept(pool, config, by="ann", thread_id=thread.id, answer_id=reply.id)
        await send_all(app)
        # Then bob (whose reply it is) hears of it, threaded with the question; ann did it
        answered = smtp.only_message_to("bob@example.org")
        assert answered["In-Reply-To"] == f"<thread-{thread.id}@alpha.test>"
        assert "accepted as the answer" in text_of(answered)
        assert [r.recipients for r in smtp.received] == [["bob@example.org"]]


async def test_a_join_request_reaches_the_facilitators(dsn: str) -> None:
    async with mailing_node(dsn) as (app, config, smtp):
        pool = app.state.pool
        for name in ("fa", "ann"):
            await accounts.create_user(pool, config, name, "long enough")
            await give_address(pool, name, f"{name}@example.org")
        await accounts.create_community(
            pool, config, "clinic", title="Clinicians", owner="fa", private=True
        )
        await follows.join(pool, config, app.state.network, "ann", config.url("/c/clinic"))
        await send_all(app)
        message = smtp.only_message_to("fa@example.org")
        assert message["Subject"] == "[Clinicians] ann asks to join"
        assert config.url("/c/clinic/manage") in text_of(message)


async def test_a_members_only_post_reaches_members_alone(dsn: str) -> None:
    async with mailing_node(dsn) as (app, config, smtp):
        pool = app.state.pool
        for name in ("fa", "ann", "ex"):
            await accounts.create_user(pool, config, name, "long enough")
        ids = {n: await give_address(pool, n, f"{n}@example.org") for n in ("fa", "ann", "ex")}
        await accounts.create_community(
            pool, config, "clinic", title="Clinicians", owner="fa", private=True
        )
        for name in ("ann", "ex"):
            await follows.join(pool, config, app.state.network, name, config.url("/c/clinic"))
            await follows.decide_request(
                pool, config, "clinic", config.url(f"/u/{name}"), approve=True
            )
            await choose(pool, config, ids[name], "clinic", "every")
        # ex chose every post, then left: the choice stays, the content does not follow her
        await follows.leave(pool, config, "ex", config.url("/c/clinic"))
        await send_all(app)
        smtp.received.clear()
        await posts.write(
            pool, config, app.state.network, author="fa", title="A hard case",
            community_uri=config.url("/c/clinic"), content="<p>Details.</p>",
        )  # fmt: skip
        await send_all(app)
        assert [r.recipients for r in smtp.received] == [["ann@example.org"]]
