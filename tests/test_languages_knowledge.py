"""The knowledge base in the reader's language: its index, a page, its history (dates written
the reader's way), its edit form and its feed speak French to a French browser (and Spanish to
a Spanish one), and an edit refused (a conflict, or someone who may not edit) is told in French
on the page that comes back.

A fresh node with "stewards" (facilitator fa; members ann and rae; ned is no member) and its
page "Loan rules", written by ann.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows
from fedcop.services.knowledge import pages
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.scene import settle
from tests.web_session import Browser, signed_in

PASSWORD = "long enough"
PAGE = "/c/stewards/kb/loan-rules"
ATOM = "{http://www.w3.org/2005/Atom}"
APOSTROPHE = "\u2019"  # French typography's apostrophe, as the catalogue writes it


@pytest.fixture
async def node(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as node:
        for name in ("fa", "ann", "rae", "ned"):
            await accounts.create_user(node.pool, node.config, name, PASSWORD)
        stewards = await accounts.create_community(
            node.pool, node.config, "stewards", title="Data Stewards", owner="fa"
        )
        for name in ("ann", "rae"):
            await follows.join(node.pool, node.config, node.app.state.network, name, stewards.uri)
        await settle(node)
        await pages.create(
            node.pool, node.config, community="stewards", by="ann", title="Loan rules",
            markdown="Loans last two weeks.", note="",
        )  # fmt: skip
        yield node


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


async def read(node: LiveNode, path: str, accept_language: str) -> str:
    response = await node.get(path, headers={"Accept-Language": accept_language})
    assert response.status_code == 200, response.text
    assert f'<html lang="{accept_language[:2]}">' in response.text
    return text_of(response.text)


async def edit_form(browser: Browser, path: str) -> tuple[str, str]:
    """The edit form as the browser sees it, and the version it starts from (its CSRF token
    is kept)."""
    form = await browser.page(f"{path}/edit")
    browser.token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    base = re.search(r'name="base_version" value="(\d+)"', form)
    assert base is not None
    return text_of(form), base.group(1)


async def test_a_french_reader_reads_the_index_a_page_and_its_history_in_french(
    node: LiveNode,
) -> None:
    index = await read(node, "/c/stewards/kb", "fr-FR,fr;q=0.9,en;q=0.5")
    assert "Base de connaissances de Data Stewards" in index
    assert "tout membre peut écrire et modifier\u00a0; chaque version est conservée" in index
    assert "Knowledge base of" not in index and "Pages" in index

    page = await read(node, PAGE, "fr")
    assert "Version 1 · modifiée le" in page and "Écrite par ann." in page
    assert "Historique" in page and "History" not in page and "last changed" not in page

    history = await read(node, f"{PAGE}/history", "fr")
    assert "Historique de «\u00a0Loan rules\u00a0»" in history
    assert "Création de «\u00a0Loan rules\u00a0»" in history and "(actuelle)" in history
    # The change's date is written as a French reader writes it (day first, 24-hour clock)
    assert re.search(r"\b\d{2}/\d{2}/\d{4} \d{2}:\d{2}\b", history)
    english = text_of((await node.get(f"{PAGE}/history")).text)
    assert "History of “Loan rules”" in english and "(current)" in english
    assert re.search(r"\b\d{1,2}/\d{1,2}/\d{2}, \d{1,2}:\d{2}\s?[AP]M\b", english)


async def test_a_spanish_reader_reads_the_knowledge_base_in_spanish(node: LiveNode) -> None:
    index = await read(node, "/c/stewards/kb", "es")
    assert "Base de conocimiento de Data Stewards" in index
    history = await read(node, f"{PAGE}/history", "es")
    assert "Historial de «Loan rules»" in history and "Comparar" in history
    missing = await node.get(f"{PAGE}/v/9", headers={"Accept-Language": "es"})
    assert missing.status_code == 404
    assert "esta página tiene las versiones 1 a 1" in text_of(missing.text)


async def test_the_edit_form_and_a_conflict_speak_french(node: LiveNode) -> None:
    async with (
        signed_in(node, "ann", PASSWORD) as ann,
        signed_in(node, "rae", PASSWORD) as rae,
    ):
        ann.http.headers["Accept-Language"] = "fr"
        form, ann_base = await edit_form(ann, PAGE)
        assert "Modifier «\u00a0Loan rules\u00a0»" in form
        assert (
            f"Ce que vous avez modifié (facultatif, affiché dans l{APOSTROPHE}historique)" in form
        )
        assert "Enregistrer" in form and "Annuler" in form
        _rae_form, rae_base = await edit_form(rae, PAGE)
        saved = await rae.submit(
            f"{PAGE}/edit", base_version=rae_base, title="Loan rules",
            markdown="Loans last three weeks.", note="three weeks now",
        )  # fmt: skip
        assert saved.status_code == 303

        # When ann saves from the version she opened, her edit is refused in French
        conflict = await ann.submit(
            f"{PAGE}/edit", base_version=ann_base, title="Loan rules",
            markdown="Loans last two weeks. Renew once.", note="",
        )  # fmt: skip
        assert conflict.status_code == 409
        shown = text_of(conflict.text)
        assert f"Quelqu{APOSTROPHE}un a modifié cette page pendant que vous la modifiiez" in shown
        assert (
            "rae a modifié cette page (version 2) après que vous avez commencé à modifier la "
            f"version 1\u00a0: votre texte n{APOSTROPHE}a pas été enregistré." in shown
        )
        assert "Du texte actuel (version 2) au vôtre" in shown
        assert "Loans last two weeks. Renew once." in shown  # her words are kept
        assert "Someone changed this page" not in shown


async def test_a_restore_by_a_french_member_is_noted_in_french(node: LiveNode) -> None:
    async with signed_in(node, "rae", PASSWORD) as rae:
        rae.http.headers["Accept-Language"] = "fr"
        _form, base = await edit_form(rae, PAGE)
        await rae.submit(
            f"{PAGE}/edit", base_version=base, title="Loan rules", markdown="Three weeks.", note=""
        )
        await rae.csrf(f"{PAGE}/history")
        restored = await rae.submit(f"{PAGE}/restore", version="1")
        assert restored.status_code == 303
        # The notice, and the note the history keeps of what she did, are in her language
        page = text_of(await rae.page(restored.headers["location"]))
        assert "La version est rétablie." in page and "rétablit la version 1" in page
        history = text_of(await rae.page(f"{PAGE}/history"))
        assert "Version 1 rétablie" in history and "Restored version" not in history


async def test_someone_who_may_not_edit_is_told_why_in_french(node: LiveNode) -> None:
    async with signed_in(node, "ned", PASSWORD) as ned:
        ned.http.headers["Accept-Language"] = "fr"
        form = text_of(await ned.page(f"{PAGE}/edit"))
        assert (
            "Vous ne pouvez pas écrire ni modifier les pages de Data Stewards\u00a0: rejoignez-la, "
            f"ou demandez aux personnes qui l{APOSTROPHE}animent." in form
        )
        await ned.csrf(PAGE)
        refused = await ned.submit(
            f"{PAGE}/edit", base_version="1", title="Loan rules", markdown="spam"
        )
        assert refused.status_code == 403
        assert "rejoignez Data Stewards pour écrire et modifier ses pages" in text_of(refused.text)
        assert "Loans last two weeks." in text_of(await ned.page(PAGE))  # nothing changed


async def test_the_feed_names_its_changes_in_the_reader_s_language(node: LiveNode) -> None:
    french = await node.get("/c/stewards/kb/feed.atom", headers={"Accept-Language": "fr"})
    assert "Accept-Language" in french.headers["Vary"]
    feed = ET.fromstring(french.content)
    assert feed.findtext(f"{ATOM}title") == "Data Stewards\u00a0: base de connaissances"
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.findall(f"{ATOM}entry")]
    assert titles == ["Loan rules\u00a0: nouvelle page (version 1)"]
    # A feed reader that names no language reads English, as before
    english = ET.fromstring((await node.get("/c/stewards/kb/feed.atom")).content)
    assert english.findtext(f"{ATOM}title") == "Data Stewards: knowledge base"
