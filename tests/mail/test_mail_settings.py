"""Settings of `fedcop mail`: environment, flags over environment, and clear refusals."""

from __future__ import annotations

import pytest

from fedcop.config import ConfigError
from fedcop.mail import inbound_settings


def test_defaults_listen_on_loopback_without_imap() -> None:
    settings = inbound_settings.load(environ={})
    assert (settings.listen_host, settings.listen_port, settings.lmtp) == ("127.0.0.1", 2525, False)
    assert settings.imap is None and settings.trusted_authserv_id is None


def test_flags_win_over_the_environment_and_imap_is_read() -> None:
    environ = {
        "FEDCOP_MAIL_LISTEN_PORT": "2600",
        "FEDCOP_MAIL_LMTP": "false",
        "FEDCOP_IMAP_HOST": "imap.example.org",
        "FEDCOP_IMAP_USER": "cop",
        "FEDCOP_IMAP_PASSWORD": "secret",
        "FEDCOP_IMAP_TLS": "false",
        "FEDCOP_MAIL_TRUSTED_AUTHSERV_ID": "mx.example.org",
    }
    settings = inbound_settings.load({"mail_lmtp": "true", "mail_listen_port": "24"}, environ)
    assert settings.listen_port == 24 and settings.lmtp
    assert settings.imap is not None
    assert (settings.imap.host, settings.imap.port, settings.imap.tls) == (
        "imap.example.org",
        143,
        False,
    )
    assert settings.imap.folder == "INBOX"
    assert settings.trusted_authserv_id == "mx.example.org"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FEDCOP_MAIL_LISTEN_PORT", "smtp"),
        ("FEDCOP_MAIL_LMTP", "perhaps"),
        ("FEDCOP_MAIL_MAX_BYTES", "99999999999"),
    ],
)
def test_bad_values_are_refused_with_their_name(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as refused:
        inbound_settings.load(environ={name: value})
    assert name in str(refused.value) or name.removeprefix("FEDCOP_").lower() in str(refused.value)
