"""The node's configuration: one frozen object, read from FEDCOP_* variables and CLI flags.

A flag given on the command line wins over its environment variable, which wins over the default.
Every setting is documented in `fedcop serve --help` and in the README.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from fedcop.media.settings import (
    MediaSettings,
    MediaSettingsError,
    load_media_settings,
    media_environment,
)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_DATA_DIR = "./fedcop-data"

_TRUE = {"1", "true", "yes", "on"}
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK: tuple[IPNetwork, ...] = (
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("::1/128"),
)
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("debug", "info", "warning", "error")
SMTP_SECURITY = ("starttls", "tls", "none")
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """A setting has a value fedcop cannot use; the message says which and what to do."""


@dataclass(frozen=True)
class Config:
    base_url: str
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    data_dir: Path = field(default_factory=lambda: Path(DEFAULT_DATA_DIR))
    database_url: str | None = None
    allow_private_addresses: bool = False
    # Require signed GETs for actor and object documents (the instance actor stays unsigned).
    authorized_fetch: bool = False
    # Server processes sharing the listening socket (each also runs the queue workers).
    workers: int = 1
    node_name: str = "fedcop"
    # False when base_url is the local default (http://localhost:PORT) rather than configured.
    base_url_given: bool = True
    # Direct peers whose X-Forwarded-For / X-Forwarded-Proto / X-Request-Id are believed.
    trusted_proxies: tuple[IPNetwork, ...] = ()
    # Client addresses (after trusted-proxy resolution) allowed to read /metrics.
    metrics_allow: tuple[IPNetwork, ...] = LOOPBACK
    log_format: str = "text"  # "text": one readable line per event; "json": JSON lines
    log_level: str = "info"
    # Where people write about this node (instance documents); postmaster@HOST when unset.
    contact_email: str | None = None
    # The most one outbound delivery (connect, TLS, request, answer) and one fetch (every
    # redirect included) may take in all: a server that accepts connections and never answers
    # costs a worker slot this long, no longer. Set from code (tests, embedding), not from the
    # environment.
    delivery_deadline_seconds: float = 10.0
    fetch_deadline_seconds: float = 10.0
    # Outbound mail (fedcop/mail/): no smtp_host means mail is off and nothing is queued.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: str = "starttls"  # "starttls", "tls" (implicit, port 465) or "none"
    smtp_user: str | None = None
    smtp_password: str | None = None
    # The From address of every mail; noreply@HOST when unset.
    mail_from: str | None = None
    # DKIM signing, on when all three are set: a PEM private key file, its selector, its domain.
    dkim_key_file: Path | None = None
    dkim_selector: str | None = None
    dkim_domain: str | None = None
    # How many messages the mail worker hands to the SMTP server at once.
    smtp_max_in_flight: int = 4
    # The most one SMTP conversation (connect, TLS, login, send) may take.
    smtp_timeout_seconds: float = 30.0
    # The domain of the addresses fedcop receives mail at (reply and community addresses);
    # the host of base_url when unset.
    mail_domain: str | None = None
    # Uploads, their storage (the data directory or S3) and the media proxy (fedcop/media/).
    media: MediaSettings = field(default_factory=MediaSettings)

    @property
    def reply_mail_domain(self) -> str:
        """The domain after the @ of reply, bounce and community posting addresses."""
        return (self.mail_domain or urlsplit(self.base_url).hostname or "localhost").lower()

    @property
    def mail_enabled(self) -> bool:
        """True when an SMTP server is configured: only then is mail queued and sent."""
        return self.smtp_host is not None

    @property
    def mail_from_address(self) -> str:
        return self.mail_from or f"noreply@{urlsplit(self.base_url).hostname}"

    @property
    def dkim_enabled(self) -> bool:
        return bool(self.dkim_key_file and self.dkim_selector and self.dkim_domain)

    @property
    def contact_address(self) -> str:
        return self.contact_email or f"postmaster@{urlsplit(self.base_url).hostname}"

    @property
    def domain(self) -> str:
        """The host (and port, if any) that names this node in handles: `alice@DOMAIN`."""
        return urlsplit(self.base_url).netloc

    @property
    def scheme(self) -> str:
        return urlsplit(self.base_url).scheme

    def url(self, path: str) -> str:
        """An absolute URL on this node for a path starting with '/'."""
        return self.base_url + path


def normalise_base_url(value: str) -> str:
    """Check a public base URL and strip its trailing slash.

    It must be http(s), have a host, and carry no path, query or fragment: every id fedcop mints
    is built on it, and ids must never change once published.
    """
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"base URL {value!r} is not an http(s) URL: set FEDCOP_BASE_URL or --base-url "
            "to the address people reach this node at, e.g. https://cop.example.org"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(
            f"base URL {value!r} has a path, query or fragment: fedcop must be served at the "
            "root of its domain, e.g. https://cop.example.org"
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"


def parse_bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name}={value!r} is not a yes/no value: use true or false")


def parse_port(name: str, value: str | int) -> int:
    try:
        port = int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a port number: use 1-65535") from None
    if not 0 < port < 65536:
        raise ConfigError(f"{name}={value!r} is not a port number: use 1-65535")
    return port


MAX_WORKERS = 64


def parse_workers(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= MAX_WORKERS:
        raise ConfigError(
            f"workers={value!r} is not a number of processes: use 1 to {MAX_WORKERS} "
            "(about one per CPU core)"
        )
    return int(value)


def parse_networks(name: str, value: str) -> tuple[IPNetwork, ...]:
    """Comma-separated addresses or CIDR networks (`10.0.0.5, 192.168.0.0/16, ::1`)."""
    networks: list[IPNetwork] = []
    for item in value.split(","):
        if not item.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            raise ConfigError(
                f"{name}: {item.strip()!r} is not an IP address or network: use addresses or "
                "CIDR networks separated by commas, e.g. 127.0.0.1, 10.0.0.0/8"
            ) from None
    return tuple(networks)


def parse_choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    lowered = value.strip().lower()
    if lowered not in choices:
        raise ConfigError(f"{name}={value!r} is not one of {', '.join(choices)}")
    return lowered


def _networks_text(networks: tuple[IPNetwork, ...]) -> str:
    return ",".join(str(network) for network in networks)


def environment_of(config: Config) -> dict[str, str]:
    """FEDCOP_* variables that rebuild `config` in another process (serve --workers)."""
    values = {
        "FEDCOP_BASE_URL": config.base_url,
        "FEDCOP_HOST": config.host,
        "FEDCOP_PORT": str(config.port),
        "FEDCOP_DATA_DIR": str(config.data_dir),
        "FEDCOP_ALLOW_PRIVATE_ADDRESSES": str(config.allow_private_addresses).lower(),
        "FEDCOP_AUTHORIZED_FETCH": str(config.authorized_fetch).lower(),
        "FEDCOP_NODE_NAME": config.node_name,
        "FEDCOP_WORKERS": str(config.workers),
        "FEDCOP_TRUSTED_PROXIES": _networks_text(config.trusted_proxies),
        # Never empty: an empty variable would read as "unset", i.e. the loopback default.
        "FEDCOP_METRICS_ALLOW": _networks_text(config.metrics_allow) or "none",
        "FEDCOP_LOG_FORMAT": config.log_format,
        "FEDCOP_LOG_LEVEL": config.log_level,
    }
    if config.contact_email:
        values["FEDCOP_CONTACT_EMAIL"] = config.contact_email
    if config.mail_domain:
        values["FEDCOP_MAIL_DOMAIN"] = config.mail_domain
    if config.database_url:
        values["FEDCOP_DATABASE_URL"] = config.database_url
    if config.smtp_host:
        values["FEDCOP_SMTP_HOST"] = config.smtp_host
        values["FEDCOP_SMTP_PORT"] = str(config.smtp_port)
        values["FEDCOP_SMTP_SECURITY"] = config.smtp_security
    optional = {
        "FEDCOP_SMTP_USER": config.smtp_user,
        "FEDCOP_SMTP_PASSWORD": config.smtp_password,
        "FEDCOP_MAIL_FROM": config.mail_from,
        "FEDCOP_DKIM_KEY_FILE": str(config.dkim_key_file) if config.dkim_key_file else None,
        "FEDCOP_DKIM_SELECTOR": config.dkim_selector,
        "FEDCOP_DKIM_DOMAIN": config.dkim_domain,
    }
    values.update({name: value for name, value in optional.items() if value})
    values.update(media_environment(config.media))
    return values


def load_config(
    overrides: Mapping[str, object] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Build the configuration from the environment, then apply CLI overrides (None = not given).

    Recognised variables: FEDCOP_BASE_URL, FEDCOP_HOST, FEDCOP_PORT, FEDCOP_DATA_DIR,
    FEDCOP_DATABASE_URL, FEDCOP_ALLOW_PRIVATE_ADDRESSES,
    FEDCOP_AUTHORIZED_FETCH, FEDCOP_NODE_NAME, FEDCOP_WORKERS, FEDCOP_TRUSTED_PROXIES,
    FEDCOP_METRICS_ALLOW, FEDCOP_LOG_FORMAT, FEDCOP_LOG_LEVEL, FEDCOP_CONTACT_EMAIL,
    FEDCOP_SMTP_HOST, FEDCOP_SMTP_PORT, FEDCOP_SMTP_SECURITY, FEDCOP_SMTP_USER,
    FEDCOP_SMTP_PASSWORD, FEDCOP_MAIL_FROM, FEDCOP_DKIM_KEY_FILE, FEDCOP_DKIM_SELECTOR,
    FEDCOP_DKIM_DOMAIN, FEDCOP_MAIL_DOMAIN, and the media ones (fedcop/media/settings.py).
    """
    env = os.environ if environ is None else environ
    given = {k: v for k, v in (overrides or {}).items() if v is not None}

    def setting(key: str) -> object | None:
        if key in given:
            return given[key]
        return env.get(f"FEDCOP_{key.upper()}") or None

    host = str(setting("host") or DEFAULT_HOST)
    port_value = setting("port")
    port = parse_port("port", str(port_value)) if port_value is not None else DEFAULT_PORT

    base = setting("base_url")
    base_url = normalise_base_url(str(base) if base else f"http://localhost:{port}")

    def flag(key: str) -> bool:
        value = setting(key)
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        return parse_bool(f"FEDCOP_{key.upper()}", str(value))

    database_url = setting("database_url")
    workers_value = setting("workers")
    workers = parse_workers(str(workers_value)) if workers_value is not None else 1
    trusted = setting("trusted_proxies")
    metrics_allow = setting("metrics_allow")
    allowed: tuple[IPNetwork, ...]
    if metrics_allow is None:
        allowed = LOOPBACK
    elif str(metrics_allow).strip().lower() == "none":
        allowed = ()
    else:
        allowed = parse_networks("FEDCOP_METRICS_ALLOW", str(metrics_allow))
    security = parse_choice(
        "FEDCOP_SMTP_SECURITY", str(setting("smtp_security") or "starttls"), SMTP_SECURITY
    )
    smtp_port_value = setting("smtp_port")
    default_smtp_port = {"starttls": 587, "tls": 465, "none": 25}[security]
    smtp_port = (
        parse_port("FEDCOP_SMTP_PORT", str(smtp_port_value))
        if smtp_port_value is not None
        else default_smtp_port
    )
    dkim_key = setting("dkim_key_file")
    dkim_parts = [dkim_key, setting("dkim_selector"), setting("dkim_domain")]
    if any(dkim_parts) and not all(dkim_parts):
        raise ConfigError(
            "DKIM signing needs all three of FEDCOP_DKIM_KEY_FILE, FEDCOP_DKIM_SELECTOR and "
            "FEDCOP_DKIM_DOMAIN (or none of them, to send unsigned)"
        )
    if dkim_key and not Path(str(dkim_key)).expanduser().is_file():
        raise ConfigError(
            f"FEDCOP_DKIM_KEY_FILE={dkim_key!s}: there is no such file; make the key with "
            "`openssl genrsa -out dkim.pem 2048` (see deploy/README.md)"
        )
    mail_from = setting("mail_from")
    try:
        media = load_media_settings(setting)
    except MediaSettingsError as error:
        raise ConfigError(str(error)) from None
    return Config(
        media=media,
        smtp_host=_text(setting("smtp_host")),
        smtp_port=smtp_port,
        smtp_security=security,
        smtp_user=_text(setting("smtp_user")),
        smtp_password=_text(setting("smtp_password")),
        mail_from=_email(mail_from, "FEDCOP_MAIL_FROM") if mail_from else None,
        dkim_key_file=Path(str(dkim_key)).expanduser().absolute() if dkim_key else None,
        dkim_selector=_text(setting("dkim_selector")),
        dkim_domain=_text(setting("dkim_domain")),
        trusted_proxies=parse_networks("FEDCOP_TRUSTED_PROXIES", str(trusted)) if trusted else (),
        metrics_allow=allowed,
        log_format=parse_choice(
            "FEDCOP_LOG_FORMAT", str(setting("log_format") or "text"), LOG_FORMATS
        ),
        log_level=parse_choice("FEDCOP_LOG_LEVEL", str(setting("log_level") or "info"), LOG_LEVELS),
        workers=workers,
        base_url=base_url,
        base_url_given=bool(base),
        host=host,
        port=port,
        data_dir=Path(str(setting("data_dir") or DEFAULT_DATA_DIR)).expanduser().absolute(),
        database_url=str(database_url) if database_url else None,
        allow_private_addresses=flag("allow_private_addresses"),
        authorized_fetch=flag("authorized_fetch"),
        node_name=str(setting("node_name") or "fedcop"),
        contact_email=_email(setting("contact_email")),
        mail_domain=_mail_domain(setting("mail_domain")),
    )


def _mail_domain(value: object | None) -> str | None:
    if value is None:
        return None
    text = str(value).strip().lower().rstrip(".")
    labels = text.split(".")
    if not text or any(not label or not label.replace("-", "").isalnum() for label in labels):
        raise ConfigError(
            f"FEDCOP_MAIL_DOMAIN={text!r} is not a domain name: use e.g. mail.cop.example.org"
        )
    return text


def _email(value: object | None, name: str = "FEDCOP_CONTACT_EMAIL") -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if text.count("@") != 1 or text.startswith("@") or text.endswith("@") or " " in text:
        raise ConfigError(f"{name}={text!r} is not an email address: use e.g. cop@example.org")
    return text


def _text(value: object | None) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


__all__ = ["Config", "ConfigError", "load_config", "replace"]
