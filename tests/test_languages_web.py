"""The interface's language over HTTP: chosen from the browser's Accept-Language (with its
quality values), or from the member's own setting on /settings, which wins; `<html lang>` says
which; a post keeps its own language whatever the page's.

A fresh node each time, with sam (a member).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.i18n.languages import negotiate
from fedcop.services import accounts, posts
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.web_session import signed_in

PASSWORD = "sam pass 123"


@pytest.fixture
async def node(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as node:
        await accounts.create_user(node.pool, node.config, "sam", PASSWORD)
        yield node


async def visit(node: LiveNode, path: str, accept_language: str | None) -> httpx.Response:
    headers = {"Host": node.config.domain}
    if accept_language is not None:
        headers["Accept-Language"] = accept_language
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{node.port}") as http:
        return await http.get(path, headers=headers)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("fr", "fr"),
        ("fr-CA,fr;q=0.9,en;q=0.8", "fr"),
        ("de-DE,es;q=0.7,fr;q=0.5", "es"),  # German is not offered: the next most wanted
        ("en;q=0.2, fr;q=0.9", "fr"),  # quality, not order, decides
        ("fr;q=0, es;q=0.1", "es"),  # q=0 means "not French"
        ("*", "en"),
        ("xx-yy, ;q=nonsense, ,,", "en"),
    ],
)
def test_the_browser_s_languages_are_read_with_their_qualities(
    header: str | None, expected: str
) -> None:
    assert negotiate(header) == expected


def test_a_member_s_choice_wins_over_the_browser_unless_it_is_not_offered() -> None:
    assert negotiate("fr", "es") == "es"
    assert negotiate("fr", "tlh") == "fr"


async def test_a_visitor_reads_the_page_in_the_language_of_their_browser(node: LiveNode) -> None:
    french = await visit(node, "/login", "fr-CA,fr;q=0.9,en;q=0.5")
    assert french.status_code == 200
    assert '<html lang="fr">' in french.text
    assert "Aller au contenu" in french.text and "Skip to content" not in french.text
    assert "Accept-Language" in french.headers["Vary"]
    spanish = await visit(node, "/login", "es")
    assert '<html lang="es">' in spanish.text and "Ir al contenido" in spanish.text
    english = await visit(node, "/login", "ja")
    assert '<html lang="en">' in english.text and "Skip to content" in english.text


async def test_a_member_chooses_their_language_and_keeps_it_in_any_browser(
    node: LiveNode,
) -> None:
    async with signed_in(node, "sam", PASSWORD) as sam:
        sam.http.headers["Accept-Language"] = "en-GB,en"
        await sam.csrf("/settings")
        chosen = await sam.submit("/settings/language", language="fr")
        assert chosen.status_code == 303
        settings = await sam.page("/settings")
        assert '<html lang="fr">' in settings
        # The notice after saving is in the language just chosen
        assert "Vos pages sont désormais dans cette langue." in settings
        assert '<option value="fr" lang="fr" selected>' in settings
        # A language the pages are not written in is refused, and the choice stays
        refused = await sam.submit("/settings/language", language="tlh")
        assert refused.status_code == 400
        assert '<html lang="fr">' in await sam.page("/home")
        # Back to the browser's language
        await sam.submit("/settings/language", language="")
        home = await sam.page("/home")
        assert '<html lang="en">' in home and "Sign out" in home


async def test_a_post_keeps_its_own_language_and_says_which_it_is(node: LiveNode) -> None:
    # Given a thread written in Spanish (as its author's server said, kept in posts.language)
    config, pool = node.config, node.pool
    stewards = await accounts.create_community(
        pool, config, "stewards", title="Data Stewards", owner="sam"
    )
    thread = await posts.write(
        pool, config, node.app.state.network, author="sam", community_uri=stewards.uri,
        title="Calendarios de conservación", content="¿Cómo los guardan?",
    )  # fmt: skip
    async with pool.acquire() as conn:
        await conn.execute("UPDATE posts SET language = 'es' WHERE id = $1", thread.id)
    # A French reader sees the page in French, the post in Spanish, and is told so in French
    french = (await visit(node, f"/t/{thread.id}", "fr")).text
    assert '<html lang="fr">' in french
    assert '<div class="content" lang="es">' in french
    assert '<span class="post-language">en espagnol</span>' in french
    # An English reader is told in English; a Spanish reader needs no telling
    assert (
        '<span class="post-language">in Spanish</span>'
        in (await visit(node, f"/t/{thread.id}", "en")).text
    )
    assert "post-language" not in (await visit(node, f"/t/{thread.id}", "es")).text


async def test_pages_a_route_answers_itself_are_in_the_browser_s_language(node: LiveNode) -> None:
    # Addresses that serve ActivityPub to servers answer browsers with pages too: an unknown
    # community, a post that is not here, a knowledge base's missing page
    community = await visit(node, "/c/nowhere", "fr")
    assert community.status_code == 404
    assert "il n’y a pas de communauté nommée «\u00a0nowhere\u00a0» sur ce nœud" in community.text  # noqa: RUF001
    post = await visit(node, "/p/999999", "es")
    assert post.status_code == 404 and "Esa publicación no existe en este nodo." in post.text
    page = await visit(node, "/c/nowhere/kb/charter", None)
    assert page.status_code == 404
    # and a server asking for the document gets the same refusal, in English when it asks
    # for no language
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{node.port}") as http:
        document = await http.get(
            "/c/nowhere",
            headers={"Host": node.config.domain, "Accept": "application/activity+json"},
        )
    assert document.status_code == 404
    assert document.json()["error"] == "there is no community named 'nowhere' on this node"
