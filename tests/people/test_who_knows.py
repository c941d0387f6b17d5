"""Who knows about a subject in a community, on a real database: stated expertise first, then
accepted answers about it (each worth three posts), then posts that mention it; only what the
reader may read counts, and only in that community."""

from __future__ import annotations

from typing import Any

from fedcop.config import Config
from fedcop.services import accounts, follows, posts, profiles, questions
from fedcop.services.people.members import Filters, members_page
from fedcop.store import users as user_store


async def test_stated_expertise_then_accepted_answers_then_mentions(
    pool: Any, config: Config, app: Any
) -> None:
    network = app.state.network
    for name in ("fa", "sid", "ann", "max", "out"):
        await accounts.create_user(pool, config, name, "long enough")
    stewards = await accounts.create_community(pool, config, "stewards", title="S", owner="fa")
    other = await accounts.create_community(pool, config, "other", title="O", owner="fa")
    for name in ("sid", "ann", "max"):
        await follows.join(pool, config, network, name, stewards.uri)
    await follows.join(pool, config, network, "out", other.uri)
    # sid states the subject and never wrote about it
    async with pool.acquire() as conn:
        sid = await user_store.find_by_name(conn, "sid")
    assert sid is not None
    await profiles.update(
        pool, config, sid, display_name="Sid", bio_html="", organisation="", sector="",
        job_role="", expertise="Digital preservation",
    )  # fmt: skip
    # fa asks about it; ann's answer is accepted; max mentions it twice in passing
    question = await posts.write(
        pool, config, network, author="fa", community_uri=stewards.uri,
        title="Which format?", content="For long-term storage of scans.", question=True,
    )  # fmt: skip
    answer = await posts.write(
        pool, config, network, author="ann", community_uri=stewards.uri,
        content="TIFF is what digital preservation people use.", in_reply_to=question.uri,
    )  # fmt: skip
    await questions.accept(pool, config, by="fa", thread_id=question.id, answer_id=answer.id)
    for text in ("Preservation matters.", "More on preservation soon."):
        await posts.write(
            pool, config, network, author="max", community_uri=stewards.uri,
            title=text, content=text,
        )  # fmt: skip
    # out wrote about it many times, in another community
    for index in range(5):
        await posts.write(
            pool, config, network, author="out", community_uri=other.uri,
            title=f"Preservation {index}", content="preservation",
        )  # fmt: skip

    view = await members_page(pool, stewards.uri, None, filters=Filters(), query="preservation")
    assert view.knowers is not None
    ranked = [(k.member.actor.username, k.stated, k.answers, k.posts) for k in view.knowers]
    # Then: the stated expertise, the accepted answer (1 post + 3), the two mentions; nobody
    # from the other community
    assert ranked == [("sid", True, 0, 0), ("ann", False, 1, 1), ("max", False, 0, 2)]
