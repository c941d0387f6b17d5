"""A thread written here, checked against what each kind of server needs to show it.

A thread has two wire forms (fedcop/documents/posts.py): the fetched form, served at its id
and fetched by microblog servers (a `Note` with `name`, its content starting with the title),
and the threadiverse form, embedded in the Create/Update that communities receive and relay
(a `Page` with `name` and the body). Each check below restates, as a small function, the
conditions one server's source puts on what it receives; the source is cited with each.

    Mastodon      app/lib/activitypub/activity/create.rb: SUPPORTED_TYPES (Note, Question)
                  keep `content`; CONVERTED_TYPES (Image Video Article Page Event) become
                  `text_from_name` + a link (`text_from_content`); `invalid_origin?` wants
                  the object's id on its actor's host; `process_mention` reads `href`.
    Takahē        activities/models/post.py `Post.by_ap`: the id's host is attributedTo's;
                  `type` one of Post.Types; an Article is parsed by post_types.py
                  `ArticleData`, whose required `attributed_to` field no document has (the
                  post stays an empty stub); every tag type is mention, hashtag/_:hashtag or
                  emoji, else ValueError; every attachment has `url` and `mediaType`.
    Misskey       packages/backend/src/core/activitypub/type.ts `validPost` (Note Question
                  Article Audio Document Image Page Video Event); ApNoteService `validateNote`:
                  the id's host is attributedTo's; the text is read from `content`.
    microblog.pub app/ap_object.py `Object`: ap_type is the first type; `content` is shown;
                  a Link attachment needs `href`, any other `url`.
    Lemmy         crates/apub/objects/src/protocol/page.rs `Page`: `type` one of PageType
                  (Page Article Note Video Event); `inReplyTo` must be absent
                  (`deserialize_not_present`); `InCommunity for Page`: `audience`, else to/cc;
                  objects/post.rs `from_json`: the title is `name`, else the content's first
                  line; `verify`: the creator's host is the id's.
    PieFed        app/activitypub/util.py: Page, Article, Link, Note, Question and Event make
                  posts; the title is `name` (shared reference notes, groups.md 2.2).
    Mbin          src/MessageHandler/ActivityPub/Inbox/CreateHandler.php `doWork`: entryTypes
                  (Page Article Video) make threads (entries, with a title); postTypes
                  (Question Note) make microblog posts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.documents.posts import FETCHED, THREADIVERSE, post_object
from fedcop.services import accounts, posts
from fedcop.store.actors import Actor
from fedcop.store.posts import Post
from federation.html import to_text
from federation.vocab import PUBLIC
from tests.api.conftest import api_user
from tests.conftest import fresh_database, make_config
from tests.group_server import group_server
from tests.live_node import live_node
from tests.scene import settle, stored, three_nodes

AP = {"Accept": "application/activity+json"}
CONFIG = make_config("https://alpha.test")
NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def actor(name: str, kind: str, prefix: str) -> Actor:
    uri = f"https://alpha.test/{prefix}/{name}"
    return Actor(
        id=len(name), uri=uri, actor_type=kind, username=name, domain=None,
        display_name=name, summary="", inbox_url=f"{uri}/inbox",
        shared_inbox_url="https://alpha.test/inbox", outbox_url=f"{uri}/outbox",
        followers_url=f"{uri}/followers", public_key_id=f"{uri}#main-key", public_key_pem="",
        created_at=NOW,
    )  # fmt: skip


AUTHOR = actor("fa", "Person", "u")
COMMUNITY = actor("stewards", "Group", "c")
THREAD = Post(
    id=7, uri="https://alpha.test/p/7", community_id=COMMUNITY.id, author_id=AUTHOR.id,
    thread_id=None, parent_id=None, in_reply_to_uri=None, object_type="Page",
    title="Retention of lab notebooks", content="<p>How long do you <em>keep</em> them?</p>",
    summary="", url=None,
    attachments=[{"type": "Link", "url": "https://records.example/guide", "mediaType": "",
                  "name": ""}],
    sensitive=False, visibility="public", create_uri=None, published=NOW, updated=None,
    deleted_at=None, removed_at=None, locked=False, like_count=0, dislike_count=0,
    reply_count=0, tags=["records"],
)  # fmt: skip


def fetched() -> dict[str, Any]:
    return post_object(THREAD, AUTHOR, COMMUNITY, CONFIG, form=FETCHED)


def threadiverse() -> dict[str, Any]:
    return post_object(THREAD, AUTHOR, COMMUNITY, CONFIG, form=THREADIVERSE)


def host(url: str) -> str:
    return urlsplit(url).netloc


# -- each server's conditions, as read in its source -------------------------------------------


def mastodon_text(document: dict[str, Any]) -> str | None:
    """The status text Mastodon keeps (create.rb), or None when it refuses the object."""
    if host(document["id"]) != host(document["attributedTo"]):
        return None
    if document["type"] in ("Note", "Question"):
        return to_text(document.get("content") or "")
    if document["type"] in ("Image", "Video", "Article", "Page", "Event"):
        return f"{document.get('name', '')} {document.get('url') or document['id']}"
    return None


def takahe_text(document: dict[str, Any]) -> str | None:
    """The post Takahē keeps (Post.by_ap), or None when by_ap raises and leaves a stub."""
    types = {"Article", "Audio", "Event", "Image", "Note", "Page", "Question", "Video"}
    if host(document["id"]) != host(document["attributedTo"]):
        return None
    if document["type"] not in types:
        return None
    if document["type"] == "Article" and "attributed_to" not in document:
        return None  # ArticleData's required field
    for tag in document.get("tag", []):
        if tag["type"].lower() not in ("mention", "hashtag", "_:hashtag", "emoji", "toot:emoji"):
            return None
    for attachment in document.get("attachment", []):
        if "url" not in attachment or "mediaType" not in attachment:
            return None
    return to_text(document.get("content") or "")


def misskey_text(document: dict[str, Any]) -> str | None:
    valid = {"Note", "Question", "Article", "Audio", "Document", "Image", "Page", "Video", "Event"}
    if document["type"] not in valid:
        return None
    if host(document["id"]) != host(document["attributedTo"]):
        return None
    return to_text(document.get("content") or "")


def microblog_pub_text(document: dict[str, Any]) -> str | None:
    for attachment in document.get("attachment", []):
        key = "href" if attachment.get("type") == "Link" else "url"
        if key not in attachment:
            return None
    return to_text(document.get("content") or "")


def lemmy_post_title(document: dict[str, Any]) -> str | None:
    """The title of the post Lemmy makes of the object, or None if it is not a post."""
    if document["type"] not in ("Page", "Article", "Note", "Video", "Event"):
        return None
    if document.get("inReplyTo") is not None:
        return None  # a comment, not a post
    if host(document["attributedTo"]) != host(document["id"]):
        return None
    community = document.get("audience") or next(
        (a for a in [*document.get("to", []), *document.get("cc", [])] if a != PUBLIC), None
    )
    if community != COMMUNITY.uri:
        return None
    name = document.get("name")
    return name if isinstance(name, str) else to_text(document.get("content", "")).split("\n")[0]


def piefed_post_title(document: dict[str, Any]) -> str | None:
    if document["type"] not in ("Page", "Article", "Link", "Note", "Question", "Event"):
        return None
    name = document.get("name")
    return name if isinstance(name, str) and name else None


def mbin_kind(document: dict[str, Any]) -> str | None:
    if document["type"] in ("Page", "Article", "Video"):
        return "entry"  # a thread, titled with `name`
    if document["type"] in ("Question", "Note"):
        return "microblog post"
    return None


# -- the fetched form: microblog servers show the title and the whole text ---------------------


def test_microblog_servers_show_the_fetched_form_in_full() -> None:
    document = fetched()
    for show in (mastodon_text, takahe_text, misskey_text, microblog_pub_text):
        text = show(document)
        assert text is not None, show.__name__
        assert text.startswith("Retention of lab notebooks\n"), show.__name__
        assert "How long do you keep them?" in text, show.__name__


def test_lemmy_and_piefed_make_a_titled_post_of_the_fetched_form() -> None:
    # (they receive the threadiverse form; this is what they make of a refetch by id)
    document = fetched()
    assert lemmy_post_title(document) == "Retention of lab notebooks"
    assert piefed_post_title(document) == "Retention of lab notebooks"


# -- the threadiverse form: a thread with a title everywhere in the threadiverse ---------------


def test_the_threadiverse_shows_the_threadiverse_form_as_a_titled_thread() -> None:
    document = threadiverse()
    assert lemmy_post_title(document) == "Retention of lab notebooks"
    assert piefed_post_title(document) == "Retention of lab notebooks"
    assert mbin_kind(document) == "entry"
    # its body is the text alone: the title is not repeated in it
    assert document["content"] == THREAD.content
    # and Lemmy takes its first Link attachment as the post's link
    assert document["attachment"][0]["href"] == "https://records.example/guide"


def test_both_forms_are_the_same_post() -> None:
    page, note = threadiverse(), fetched()
    for key in ("id", "attributedTo", "audience", "to", "cc", "tag", "name", "published", "url"):
        assert page[key] == note[key], key
    assert (page["type"], note["type"]) == ("Page", "Note")


def test_the_forms_fedcop_no_longer_sends_are_why() -> None:
    # An Article: Mastodon shows a title and a link, Takahē keeps an empty stub, Mbin a
    # thread; a Note alone: Mbin makes a microblog post of it, not a thread.
    article = {**threadiverse(), "type": "Article"}
    assert mastodon_text(article) == "Retention of lab notebooks https://alpha.test/p/7"
    assert takahe_text(article) is None
    assert mbin_kind(fetched()) == "microblog post"


def test_a_reply_is_one_note_for_everyone() -> None:
    reply = Post(**{
        **THREAD.__dict__, "id": 8, "uri": "https://alpha.test/p/8", "thread_id": 7,
        "parent_id": 7, "in_reply_to_uri": THREAD.uri, "object_type": "Note", "title": None,
        "attachments": [],
    })  # fmt: skip
    page = post_object(reply, AUTHOR, COMMUNITY, CONFIG, form=THREADIVERSE)
    note = post_object(reply, AUTHOR, COMMUNITY, CONFIG, form=FETCHED)
    assert page == note and note["type"] == "Note" and "name" not in note
    assert lemmy_post_title(note) is None  # Lemmy reads it as a comment
    assert mastodon_text(note) == "How long do you keep them?"


# -- on the wire, between real servers ---------------------------------------------------------


async def test_a_threadiverse_community_receives_the_page_and_its_id_serves_the_note(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as alpha:
        await accounts.create_user(alpha.pool, alpha.config, "ana", "long enough")
        with group_server("lemmy") as lemmy:
            # When ana starts a thread in a community on a Lemmy-shaped server
            thread = await posts.write(
                alpha.pool, alpha.config, alpha.app.state.network, author="ana",
                community_uri=lemmy.group, title="Lab notebooks", content="Keep or scan?",
            )  # fmt: skip
            await settle(alpha)
            # Then the community received the Create of a Page: a thread with its title
            (create,) = [a for a in lemmy.received if a["type"] == "Create"]
            page = create["object"]
            assert page["type"] == "Page" and page["id"] == thread.uri
            assert page["name"] == "Lab notebooks"
            assert page["content"] == "<p>Keep or scan?</p>\n"
            assert page["audience"] == lemmy.group and lemmy.group in page["to"]
            assert lemmy_post_title({**page, "audience": COMMUNITY.uri}) == "Lab notebooks"
            # And the same thread, fetched by its id, is the Note microblog servers show
            served = (await alpha.get(thread.uri.removeprefix(alpha.base), headers=AP)).json()
            assert served["type"] == "Note" and served["name"] == "Lab notebooks"
            assert mastodon_text(served) == "Lab notebooks\nKeep or scan?"


async def test_a_thread_from_another_fedcop_node_keeps_its_title_once(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as (alpha, beta, gamma):
        # When fa starts a thread on alpha, which gamma fetches in its fetched form (a Note)
        thread = await posts.write(
            alpha.pool, alpha.config, alpha.app.state.network, author="fa",
            community_uri=f"{alpha.base}/c/stewards", title="Lab notebooks",
            content="Keep or scan?",
        )  # fmt: skip
        await settle(alpha, beta, gamma)
        kept = await stored(gamma, thread.uri)
        assert (kept.title, kept.content) == ("Lab notebooks", "<p>Keep or scan?</p>\n")
        # Then a Mastodon app on gamma shows the title once, above the text
        gus = await api_user(gamma.app, gamma.config, "gus2")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{gamma.port}") as http:
            response = await http.get(
                f"/api/v1/statuses/{kept.id}", headers={"Host": gamma.config.domain, **gus.auth}
            )
        content = response.json()["content"]
        assert content.startswith("<p><strong>Lab notebooks</strong></p><p>Keep or scan?</p>")
        assert content.count("Lab notebooks") == 1
