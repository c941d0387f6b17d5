"""Files on the wire: what fedcop sends as `attachment`, checked against what each server's
parser wants, and what it keeps of the attachments it receives.

What each server reads, restated from its source:

    Mastodon   app/lib/activitypub/parser/media_attachment_parser.rb: the file is `url` (a
               string or a Link), its type `mediaType`, its description `summary` else `name`;
               `blurhash` only if it matches [\\w#$%*+,-.:;=?@\\[\\]^{|}~]+ and has at most 5
               components each way; activity/create.rb keeps the first 4 attachments.
    Lemmy      crates/apub/objects/src/protocol/page.rs: `attachment: Vec<Attachment>` with no
               error skipping, so ONE attachment it cannot read refuses the whole post; each
               must be a Link {type Link, href} or an Image {type Image, url} or a Document
               {type Document, url}; `name` (the alt text) is a string when present.
    Takahē     activities/models/post.py: every attachment has `url` and `mediaType`.
    GoToSocial reads JSON-LD terms through their context: `blurhash` must be declared as
               toot:blurhash (http://joinmastodon.org/ns#blurhash).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from fedcop.documents.attachments import attachment_on_wire
from fedcop.documents.posts import FETCHED, THREADIVERSE, WireForm, post_object
from fedcop.media.entries import LOCAL_KEYS
from fedcop.media.proxy_cache import valid_token
from fedcop.services import post_fields
from fedcop.services.media.received import keep_proxy_tokens
from tests.paths import REAL_FIXTURES
from tests.test_thread_wire_forms import AUTHOR, COMMUNITY, CONFIG, THREAD

UPLOADED_PICTURE = {
    "type": "Image",
    "url": "https://alpha.test/media/Tk1/whiteboard.webp",
    "mediaType": "image/webp",
    "name": "The whiteboard: three columns of sticky notes",
    "sensitive": False,
    "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
    "width": 1600,
    "height": 1200,
    "size": 183_211,
    "media_id": 41,
    "preview_url": "https://alpha.test/media/Tk1/thumbnail.webp",
    "file_name": "whiteboard.webp",
}
UPLOADED_DOCUMENT = {
    "type": "Document",
    "url": "https://alpha.test/media/Tk2/retention-schedule.pdf",
    "mediaType": "application/pdf",
    "name": "",
    "sensitive": False,
    "size": 1_234_567,
    "media_id": 42,
    "file_name": "retention-schedule.pdf",
}
LINK = {"type": "Link", "url": "https://records.example/guide", "mediaType": "", "name": ""}
BLURHASH_ALPHABET = set(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
)
BASE83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"


def sent_attachments(form: WireForm = FETCHED) -> list[dict[str, Any]]:
    post = replace(THREAD, attachments=[UPLOADED_PICTURE, UPLOADED_DOCUMENT, LINK])
    document = post_object(post, AUTHOR, COMMUNITY, CONFIG, form=form)
    attachments: list[dict[str, Any]] = document["attachment"]
    return attachments


def test_an_uploaded_picture_goes_out_as_mastodon_writes_one() -> None:
    assert attachment_on_wire(UPLOADED_PICTURE) == {
        "type": "Image",
        "url": "https://alpha.test/media/Tk1/whiteboard.webp",
        "mediaType": "image/webp",
        "name": "The whiteboard: three columns of sticky notes",
        "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
        "width": 1600,
        "height": 1200,
        "size": 183_211,
    }
    assert attachment_on_wire(UPLOADED_DOCUMENT) == {
        "type": "Document",
        "url": "https://alpha.test/media/Tk2/retention-schedule.pdf",
        "mediaType": "application/pdf",
        "size": 1_234_567,
    }
    # Links stay as they were
    assert attachment_on_wire(LINK) == {
        "type": "Link",
        "href": "https://records.example/guide",
        "url": "https://records.example/guide",
        "mediaType": "text/html",
    }


def test_no_bookkeeping_leaves_the_node() -> None:
    from_elsewhere = {**UPLOADED_PICTURE, "media_id": None, "proxy": "tok" * 8}
    for form in (FETCHED, THREADIVERSE):
        for sent in (*sent_attachments(form), attachment_on_wire(from_elsewhere)):
            assert not LOCAL_KEYS & sent.keys(), sent
            assert "thumbnail" not in json.dumps(sent)


def test_blurhash_and_size_are_declared() -> None:
    post = replace(THREAD, attachments=[UPLOADED_PICTURE])
    context = post_object(post, AUTHOR, COMMUNITY, CONFIG)["@context"]
    terms: dict[str, Any] = {}
    for part in context:
        if isinstance(part, dict):
            terms.update(part)
    prefix, _, name = terms["blurhash"].partition(":")
    assert terms[prefix] + name == "http://joinmastodon.org/ns#blurhash"
    prefix, _, name = terms["size"].partition(":")
    assert terms[prefix] + name == "https://fedcop.org/ns#size"


def test_what_we_send_passes_mastodon_lemmy_and_takahe() -> None:
    for form in (FETCHED, THREADIVERSE):
        for sent in sent_attachments(form):
            # Takahē: url and mediaType on every attachment
            assert isinstance(sent.get("url"), str) and sent.get("mediaType"), sent
            # Lemmy: a Link with href, or an Image / Document with url; name a string
            if sent["type"] == "Link":
                assert sent["href"].startswith("https://")
            else:
                assert sent["type"] in ("Image", "Document") and sent["url"].startswith("https")
            assert isinstance(sent.get("name", ""), str)
            # Mastodon: a blurhash it accepts
            if "blurhash" in sent:
                blurhash = sent["blurhash"]
                assert set(blurhash) <= BLURHASH_ALPHABET
                flag = BASE83.index(blurhash[0])
                assert flag % 9 + 1 <= 5 and flag // 9 + 1 <= 5
                assert isinstance(sent["width"], int) and isinstance(sent["height"], int)


# -- received ----------------------------------------------------------------------------------


def _attachments_of(path: str) -> list[dict[str, Any]]:
    document = json.loads((REAL_FIXTURES / path).read_text(encoding="utf-8"))
    note = document.get("object", document)
    return post_fields.attachments_of(note, sensitive=False)


def test_pictures_from_soapbox_and_mbin_keep_their_blurhash_and_size() -> None:
    soapbox = _attachments_of("pleroma/objects/soapbox_no_mentions_in_content.json")
    assert [(a["type"], a["blurhash"], a["width"], a["height"]) for a in soapbox] == [
        ("Document", "b15#-6_3~l%eDkNraAM#HYMf", 966, 2147),
        ("Document", "b168EX~q~W-;DiM{VtIUD%Io", 966, 2147),
    ]
    # Pictures (told by their mediaType, whatever their type) are shown through the proxy
    tokens = [a["proxy"] for a in soapbox]
    assert all(valid_token(token) for token in tokens) and len(set(tokens)) == 2
    link, image = _attachments_of("mbin/activities/snapshot_createentrywithurlandimage.json")
    assert "proxy" not in link
    assert (image["name"], image["blurhash"], image["width"], image["height"]) == (
        "kibby",
        "L$Pie*?^spxt%3W.oyn*r^W-tQjG",
        96,
        96,
    )
    assert valid_token(image["proxy"])


def test_odd_or_hostile_file_details_are_left_out() -> None:
    note = {
        "attachment": [
            {"type": "Image", "url": "https://a.example/1.png", "mediaType": "image/png",
             "blurhash": "<script>alert(1)</script>", "width": "800", "height": True,
             "size": 2**50},
            {"type": "Image", "url": "https://a.example/2.png", "blurhash": "x" * 500,
             "width": -4, "height": 10**9, "size": 12.5},
            # a picture's size on its url Link (PeerTube writes them there)
            {"type": "Document", "mediaType": "image/jpeg", "width": 640.0,
             "url": [{"type": "Link", "href": "https://a.example/3.jpg", "height": 480,
                      "size": 9000}]},
            {"type": "Document", "url": "https://a.example/drawing.svg",
             "mediaType": "image/svg+xml"},
            {"type": "Document", "url": "https://a.example/notes.pdf",
             "mediaType": "application/pdf", "size": 52_000},
        ]
    }  # fmt: skip
    first, second, third, svg, pdf = post_fields.attachments_of(note, sensitive=False)
    for kept in (first, second):
        assert not {"blurhash", "width", "height", "size"} & kept.keys(), kept
        assert "proxy" in kept  # still a picture, shown at its own size
    assert (third["width"], third["height"], third["size"]) == (640, 480, 9000)
    # SVG can carry scripts and other files are no pictures: links, never through the proxy
    assert "proxy" not in svg and "proxy" not in pdf
    assert pdf["size"] == 52_000


def test_an_edit_keeps_the_proxy_token_of_each_picture_it_keeps() -> None:
    before = post_fields.attachments_of(
        {"attachment": [{"type": "Image", "url": "https://a.example/1.png"}]}, sensitive=False
    )
    edited = post_fields.attachments_of(
        {"attachment": [
            {"type": "Image", "url": "https://a.example/1.png", "name": "now described"},
            {"type": "Image", "url": "https://a.example/2.png"},
        ]},
        sensitive=False,
    )  # fmt: skip
    kept = keep_proxy_tokens(before, edited)
    assert kept[0]["proxy"] == before[0]["proxy"]
    assert kept[0]["name"] == "now described"
    assert kept[1]["proxy"] != before[0]["proxy"] and valid_token(kept[1]["proxy"])
