"""The knowledge base on one node (real PostgreSQL, through the services the web calls): pages
with stable slugs, every version kept, conflicts that never overwrite, history, diff, restore,
who may edit, the charter first, pages made from posts, and watchers told of changes.

"stewards" (facilitator fa; members ann and rae; ned is no member) and the members-only
"clinic" (facilitator cho; dee is its member).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from fedcop.config import Config
from fedcop.services import accounts, facilitation, follows, lifecycle, posts, questions
from fedcop.services.errors import InvalidInput, NotFound
from fedcop.services.knowledge import access, editing, from_posts, history, pages, watches
from fedcop.services.knowledge import settings as kb_settings
from fedcop.services.knowledge.editing import EditConflict
from fedcop.services.knowledge.slugs import slug_from_title
from fedcop.store import users as user_store
from fedcop.store.users import User

PASSWORD = "long enough"


@dataclass
class Node:
    pool: Any
    config: Config
    network: Any


@pytest.fixture
async def node(app: Any, config: Config) -> Node:
    pool = app.state.pool
    for name in ("fa", "ann", "rae", "ned", "cho", "dee"):
        await accounts.create_user(pool, config, name, PASSWORD)
    stewards = await accounts.create_community(
        pool, config, "stewards", title="Data Stewards", owner="fa"
    )
    clinic = await accounts.create_community(
        pool, config, "clinic", title="Clinicians", owner="cho", private=True
    )
    for name in ("ann", "rae"):
        await follows.join(pool, config, app.state.network, name, stewards.uri)
    await follows.join(pool, config, app.state.network, "dee", clinic.uri)
    await follows.decide_request(pool, config, "clinic", f"{config.base_url}/u/dee", approve=True)
    return Node(pool, config, app.state.network)


async def user(node: Node, name: str) -> User:
    async with node.pool.acquire() as conn:
        found = await user_store.find_by_name(conn, name)
    assert found is not None
    return found


async def told(node: Node, name: str) -> list[tuple[str, int, int]]:
    """The page_changed notifications of `name`: (editor, page id, version)."""
    async with node.pool.acquire() as conn:
        rows = await conn.fetch(
            """
            SELECT e.username, n.kb_page_id, n.kb_version FROM notifications n
            JOIN actors r ON r.id = n.recipient_id JOIN actors e ON e.id = n.from_id
            WHERE r.username = $1 AND n.kind = 'page_changed' ORDER BY n.id
            """,
            name,
        )
    return [(row["username"], row["kb_page_id"], row["kb_version"]) for row in rows]


async def write(node: Node, by: str, title: str, text: str, community: str = "stewards") -> str:
    change = await pages.create(
        node.pool, node.config, community=community, by=by, title=title, markdown=text
    )
    return change.page.slug


def test_slugs_are_made_from_titles() -> None:
    assert slug_from_title("Interlibrary loan: who pays?") == "interlibrary-loan-who-pays"
    assert slug_from_title("Données ouvertes à l'école") == "donnees-ouvertes-a-l-ecole"
    assert slug_from_title("???") == "page"
    assert len(slug_from_title("word " * 40)) <= 80


async def test_a_page_keeps_every_version_and_its_slug(node: Node) -> None:
    # Given ann writes a page
    change = await pages.create(
        node.pool, node.config, community="stewards", by="ann",
        title="Checksum tools", markdown="Use **sha256**.\n\n<script>x</script>",
    )  # fmt: skip
    # Then it has a slug from its title, an id under the community, and a first version
    assert change.created and change.version.version == 1
    assert change.page.slug == "checksum-tools"
    assert change.page.ap_id == f"{node.config.base_url}/c/stewards/kb/checksum-tools"
    assert "<strong>sha256</strong>" in change.version.html
    assert "<script>" not in change.version.html
    # When rae edits it from version 1, changing its title
    edited = await editing.edit(
        node.pool, node.config, community="stewards", slug="checksum-tools", by="rae",
        base_version=1, title="Fixity tools", markdown="Use **sha256** or sha512.",
        note="sha512 too",
    )  # fmt: skip
    # Then the page is at version 2 with the new title, and its address has not changed
    assert edited.version.version == 2 and edited.page.current_version == 2
    shown = await pages.view(node.pool, node.config, "stewards", "checksum-tools", None)
    assert shown.current.title == "Fixity tools"
    assert shown.path == "/c/stewards/kb/checksum-tools"
    assert [a.username for a in shown.editors] == ["rae", "ann"]
    assert shown.last_editor.username == "rae"
    # And a second page with the first title gets a slug of its own
    assert await write(node, "ann", "Checksum tools", "again") == "checksum-tools-2"
    # And "New" does not take the address of the new-page form
    assert await write(node, "ann", "New", "text") == "new-2"


async def test_two_edits_of_the_same_version_are_a_conflict_never_an_overwrite(
    node: Node,
) -> None:
    await write(node, "ann", "Loan rules", "Loans last two weeks.\nRenew once.")
    # Given ann and rae both opened version 1; rae saves first
    await editing.edit(
        node.pool, node.config, community="stewards", slug="loan-rules", by="rae",
        base_version=1, title="Loan rules", markdown="Loans last three weeks.\nRenew once.",
    )  # fmt: skip
    # When ann saves her edit of version 1
    with pytest.raises(EditConflict) as raised:
        await editing.edit(
            node.pool, node.config, community="stewards", slug="loan-rules", by="ann",
            base_version=1, title="Loan rules", markdown="Loans last two weeks.\nRenew twice.",
        )  # fmt: skip
    # Then she is told who changed it, with both texts, and nothing of hers was saved
    conflict = raised.value
    assert conflict.current.version == 2 and conflict.base.version == 1
    assert conflict.current_editor.username == "rae"
    assert conflict.current.markdown == "Loans last three weeks.\nRenew once."
    assert conflict.markdown == "Loans last two weeks.\nRenew twice."
    assert "changed this page (version 2)" in str(conflict)
    shown = await pages.view(node.pool, node.config, "stewards", "loan-rules", None)
    assert shown.page.current_version == 2
    # When she merges and saves from version 2, it is taken
    merged = await editing.edit(
        node.pool, node.config, community="stewards", slug="loan-rules", by="ann",
        base_version=2, title="Loan rules", markdown="Loans last three weeks.\nRenew twice.",
    )  # fmt: skip
    assert merged.version.version == 3


async def test_history_diff_and_restore(node: Node) -> None:
    await write(node, "ann", "Retention", "Keep logs a year.\nDelete after.")
    await editing.edit(
        node.pool, node.config, community="stewards", slug="retention", by="rae",
        base_version=1, title="Retention", markdown="Keep logs <two> years.\nDelete after.",
        note="policy changed",
    )  # fmt: skip
    # The history says who changed what, newest first
    past = await history.history(node.pool, node.config, "stewards", "retention", None)
    assert [(c.version.version, c.editor.username, c.version.note) for c in past.changes] == [
        (2, "rae", "policy changed"),
        (1, "ann", ""),
    ]
    # The diff shows the changed line, its changed words marked and the text escaped
    compared = await history.compare(
        node.pool, node.config, "stewards", "retention", None, old=1, new=2
    )
    assert (compared.diff.added, compared.diff.removed) == (1, 1)
    kinds = [(line.kind, line.html) for line in compared.diff.lines]
    assert ("removed", "Keep logs <del>a year</del>.") in kinds
    assert ("added", "Keep logs <ins>&lt;two&gt; years</ins>.") in kinds
    assert ("same", "Delete after.") in kinds
    # When ann restores version 1
    restored = await editing.restore(
        node.pool, node.config, community="stewards", slug="retention", by="ann", version=1
    )
    # Then it is a new version with version 1's text, saying so
    assert restored.version.version == 3 and restored.version.restored_from == 1
    assert restored.version.markdown == "Keep logs a year.\nDelete after."
    again = await history.compare(
        node.pool, node.config, "stewards", "retention", None, old=1, new=3
    )
    assert again.diff.unchanged
    with pytest.raises(NotFound):
        await history.compare(node.pool, node.config, "stewards", "retention", None, old=1, new=9)


async def test_who_may_edit(node: Node) -> None:
    await write(node, "ann", "Glossary", "FAIR: findable...")

    async def edit_as(name: str, base: int) -> int:
        change = await editing.edit(
            node.pool, node.config, community="stewards", slug="glossary", by=name,
            base_version=base, title="Glossary", markdown=f"edited by {name}",
        )  # fmt: skip
        return change.version.version

    # ned is no member: refused
    with pytest.raises(access.NotAllowed, match="join Data Stewards"):
        await edit_as("ned", 1)
    # When fa says only facilitators edit: the member rae is refused, fa is not
    assert await kb_settings.set_editors(
        node.pool, "stewards", await user(node, "fa"), "facilitators"
    )
    with pytest.raises(access.NotAllowed, match="only the facilitators"):
        await edit_as("rae", 1)
    with pytest.raises(access.NotAllowed):
        await write(node, "rae", "Another", "text")
    assert await edit_as("fa", 1) == 2
    # and a member cannot change the setting
    with pytest.raises(InvalidInput):
        await kb_settings.set_editors(node.pool, "stewards", await user(node, "ann"), "members")
    # When the community is Closed, nobody edits; the pages stay readable
    await lifecycle.set_stage(node.pool, node.config, "stewards", await user(node, "fa"), "Closed")
    with pytest.raises(lifecycle.ClosedCommunity):
        await edit_as("fa", 2)
    shown = await pages.view(node.pool, node.config, "stewards", "glossary", None)
    assert shown.current.markdown == "edited by fa" and not shown.may_edit


async def test_a_members_only_knowledge_base_is_for_members(node: Node) -> None:
    await write(node, "dee", "Triage notes", "secret", community="clinic")
    ned = (await user(node, "ned")).actor.id
    dee = (await user(node, "dee")).actor.id
    for viewer in (None, ned):
        with pytest.raises(NotFound):
            await pages.index(node.pool, node.config, "clinic", viewer)
        with pytest.raises(NotFound):
            await pages.view(node.pool, node.config, "clinic", "triage-notes", viewer)
        with pytest.raises(NotFound):
            await history.history(node.pool, node.config, "clinic", "triage-notes", viewer)
    with pytest.raises(NotFound):
        await watches.watch(
            node.pool, node.config, community="clinic", slug="triage-notes", by="ned"
        )
    kb = await pages.index(node.pool, node.config, "clinic", dee)
    assert [card.page.slug for card in kb.pages] == ["charter", "triage-notes"]


async def test_the_charter_is_the_first_page(node: Node) -> None:
    # Given the community's purpose and charter, set on the Facilitate page
    await facilitation.save_settings(
        node.pool, node.config, "stewards", await user(node, "fa"), title="Data Stewards",
        purpose="Keeping research data *usable*.", charter="Be kind. Cite sources.",
        approval=False, restricted=False,
    )  # fmt: skip
    await write(node, "ann", "Glossary", "terms")
    # When the knowledge base is opened
    kb = await pages.index(node.pool, node.config, "stewards", None)
    # Then the charter is listed first, made from the purpose and the charter, by the community
    assert [card.page.slug for card in kb.pages] == ["charter", "glossary"]
    charter = await pages.view(node.pool, node.config, "stewards", "charter", None)
    assert charter.page.is_charter and charter.current.title == "Charter"
    assert "Keeping research data *usable*." in charter.current.markdown
    assert "Be kind. Cite sources." in charter.current.markdown
    assert charter.last_editor.username == "stewards"
    # and opening it again makes no second one
    again = await pages.index(node.pool, node.config, "stewards", None)
    assert [card.page.id for card in again.pages] == [card.page.id for card in kb.pages]
    # It is edited like any page
    edited = await editing.edit(
        node.pool, node.config, community="stewards", slug="charter", by="fa", base_version=1,
        title="Charter", markdown="Be kind.",
    )  # fmt: skip
    assert edited.version.version == 2
    # When the facilitator saves a new charter on the Facilitate page, the page takes it as
    # its next version (a save that leaves them unchanged changes nothing)
    await facilitation.save_settings(
        node.pool, node.config, "stewards", await user(node, "fa"), title="Data Stewards",
        purpose="Keeping research data *usable*.", charter="Be kind. Cite sources.",
        approval=True, restricted=False,
    )  # fmt: skip
    assert (
        await pages.view(node.pool, node.config, "stewards", "charter", None)
    ).current.version == 2
    await facilitation.save_settings(
        node.pool, node.config, "stewards", await user(node, "fa"), title="Data Stewards",
        purpose="Keeping research data *usable*.", charter="Be kind. Cite sources. Share.",
        approval=True, restricted=False,
    )  # fmt: skip
    charter = await pages.view(node.pool, node.config, "stewards", "charter", None)
    assert charter.current.version == 3 and "Cite sources. Share." in charter.current.markdown
    assert charter.last_editor.username == "fa"


async def test_a_solved_question_becomes_a_page_in_one_step(node: Node) -> None:
    question = await posts.write(
        node.pool, node.config, node.network, author="ann",
        community_uri=f"{node.config.base_url}/c/stewards", title="Which checksum tool?",
        content="We need fixity checks for 2 TB.", question=True,
    )  # fmt: skip
    answer = await posts.write(
        node.pool, node.config, node.network, author="rae",
        community_uri=f"{node.config.base_url}/c/stewards", content="Use sha256 with fixity.",
        in_reply_to=question.uri,
    )  # fmt: skip
    # A question without an accepted answer is not made a page by a member
    with pytest.raises(access.NotAllowed):
        await from_posts.page_from_post(node.pool, node.config, by="ann", post_id=question.id)
    await questions.accept(
        node.pool, node.config, by="ann", thread_id=question.id, answer_id=answer.id
    )
    # When ann turns the solved question into a page
    change = await from_posts.page_from_post(node.pool, node.config, by="ann", post_id=question.id)
    # Then its title is the question's, its text the question and the accepted answer, with who
    # gave it and a link back to the thread
    assert change.version.title == "Which checksum tool?"
    assert change.page.slug == "which-checksum-tool"
    assert change.page.from_post_id == question.id
    text = change.version.markdown
    assert text.index("We need fixity checks") < text.index("Accepted answer")
    assert text.index("Accepted answer") < text.index("Use sha256 with fixity.")
    assert f"({node.config.base_url}/t/{question.id})" in text
    assert f"({node.config.base_url}/u/rae)" in text
    # When fa adds rae's reply to an existing page, it is the page's next version
    await write(node, "fa", "Fixity", "Intro.")
    added = await from_posts.page_from_post(
        node.pool, node.config, by="fa", post_id=answer.id, into="fixity"
    )
    assert added.version.version == 2 and added.version.title == "Fixity"
    assert added.version.markdown.startswith("Intro.\n\n## Which checksum tool?")
    assert f"/t/{question.id}#post-{answer.id})" in added.version.markdown
    # but a member may not turn an ordinary reply into a page
    with pytest.raises(access.NotAllowed):
        await from_posts.page_from_post(node.pool, node.config, by="rae", post_id=answer.id)


async def test_watchers_are_told_of_every_change_but_their_own(node: Node) -> None:
    slug = await write(node, "ann", "Storage", "Tape.")
    # Given rae watches the page (ann, who wrote it, watches it already)
    assert await watches.watch(node.pool, node.config, community="stewards", slug=slug, by="rae")
    assert not await watches.watch(
        node.pool, node.config, community="stewards", slug=slug, by="rae"
    )
    # When ann edits it
    change = await editing.edit(
        node.pool, node.config, community="stewards", slug=slug, by="ann", base_version=1,
        title="Storage", markdown="Tape and disk.",
    )  # fmt: skip
    # Then rae is told, and ann is not told of her own change
    page_id = change.page.id
    assert await told(node, "rae") == [("ann", page_id, 2)]
    assert await told(node, "ann") == []
    # When rae edits it, ann (who wrote it, so watches it) is told
    await editing.edit(
        node.pool, node.config, community="stewards", slug=slug, by="rae", base_version=2,
        title="Storage", markdown="Tape, disk and cloud.",
    )  # fmt: skip
    assert await told(node, "ann") == [("rae", page_id, 3)]
    # When rae stops watching, she hears of no more changes
    assert await watches.unwatch(node.pool, node.config, community="stewards", slug=slug, by="rae")
    await editing.edit(
        node.pool, node.config, community="stewards", slug=slug, by="ann", base_version=3,
        title="Storage", markdown="Cloud.",
    )  # fmt: skip
    assert await told(node, "rae") == [("ann", page_id, 2)]
