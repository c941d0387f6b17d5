"""Administration, setup and moderation in the reader's language: the admin page, the guided
setup and a community's moderation log read in French (or Spanish) when the browser asks for
it, down to what the registration modes mean, the words of the log, and the errors the
services give back on a page.

A fresh node each time: ada (administrator), sam (a member), and the community stewards that
ada facilitates, with one thread of hers.
"""

# French is written with its own apostrophe (U+2019), as the catalogue writes it.
# ruff: noqa: RUF001

from __future__ import annotations

import html
from collections.abc import AsyncIterator

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, moderation, posts
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.web_session import Browser, signed_in

ADMIN_PASSWORD = "admin pass 1"
PASSWORD = "sam pass 123"


@pytest.fixture
async def node(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as node:
        await accounts.create_user(node.pool, node.config, "ada", ADMIN_PASSWORD, is_admin=True)
        await accounts.create_user(node.pool, node.config, "sam", PASSWORD)
        yield node


def speaking(browser: Browser, language: str) -> Browser:
    browser.http.headers["Accept-Language"] = language
    return browser


def text(page: str) -> str:
    return html.unescape(page)


async def test_the_admin_page_reads_in_french_with_what_each_mode_means(node: LiveNode) -> None:
    async with signed_in(node, "ada", ADMIN_PASSWORD) as ada:
        page = text(await speaking(ada, "fr").page("/admin"))
    assert '<html lang="fr">' in page
    assert '<h2 id="blocks-heading">Domaines bloqués</h2>' in page
    assert '<h2 id="accounts-heading">Comptes</h2>' in page
    assert "Tout le monde peut s’inscrire et participer aussitôt." in page  # the open mode
    assert "<td>actif</td>" in page  # an account's state
    assert (
        "Suspendre sam" in page and "Fichiers stockés\u00a0: 0, 0\u00a0octet, par 0 compte." in page
    )
    assert "Domain blocks" not in page and "Suspend sam" not in page


async def test_the_admin_page_reads_in_spanish(node: LiveNode) -> None:
    async with signed_in(node, "ada", ADMIN_PASSWORD) as ada:
        page = text(await speaking(ada, "es").page("/admin"))
    assert '<h2 id="blocks-heading">Dominios bloqueados</h2>' in page
    assert "Cualquiera puede registrarse y participar de inmediato." in page
    assert "Suspender a sam" in page and "Domain blocks" not in page


async def test_a_refused_domain_block_says_why_in_french(node: LiveNode) -> None:
    async with signed_in(node, "ada", ADMIN_PASSWORD) as ada:
        await speaking(ada, "fr").csrf("/admin")
        refused = await ada.submit("/admin/blocks", host="not a host!")
        blocked = await ada.submit("/admin/blocks", host="spam.example")
        notice = text(await ada.page(blocked.headers["location"]))
    assert refused.status_code == 400
    assert "'not a host!' n’est pas un nom de domaine comme example.org" in text(refused.text)
    assert "is not a domain name" not in refused.text
    assert blocked.status_code == 303 and "spam.example est bloqué." in notice


async def test_the_setup_reads_in_french_and_its_errors_too(node: LiveNode) -> None:
    async with signed_in(node, "ada", ADMIN_PASSWORD) as ada:
        first = text(await speaking(ada, "fr").page("/setup"))
        assert "<h1>Configurer ce nœud</h1>" in first
        assert 'aria-current="step">Nom et description' in first
        await ada.csrf("/setup")
        refused = await ada.submit("/setup/about", name="  ", description="Pour les archivistes.")
        assert refused.status_code == 400
        assert "donnez au nœud un nom de 1 à 100 caractères" in text(refused.text)
        saved = await ada.submit("/setup/about", name="Archives", description="")
        assert saved.headers["location"] == "/setup?step=registrations"
        modes = text(await ada.page("/setup?step=registrations"))
    assert "<h2>Inscriptions</h2>" in modes
    assert "Vous pourrez changer cela plus tard sur la page d’administration." in modes
    assert "Tout le monde peut s’inscrire et participer aussitôt." in modes
    assert "Anyone can register" not in modes


async def test_the_moderation_log_tells_what_facilitators_did_in_the_reader_s_language(
    node: LiveNode,
) -> None:
    # Given ada's community, where she locked her own thread "Retention"
    stewards = await accounts.create_community(
        node.pool, node.config, "stewards", title="Stewards", owner="ada"
    )
    thread = await posts.write(
        node.pool, node.config, node.app.state.network, author="ada",
        community_uri=stewards.uri, title="Retention", content="How long do you keep them?",
    )  # fmt: skip
    await moderation.act(
        node.pool, node.config, node.app.state.network, moderator="ada",
        community_uri=stewards.uri, action=moderation.Action("lock", thread.uri, "settled"),
    )  # fmt: skip
    async with signed_in(node, "sam", PASSWORD) as sam:
        french = text(await speaking(sam, "fr").page("/c/stewards/modlog"))
        spanish = text(await speaking(sam, "es").page("/c/stewards/modlog"))
        english = text(await speaking(sam, "en").page("/c/stewards/modlog"))
    assert 'Journal de modération de <a href="' in french
    assert ">ada</a> a verrouillé <a href=" in french
    assert ">«\u00a0Retention\u00a0» de ada</a>" in french and "<q>settled</q>" in french
    assert ">ada</a> bloqueó <a href=" in spanish and "Registro de moderación" in spanish
    assert ">ada</a> locked <a href=" in english and ">“Retention” by ada</a>" in english


async def test_a_report_says_in_french_where_it_went_and_the_admin_reads_it_in_spanish(
    node: LiveNode,
) -> None:
    async with signed_in(node, "sam", PASSWORD) as sam:
        await speaking(sam, "fr").csrf("/u/ada")
        sent = await sam.submit("/u/ada/report", reason="Rude", category="other")
    assert sent.status_code == 200
    assert (
        "Merci. Votre signalement concernant ada a été transmis à l’administration de ce nœud."
        in text(sent.text)
    )
    async with signed_in(node, "ada", ADMIN_PASSWORD) as ada:
        page = text(await speaking(ada, "es").page("/admin"))
    assert '<h2 id="reports-heading">Denuncias sobre personas</h2>' in page
    assert ">sam</a> denunció a <a href=" in page and "<q>Rude</q>" in page
