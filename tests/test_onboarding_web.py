"""Onboarding over HTTP: the guided setup of a fresh node by its first administrator, who may
register (and the Register link only where someone can), what a community page says before its
Join button, the home page, and a newcomer's welcome page.

A fresh node each time: ada (administrator, made as `fedcop admin create-user --admin` does),
sam (a member); its contact address is members@records.example.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, admin, posts
from fedcop.store import actors as actor_store
from fedcop.store import node as node_store
from fedcop.store import users as user_store
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.web_session import signed_in

ADMIN_PASSWORD = "admin pass 1"
PASSWORD = "sam pass 123"
CONTACT = "members@records.example"
NOT_SET_UP = "This node is not set up yet"
REGISTER_LINK = '<a href="/register">Register</a>'


@pytest.fixture
async def node(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, contact_email=CONTACT) as node:
        await accounts.create_user(node.pool, node.config, "ada", ADMIN_PASSWORD, is_admin=True)
        await accounts.create_user(node.pool, node.config, "sam", PASSWORD)
        yield node


async def setup_step(node: LiveNode) -> str:
    async with node.pool.acquire() as conn:
        return (await node_store.settings(conn)).setup_step


async def set_registrations(node: LiveNode, mode: str) -> None:
    async with node.pool.acquire() as conn:
        ada = await user_store.find_by_name(conn, "ada")
    assert ada is not None
    await admin.save_settings(node.pool, ada, organisation="", description="", registrations=mode)


async def test_the_first_admin_is_guided_step_by_step_and_can_come_back(node: LiveNode) -> None:
    # Given a fresh node: its administrator is asked to set it up, on every page
    async with signed_in(node, "ada", ADMIN_PASSWORD) as ada:
        home = await ada.page("/")
        assert NOT_SET_UP in home and 'href="/setup"' in home
        first = await ada.page("/setup")
        assert 'aria-current="step">Name and description' in first
        await ada.csrf("/setup")
        # A node with no name is refused, and nothing moves on
        refused = await ada.submit("/setup/about", name="  ", description="For archivists.")
        assert refused.status_code == 400 and "give the node a name" in refused.text
        assert await setup_step(node) == "about"
        # When ada names and describes it
        saved = await ada.submit(
            "/setup/about", name="Records Commons", description="Where archivists meet."
        )
        assert saved.status_code == 303
        assert saved.headers["location"] == "/setup?step=registrations"
        assert await setup_step(node) == "registrations"

    # Then, signing in again later, the setup waits at the step she reached
    async with signed_in(node, "ada", ADMIN_PASSWORD) as ada:
        resumed = await ada.page("/setup")
        assert 'aria-current="step">Who can register' in resumed
        assert "<h1>Set up this node</h1>" in resumed
        # a step not reached yet cannot be jumped to; one passed can be seen again
        assert 'aria-current="step">Who can register' in await ada.page("/setup?step=community")
        again = await ada.page("/setup?step=about")
        assert 'value="Records Commons"' in again
        # the header carries the new name
        assert '<a class="brand" href="/">Records Commons</a>' in resumed
        # and so do the Mastodon API's instance and NodeInfo, for apps and other servers
        assert (await node.get("/api/v2/instance")).json()["title"] == "Records Commons"
        assert (await node.get("/api/v1/instance")).json()["title"] == "Records Commons"
        nodeinfo = (await node.get("/nodeinfo/2.0")).json()
        assert nodeinfo["metadata"]["nodeName"] == "Records Commons"
        await ada.csrf("/setup")
        wrong = await ada.submit("/setup/registrations", registrations="everyone")
        assert wrong.status_code == 400
        async with node.pool.acquire() as conn:
            assert (await node_store.settings(conn)).registrations == "closed"
        chosen = await ada.submit("/setup/registrations", registrations="approval")
        assert chosen.status_code == 303
        assert await setup_step(node) == "community"
        # A community with a bad handle is refused, with what was typed kept
        bad = await ada.submit(
            "/setup/community", name="Bad Name", title="Stewards", purpose="Keeping records."
        )
        assert bad.status_code == 400 and 'value="Stewards"' in bad.text
        assert await setup_step(node) == "community"
        started = await ada.submit(
            "/setup/community", name="stewards", title="Data Stewards", purpose="Keeping *records*."
        )
        assert started.status_code == 303 and started.headers["location"] == "/c/stewards"
        # Then the setup is done: the community exists, ada facilitates it, no more prompt
        assert await setup_step(node) == "done"
        community = await ada.page("/c/stewards")
        assert "Data Stewards" in community and "<em>records</em>" in community
        assert NOT_SET_UP not in community
        assert "This node is set up" in await ada.page("/setup")
    async with node.pool.acquire() as conn:
        settings = await node_store.settings(conn)
        stewards = await actor_store.find_local(conn, "stewards")
        assert stewards is not None
        facilitators = await actor_store.facilitators_of(conn, stewards.actor.id)
    assert (settings.name, settings.description, settings.registrations) == (
        "Records Commons", "Where archivists meet.", "approval",
    )  # fmt: skip
    assert [f.username for f in facilitators] == ["ada"]


async def test_the_setup_can_be_skipped(node: LiveNode) -> None:
    async with signed_in(node, "ada", ADMIN_PASSWORD) as ada:
        await ada.csrf("/setup")
        skipped = await ada.submit("/setup/skip")
        assert skipped.status_code == 303 and skipped.headers["location"] == "/admin"
        assert NOT_SET_UP not in await ada.page("/admin")
    assert await setup_step(node) == "done"


async def test_a_community_made_on_the_command_line_ends_the_setup_early(node: LiveNode) -> None:
    # Given the operator made a community with `fedcop admin create-community`
    await accounts.create_community(
        node.pool, node.config, "stewards", title="Data Stewards", owner="ada"
    )
    async with signed_in(node, "ada", ADMIN_PASSWORD) as ada:
        await ada.csrf("/setup")
        await ada.submit("/setup/about", name="Records Commons", description="")
        # When ada chooses who can register, there is no first community left to start
        done = await ada.submit("/setup/registrations", registrations="open")
        assert done.status_code == 303
        assert "This node is set up" in await ada.page("/setup")
    assert await setup_step(node) == "done"


async def test_only_administrators_see_or_change_the_setup(node: LiveNode) -> None:
    async with signed_in(node, "sam", PASSWORD) as sam:
        home = await sam.page("/")
        assert NOT_SET_UP not in home
        assert (await sam.http.get("/setup")).status_code == 404
        await sam.csrf("/")
        for path, fields in (
            ("/setup/about", {"name": "Mine now", "description": ""}),
            ("/setup/registrations", {"registrations": "open"}),
            ("/setup/skip", {}),
        ):
            assert (await sam.submit(path, **fields)).status_code == 404, path
    async with node.pool.acquire() as conn:
        settings = await node_store.settings(conn)
    assert (settings.name, settings.registrations, settings.setup_step) == ("", "closed", "about")
    visitor = await node.get("/setup")
    assert visitor.status_code == 303 and visitor.headers["location"] == "/login?next=/setup"


async def test_the_register_link_shows_only_where_someone_can_register(node: LiveNode) -> None:
    # A fresh node is closed: no Register link, and the register page says whom to ask
    home = await node.get("/")
    assert "Sign in" in home.text and REGISTER_LINK not in home.text
    closed = await node.get("/register")
    assert closed.status_code == 200
    assert "How to get an account" in closed.text
    assert f'<a href="mailto:{CONTACT}">{CONTACT}</a>' in closed.text
    assert '<form method="post" action="/register">' not in closed.text
    for mode in ("open", "approval", "invitation"):
        await set_registrations(node, mode)
        page = (await node.get("/register")).text
        assert '<form method="post" action="/register">' in page, mode
    # by invitation, the link says a code is needed, and the page where to get one
    home = (await node.get("/")).text
    assert '<a href="/register">Register with an invitation</a>' in home
    assert "enter the code a member gave you" in page
    for mode in ("open", "approval"):
        await set_registrations(node, mode)
        assert REGISTER_LINK in (await node.get("/")).text, mode
    await set_registrations(node, "closed")
    assert REGISTER_LINK not in (await node.get("/c/nowhere")).text


async def test_the_admin_page_says_what_each_registration_mode_means(node: LiveNode) -> None:
    async with signed_in(node, "ada", ADMIN_PASSWORD) as ada:
        page = await ada.page("/admin")
        for mode in ("closed", "open", "approval", "invitation"):
            assert f'type="radio" id="mode-{mode}" name="registrations" value="{mode}"' in page
            assert f'aria-describedby="mode-{mode}-help"' in page
        assert re.search(r'value="closed" checked', page)
        assert "Anyone can register and take part at once." in page
        assert f"write to {CONTACT} for an account" in page
        assert "once an administrator approves it" in page
        assert "members make codes on their Settings page" in page
        await ada.csrf("/admin")
        saved = await ada.submit(
            "/admin/settings", name="Records Commons", organisation="City Libraries",
            description="Where archivists meet.", registrations="open",
        )  # fmt: skip
        assert saved.status_code == 303
        assert '<a class="brand" href="/">Records Commons</a>' in await ada.page("/admin")
    assert REGISTER_LINK in (await node.get("/")).text


async def test_a_community_page_says_what_it_is_before_the_join_button(node: LiveNode) -> None:
    pool, config, network = node.pool, node.config, node.app.state.network
    stewards = await accounts.create_community(
        pool, config, "stewards", title="Data Stewards", owner="ada",
        summary="<p>Practical stewardship of records.</p>",
    )  # fmt: skip
    async with node.pool.acquire() as conn:
        await conn.execute("UPDATE actors SET display_name = 'Ada Lovelace' WHERE username = 'ada'")
    for title in ("Retention schedules", "Fixity checks"):
        await posts.write(
            pool, config, network, author="ada", community_uri=stewards.uri, title=title,
            content="How do you do it?",
        )  # fmt: skip
    async with signed_in(node, "sam", PASSWORD) as sam:
        page = await sam.page("/c/stewards")
    order = [
        "Practical stewardship of records.",
        'href="/c/stewards/kb/charter">Read the charter</a>',
        '<h2 id="facilitators-heading">Facilitators</h2>',
        ">Ada Lovelace</a>",
        '<h2 id="activity-heading">Recent activity</h2>',
        "2 new threads in the last 30 days · 1 member",
        '<button type="submit">Join</button>',
    ]
    positions = [page.find(each) for each in order]
    assert -1 not in positions, [o for o, p in zip(order, positions, strict=True) if p == -1]
    assert positions == sorted(positions)
    # the charter link leads to the community's charter page
    charter = await node.get("/c/stewards/kb/charter")
    assert charter.status_code == 200 and "Practical stewardship of records." in charter.text
    # With a charter written on the Facilitate page, it is shown there, before the button
    async with node.pool.acquire() as conn:
        await conn.execute(
            "UPDATE communities SET charter = '<p>No patient details.</p>' WHERE actor_id = $1",
            stewards.id,
        )
    async with signed_in(node, "sam", PASSWORD) as sam:
        page = await sam.page("/c/stewards")
    order = [
        "<summary>Charter</summary><p>No patient details.</p>",
        'href="/c/stewards/kb/charter">Its page in the knowledge base</a>',
        '<h2 id="facilitators-heading">Facilitators</h2>',
        '<button type="submit">Join</button>',
    ]
    positions = [page.find(each) for each in order]
    assert -1 not in positions and positions == sorted(positions), positions


async def test_the_home_page_says_what_the_node_is_and_what_is_happening(node: LiveNode) -> None:
    pool, config, network = node.pool, node.config, node.app.state.network
    async with node.pool.acquire() as conn:
        ada = await user_store.find_by_name(conn, "ada")
    assert ada is not None
    await admin.save_settings(
        pool, ada, organisation="City Libraries", description="Where archivists meet.",
        registrations="open", name="Records Commons",
    )  # fmt: skip
    stewards = await accounts.create_community(
        pool, config, "stewards", title="Data Stewards", owner="ada"
    )
    clinic = await accounts.create_community(
        pool, config, "clinic", title="Clinicians", owner="ada", private=True
    )
    await posts.write(
        pool, config, network, author="ada", community_uri=stewards.uri,
        title="Retention schedules", content="How long do you keep yours?",
    )  # fmt: skip
    await posts.write(
        pool, config, network, author="ada", community_uri=clinic.uri,
        title="A patient's file", content="Members only.",
    )  # fmt: skip
    for client in ("visitor", "member"):
        if client == "visitor":
            page = (await node.get("/")).text
        else:
            async with signed_in(node, "sam", PASSWORD) as sam:
                page = await sam.page("/")
        assert '<h1 id="about-heading">Records Commons</h1>' in page, client
        assert "Where archivists meet." in page and "Run by City Libraries." in page
        assert '<h2 id="recent-heading">Recent threads</h2>' in page
        assert ">Retention schedules</a>" in page and ">Data Stewards</a>" in page
        # a private community's threads stay its members'
        assert "A patient" not in page


async def test_the_welcome_page_suggests_communities_and_next_steps(node: LiveNode) -> None:
    await accounts.create_community(
        node.pool, node.config, "stewards", title="Data Stewards", owner="ada",
        summary="<p>Practical stewardship.</p>",
    )  # fmt: skip
    async with signed_in(node, "sam", PASSWORD) as sam:
        page = await sam.page("/welcome")
        assert "Practical stewardship." in page
        assert '<button type="submit">Join Data Stewards</button>' in page
        for link in ('href="/settings"', 'href="/notifications"', 'href="/settings/mail"'):
            assert link in page, link
        await sam.csrf("/welcome")
        joined = await sam.submit("/c/stewards/join")
        assert joined.status_code == 303
        assert ">Leave</button>" in await sam.page("/c/stewards")
