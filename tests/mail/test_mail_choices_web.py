"""A member chooses what arrives by mail: from a community's page, and for every community at
once on /settings/mail."""

from __future__ import annotations

from fedcop.services import accounts, follows
from fedcop.services.mail import choices
from tests.live_node import live_node
from tests.web_session import signed_in


async def test_choices_from_the_community_page_and_the_settings_page(dsn: str) -> None:
    async with live_node(dsn, "alpha") as alpha:
        pool, config = alpha.pool, alpha.config
        ann = await accounts.create_user(pool, config, "ann", "long enough")
        await accounts.create_user(pool, config, "fa", "long enough")
        for name in ("garden", "clinic"):
            await accounts.create_community(pool, config, name, title=name.title(), owner="fa")
            await follows.join(
                pool, config, alpha.app.state.network, "ann", config.url(f"/c/{name}")
            )
        garden = config.url("/c/garden")
        async with signed_in(alpha, "ann", "long enough") as browser:
            # The community page offers a member the choice, notifications by default
            page = await browser.page("/c/garden")
            assert '<option value="notifications" selected>Notifications only</option>' in page
            await browser.csrf("/c/garden")
            response = await browser.submit("/c/garden/mail", community=garden, mode="every")
            assert response.status_code == 303
            listed = {c.name: c.mode for c in await choices.of_user(pool, ann.id)}
            assert listed == {"clinic": "notifications", "garden": "every"}
            # The settings page leads to the mail choices, which list both and change both
            assert 'href="/settings/mail"' in await browser.page("/settings")
            page = await browser.page("/settings/mail")
            assert "Garden" in page and "Clinic" in page
            ids = {c.name: c.community_id for c in await choices.of_user(pool, ann.id)}
            await browser.csrf("/settings/mail")
            response = await browser.submit(
                "/settings/mail",
                **{f"mail-{ids['garden']}": "daily", f"mail-{ids['clinic']}": "none"},
            )
            assert response.status_code == 200 and "saved" in response.text
            listed = {c.name: c.mode for c in await choices.of_user(pool, ann.id)}
            assert listed == {"clinic": "none", "garden": "daily"}
            # A made-up choice changes nothing
            await browser.csrf("/settings/mail")
            response = await browser.submit("/settings/mail", **{f"mail-{ids['garden']}": "hourly"})
            assert response.status_code == 400
            assert {c.name: c.mode for c in await choices.of_user(pool, ann.id)} == listed
