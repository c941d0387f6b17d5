"""A member edits a post from a real Mastodon client library (Mastodon.py): its source, the edit,
its history, over a node served on a loopback socket.

GET  /api/v1/statuses/:id/source    the text to edit: "@community Title\\n\\nMarkdown body"
PUT  /api/v1/statuses/:id           the edit (only the author's; no media, no poll)
GET  /api/v1/statuses/:id/history   every version, oldest first, the current one last
"""

from __future__ import annotations

import pytest
from mastodon import MastodonAPIError

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, markdown, posts
from tests.api.test_mastodon_py import in_thread, sign_in_with_mastodon_py
from tests.conftest import fresh_database
from tests.live_node import live_node

AP = {"Accept": "application/activity+json"}
BODY = "- **weekly** review\n- see [the list](https://example.org/list)\n- run `weed --dry-run`"


async def test_a_member_edits_a_thread_from_mastodon_py(pg_cluster: EmbeddedPostgres) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as home:
        await accounts.create_user(home.pool, home.config, "alice", "correct horse battery")
        await accounts.create_user(home.pool, home.config, "bob", "correct horse battery")
        await accounts.create_community(
            home.pool, home.config, "librarians", title="City Librarians", owner="alice"
        )
        alice = await in_thread(
            sign_in_with_mastodon_py, home.base, "alice", "correct horse battery"
        )
        # Given alice posted a thread whose body is a Markdown list with bold, a link and code
        thread = await in_thread(alice.status_post, f"@librarians Weeding policies\n{BODY}")
        assert thread.edited_at is None

        # When her app asks for its source, it gets the text to edit, Markdown and all
        source = await in_thread(alice.status_source, thread)
        assert source.id == thread.id
        assert source.text == f"@librarians Weeding policies\n\n{BODY}"
        assert source.spoiler_text == ""
        # And its history is one version, the current one
        history = await in_thread(alice.status_history, thread)
        assert [edit.content for edit in history] == [thread.content]

        # When she saves it unchanged, nothing changes
        same = await in_thread(alice.status_update, thread, source.text)
        assert same.edited_at is None
        assert same.content == thread.content
        assert len(await in_thread(alice.status_history, thread)) == 1

        # When she changes one word and adds a content warning
        changed = source.text.replace("weekly", "monthly")
        edited = await in_thread(alice.status_update, thread, changed, spoiler_text="A long list")
        # Then the status is edited, with only that word changed
        assert edited.edited_at is not None
        assert edited.content == thread.content.replace("weekly", "monthly")
        assert '<a href="https://example.org/list"' in edited.content
        assert "<code>weed --dry-run</code>" in edited.content
        assert (edited.spoiler_text, edited.sensitive) == ("A long list", True)
        # And the source is what she wrote
        again = await in_thread(alice.status_source, thread)
        assert (again.text, again.spoiler_text) == (changed, "A long list")
        # And the history has both versions, oldest first
        history = await in_thread(alice.status_history, thread)
        assert [edit.content for edit in history] == [thread.content, edited.content]
        assert [edit.spoiler_text for edit in history] == ["", "A long list"]
        assert [edit.sensitive for edit in history] == [False, True]
        assert history[0].created_at == thread.created_at
        assert history[1].created_at == edited.edited_at
        assert all(edit.account.acct == "alice" for edit in history)
        # And the post other servers read carries her Markdown as its source
        document = (await home.get(f"/p/{thread.id}", headers=AP)).json()
        assert document["source"] == {
            "content": BODY.replace("weekly", "monthly"),
            "mediaType": "text/markdown",
        }
        # (a thread at its id is the fetched form: its title first, then the edited text)
        assert document["content"] == "<p><strong>Weeding policies</strong></p>" + markdown.render(
            BODY.replace("weekly", "monthly")
        )

        # A reply is edited as its whole text
        reply = await in_thread(alice.status_post, "Every *two* years.", in_reply_to_id=thread)
        assert (await in_thread(alice.status_source, reply)).text == "Every *two* years."
        fixed = await in_thread(alice.status_update, reply, "Every *three* years.")
        assert "<em>three</em>" in fixed.content

        # Media and polls cannot be edited in; and only the author may edit
        with pytest.raises(MastodonAPIError) as refused:
            await in_thread(alice.status_update, thread, changed, media_ids=["1"])
        assert refused.value.args[1] == 422
        bob = await in_thread(sign_in_with_mastodon_py, home.base, "bob", "correct horse battery")
        with pytest.raises(MastodonAPIError) as not_his:
            await in_thread(bob.status_update, thread, "hijacked")
        assert not_his.value.args[1] == 403
        assert (await in_thread(bob.status_source, thread)).text == changed
        assert len(await in_thread(bob.status_history, thread)) == 2


async def test_a_post_written_on_the_web_saved_unchanged_from_an_app_is_no_edit(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as home:
        await accounts.create_user(home.pool, home.config, "alice", "correct horse battery")
        community = await accounts.create_community(
            home.pool, home.config, "librarians", title="City Librarians", owner="alice"
        )
        # Given a thread written on the web, its text ending in blank lines
        thread = await posts.write(
            home.pool, home.config, home.app.state.network,
            author="alice", community_uri=community.uri, title="Weeding policies",
            content=f"{BODY}\n\n",
        )  # fmt: skip
        alice = await in_thread(
            sign_in_with_mastodon_py, home.base, "alice", "correct horse battery"
        )
        # When her app saves the source it was given, unchanged (apps trim the text)
        source = await in_thread(alice.status_source, thread.id)
        assert source.text == f"@librarians Weeding policies\n\n{BODY}\n\n"
        saved = await in_thread(alice.status_update, thread.id, source.text.strip())
        # Then it is no edit
        assert saved.edited_at is None
        assert len(await in_thread(alice.status_history, thread.id)) == 1
