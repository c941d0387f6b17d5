"""Avatars and community icons over real sockets: uploaded through the media service (pictures
only), sent as the actor document's `icon`, generated from the name otherwise."""

from __future__ import annotations

import io

from PIL import Image

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts
from fedcop.services.avatars import colour, generated_svg, initials
from tests.conftest import fresh_database
from tests.live_node import live_node
from tests.web_session import signed_in

ACTIVITY_JSON = {"Accept": "application/activity+json"}


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (80, 80), (20, 120, 60)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_generated_picture_is_the_names_initials_on_its_own_colour() -> None:
    assert initials("Ana Lopes") == "AL"
    assert initials("data_stewards") == "DS"
    assert initials("   ") == "?"
    assert colour("Ana Lopes") == colour("Ana Lopes") != colour("Bea")
    hostile = generated_svg("<script>alert(1)</script> & co")
    assert "<script" not in hostile and "&lt;" in hostile


async def test_uploaded_avatars_and_icons_are_the_actors_icon(pg_cluster: EmbeddedPostgres) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as node:
        await accounts.create_user(node.pool, node.config, "bea", "long enough")
        await accounts.create_user(node.pool, node.config, "sam", "long enough")
        await accounts.create_community(
            node.pool, node.config, "stewards", title="Data Stewards", owner="bea"
        )
        async with signed_in(node, "bea", "long enough") as bea:
            actor = (await bea.http.get("/u/bea", headers=ACTIVITY_JSON)).json()
            assert "icon" not in actor  # a generated picture is not sent
            # A file that is no picture is refused, and nothing changes
            await bea.csrf("/settings")
            refused = await bea.http.post(
                "/settings/avatar",
                data={"csrf": bea.token, "change": "upload"},
                files={"picture": ("notes.txt", b"just some words", "text/plain")},
            )
            assert refused.status_code == 400
            assert "icon" not in (await bea.http.get("/u/bea", headers=ACTIVITY_JSON)).json()
            # A picture becomes her icon, as Mastodon and Lemmy read it
            saved = await bea.http.post(
                "/settings/avatar",
                data={"csrf": bea.token, "change": "upload"},
                files={"picture": ("me.png", png_bytes(), "image/png")},
            )
            assert saved.status_code == 303
            icon = (await bea.http.get("/u/bea", headers=ACTIVITY_JSON)).json()["icon"]
            assert icon["type"] == "Image" and icon["url"].startswith(node.base + "/media/")
            served = await bea.http.get(icon["url"].removeprefix(node.base))
            assert served.status_code == 200 and served.headers["content-type"] == icon["mediaType"]
            # and a community's icon, set by its facilitator
            await bea.csrf("/c/stewards/manage")
            saved = await bea.http.post(
                "/c/stewards/manage/icon",
                data={"csrf": bea.token, "change": "upload"},
                files={"picture": ("icon.png", png_bytes(), "image/png")},
            )
            assert saved.status_code == 303
            group = (await bea.http.get("/c/stewards", headers=ACTIVITY_JSON)).json()
            assert group["icon"]["type"] == "Image"
            # Back to a generated picture: the icon is no longer sent
            await bea.csrf("/settings")
            await bea.submit("/settings/avatar", change="generated")
            assert "icon" not in (await bea.http.get("/u/bea", headers=ACTIVITY_JSON)).json()
        # Someone who does not facilitate the community cannot change its icon
        async with signed_in(node, "sam", "long enough") as sam:
            await sam.csrf("/settings")
            refused = await sam.http.post(
                "/c/stewards/manage/icon",
                data={"csrf": sam.token, "change": "generated"},
            )
            assert refused.status_code in (400, 403, 404)
        async with signed_in(node, "bea", "long enough") as bea:
            group = (await bea.http.get("/c/stewards", headers=ACTIVITY_JSON)).json()
            assert group["icon"]["type"] == "Image"
