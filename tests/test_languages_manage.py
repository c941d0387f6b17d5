"""Managing a community in the reader's language: its Facilitate page, its health page and its
library speak French (and Spanish) to a browser that asks for it, with numbers, dates, licence,
kind and stage names written the reader's way, and a refused upload says why in French.

A fresh node each time: the community "clinic" (Clinicians), facilitated by fa, with ana and bo
as members; ana shared a PDF in a thread, under CC0. Pictures may weigh half a megabyte here.
"""

from __future__ import annotations

import dataclasses
import io
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from babel.dates import format_date
from PIL import Image

from fedcop.db.embedded import EmbeddedPostgres
from tests.conftest import fresh_database, make_config
from tests.live_node import LiveNode, live_node
from tests.media.library_world import PASSWORD, make_world, shared, thread
from tests.web_session import Browser, signed_in

HALF_A_MEGABYTE = 512 * 1024
# French puts a no-break space before ":" and ";", and writes a curly apostrophe.
NB = "\u00a0"
APOSTROPHE = "\u2019"


@pytest.fixture
async def node(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    media = dataclasses.replace(make_config().media, max_image_bytes=HALF_A_MEGABYTE)
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, media=media) as node:
        world = await make_world(node.app, node.config)
        protocol = await thread(world, "ana", "Triage protocol")
        await shared(
            world, "ana", protocol, "triage-checklist.pdf",
            description="The checklist we use at the front desk", licence="cc0-1.0",
        )  # fmt: skip
        yield node


def speaking(browser: Browser, language: str) -> Browser:
    browser.http.headers["Accept-Language"] = language
    return browser


def heavy_picture() -> bytes:
    """A PNG of noise, about a megabyte: more than a picture may weigh here."""
    width = height = 600
    noise = random.Random(17).randbytes(width * height * 3)  # noqa: S311 (pixels, not a secret)
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), noise).save(out, "PNG")
    assert len(out.getvalue()) > HALF_A_MEGABYTE
    return out.getvalue()


async def send_icon(browser: Browser, picture: bytes) -> httpx.Response:
    token = await browser.csrf("/c/clinic/manage")
    return await browser.http.post(
        "/c/clinic/manage/icon",
        data={"csrf": token, "change": "upload"},
        files={"picture": ("big.png", picture, "image/png")},
    )


async def test_the_facilitate_page_speaks_french_with_the_stage_named_in_french(
    node: LiveNode,
) -> None:
    async with signed_in(node, "fa", PASSWORD) as fa:
        speaking(fa, "fr")
        await fa.csrf("/c/clinic/manage")
        chosen = await fa.submit("/c/clinic/manage/stage", stage="Design")
        assert chosen.status_code == 303, chosen.text
        page = await fa.page("/c/clinic/manage")
    assert '<html lang="fr">' in page
    assert "<title>Animer Clinicians · " in page
    assert f">Demandes d{APOSTROPHE}adhésion</h2>" in page and ">Signalements</h2>" in page
    assert "Enregistrer les réglages" in page and "Save settings" not in page
    # the stage is named in French, the value sent stays the one on the wire
    assert '<option value="Design" selected>Conception</option>' in page
    assert '<option value="Closed" >Fermée</option>' in page
    # and the community's own page names it in French too
    community = await node.get("/c/clinic", headers={"Accept-Language": "fr"})
    assert f"Étape{NB}: <strong>Conception</strong>" in community.text


async def test_the_health_page_writes_its_figures_the_french_and_spanish_way(
    node: LiveNode,
) -> None:
    async with signed_in(node, "fa", PASSWORD) as fa:
        french = await speaking(fa, "fr").page("/c/clinic/manage/health")
        spanish = await speaking(fa, "es").page("/c/clinic/manage/health")
        english = await speaking(fa, "en").page("/c/clinic/manage/health")
        questions = await speaking(fa, "fr").http.get(
            "/c/clinic/manage/health.csv?metric=questions"
        )
    assert "<h1>Santé de Clinicians</h1>" in french
    assert f">En un coup d{APOSTROPHE}œil</h2>" in french and "At a glance" not in french
    # one thread in 52 weeks: a decimal comma in French and Spanish, a point in English
    assert "<dd>0,0 en moyenne</dd>" in french
    assert "<dd>0,0 de media</dd>" in spanish
    assert "<dd>0.0 on average</dd>" in english
    assert f"<dd>3{NB}: actifs 1, discrets 2, éloignés 0</dd>" in french
    assert "Personnes qui participent" in french and "Fils par semaine" in french
    # the months of the charts are named in French
    this_month = format_date(datetime.now(UTC), "MMM y", locale="fr")
    assert f'<th scope="row">{this_month}</th>' in french
    assert "<h1>Salud de Clinicians</h1>" in spanish and ">De un vistazo</h2>" in spanish
    # its CSV files are data: their headings and months read the same in any language
    rows = questions.text.splitlines()
    assert rows[0] == "Month,Asked,Answered,Solved"
    assert rows[-1].startswith(datetime.now(UTC).strftime("%b %Y") + ",")


async def test_the_library_names_kinds_and_licences_in_french(node: LiveNode) -> None:
    french = await node.get("/c/clinic/resources", headers={"Accept-Language": "fr"})
    assert french.status_code == 200
    page = french.text
    assert "<h1>Bibliothèque de Clinicians</h1>" in page
    assert ">CC0 (domaine public)</a>" in page  # ana's file's licence
    assert ">Tous droits réservés</option>" in page  # a licence to filter by
    assert ">Document</option>" in page and ">Image</option>" in page and ">Son</option>" in page
    assert "Partagé par" in page and "Shared by" not in page
    assert '<span class="meta size">2,0\u202fko</span>' in page  # ana's 2,048-byte PDF
    today = format_date(datetime.now(UTC), "medium", locale="fr")
    assert f">{today}</time>" in page
    spanish = await node.get("/c/clinic/resources", headers={"Accept-Language": "es"})
    assert "<h1>Biblioteca de Clinicians</h1>" in spanish.text
    assert ">CC0 (dominio público)</a>" in spanish.text


async def test_a_refused_upload_says_why_in_the_reader_s_language_english_by_default(
    node: LiveNode,
) -> None:
    picture = heavy_picture()
    async with signed_in(node, "fa", PASSWORD) as fa:
        french = await send_icon(speaking(fa, "fr"), picture)
        english = await send_icon(speaking(fa, "en"), picture)
        empty = await send_icon(speaking(fa, "fr"), b"")
        unknown = await send_icon(speaking(fa, "es"), b"\x00\x01MZ not a kind fedcop takes")
    assert french.status_code == 400
    assert (
        f"Une image peut peser au plus 0,5 Mo ici{NB}; celle-ci est plus lourde. "
        "Envoyez-en une plus légère."
    ) in french.text
    assert "A picture may weigh at most 0.5 MB here; this one is larger." in english.text
    assert f"Le fichier est vide{NB}; choisissez un fichier qui contient quelque" in empty.text
    assert "Este tipo de archivo no se acepta; fedcop acepta imágenes (JPEG" in unknown.text
    # nothing was kept: the community's icon is still made from its name
    async with node.pool.acquire() as conn:
        icons = await conn.fetchval("SELECT count(*) FROM media")
    assert icons == 1  # ana's PDF alone
