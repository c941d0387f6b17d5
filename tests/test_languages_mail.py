"""Mail is written in its recipient's language: a member who chose French on /settings gets
French notifications, digests and password-reset mail (subject and body, dates the French way),
a member who chose nothing gets English; mail answering a page falls back on that page's
language. Every message goes through the real SMTP server and is read back with the standard
library's parser; the mail choices page speaks the browser's language."""

from __future__ import annotations

import re
from typing import Any

import httpx
from babel.dates import format_date

from fedcop.config import Config
from fedcop.services import accounts, follows, member_language, posts, questions
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

PASSWORD = "long enough"


async def _member(app: Any, config: Config, name: str, language: str | None = None) -> int:
    """A member with a confirmed address, who chose `language` on /settings (or none)."""
    await accounts.create_user(app.state.pool, config, name, PASSWORD)
    actor_id = await give_address(app.state.pool, name, f"{name}@example.org")
    if language is not None:
        await member_language.choose(app.state.pool, actor_id, language)
    return actor_id


def _browser(app: Any, config: Config, language: str | None = None) -> httpx.AsyncClient:
    headers = {"Accept-Language": language} if language else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=config.base_url, headers=headers
    )


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


async def _ask_reset(app: Any, config: Config, email: str, language: str | None) -> None:
    async with _browser(app, config, language) as browser:
        form = await browser.get("/password/forgot")
        answer = await browser.post("/password/forgot", data={"csrf": _csrf(form), "email": email})
        assert answer.status_code == 200


async def test_notifications_reach_each_member_in_the_language_they_chose(dsn: str) -> None:
    async with mailing_node(dsn) as (app, config, smtp):
        pool, network = app.state.pool, app.state.network
        # Given fa, who facilitates in French, ann, who reads French, and bob, who chose nothing
        await _member(app, config, "fa", "fr")
        await _member(app, config, "ann", "fr")
        await _member(app, config, "bob")
        await accounts.create_community(pool, config, "garden", title="Gardeners", owner="fa")
        await accounts.create_community(
            pool, config, "clinic", title="Clinicians", owner="fa", private=True
        )
        for name in ("ann", "bob"):
            await follows.join(pool, config, network, name, config.url("/c/garden"))
        await send_all(app)
        smtp.received.clear()

        # When bob asks a question and ann answers it
        question = await posts.write(
            pool, config, network, author="bob", title="Why do leaves curl?",
            community_uri=config.url("/c/garden"), content="<p>Mine do.</p>", question=True,
        )  # fmt: skip
        answer = await posts.write(
            pool, config, network, author="ann", in_reply_to=question.uri,
            community_uri=config.url("/c/garden"), content="<p>Too much sun.</p>",
        )  # fmt: skip
        await send_all(app)
        # Then bob, who chose no language, reads of the answer in English
        to_bob = smtp.only_message_to("bob@example.org")
        assert to_bob["Content-Language"] == "en"
        assert "ann (ann) wrote:" in text_of(to_bob)
        assert "(You receive this because it answers or names you.)" in text_of(to_bob)
        assert "Stop these mails: https://alpha.test/mail/unsubscribe/" in text_of(to_bob)
        smtp.received.clear()

        # When bob accepts ann's answer
        await questions.accept(pool, config, by="bob", thread_id=question.id, answer_id=answer.id)
        await send_all(app)
        # Then ann hears of it in French, body and footer, in both parts
        to_ann = smtp.only_message_to("ann@example.org")
        assert to_ann["Content-Language"] == "fr"
        text = text_of(to_ann)
        assert (
            "Votre réponse a été acceptée comme la réponse à «\u00a0Why do leaves curl?\u00a0»."
            in text
        )
        assert "Ne plus recevoir ces courriels\u00a0: https://alpha.test/mail/unsubscribe/" in text
        assert "accepted" not in text
        assert "Voir la réponse</a>" in html_of(to_ann)
        smtp.received.clear()

        # When ann asks to join the members-only clinic
        await follows.join(pool, config, network, "ann", config.url("/c/clinic"))
        await send_all(app)
        # Then fa, its facilitator, is asked in French: subject and body
        to_fa = smtp.only_message_to("fa@example.org")
        assert to_fa["Subject"] == "[Clinicians] ann demande à rejoindre la communauté"
        assert "ann (ann) demande à rejoindre Clinicians. Vous l\u2019animez" in text_of(to_fa)
        assert "Accepter ou refuser la demande</a>" in html_of(to_fa)


async def test_a_digest_is_written_and_dated_in_its_readers_language(dsn: str) -> None:
    async with mailing_node(dsn) as (app, config, smtp):
        pool, network = app.state.pool, app.state.network
        # Given ann (French) and gus (no choice), both on a daily digest of the garden
        await _member(app, config, "fa")
        ids = {
            "ann": await _member(app, config, "ann", "fr"),
            "gus": await _member(app, config, "gus"),
        }
        await accounts.create_community(pool, config, "garden", title="Gardeners", owner="fa")
        for name in ("ann", "gus"):
            await follows.join(pool, config, network, name, config.url("/c/garden"))
            await choose(pool, config, ids[name], "garden", "daily")
        thread = await posts.write(
            pool, config, network, author="fa", title="Saving seeds",
            community_uri=config.url("/c/garden"), content="<p>Dry them first.</p>",
        )  # fmt: skip
        await posts.write(
            pool, config, network, author="gus", in_reply_to=thread.uri,
            community_uri=config.url("/c/garden"), content="<p>In paper bags.</p>",
        )  # fmt: skip
        await send_all(app)
        smtp.received.clear()

        # When the day's digests go out
        now = tomorrow()
        await digests.run_once(pool, config, now=now)
        await send_all(app)

        # Then ann's is French, its day written the French way; gus's English
        day = digests.last_completed("daily", now)
        in_french, in_english = (format_date(day, "long", locale=code) for code in ("fr", "en"))
        to_ann = smtp.only_message_to("ann@example.org")
        assert to_ann["Subject"] == f"[Gardeners] Récapitulatif quotidien, {in_french}"
        text = text_of(to_ann)
        assert f"Gardeners: {in_french}\n\nNouveaux fils\n- Saving seeds (fa)" in text
        assert "Vous recevez un récapitulatif quotidien de Gardeners\u00a0; modifiez-le sur" in text
        assert "Saving seeds\u00a0: 1 nouvelle réponse" in text
        assert "<h2>Nouveaux fils</h2>" in html_of(to_ann)
        assert "Saving seeds</a>\u00a0: 1 nouvelle réponse</li>" in html_of(to_ann)
        to_gus = smtp.only_message_to("gus@example.org")
        assert to_gus["Subject"] == f"[Gardeners] Daily digest, {in_english}"
        assert f"Gardeners: {in_english}\n\nNew threads\n- Saving seeds (fa)" in text_of(to_gus)
        assert "You receive a daily digest of Gardeners; change it at" in text_of(to_gus)
        assert "Saving seeds</a>: 1 new reply</li>" in html_of(to_gus)


async def test_a_password_reset_speaks_the_members_choice_else_the_pages(dsn: str) -> None:
    async with mailing_node(dsn) as (app, config, smtp):
        # Given ann, who chose French, and bob and cy, who chose nothing
        await _member(app, config, "ann", "fr")
        await _member(app, config, "bob")
        await _member(app, config, "cy")

        # When ann asks from an English page, bob from a French one, cy from an English one
        await _ask_reset(app, config, "ann@example.org", None)
        await _ask_reset(app, config, "bob@example.org", "fr-FR,fr;q=0.9")
        await _ask_reset(app, config, "cy@example.org", "en")
        await send_all(app)

        # Then ann's choice wins, bob gets the page's French, cy English; the layout is kept
        node = config.node_name
        for address in ("ann@example.org", "bob@example.org"):
            mail = smtp.only_message_to(address)
            assert mail["Subject"] == f"Un nouveau mot de passe pour {node}"
            text = text_of(mail)
            name = address.split("@")[0]
            assert text.startswith(f"Bonjour {name},\n\nquelqu\u2019un (sans doute vous)")
            assert (
                "en choisir un\u00a0; il ne sert qu\u2019une fois\u00a0:\n\nhttps://alpha.test/password/"
                in text
            )
            assert "Choisir un nouveau mot de passe</a>" in html_of(mail)
        mail = smtp.only_message_to("cy@example.org")
        assert mail["Subject"] == f"A new password for {node}"
        assert "Open this link within an hour to choose one; it works once:\n\nhttps://" in (
            text_of(mail)
        )


async def _sign_in(browser: httpx.AsyncClient, name: str) -> None:
    login = await browser.get("/login")
    signed = await browser.post(
        "/login", data={"csrf": _csrf(login), "name": name, "password": PASSWORD}
    )
    assert signed.status_code == 303


async def test_an_address_given_on_a_spanish_page_is_confirmed_in_spanish(dsn: str) -> None:
    async with mailing_node(dsn) as (app, config, smtp):
        # Given bob, who chose no language, on settings pages his browser asks in Spanish
        await accounts.create_user(app.state.pool, config, "bob", PASSWORD)
        async with _browser(app, config, "es") as browser:
            await _sign_in(browser, "bob")
            settings = await browser.get("/settings")
            # When he gives his address
            saved = await browser.post(
                "/settings/email", data={"csrf": _csrf(settings), "email": "bob@example.org"}
            )
            assert saved.status_code == 200
        await send_all(app)
        # Then its confirmation link comes in Spanish, its line layout kept
        mail = smtp.only_message_to("bob@example.org")
        assert mail["Subject"] == f"Confirme su dirección en {config.node_name}"
        assert mail["Content-Language"] == "es"
        assert text_of(mail).startswith(
            f"Hola, bob:\n\nConfirme que bob@example.org es su dirección en {config.node_name}"
            " abriendo este enlace\nen un plazo de tres días:\n\nhttps://alpha.test/mail/confirm/"
        )


async def test_the_mail_choices_page_speaks_the_browsers_language(dsn: str) -> None:
    async with mailing_node(dsn) as (app, config, _smtp):
        pool = app.state.pool
        await _member(app, config, "fa")
        await _member(app, config, "ann")
        await accounts.create_community(pool, config, "garden", title="Gardeners", owner="fa")
        await follows.join(pool, config, app.state.network, "ann", config.url("/c/garden"))
        async with _browser(app, config, "fr") as browser:
            await _sign_in(browser, "ann")
            page = (await browser.get("/settings/mail")).text
            assert '<h1 id="mail">Ce que vous recevez par courriel</h1>' in page
            assert '<option value="daily">Récapitulatif quotidien</option>' in page
            assert '<option value="notifications" selected>Notifications seulement</option>' in page
            assert "Enregistrer les choix de courriel" in page
            # A refused choice is told in French too
            refused = await browser.post(
                "/settings/mail", data={"csrf": _csrf(await browser.get("/settings/mail")),
                                        "mail-999999": "daily"},
            )  # fmt: skip
            assert refused.status_code == 400
            assert "ce n\u2019est pas l\u2019une de vos communautés" in refused.text
