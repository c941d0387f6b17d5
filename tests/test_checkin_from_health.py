"""From the facilitator's view to a member's own server: a member who has not been seen for 200
days is listed as lapsed on /c/NAME/manage/health, the "check in with all lapsed members" form
takes the facilitator to the check-in page with that member chosen, and the message sent from
there arrives as a direct post at the member's server, and nowhere else.

alpha: fa (facilitates "stewards"); beta: bea (member, joined 200 days ago, never seen since);
gamma: gus and masto: mona (members who joined today: quiet, not lapsed).
"""

from __future__ import annotations

import re

from tests.direct_world import PASSWORD, World, direct_posts, world
from tests.web_session import signed_in

__all__ = ["world"]  # the fixture, used by name


def _form(page: str, css_class: str) -> tuple[str, list[str]]:
    """The action and the ticked `member` values of the form with this class."""
    found = re.search(
        rf'<form method="post" action="([^"]+)" class="{css_class}">(.*?)</form>', page, re.S
    )
    assert found is not None, page
    return found.group(1), re.findall(r'name="member" value="(\d+)"', found.group(2))


async def test_a_lapsed_member_found_on_the_health_page_is_checked_in_with(world: World) -> None:
    alpha, beta, gamma, mona = world.alpha, world.beta, world.gamma, world.mona
    bea_id = await world.actor_id(alpha, f"{beta.base}/u/bea")
    # Given bea joined stewards 200 days ago and has written nothing since
    async with alpha.pool.acquire() as conn:
        await conn.execute(
            "UPDATE follows SET created_at = now() - interval '200 days',"
            " accepted_at = now() - interval '200 days'"
            " WHERE follower_id = $1"
            " AND followed_id = (SELECT id FROM actors WHERE username = 'stewards'"
            " AND domain IS NULL)",
            bea_id,
        )
    async with signed_in(alpha, "fa", PASSWORD) as fa:
        # When fa opens the community's health, bea (and only bea) is lapsed
        health = await fa.page("/c/stewards/manage/health")
        action, members = _form(health, "checkin-all")
        assert action == "/c/stewards/checkins/new"
        assert members == [str(bea_id)]
        # and checking in with all lapsed members brings the check-in form, bea chosen
        await fa.csrf("/c/stewards/manage/health")
        chosen = await fa.http.post(action, data={"csrf": fa.token, "member": members})
        assert chosen.status_code == 200 and 'name="content"' in chosen.text
        assert "bea@beta.test" in chosen.text and "mona@" not in chosen.text
        sent = await fa.http.post(
            action,
            data={"csrf": fa.token, "member": members, "content": "We miss you, {name}!"},
        )
        assert sent.status_code == 303, sent.text
    await world.settle()

    # Then bea's server keeps the message for her, and nobody else got one
    [on_beta] = await direct_posts(beta)
    assert "We miss you, bea!" in on_beta["content"]
    assert await direct_posts(gamma) == []
    assert [a for a in mona.received if a["type"] == "Create"] == []
