"""A member's own data in their language: the data page, the result of a follows import and the
administrator's delete page, read with a French (or Spanish) browser, speak it; so do the
refusals of the import and of a move, written by the services, and the README of the archive
(its file names and JSON stay as programs read them); the reasons the import worker records
(outside any request) are in the language the member chose.

A fresh node each time, with ann (a member) and ada (an administrator).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import AsyncIterator

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.i18n.current import speaking, written_number
from fedcop.services import accounts, member_language
from fedcop.services.account_data import follow_imports, follows_csv
from fedcop.store import actors as actor_store
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.microblog_server import microblog_server
from tests.web_session import Browser, signed_in

PASSWORD = "long enough"


@pytest.fixture
async def node(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as node:
        await accounts.create_user(node.pool, node.config, "ann", PASSWORD)
        await accounts.create_user(node.pool, node.config, "ada", "admin pass 1", is_admin=True)
        yield node


async def _import(browser: Browser, csv_bytes: bytes) -> tuple[int, str]:
    await browser.csrf("/settings/data")
    response = await browser.http.post(
        "/settings/data/import",
        data={"csrf": browser.token},
        files={"file": ("following_accounts.csv", csv_bytes, "text/csv")},
    )
    return response.status_code, response.text


async def test_the_data_page_speaks_the_browser_s_language(node: LiveNode) -> None:
    async with signed_in(node, "ann", PASSWORD) as ann:
        ann.http.headers["Accept-Language"] = "fr-FR,fr;q=0.9"
        french = await ann.page("/settings/data")
        assert '<html lang="fr">' in french
        assert "<title>Vos données · " in french
        assert "Emporter vos données" in french and "Télécharger votre archive (zip)" in french
        assert "Déménager vers un autre serveur" in french and "Vos autres comptes" in french
        # The limits are written the French way ("2 000", not "2,000")
        with speaking("fr"):
            rows = written_number(follows_csv.MAX_ROWS)
        assert f"Au plus {rows} lignes" in french
        assert "Take your data with you" not in french and "Your data" not in french
        ann.http.headers["Accept-Language"] = "es"
        spanish = await ann.page("/settings/data")
        assert '<html lang="es">' in spanish
        assert "Llevarse sus datos" in spanish and "Eliminar su cuenta…" in spanish


async def test_the_archive_s_readme_is_in_french_and_its_data_as_programs_read_it(
    node: LiveNode,
) -> None:
    async with signed_in(node, "ann", PASSWORD) as ann:
        ann.http.headers["Accept-Language"] = "fr"
        response = await ann.http.get("/settings/data/archive.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    readme = archive.read("README.txt").decode()
    assert readme.startswith(f"Vos donn\u00e9es de {node.config.node_name} (")
    assert "README.txt              ce fichier\n" in readme
    assert "posts/NUMBER.md         le Markdown de chaque publication" in readme
    assert "Tout est en UTF-8." in readme and "this file" not in readme
    # What programs read is the same in every language
    profile = json.loads(archive.read("profile.json"))
    assert profile["name"] == "ann" and "listed_in_directory" in profile


async def test_an_import_s_result_and_its_refusals_are_in_french(node: LiveNode) -> None:
    async with signed_in(node, "ann", PASSWORD) as ann:
        ann.http.headers["Accept-Language"] = "fr"
        # A follows list with one address and one line that names none
        status, page = await _import(
            ann,
            b"Account address,Show boosts,Notify on new posts,Languages\n"
            b"mona@elsewhere.example,true,false,\n"
            b"not an address,true,false,\n",
        )
        assert status == 200
        assert "<h1>Abonnements importés</h1>" in page
        assert "1 compte va être suivi\u00a0: il est recherché sur son serveur" in page
        assert "Lignes non importées" in page
        assert (
            "Ligne 3 («\u00a0not an address\u00a0»)\u00a0: "
            "ce n\u2019est pas une adresse comme nom@serveur."
        ) in page
        assert "En attente de recherche (1)" in page and "mona@elsewhere.example" in page
        assert "Non suivis (0)" in page
        # A file that is not a follows CSV at all (not even text) is refused, in French
        status, page = await _import(ann, b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x00")
        assert status == 400
        assert "le fichier n\u2019est pas du texte UTF-8\u00a0: exportez-le à nouveau" in page
        # A CSV that names no account, and a form with no file
        status, page = await _import(ann, b"Account address,Show boosts\n")
        assert status == 400 and "le fichier ne nomme aucun compte à suivre" in page
        await ann.csrf("/settings/data")
        no_file = await ann.submit("/settings/data/import")
        assert no_file.status_code == 400
        assert "choisissez un fichier CSV à importer" in no_file.text
    # Nothing was queued but the one address
    async with node.pool.acquire() as conn:
        queued = await conn.fetchval("SELECT count(*) FROM follow_imports")
    assert queued == 1


async def test_the_import_worker_writes_why_in_the_member_s_chosen_language(
    node: LiveNode,
) -> None:
    async with node.pool.acquire() as conn:
        ann = await actor_store.find_local(conn, "ann")
    assert ann is not None
    await member_language.choose(node.pool, ann.actor.id, "es")
    async with signed_in(node, "ann", PASSWORD) as browser:
        status, _page = await _import(browser, f"nobody@{node.config.domain}\n".encode())
        assert status == 200
        # The worker answers no request: it writes in the language ann chose
        assert await follow_imports.run(node.pool, node.config, node.app.state.network) == 1
        page = await browser.page("/settings/data/import")
    assert '<html lang="es">' in page
    assert "No seguidas (1)" in page
    assert f"nobody@{node.config.domain}: no hay ninguna cuenta «nobody» en este nodo" in page


async def test_a_refused_move_says_why_in_french(node: LiveNode) -> None:
    async with node.pool.acquire() as conn:
        ann = await actor_store.find_local(conn, "ann")
    assert ann is not None
    with microblog_server("newhome", "ann") as new_ann:
        new_ann.known_keys[ann.actor.public_key_id] = ann.actor.public_key_pem
        new_address = f"ann@{new_ann.origin.split('://')[1]}"
        async with signed_in(node, "ann", PASSWORD) as browser:
            browser.http.headers["Accept-Language"] = "fr"
            await browser.csrf("/settings/data")
            # The new account does not list ann's among its other accounts: nothing moves
            refused = await browser.submit(
                "/settings/data/move", account=new_address, password=PASSWORD
            )
            assert refused.status_code == 400
            assert '<html lang="fr">' in refused.text
            assert (
                f"{new_ann.user} ne compte pas {ann.actor.uri} parmi ses autres comptes "
                "(alsoKnownAs, les «\u00a0alias\u00a0» de Mastodon)\u00a0: "
                "ajoutez-le d\u2019abord là-bas, "
                "puis déménagez"
            ) in refused.text
            # A wrong password, in Spanish
            browser.http.headers["Accept-Language"] = "es"
            wrong = await browser.submit(
                "/settings/data/move", account=new_address, password="not the password"
            )
            assert wrong.status_code == 400
            assert "la contraseña no es correcta: no se ha mudado nada" in wrong.text
            # Listing the new account as another of hers is told in French
            browser.http.headers["Accept-Language"] = "fr"
            listed = await browser.submit("/settings/data/aliases", account=new_address)
            assert listed.status_code == 200
            assert f"{new_ann.user} figure parmi vos autres comptes." in listed.text
    assert not [a for a in new_ann.received if a["type"] == "Move"]


async def test_the_administrator_s_delete_page_is_in_french(node: LiveNode) -> None:
    async with signed_in(node, "ada", "admin pass 1") as ada:
        ada.http.headers["Accept-Language"] = "fr"
        page = await ada.page("/admin/accounts/ann/delete")
        assert '<html lang="fr">' in page
        assert "<h1>Supprimer le compte ann</h1>" in page
        assert "Ce qui va se passer\u00a0:" in page
        assert "Chaque serveur qui connaît <strong>ann</strong> apprend que le compte" in page
        assert "Le nom n\u2019est jamais donné à quelqu\u2019un d\u2019autre." in page
        assert "Retour à la page d\u2019administration" in page
        assert "What will happen" not in page
        # Once it is deleted, the page says so, in French
        await ada.csrf("/admin/accounts/ann/delete")
        deleted = await ada.submit("/admin/accounts/ann/delete", posts="delete")
        assert deleted.status_code == 200
        again = await ada.page("/admin/accounts/ann/delete")
        assert "Ce compte est déjà supprimé." in again
