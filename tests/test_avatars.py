"""Avatars and community icons over real sockets: uploaded through the media service (pictures
only), sent as the actor document's `icon`, generated from the name otherwise."""

from __future__ import annotations

from pathlib import Path

import httpx

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, remote_actors
from fedcop.services.avatars import colour, generated_svg, initials
from tests.conftest import fresh_database
from tests.live_node import live_node
from tests.media.picture_server import picture_server, png_bytes
from tests.microblog_server import microblog_server
from tests.web_session import signed_in

ACTIVITY_JSON = {"Accept": "application/activity+json"}


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


async def test_an_icon_from_elsewhere_is_shown_through_the_media_proxy_only(
    pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    with (
        picture_server({"/mona.png": (png_bytes(), "image/png")}) as files,
        microblog_server("masto") as masto,
    ):
        masto.actor_extra = {"icon": {"type": "Image", "url": files.url("/mona.png")}}
        async with fresh_database(pg_cluster) as dsn, live_node(dsn, data_dir=tmp_path) as node:
            network = node.app.state.network
            mona = await remote_actors.fetch_actor(node.pool, network, masto.user)
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{node.port}", headers={"Host": node.config.domain}
            ) as http:
                # Her picture here is a redirect to the proxy, never to her server
                shown = await http.get(f"/avatars/{mona.id}")
                assert shown.status_code == 302
                proxied = shown.headers["location"]
                assert proxied.startswith("/media/proxy/") and files.origin not in proxied
                picture = await http.get(proxied)
                assert picture.status_code == 200
                assert picture.headers["content-type"] == "image/png"
                assert picture.content == png_bytes()
                # When her server no longer states an icon, a generated picture shows, and the
                # old token opens nothing
                masto.actor_extra = {}
                await remote_actors.refresh(node.pool, network, masto.user)
                generated = await http.get(f"/avatars/{mona.id}")
                assert generated.headers["content-type"].startswith("image/svg+xml")
                assert (await http.get(proxied)).status_code == 404
                # and a made-up token is no way to make this node fetch anything
                assert (await http.get("/media/proxy/" + "A" * 32)).status_code == 404
            assert files.hits["/mona.png"] == 1
