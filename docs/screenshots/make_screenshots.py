"""Screenshots of fedcop's main pages, at desktop and phone sizes, from a seeded node.

    .venv/bin/python docs/screenshots/make_screenshots.py

starts a real node the way the tests do (an embedded PostgreSQL cluster in a temporary
directory, the app served by uvicorn on a loopback port), seeds a small community of practice
(a city's librarians: members, communities with a purpose and a charter, threads with nested
replies, a solved question, a knowledge-base page, a poll, a picture and a PDF in a library, and
notifications for the person looking), signs in with Debian's chromium driven by Playwright
(tests/browser.py), and writes PNG files next to this script, named PAGE-desktop.png and
PAGE-phone.png. Nothing outside the temporary directory is kept, except the pictures.
"""

from __future__ import annotations

import asyncio
import io
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))  # the repository's code and its test helpers, not an installed copy

import asyncpg  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402
from playwright.async_api import Browser, Page, ViewportSize, async_playwright  # noqa: E402
from starlette.datastructures import UploadFile  # noqa: E402

from fedcop.db.embedded import UNSAFE_FAST_SETTINGS, EmbeddedPostgres  # noqa: E402
from fedcop.db.migrate import apply_migrations  # noqa: E402
from fedcop.services import (  # noqa: E402
    accounts,
    admin,
    avatars,
    facilitation,
    follows,
    node_setup,
    posts,
    profiles,
    questions,
    votes,
)
from fedcop.services.knowledge import pages as kb_pages  # noqa: E402
from fedcop.services.media import member_uploads  # noqa: E402
from fedcop.services.polls.drafts import PollDraft  # noqa: E402
from fedcop.store import actors as actor_store  # noqa: E402
from fedcop.store import users as user_store  # noqa: E402
from tests.browser import CHROMIUM_ARGS, chromium_path  # noqa: E402
from tests.live_node import LiveNode, live_node  # noqa: E402
from tests.processes import free_port  # noqa: E402

DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
SIZES = {"desktop": DESKTOP, "phone": PHONE}
# A long page is shot down to this many CSS pixels (a thread's first replies, not all of them).
MAX_HEIGHT = {"desktop": 1400, "phone": 1700}
HOST = "libraries.riverton.test"
BASE = f"http://{HOST}"
# Made-up accounts on a node that lives for a minute in a temporary directory.
VIEWER, VIEWER_PASSWORD = "ines", "ines reads a lot"
PASSWORD = "a long password 1"  # noqa: S105
NEWCOMER = "amara"  # registered a moment ago: the welcome page is hers


@dataclass(frozen=True)
class Seeded:
    thread_id: int
    community: str


@asynccontextmanager
async def database() -> AsyncIterator[str]:
    """A migrated database in a throwaway embedded PostgreSQL cluster; its DSN."""
    root = Path(tempfile.mkdtemp(prefix="fedcop-screenshots-pg-"))
    cluster = EmbeddedPostgres(root, settings=UNSAFE_FAST_SETTINGS)
    cluster.ensure_running()
    try:
        conn = await asyncpg.connect(cluster.dsn())
        try:
            await conn.execute('CREATE DATABASE "screenshots"')
        finally:
            await conn.close()
        conn = await asyncpg.connect(cluster.dsn("screenshots"))
        try:
            await apply_migrations(conn)
        finally:
            await conn.close()
        yield cluster.dsn("screenshots")
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


def picture_bytes() -> bytes:
    """A reading-room floor plan, drawn here so the repository needs no binary fixture."""
    image = Image.new("RGB", (800, 500), "#f4efe6")
    draw = ImageDraw.Draw(image)
    for x, colour in ((60, "#8fb8a8"), (300, "#e0b36a"), (540, "#b9a3d6")):
        draw.rectangle((x, 60, x + 200, 300), fill=colour, outline="#333333", width=3)
    draw.rectangle((60, 360, 740, 440), fill="#c9d6e3", outline="#333333", width=3)
    draw.text((80, 70), "Picture books", fill="#222222")
    draw.text((320, 70), "Quiet study", fill="#222222")
    draw.text((560, 70), "Local history", fill="#222222")
    draw.text((80, 370), "Front desk and returns", fill="#222222")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def portrait_bytes(colour: str) -> bytes:
    """A simple portrait: a head and shoulders on a coloured ground."""
    image = Image.new("RGB", (256, 256), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((88, 48, 168, 128), fill="#f1d3b3")
    draw.ellipse((48, 140, 208, 300), fill="#3d4b5c")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    """A one-page PDF, written by hand (a valid file with a cross-reference table)."""
    text = b"BT /F1 18 Tf 72 720 Td (Opening hours, winter 2026) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


async def upload(node: LiveNode, owner: str, name: str, data: bytes, description: str) -> int:
    async with node.pool.acquire() as conn:
        person = await actor_store.find_local(conn, owner)
    assert person is not None
    media = await member_uploads.upload(
        node.pool, node.config, node.app.state, owner_id=person.actor.id,
        file=UploadFile(io.BytesIO(data), filename=name), description=description,
    )  # fmt: skip
    return media.id


async def seed(node: LiveNode) -> Seeded:
    pool, config, network = node.pool, node.config, node.app.state.network
    people = {
        VIEWER: "Inès Moreau",
        "tomas": "Tomás Ferreira",
        "priya": "Priya Raman",
        "joe": "Joe Okafor",
        "lena": "Lena Berg",
    }
    await accounts.create_user(pool, config, VIEWER, VIEWER_PASSWORD, is_admin=True)
    for name in [*list(people)[1:], NEWCOMER]:
        await accounts.create_user(pool, config, name, PASSWORD)
    roles = {
        VIEWER: "Head of children's services",
        "tomas": "Branch librarian, Westside",
        "priya": "Branch manager, Eastside",
        "joe": "Cataloguer",
        "lena": "Library assistant, Northgate",
    }
    for name, display in people.items():
        async with pool.acquire() as conn:
            member = await user_store.find_by_name(conn, name)
        assert member is not None
        await profiles.update(
            pool, config, member, display_name=display, bio_html="",
            organisation="Riverton City Libraries", sector="Public libraries",
            job_role=roles[name], expertise="",
        )  # fmt: skip
    async with pool.acquire() as conn:
        ines = await user_store.find_by_name(conn, VIEWER)
    assert ines is not None
    await admin.save_settings(
        pool, ines, organisation="Riverton City Libraries",
        description="Where the librarians of Riverton's twelve branches share what works.",
        registrations="approval",
    )  # fmt: skip
    # two members chose a picture; the others keep the one made from their initials
    for name, colour in (("tomas", "#8fb8a8"), ("priya", "#e0b36a")):
        async with pool.acquire() as conn:
            person = await actor_store.find_local(conn, name)
        assert person is not None
        await avatars.choose(
            pool, config, node.app.state, actor_id=person.actor.id, uploader_id=person.actor.id,
            file=UploadFile(io.BytesIO(portrait_bytes(colour)), filename=f"{name}.png"),
        )  # fmt: skip
    communities = {
        "children": (
            "Children's Services",
            "Story times, summer reading and everything for readers under twelve.",
            "Be kind, share what you tried (and what failed), credit the colleague who had "
            "the idea. No names of children, ever.",
            False,
        ),
        "cataloguing": (
            "Cataloguing Corner",
            "Records, subject headings and the odd MARC puzzle.",
            "Ask anything: there are no silly cataloguing questions. Mark your question as "
            "solved when an answer works for you.",
            False,
        ),
        "managers": (
            "Branch Managers",
            "Rotas, budgets and building problems, among the people who run a branch.",
            "What is said here stays here. Facilitators approve new members.",
            True,
        ),
    }
    uris = {}
    for handle, (title, purpose, charter, private) in communities.items():
        made = await accounts.create_community(
            pool, config, handle, title=title, owner=VIEWER, private=private
        )
        uris[handle] = made.uri
        await facilitation.save_settings(
            pool, config, handle, ines, title=title, purpose=purpose, charter=charter,
            approval=private, restricted=False,
        )  # fmt: skip
    for name in ("tomas", "priya", "joe", "lena"):
        await follows.join(pool, config, network, name, uris["children"])
        await follows.join(pool, config, network, name, uris["cataloguing"])
    await follows.join(pool, config, network, "lena", uris["managers"])  # waits for approval

    def write(author: str, handle: str, content: str, **kwargs: Any) -> Any:
        return posts.write(
            pool, config, network, author=author, community_uri=uris[handle], content=content,
            **kwargs,
        )  # fmt: skip

    picture = await upload(node, "priya", "reading-room.png", picture_bytes(),
                           "Floor plan of the new reading room at the Eastside branch")  # fmt: skip
    pdf = await upload(node, "priya", "opening-hours.pdf", pdf_bytes(), "Winter opening hours")
    await write(
        "priya", "children", "The Eastside branch reopened with the new layout: the picture "
        "books are by the window now, and the winter hours are attached. #eastside",
        title="The new reading room at Eastside", media_ids=[picture, pdf],
    )  # fmt: skip
    thread = await write(
        VIEWER, "children",
        "We lose a third of our summer readers by August. What keeps yours coming back?\n\n"
        "Ours: a sticker chart at the desk. It works for the six-year-olds, less for the "
        "ten-year-olds. #SummerReading",
        title="How do you keep children reading all summer?",
    )  # fmt: skip
    tomas = await write(
        "tomas", "children",
        "A **reading passport**: one stamp per visit, any book counts, comics too. The "
        "tenth stamp is a free tote bag. Our completion rate went from 40% to 65%.",
        in_reply_to=thread.uri,
    )  # fmt: skip
    ines_reply = await write(
        VIEWER, "children", "@tomas did the older children take to it as well?",
        in_reply_to=tomas.uri,
    )  # fmt: skip
    await write(
        "tomas", "children",
        "Yes, once we let them design their own stamp. Pride of ownership does wonders.",
        in_reply_to=ines_reply.uri,
    )  # fmt: skip
    await write(
        "joe", "children",
        "We pair older readers with younger ones once a week: reading buddies. The older "
        "ones come back because someone is waiting for them.",
        in_reply_to=thread.uri,
    )  # fmt: skip
    await write(
        "lena", "children", "Reading buddies, yes! We do it on Saturday mornings.",
        in_reply_to=thread.uri,
    )  # fmt: skip
    for voter in ("tomas", "joe", "priya"):
        await votes.vote(pool, config, voter=voter, post_uri=thread.uri)
    await votes.vote(pool, config, voter="priya", post_uri=tomas.uri)
    # a question in cataloguing, answered by the viewer and solved
    question = await write(
        "joe", "cataloguing",
        "Graphic novel adaptations of classics: do you shelve them with the original "
        "author or the adapter?",
        title="Where do graphic novel adaptations go?", question=True,
    )  # fmt: skip
    answer = await write(
        VIEWER, "cataloguing",
        "With the **original author** (so *Pride and Prejudice* stays under Austen), and "
        "add the adapter and the illustrator as added entries so both searches find it.",
        in_reply_to=question.uri,
    )  # fmt: skip
    await questions.accept(pool, config, by="joe", thread_id=question.id, answer_id=answer.id)
    await write(
        "lena", "cataloguing",
        "@ines thank you, this settles a long argument in our branch!",
        in_reply_to=answer.uri,
    )  # fmt: skip
    await write(
        "priya", "children", "Which day works best for the spring story-time training?",
        title="Spring story-time training", poll=PollDraft(["Tuesday", "Wednesday", "Friday"],
                                                           7 * 86_400),
    )  # fmt: skip
    await kb_pages.create(
        pool, config, community="children", by=VIEWER, title="Summer reading playbook",
        markdown="What has worked in our branches, tried and kept.\n\n"
        "## Before June\n\n- Order the passports and stamps\n- Recruit teen volunteers\n\n"
        "## During the summer\n\n- **Reading passports**: one stamp a visit (Westside)\n"
        "- **Reading buddies** on Saturday mornings (Northgate)\n\n"
        "## After\n\n- Count finishers and share the numbers here",
    )  # fmt: skip
    await write(
        "tomas", "cataloguing", "A reminder: the new subject headings list arrives Monday.",
        title="New subject headings on Monday",
    )  # fmt: skip
    return Seeded(thread_id=thread.id, community="children")


async def shoot(page: Page, path: str, name: str, size: str) -> Path:
    """The page from its top, down to MAX_HEIGHT: enough to show replies below a thread."""
    await page.goto(BASE + path)
    await page.wait_for_load_state("networkidle")
    height: int = await page.evaluate("() => document.documentElement.scrollHeight")
    width = page.viewport_size["width"] if page.viewport_size else DESKTOP["width"]
    target = HERE / f"{name}-{size}.png"
    await page.screenshot(
        path=str(target),
        full_page=True,
        clip={"x": 0, "y": 0, "width": width, "height": min(height, MAX_HEIGHT[size])},
    )
    return target


def optimise(path: Path) -> None:
    """A palette PNG: screenshots of flat pages lose nothing visible and shrink severalfold."""
    with Image.open(path) as image:
        reduced = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    reduced.save(path, optimize=True)


async def signed_in(browser: Browser, size: str, name: str, password: str) -> Page:
    context = await browser.new_context(viewport=SIZES[size], device_scale_factor=1)
    page = await context.new_page()
    await page.goto(BASE + "/login")
    await page.get_by_label("Account name").fill(name)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("button", name="Sign out").wait_for()
    return page


async def finish_setup(node: LiveNode) -> None:
    """What the admin fills in on the guided setup's steps (the first of them was shot)."""
    async with node.pool.acquire() as conn:
        ines = await user_store.find_by_name(conn, VIEWER)
    assert ines is not None
    await node_setup.save_about(
        node.pool, ines, name="Riverton Librarians",
        description="Where the librarians of Riverton's twelve branches share what works.",
    )  # fmt: skip
    await node_setup.choose_registrations(node.pool, ines, "approval")
    await node_setup.skip(node.pool, ines)  # the communities are made already


async def main() -> None:
    port = free_port()
    # The node believes it is served at BASE (port 80, no port in its addresses), and the
    # browser is told that this host is the loopback port uvicorn listens on.
    host_rule = f"--host-resolver-rules=MAP {HOST} 127.0.0.1:{port}"
    data_dir = Path(tempfile.mkdtemp(prefix="fedcop-screenshots-data-"))
    try:
        async with (
            database() as dsn,
            live_node(dsn, port=port, base=BASE, data_dir=data_dir) as node,
        ):
            seeded = await seed(node)
            await node.drain()
            pages = [
                ("home", "/"),
                ("community", f"/c/{seeded.community}"),
                ("thread", f"/t/{seeded.thread_id}"),
                ("library", f"/c/{seeded.community}/resources"),
                ("knowledge-base", f"/c/{seeded.community}/kb/summer-reading-playbook"),
                ("notifications", "/notifications"),  # last: reading them marks them read
            ]
            written: list[Path] = []
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=chromium_path(), headless=True,
                    args=[*CHROMIUM_ARGS, host_rule],
                )  # fmt: skip
                try:
                    tabs = {
                        size: await signed_in(browser, size, VIEWER, VIEWER_PASSWORD)
                        for size in SIZES
                    }
                    # the guided setup as a new node's admin first sees it
                    for size, page in tabs.items():
                        written.append(await shoot(page, "/setup", "setup", size))
                    await finish_setup(node)
                    for name, path in pages:
                        for size, page in tabs.items():
                            written.append(await shoot(page, path, name, size))
                    # the welcome page, as the newcomer lands on it, with communities to join
                    for size in SIZES:
                        page = await signed_in(browser, size, NEWCOMER, PASSWORD)
                        written.append(await shoot(page, "/welcome", "welcome", size))
                finally:
                    await browser.close()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    for picture in written:
        optimise(picture)
    total = sum(picture.stat().st_size for picture in written)
    print(f"{len(written)} screenshots in {HERE}, {total / 1_000_000:.1f} MB")


if __name__ == "__main__":
    asyncio.run(main())
