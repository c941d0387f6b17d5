"""Knowledge-base pages on the wire (FEDERATION.md, "Knowledge-base pages").

A page is an `Article` owned by its community; its versions are an OrderedCollection:

    https://NODE/c/NAME/kb                            OrderedCollection of its pages' ids
    https://NODE/c/NAME/kb/SLUG                       the Article (its current version)
    https://NODE/c/NAME/kb/SLUG/history               OrderedCollection of its versions, newest
                                                      first, paged (?page=true[&max_version=N])
    https://NODE/c/NAME/kb/SLUG/history/N             version N (an Article attributed to its
                                                      editor, with its text and note)
    https://NODE/c/NAME/kb/SLUG/history/N/notice      version N told as a plain Note that links
                                                      to the page (what microblog servers get)

fedcop's own terms, in its namespace (documents.context.FEDCOP_NAMESPACE):

    fedcop:version       int   the version an Article (or a version item) is
    fedcop:history       id    the page's history collection
    fedcop:editor        id    who wrote the page's current version
    fedcop:editNote      str   the editor's note about their change ("" or absent: none)
    fedcop:restoredFrom  int   the version this one restored, when it is a restore (on a
                               proposal: the old version it restores)
    fedcop:baseVersion   int   on a member's proposed edit (an Update sent to the community):
                               the version they edited; a proposal is not a page's state

Other servers ignore the terms and read an ordinary Article: `name` is the title, `content` the
HTML, `source` the Markdown, `url` the page, `attachment` the files the page carries (Image and
Document, as a post's: documents.attachments).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fedcop.documents.actors import utc_timestamp
from fedcop.documents.attachments import ATTACHMENT_CONTEXT
from fedcop.documents.context import AS_CONTEXT, FEDCOP_NAMESPACE, PUBLIC
from fedcop.store.actors import Actor
from federation.html import escape, sanitize
from federation.vocab import first_type, host_of, id_of

KNOWLEDGE_CONTEXT: list[Any] = [AS_CONTEXT, {"fedcop": FEDCOP_NAMESPACE}]
# A page with files adds their terms (documents.attachments): blurhash, size.
_FILES_CONTEXT: list[Any] = [*KNOWLEDGE_CONTEXT, ATTACHMENT_CONTEXT]
MARKDOWN = "text/markdown"

VERSION = "fedcop:version"
HISTORY = "fedcop:history"
EDITOR = "fedcop:editor"
EDIT_NOTE = "fedcop:editNote"
RESTORED_FROM = "fedcop:restoredFrom"
BASE_VERSION = "fedcop:baseVersion"

# A page's address: …/c/NAME/kb/SLUG, where a slug is lower-case words joined by hyphens.
_PAGE_PATH = re.compile(r"/c/[^/]+/kb/(?P<slug>[a-z0-9][a-z0-9-]{0,99})$")
_ANY_PAGE_PATH = re.compile(r"/c/[^/]+/kb/[a-z0-9][a-z0-9-]{0,99}(?:/history/[0-9]+(?:/notice)?)?$")
# More versions than any page will have; a larger number is a forgery or a mistake.
MAX_VERSION = 1_000_000
MAX_NOTE = 500


@dataclass(frozen=True)
class VersionFacts:
    """One saved version of a page, as the wire tells it."""

    number: int
    title: str
    markdown: str
    html: str
    editor_uri: str
    note: str
    restored_from: int | None
    saved_at: datetime


@dataclass(frozen=True)
class PageFacts:
    """A page and the version it is at."""

    uri: str
    community: Actor
    created_at: datetime
    current: VersionFacts
    # The page's files, as `attachment` entries on the wire (documents.attachments).
    attachments: tuple[dict[str, Any], ...] = ()


def page_uri(community_uri: str, slug: str) -> str:
    return f"{community_uri}/kb/{slug}"


def history_uri(uri: str) -> str:
    return f"{uri}/history"


def version_uri(uri: str, number: int) -> str:
    return f"{uri}/history/{number}"


def notice_uri(uri: str, number: int) -> str:
    return f"{uri}/history/{number}/notice"


def slug_of(uri: str) -> str | None:
    """The slug in a page's id (…/c/NAME/kb/SLUG), or None when it is not shaped as one."""
    path = uri.split("://", 1)[-1].partition("/")[2]
    found = _PAGE_PATH.search("/" + path.split("?", 1)[0].split("#", 1)[0])
    return found.group("slug") if found else None


def is_page_address(uri: str, community_prefix: str) -> bool:
    """Whether `uri` is a page, one of its versions or one of its notices, under
    `community_prefix` (https://NODE/c/)."""
    if not uri.startswith(community_prefix):
        return False
    path = uri.split("?", 1)[0].split("#", 1)[0]
    return _ANY_PAGE_PATH.search(path) is not None


def _addressing(community: Actor) -> dict[str, list[str]]:
    followers = community.followers_url or f"{community.uri}/followers"
    if community.members_only:
        return {"to": [followers], "cc": []}
    return {"to": [PUBLIC], "cc": [followers]}


def _version_fields(version: VersionFacts) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": version.title,
        "content": version.html,
        "mediaType": "text/html",
        "source": {"content": version.markdown, "mediaType": MARKDOWN},
        VERSION: version.number,
    }
    if version.note:
        fields[EDIT_NOTE] = version.note
    if version.restored_from is not None:
        fields[RESTORED_FROM] = version.restored_from
    return fields


def article(page: PageFacts) -> dict[str, Any]:
    """The page as served at its id and carried in its community's Create/Update."""
    current = page.current
    return {
        "@context": _FILES_CONTEXT if page.attachments else KNOWLEDGE_CONTEXT,
        "id": page.uri,
        "type": "Article",
        "attributedTo": page.community.uri,
        "audience": page.community.uri,
        **_addressing(page.community),
        "url": page.uri,
        "published": utc_timestamp(page.created_at),
        "updated": utc_timestamp(current.saved_at),
        **_version_fields(current),
        EDITOR: current.editor_uri,
        HISTORY: history_uri(page.uri),
        **({"attachment": list(page.attachments)} if page.attachments else {}),
    }


def version_item(page: PageFacts, version: VersionFacts) -> dict[str, Any]:
    """One item of the history collection: the page as version N left it, by its editor."""
    return {
        "id": version_uri(page.uri, version.number),
        "type": "Article",
        "attributedTo": version.editor_uri,
        "audience": page.community.uri,
        "context": page.uri,
        **_addressing(page.community),
        "url": page.uri,
        "published": utc_timestamp(version.saved_at),
        **_version_fields(version),
    }


def knowledge_base_uri(community_uri: str) -> str:
    return f"{community_uri}/kb"


def knowledge_base(community: Actor, page_uris: list[str]) -> dict[str, Any]:
    """A community's pages (their ids, the most recently changed first): what a member's node
    reads when it joins, to keep a copy of each."""
    return {
        "@context": KNOWLEDGE_CONTEXT,
        "id": knowledge_base_uri(community.uri),
        "type": "OrderedCollection",
        "attributedTo": community.uri,
        "totalItems": len(page_uris),
        "orderedItems": page_uris,
    }


def history_collection(page: PageFacts) -> dict[str, Any]:
    collection = history_uri(page.uri)
    return {
        "@context": KNOWLEDGE_CONTEXT,
        "id": collection,
        "type": "OrderedCollection",
        "totalItems": page.current.number,
        "first": f"{collection}?page=true",
    }


def history_page(
    page: PageFacts, versions: list[VersionFacts], below: int | None, more: bool
) -> dict[str, Any]:
    """Versions newest first; `below`: the page starts under that version number."""
    collection = history_uri(page.uri)
    document: dict[str, Any] = {
        "@context": KNOWLEDGE_CONTEXT,
        "id": f"{collection}?page=true" + (f"&max_version={below}" if below else ""),
        "type": "OrderedCollectionPage",
        "partOf": collection,
        "orderedItems": [version_item(page, version) for version in versions],
    }
    if more and versions:
        document["next"] = f"{collection}?page=true&max_version={versions[-1].number}"
    return document


def notice(page: PageFacts, version: VersionFacts, community_name: str) -> dict[str, Any]:
    """Version N told to microblog followers: a plain Note by the community, linking to the
    page (Mastodon shows an Article only as its title and a link; a Note it shows in full)."""
    link = f'<a href="{escape(page.uri)}">{escape(version.title)}</a>'
    if version.number == 1:
        said = f"New page in {escape(community_name)}: {link}"
    elif version.restored_from is not None:
        said = (
            f"{link} in {escape(community_name)} is back to version {version.restored_from} "
            f"(now version {version.number})"
        )
    else:
        said = f"{link} in {escape(community_name)} was edited (version {version.number})"
    content = f"<p>{said}</p>"
    if version.note:
        content += f"<p>{escape(version.note)}</p>"
    return {
        "@context": AS_CONTEXT,
        "id": notice_uri(page.uri, version.number),
        "type": "Note",
        "attributedTo": page.community.uri,
        "audience": page.community.uri,
        **_addressing(page.community),
        "content": content,
        "url": page.uri,
        "published": utc_timestamp(version.saved_at),
    }


def proposal(
    page: str,
    community_uri: str,
    *,
    base_version: int,
    title: str,
    markdown: str,
    html: str,
    note: str,
    restored_from: int | None = None,
) -> dict[str, Any]:
    """The Article a member elsewhere sends in their Update to the page's community: what they
    want the page to say, and the version they started from (`restored_from`: they restore
    that old version, whose text it is)."""
    document: dict[str, Any] = {
        "id": page,
        "type": "Article",
        "attributedTo": community_uri,
        "audience": community_uri,
        "name": title,
        "content": html,
        "mediaType": "text/html",
        "source": {"content": markdown, "mediaType": MARKDOWN},
        BASE_VERSION: base_version,
    }
    if note:
        document[EDIT_NOTE] = note
    if restored_from is not None:
        document[RESTORED_FROM] = restored_from
    return document


# -- reading what arrives ------------------------------------------------------------------


class WireError(ValueError):
    """A page document fedcop will not take; the message says what is wrong."""


def _term(document: dict[str, Any], name: str) -> Any:
    """A fedcop term by its prefixed name, or by its full IRI (an expanded document)."""
    if name in document:
        return document[name]
    return document.get(FEDCOP_NAMESPACE + name.removeprefix("fedcop:"))


def is_page(document: object) -> bool:
    """Whether `document` is a fedcop knowledge-base Article (a page or a proposed edit of
    one): an Article carrying fedcop:version or fedcop:baseVersion."""
    if not isinstance(document, dict) or first_type(document) != "Article":
        return False
    return _term(document, VERSION) is not None or _term(document, BASE_VERSION) is not None


def is_proposal(document: object) -> bool:
    return (
        isinstance(document, dict)
        and first_type(document) == "Article"
        and _term(document, BASE_VERSION) is not None
    )


def _number(document: dict[str, Any], name: str, *, optional: bool = False) -> int | None:
    value = _term(document, name)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_VERSION:
        raise WireError(f"{name} must be a whole number from 1 to {MAX_VERSION} (got {value!r})")
    return value


def _text(document: dict[str, Any], max_markdown: int) -> tuple[str, str]:
    """(title, Markdown) of a page document."""
    title = document.get("name")
    if not isinstance(title, str) or not title.strip():
        raise WireError("a page needs a title (name)")
    source = document.get("source")
    markdown = source.get("content") if isinstance(source, dict) else None
    if not isinstance(markdown, str):
        raise WireError("a page needs its Markdown (source.content, text/markdown)")
    if isinstance(source, dict) and source.get("mediaType") not in (None, MARKDOWN):
        raise WireError(f"a page's source must be {MARKDOWN}")
    if len(markdown) > max_markdown:
        raise WireError(f"the page is too long: at most {max_markdown} characters of Markdown")
    return title.strip(), markdown


@dataclass(frozen=True)
class ReceivedVersion:
    """A page's version as its community sent it."""

    page_uri: str
    slug: str
    community_uri: str
    version: VersionFacts
    published: str | None


def read_page(
    document: dict[str, Any], community_uri: str, *, max_markdown: int, max_title: int
) -> ReceivedVersion:
    """A page (or a version item) sent by `community_uri`: it must be the community's own
    (on its host, attributed to it) and say which version it is. Raises WireError."""
    uri = id_of(document)
    if not isinstance(uri, str) or host_of(uri) != host_of(community_uri):
        raise WireError(f"{uri} is not a page on {host_of(community_uri)}, its community's host")
    if id_of(document.get("attributedTo")) != community_uri:
        raise WireError(f"{uri} is not owned by {community_uri}")
    slug = slug_of(uri)
    if slug is None or not uri.startswith(community_uri + "/kb/"):
        raise WireError(f"{uri} is not the address of a page of {community_uri}")
    number = _number(document, VERSION)
    assert number is not None
    title, markdown = _text(document, max_markdown)
    editor = id_of(_term(document, EDITOR))
    if not isinstance(editor, str) or not editor.startswith(("https://", "http://")):
        raise WireError("a page names the editor of its version (fedcop:editor)")
    saved_at = _moment(document.get("updated") or document.get("published"))
    return ReceivedVersion(
        page_uri=uri,
        slug=slug,
        community_uri=community_uri,
        version=VersionFacts(
            number=number,
            title=title[:max_title],
            markdown=markdown,
            html=_html(document),
            editor_uri=editor,
            note=_note(document),
            restored_from=_number(document, RESTORED_FROM, optional=True),
            saved_at=saved_at,
        ),
        published=document.get("published") if isinstance(document.get("published"), str) else None,
    )


def read_version_item(
    item: dict[str, Any], page: str, *, max_markdown: int, max_title: int
) -> VersionFacts:
    """One item of a page's history collection (fetched from the page's host). Raises
    WireError."""
    number = _number(item, VERSION)
    assert number is not None
    if id_of(item) != version_uri(page, number):
        raise WireError(f"{id_of(item)} is not version {number} of {page}")
    title, markdown = _text(item, max_markdown)
    editor = id_of(item.get("attributedTo"))
    if not isinstance(editor, str) or not editor.startswith(("https://", "http://")):
        raise WireError("a version names its editor (attributedTo)")
    return VersionFacts(
        number=number,
        title=title[:max_title],
        markdown=markdown,
        html=_html(item),
        editor_uri=editor,
        note=_note(item),
        restored_from=_number(item, RESTORED_FROM, optional=True),
        saved_at=_moment(item.get("published")),
    )


@dataclass(frozen=True)
class Proposal:
    """A member's edit of a page, sent to the page's community."""

    page_uri: str
    base_version: int
    title: str
    markdown: str
    note: str
    restored_from: int | None = None


def read_proposal(document: dict[str, Any], *, max_markdown: int, max_title: int) -> Proposal:
    uri = id_of(document)
    if not isinstance(uri, str) or slug_of(uri) is None:
        raise WireError(f"{uri} is not the address of a knowledge-base page")
    base = _number(document, BASE_VERSION)
    assert base is not None
    title, markdown = _text(document, max_markdown)
    if len(title) > max_title:
        raise WireError(f"the title is too long: at most {max_title} characters")
    restored_from = _number(document, RESTORED_FROM, optional=True)
    return Proposal(uri, base, title, markdown, _note(document), restored_from)


def _html(document: dict[str, Any]) -> str:
    content = document.get("content")
    return sanitize(content) if isinstance(content, str) else ""


def _note(document: dict[str, Any]) -> str:
    note = _term(document, EDIT_NOTE)
    return note.strip()[:MAX_NOTE] if isinstance(note, str) else ""


def _moment(value: object) -> datetime:
    """A timestamp from the wire; now when it is absent or unreadable (never an error: the
    version's number, not its time, orders a page's history)."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    return datetime.now(UTC)
