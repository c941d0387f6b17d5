"""A member's data as one zip archive, built in a temporary file (never in memory): what they
said of themselves, their posts with the Markdown they wrote, their uploaded files, whom they
follow and which communities they belong to, and a README saying what each file is.

    README.txt            what is what
    profile.json          the profile as the settings page shows it
    actor.json            the ActivityPub actor other servers read
    posts.json            every post (not deleted): where, when, its HTML and its Markdown
    posts/ID.md           each post's Markdown, as written (or made back from its HTML)
    media/ID-NAME         each uploaded file, as stored; media.json says what each is
    following.json        accounts and communities followed (or asked to follow)
    following_accounts.csv  the same as Mastodon's follows CSV, to import elsewhere
    communities.json      the communities belonged to
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import textwrap
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fedcop.config import Config
from fedcop.documents.actors import actor_document, utc_timestamp
from fedcop.i18n.current import N_, _
from fedcop.media.storage import MediaStorage, StoredFileMissing
from fedcop.services.account_data import follows_csv
from fedcop.services.html_markdown import to_markdown
from fedcop.store import actors as actor_store
from fedcop.store.account_data import export_rows
from fedcop.store.users import User
from fedcop.urls import Urls

# The README says what each file of the archive is, in the language of the member who
# downloads it (the request's); the file names and the JSON inside stay as they are, for
# programs to read.
README_FILES = [
    ("README.txt", N_("this file")),
    (
        "profile.json",
        N_(
            "your profile: name shown, bio (HTML), organisation, sector, role, expertise, "
            "and when the account was made"
        ),
    ),
    ("actor.json", N_("your account as other servers read it (an ActivityPub Person)")),
    (
        "posts.json",
        N_(
            "every post you wrote and did not delete: its address, the community it is in, "
            "the post it answers, its title, its HTML and its Markdown"
        ),
    ),
    (
        "posts/NUMBER.md",
        N_(
            "the Markdown of each post, one file each (NUMBER is the post's number in "
            "posts.json); a post written before its Markdown was kept has Markdown made "
            "back from its HTML"
        ),
    ),
    (
        "media/NUMBER-NAME",
        N_(
            "each file you uploaded, as it is stored; media.json says what each is (type, "
            "size, description, licence)"
        ),
    ),
    ("following.json", N_("the accounts and communities you follow or asked to follow")),
    (
        "following_accounts.csv",
        N_(
            "the same list in Mastodon's format: import it on another server "
            '("Import and export", "Following list")'
        ),
    ),
    ("communities.json", N_("the communities you belong to")),
]
README_NAME_COLUMN = 24
README_WIDTH = 96


def readme(node: str, base_url: str, handle: str, when: str) -> str:
    """The archive's README.txt, in the current language: a file name, then what it is."""
    lines = [
        _(
            "Your data from %(node)s (%(base_url)s), account %(handle)s, exported %(when)s.",
            node=node,
            base_url=base_url,
            handle=handle,
            when=when,
        ),
        "",
    ]
    for name, what in README_FILES:
        described = textwrap.wrap(_(what), README_WIDTH - README_NAME_COLUMN)
        lines.append(name.ljust(README_NAME_COLUMN) + described[0])
        lines.extend(" " * README_NAME_COLUMN + line for line in described[1:])
    lines += [
        "",
        _(
            "Everything is UTF-8. Dates are UTC, as in ActivityPub (%(example)s).",
            example="2024-05-01T12:00:00Z",
        ),
    ]
    return "\n".join(lines) + "\n"


COPY_CHUNK = 64 * 1024


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def _when(moment: datetime | None) -> str | None:
    return utc_timestamp(moment) if moment is not None else None


async def build(pool: Any, config: Config, storage: MediaStorage, user: User) -> Path:
    """Write the member's archive to a temporary file and return its path; the caller
    deletes it once sent."""
    handle = f"{user.actor.username}@{config.domain}"
    descriptor, name = tempfile.mkstemp(prefix="fedcop-export-", suffix=".zip")
    os.close(descriptor)
    path = Path(name)
    try:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(
                "README.txt",
                readme(
                    node=config.node_name,
                    base_url=config.base_url,
                    handle=handle,
                    when=utc_timestamp(datetime.now(UTC)),
                ),
            )
            await _write_profile(pool, config, user, archive)
            await _write_posts(pool, user, archive)
            await _write_media(pool, storage, user, archive)
            await _write_follows(pool, config, user, archive)
    except BaseException:
        await asyncio.to_thread(path.unlink, missing_ok=True)
        raise
    return path


async def _write_profile(pool: Any, config: Config, user: User, archive: zipfile.ZipFile) -> None:
    async with pool.acquire() as conn:
        local = await actor_store.find_local(conn, user.actor.username)
    assert local is not None
    profile = {
        "name": user.actor.username,
        "handle": f"{user.actor.username}@{config.domain}",
        "address": user.actor.uri,
        "display_name": user.actor.display_name,
        "bio_html": user.actor.summary,
        "organisation": user.organisation,
        "sector": user.sector,
        "job_role": user.job_role,
        "expertise": user.expertise,
        "listed_in_directory": user.discoverable,
        "created": _when(user.actor.created_at),
    }
    archive.writestr("profile.json", _json(profile))
    archive.writestr("actor.json", _json(actor_document(local, Urls(config))))


async def _write_posts(pool: Any, user: User, archive: zipfile.ZipFile) -> None:
    """Each post's Markdown goes into the archive as it is read; posts.json is written line by
    line to a temporary file beside it (a zip entry cannot be open while another is written),
    then added: no list of every post is ever held in memory."""
    with tempfile.TemporaryFile() as listing:
        listing.write(b"[\n")
        first = True
        async with pool.acquire() as conn:
            async for post in export_rows.posts_by(conn, user.actor.id):
                markdown = post.source if post.source is not None else to_markdown(post.content)
                entry = {
                    "number": post.id,
                    "address": post.uri,
                    "community": post.community_uri,
                    "in_reply_to": post.in_reply_to_uri,
                    "title": post.title,
                    "content_html": post.content,
                    "markdown": markdown,
                    "markdown_as_written": post.source is not None,
                    "language": post.language,
                    "visibility": post.visibility,
                    "published": _when(post.published),
                    "updated": _when(post.updated),
                }
                separator = b"  " if first else b",\n  "
                listing.write(separator + json.dumps(entry, ensure_ascii=False).encode("utf-8"))
                first = False
                title = f"# {post.title}\n\n" if post.title else ""
                archive.writestr(f"posts/{post.id}.md", title + markdown + "\n")
        listing.write(b"\n]\n")
        listing.seek(0)
        with archive.open("posts.json", "w") as target:
            while chunk := listing.read(COPY_CHUNK):
                target.write(chunk)


async def _write_media(
    pool: Any, storage: MediaStorage, user: User, archive: zipfile.ZipFile
) -> None:
    """Each uploaded file copied from the media storage in chunks (never whole in memory)."""
    async with pool.acquire() as conn:
        uploads = await export_rows.uploads_of(conn, user.actor.id)
    described = []
    for media in uploads:
        entry_name = f"media/{media.id}-{media.file_name}"
        try:
            with archive.open(entry_name, "w") as target:
                async for chunk in storage.read(media.storage_key):
                    target.write(chunk)
        except StoredFileMissing:
            entry_name = ""  # its bytes are gone from the storage: listed, marked missing
        described.append(
            {
                "file": entry_name or None,
                "name": media.file_name,
                "type": media.media_type,
                "bytes": media.byte_size,
                "description": media.description,
                "licence": media.licence,
                "uploaded": _when(media.created_at),
            }
        )
    archive.writestr("media.json", _json(described))


async def _write_follows(pool: Any, config: Config, user: User, archive: zipfile.ZipFile) -> None:
    async with pool.acquire() as conn:
        followed = await export_rows.followed_by(conn, user.actor.id)
    communities = [account for account in followed if account.actor_type == "Group"]
    archive.writestr(
        "following.json",
        _json(
            [
                {
                    "address": follows_csv.address_of(account, config.domain),
                    "id": account.uri,
                    "kind": "community" if account.actor_type == "Group" else "person",
                    "state": "following" if account.state == "accepted" else "asked",
                }
                for account in followed
            ]
        ),
    )
    archive.writestr("following_accounts.csv", follows_csv.written(followed, config.domain))
    archive.writestr(
        "communities.json",
        _json(
            [
                {
                    "address": follows_csv.address_of(account, config.domain),
                    "id": account.uri,
                    "member": account.state == "accepted",
                }
                for account in communities
            ]
        ),
    )
