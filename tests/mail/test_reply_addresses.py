"""Signed reply and bounce addresses: what a mail system may do to them, what a forger cannot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fedcop.config import ConfigError, load_config
from fedcop.mail.reply_addresses import (
    AddressRefused,
    Refusal,
    ReplyTarget,
    bounce_address,
    community_address,
    community_name_of,
    reply_address,
    verify_bounce_address,
    verify_reply_address,
)

SECRET = "a" * 64
DOMAIN = "mail.cop.example"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def test_a_reply_address_names_its_member_and_thread_in_any_case() -> None:
    address = reply_address(SECRET, 42, 9_000_000_000_123, DOMAIN, now=NOW)
    local = address.split("@")[0]
    assert len(local) <= 64
    for shown in (address, address.upper(), f"<{address}>"):
        target = verify_reply_address(SECRET, shown, DOMAIN, now=NOW + timedelta(days=59))
        assert isinstance(target, ReplyTarget)
        assert (target.user_id, target.thread_id) == (42, 9_000_000_000_123)


def test_two_members_get_unrelated_addresses_for_one_thread() -> None:
    first = reply_address(SECRET, 1, 7, DOMAIN, now=NOW)
    second = reply_address(SECRET, 2, 7, DOMAIN, now=NOW)
    assert first != second


def test_a_changed_character_is_forged() -> None:
    address = reply_address(SECRET, 42, 7, DOMAIN, now=NOW)
    local, domain = address.split("@")
    flipped = local[:10] + ("a" if local[10] != "a" else "b") + local[11:]
    refused = verify_reply_address(SECRET, f"{flipped}@{domain}", DOMAIN, now=NOW)
    assert refused == AddressRefused(Refusal.FORGED)
    assert not refused


def test_another_nodes_secret_is_forged() -> None:
    address = reply_address("b" * 64, 42, 7, DOMAIN, now=NOW)
    assert verify_reply_address(SECRET, address, DOMAIN, now=NOW) == AddressRefused(Refusal.FORGED)


def test_an_old_address_has_expired() -> None:
    address = reply_address(SECRET, 42, 7, DOMAIN, now=NOW)
    late = NOW + timedelta(days=62)
    assert verify_reply_address(SECRET, address, DOMAIN, now=late) == AddressRefused(
        Refusal.EXPIRED
    )


def test_malformed_and_foreign_addresses_are_refused() -> None:
    assert verify_reply_address(SECRET, "r-abc@" + DOMAIN, DOMAIN) == AddressRefused(
        Refusal.MALFORMED
    )
    assert verify_reply_address(SECRET, "r-" + "1" * 48 + "@" + DOMAIN, DOMAIN) == AddressRefused(
        Refusal.MALFORMED
    )
    assert verify_reply_address(SECRET, "nobody", DOMAIN) == AddressRefused(Refusal.MALFORMED)
    address = reply_address(SECRET, 42, 7, DOMAIN, now=NOW)
    assert verify_reply_address(
        SECRET, address.replace(DOMAIN, "elsewhere.example"), DOMAIN, now=NOW
    ) == AddressRefused(Refusal.WRONG_DOMAIN)


def test_a_reply_address_is_no_bounce_address() -> None:
    address = reply_address(SECRET, 42, 7, DOMAIN, now=NOW)
    assert not verify_bounce_address(SECRET, "b-" + address[2:], DOMAIN, now=NOW)
    bounce = bounce_address(SECRET, 42, DOMAIN, now=NOW)
    assert verify_bounce_address(SECRET, bounce.upper(), DOMAIN, now=NOW) == 42
    assert not verify_reply_address(SECRET, "r-" + bounce[2:], DOMAIN, now=NOW)


def test_community_addresses() -> None:
    assert community_address("Gardening", DOMAIN) == "gardening@" + DOMAIN
    assert community_name_of("Gardening@MAIL.cop.example", DOMAIN) == "gardening"
    assert community_name_of("gardening@other.example", DOMAIN) is None
    assert community_name_of(reply_address(SECRET, 1, 2, DOMAIN), DOMAIN) is None


def test_the_mail_domain_setting() -> None:
    config = load_config(environ={"FEDCOP_BASE_URL": "https://cop.example"})
    assert config.reply_mail_domain == "cop.example"
    config = load_config(
        environ={"FEDCOP_BASE_URL": "https://cop.example", "FEDCOP_MAIL_DOMAIN": "Mail.Cop.Example"}
    )
    assert config.reply_mail_domain == "mail.cop.example"
    try:
        load_config(environ={"FEDCOP_MAIL_DOMAIN": "not a domain"})
    except ConfigError as error:
        assert "FEDCOP_MAIL_DOMAIN" in str(error)
    else:
        raise AssertionError("a bad mail domain was accepted")
