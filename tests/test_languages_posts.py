"""Posting, signing in and letting an app in, in the reader's language: a refused post on the web
composer, an error of the client API (as Mastodon answers in the Accept-Language's language,
English when none is asked for), a wrong sign-in and the authorization page.

A fresh node each time, with sam (a member) facilitating the community stewards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlencode

import httpx
import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, member_language, moderation, oauth, posts
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.web_session import Browser, signed_in

PASSWORD = "sam pass 123"
OOB = "urn:ietf:wg:oauth:2.0:oob"


@pytest.fixture
async def node(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as node:
        await accounts.create_user(node.pool, node.config, "sam", PASSWORD)
        await accounts.create_community(
            node.pool, node.config, "stewards", title="Data Stewards", owner="sam"
        )
        yield node


def client(node: LiveNode, accept_language: str | None) -> httpx.AsyncClient:
    headers = {"Host": node.config.domain}
    if accept_language is not None:
        headers["Accept-Language"] = accept_language
    return httpx.AsyncClient(base_url=f"http://127.0.0.1:{node.port}", headers=headers)


async def post_count(node: LiveNode) -> int:
    async with node.pool.acquire() as conn:
        count: int = await conn.fetchval("SELECT count(*) FROM posts")
    return count


def alert(text: str) -> str:
    """The error a form shows (form_errors.html)."""
    return f'<p class="error" role="alert">{text}</p>'


async def test_a_refused_thread_is_explained_in_french_on_the_composer(node: LiveNode) -> None:
    async with signed_in(node, "sam", PASSWORD) as sam:
        sam.http.headers["Accept-Language"] = "fr"
        await sam.csrf("/c/stewards")
        # An empty thread: refused, in French, with what was typed kept
        empty = await sam.submit("/c/stewards/threads", title="Calendriers", content="  ")
        assert empty.status_code == 400
        assert '<html lang="fr">' in empty.text
        assert alert("la publication est vide\u00a0: écrivez quelque chose") in empty.text
        assert 'value="Calendriers"' in empty.text
        # A link that is no web address: the sentence keeps the link where French puts it
        link = await sam.submit(
            "/c/stewards/threads", title="Calendriers", content="Voici", links="ftp://x"
        )
        assert link.status_code == 400
        assert alert("&#39;ftp://x&#39; n\u2019est pas une adresse web (http:// ou https://)") in (
            link.text
        )
    assert await post_count(node) == 0  # nothing was posted


async def test_a_community_name_that_cannot_be_is_refused_in_french(node: LiveNode) -> None:
    async with signed_in(node, "sam", PASSWORD) as sam:
        sam.http.headers["Accept-Language"] = "fr"
        await sam.csrf("/communities/new")
        refused = await sam.submit("/communities/new", name="Data Stewards", title="Archives")
        assert refused.status_code == 400
        assert (
            alert(
                "&#39;Data Stewards&#39; ne peut pas être un nom de communauté\u00a0: "
                "utilisez de 1 "
                "à 30 lettres minuscules, chiffres ou tirets bas, par exemple data_stewards"
            )
            in refused.text
        )


async def test_a_reply_to_a_locked_thread_is_refused_in_spanish(node: LiveNode) -> None:
    config, pool, network = node.config, node.pool, node.app.state.network
    stewards = f"{config.base_url}/c/stewards"
    thread = await posts.write(
        pool, config, network, author="sam", community_uri=stewards,
        title="Calendarios de conservación", content="¿Cómo los guardan?",
    )  # fmt: skip
    await moderation.act(
        pool, config, network, moderator="sam", community_uri=stewards,
        action=moderation.Action("lock", thread.uri, reason="Resuelto"),
    )  # fmt: skip
    async with signed_in(node, "sam", PASSWORD) as sam:
        sam.http.headers["Accept-Language"] = "es"
        await sam.csrf(f"/t/{thread.id}")
        refused = await sam.submit(f"/t/{thread.id}/reply", content="Una respuesta más")
        assert refused.status_code == 400
        assert '<html lang="es">' in refused.text
        assert alert("este hilo está bloqueado: ya no admite respuestas") in refused.text
        # With no language asked for, the same refusal is in English
        del sam.http.headers["Accept-Language"]
        english = await sam.submit(f"/t/{thread.id}/reply", content="One more reply")
        assert alert("this thread is locked: it takes no new replies") in english.text
    async with pool.acquire() as conn:
        replies = await conn.fetchval("SELECT count(*) FROM posts WHERE thread_id = $1", thread.id)
    assert replies == 0


async def test_a_thread_marked_a_question_and_a_sign_out_are_told_in_french(
    node: LiveNode,
) -> None:
    config, pool, network = node.config, node.pool, node.app.state.network
    thread = await posts.write(
        pool, config, network, author="sam", community_uri=f"{config.base_url}/c/stewards",
        title="Calendriers de conservation", content="Comment les gardez-vous ?",
    )  # fmt: skip
    async with signed_in(node, "sam", PASSWORD) as sam:
        sam.http.headers["Accept-Language"] = "fr"
        await sam.csrf(f"/t/{thread.id}")
        marked = await sam.submit(f"/t/{thread.id}/question", question="on")
        assert marked.status_code == 303
        assert "Ce fil est maintenant une question." in await sam.page(f"/t/{thread.id}")
        unmarked = await sam.submit(f"/t/{thread.id}/question")
        assert unmarked.status_code == 303
        assert "Ce fil n\u2019est plus une question." in await sam.page(f"/t/{thread.id}")
        signed_out = await sam.submit("/logout")
        assert signed_out.status_code == 303
        assert "Vous êtes déconnecté." in await sam.page("/")


async def test_client_api_errors_speak_the_accept_language_and_english_by_default(
    node: LiveNode,
) -> None:
    token = await oauth.admin_token(node.pool, "sam")
    bearer = {"Authorization": f"Bearer {token}"}
    async with client(node, "fr") as french, client(node, None) as plain:
        # An empty status
        blank = await french.post("/api/v1/statuses", json={"status": ""}, headers=bearer)
        assert blank.status_code == 422
        assert blank.json() == {
            "error": "La validation a échoué\u00a0: le texte ne peut pas être vide"
        }
        english = await plain.post("/api/v1/statuses", json={"status": ""}, headers=bearer)
        assert english.json() == {"error": "Validation failed: Text can't be blank"}
        # A status that names no community (a label kept in English, said in French)
        nowhere = await french.post(
            "/api/v1/statuses", json={"status": "Bonjour à tous"}, headers=bearer
        )
        assert nowhere.status_code == 422
        assert nowhere.json()["error"].startswith("Mentionnez une communauté (@nom, ou @nom@")
        # An unknown status
        missing = await french.get("/api/v1/statuses/999999", headers=bearer)
        assert missing.status_code == 404
        assert missing.json() == {"error": "Enregistrement introuvable"}
        # OAuth: the RFC 6749 code stays as it is; only the sentence is French
        refused = await french.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "client_id": "nope", "client_secret": "x"},
        )
        assert refused.status_code == 401
        assert refused.json() == {
            "error": "invalid_client",
            "error_description": "l\u2019authentification du client a échoué\u00a0: "
            "vérifiez client_id "
            "et client_secret",
        }
    assert await post_count(node) == 0


async def test_a_member_s_own_language_wins_over_the_app_s(node: LiveNode) -> None:
    # Given bea chose Spanish on /settings, and uses an app on a French phone
    bea = await accounts.create_user(node.pool, node.config, "bea", "bea pass 123")
    await member_language.choose(node.pool, bea.id, "es")
    token = await oauth.admin_token(node.pool, "bea")
    async with client(node, "fr") as french:
        blank = await french.post(
            "/api/v1/statuses", json={"status": ""}, headers={"Authorization": f"Bearer {token}"}
        )
    assert blank.json() == {"error": "La validación falló: el texto no puede estar vacío"}


async def test_a_wrong_sign_in_says_so_in_french(node: LiveNode) -> None:
    async with client(node, "fr-FR,fr;q=0.9") as http:
        browser = Browser(http)
        await browser.csrf("/login")
        wrong = await browser.submit("/login", name="sam", password="not sam's password")
        assert wrong.status_code in (400, 403)
        assert '<html lang="fr">' in wrong.text
        assert alert("ce nom et ce mot de passe ne correspondent à aucun compte ici") in wrong.text


async def test_the_authorization_page_is_french(node: LiveNode) -> None:
    app, _secret = await oauth.register_app(node.pool, "Tusky", [OOB], "read write", None)
    query = urlencode(
        {"client_id": app.client_id, "redirect_uri": OOB, "response_type": "code",
         "scope": "read write"}
    )  # fmt: skip
    async with client(node, "fr") as http:
        # A visitor: the app, what it asks for, and the sign-in fields, in French
        page = await http.get(f"/oauth/authorize?{query}")
        assert page.status_code == 200
        assert "<title>Autoriser Tusky · " in page.text
        assert "<h1>Laisser Tusky utiliser votre compte\u00a0?</h1>" in page.text
        assert "<p>Tusky demande à\u00a0:</p>" in page.text
        assert (
            "<li>lire votre compte, vos publications, vos abonnements et vos notifications</li>"
            in (page.text)
        )
        assert "<li>publier, répondre, aimer, partager et modifier votre compte pour vous</li>" in (
            page.text
        )
        assert '<label for="password">Mot de passe</label>' in page.text
        assert 'value="authorize">Autoriser</button>' in page.text
        assert 'value="deny" formnovalidate>Refuser</button>' in page.text
        # A wrong password on it is refused in French, on the same page
        browser = Browser(http)
        browser.token = await browser.csrf(f"/oauth/authorize?{query}")
        fields = {"client_id": app.client_id, "redirect_uri": OOB, "response_type": "code",
                  "scope": "read write", "login": "1", "name": "sam"}  # fmt: skip
        wrong = await browser.submit(
            "/oauth/authorize", **fields, password="wrong", decision="authorize"
        )
        assert wrong.status_code == 400
        assert alert("ce nom et ce mot de passe ne correspondent à aucun compte ici") in wrong.text
        # The right one: the code to copy, in French
        right = await browser.submit(
            "/oauth/authorize", **fields, password=PASSWORD, decision="authorize"
        )
        assert right.status_code == 200
        assert "<h1>Tusky peut maintenant agir pour vous</h1>" in right.text
        assert "Il ne sert qu\u2019une fois, dans les dix minutes." in right.text
        # An app that is not registered: the refusal is French too
        unknown = await http.get(f"/oauth/authorize?client_id=nope&redirect_uri={OOB}")
        assert unknown.status_code == 400
        assert "cette application n\u2019est pas enregistrée ici\u00a0: client_id est inconnu" in (
            unknown.text
        )
