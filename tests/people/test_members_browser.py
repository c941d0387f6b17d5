"""The members page in the real browser at phone width: the organisation and sector charts
are named images that fit the window, their numbers are in tables, and axe finds nothing."""

from __future__ import annotations

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows
from fedcop.services.people.profiles import save_remote
from fedcop.store.people.profiles import Profile
from tests.browser import browser
from tests.conftest import fresh_database
from tests.live_node import live_node
from tests.test_accessibility import axe_source, readable, violations

PEOPLE = {
    "ana": ("City Archive", "Cultural heritage"),
    "ben": ("City Archive", "Cultural heritage"),
    "cat": ("Northern University Hospital and Research Institute", "Health"),
    "dan": ("", ""),
}


async def test_the_members_page_chart_reads_well_at_320px(pg_cluster: EmbeddedPostgres) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as node:
        pool, config, network = node.pool, node.config, node.app.state.network
        for name in PEOPLE:
            await accounts.create_user(pool, config, name, "long enough")
        community = await accounts.create_community(
            pool, config, "stewards", title="Data Stewards", owner="ana"
        )
        async with pool.acquire() as conn:
            for name, (organisation, sector) in PEOPLE.items():
                await follows.join(pool, config, network, name, community.uri)
                actor_id = await conn.fetchval("SELECT id FROM actors WHERE username = $1", name)
                await save_remote(conn, actor_id, Profile(organisation, sector))

        async with browser(init_scripts=[axe_source()]) as page:
            await page.set_viewport_size({"width": 320, "height": 640})
            response = await page.goto(f"{node.base}/c/stewards/members")
            assert response is not None and response.status == 200
            # Then each chart is one image with a name, inside the window
            chart = page.get_by_role("img", name="Members by organisation")
            box = await chart.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320
            # And its numbers are a table: City Archive has 2 members of 4, half of them
            table = page.get_by_role("table", name="Members by organisation: the numbers")
            row = table.get_by_role("row", name="City Archive")
            assert await row.inner_text() == "City Archive\t2\t50%"
            sectors = page.get_by_role("table", name="Members by sector: the numbers")
            assert await sectors.get_by_role("row", name="Not stated").inner_text() == (
                "Not stated\t1\t25%"
            )
            # And axe finds nothing to fix
            found = await violations(page)
            assert not found, readable({"/c/stewards/members": found})
