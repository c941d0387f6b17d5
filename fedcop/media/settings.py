"""Media settings: file and account limits, the storage backend, the proxy's cache.

Read from FEDCOP_MEDIA_* and FEDCOP_S3_* variables (see the README's configuration table).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

MIB = 1024 * 1024
STORAGE_BACKENDS = ("disk", "s3")


class MediaSettingsError(ValueError):
    """A media variable has a value fedcop cannot use; the message says which and why."""


@dataclass(frozen=True)
class MediaSettings:
    # "disk": DATA_DIR/media (the default); "s3": the bucket below.
    storage: str = "disk"
    # The most one picture may weigh as uploaded (before re-encoding), and one other file.
    max_image_bytes: int = 16 * MIB
    max_file_bytes: int = 40 * MIB
    # The most all of one account's files may weigh together.
    account_quota_bytes: int = 1024 * MIB
    # How many files one post or page may carry.
    max_attachments: int = 4
    # S3-compatible object storage (storage = "s3").
    s3_endpoint: str | None = None
    s3_bucket: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    # An address serving the bucket's files directly (a CDN); files are linked there when set.
    public_url: str | None = None
    # The media proxy's cache of files from elsewhere: the most it keeps on disk, and how long.
    proxy_cache_bytes: int = 1024 * MIB
    proxy_cache_days: int = 7
    # The most one file from elsewhere may weigh to be shown through the proxy.
    proxy_max_bytes: int = 16 * MIB


Setting = Callable[[str], object | None]


def load_media_settings(setting: Setting) -> MediaSettings:
    """Media settings from `setting(key)`, which reads FEDCOP_<KEY> (None when unset)."""
    storage = str(setting("media_storage") or "disk").strip().lower()
    if storage not in STORAGE_BACKENDS:
        raise MediaSettingsError(
            f"FEDCOP_MEDIA_STORAGE={storage!r}: use 'disk' (the data directory) or 's3'"
        )
    settings = MediaSettings(
        storage=storage,
        max_image_bytes=_megabytes(setting, "media_max_image_mb", MediaSettings.max_image_bytes),
        max_file_bytes=_megabytes(setting, "media_max_file_mb", MediaSettings.max_file_bytes),
        account_quota_bytes=_megabytes(
            setting, "media_account_quota_mb", MediaSettings.account_quota_bytes
        ),
        s3_endpoint=_url(setting, "s3_endpoint"),
        s3_bucket=_text(setting("s3_bucket")),
        s3_region=_text(setting("s3_region")) or "us-east-1",
        s3_access_key_id=_text(setting("s3_access_key_id")),
        s3_secret_access_key=_text(setting("s3_secret_access_key")),
        public_url=_url(setting, "media_public_url"),
        proxy_cache_bytes=_megabytes(
            setting, "media_proxy_cache_mb", MediaSettings.proxy_cache_bytes
        ),
        proxy_cache_days=_whole(setting, "media_proxy_cache_days", MediaSettings.proxy_cache_days),
        proxy_max_bytes=_megabytes(setting, "media_proxy_max_mb", MediaSettings.proxy_max_bytes),
    )
    if storage == "s3":
        missing = [
            f"FEDCOP_{name.upper()}"
            for name, value in (
                ("s3_endpoint", settings.s3_endpoint),
                ("s3_bucket", settings.s3_bucket),
                ("s3_access_key_id", settings.s3_access_key_id),
                ("s3_secret_access_key", settings.s3_secret_access_key),
            )
            if not value
        ]
        if missing:
            raise MediaSettingsError(
                "FEDCOP_MEDIA_STORAGE=s3 needs " + ", ".join(missing) + " (see deploy/README.md)"
            )
    return settings


def media_environment(settings: MediaSettings) -> dict[str, str]:
    """FEDCOP_* variables that rebuild `settings` in another process (serve --workers)."""
    values = {
        "FEDCOP_MEDIA_STORAGE": settings.storage,
        "FEDCOP_MEDIA_MAX_IMAGE_MB": _mb_text(settings.max_image_bytes),
        "FEDCOP_MEDIA_MAX_FILE_MB": _mb_text(settings.max_file_bytes),
        "FEDCOP_MEDIA_ACCOUNT_QUOTA_MB": _mb_text(settings.account_quota_bytes),
        "FEDCOP_MEDIA_PROXY_CACHE_MB": _mb_text(settings.proxy_cache_bytes),
        "FEDCOP_MEDIA_PROXY_CACHE_DAYS": str(settings.proxy_cache_days),
        "FEDCOP_MEDIA_PROXY_MAX_MB": _mb_text(settings.proxy_max_bytes),
        "FEDCOP_S3_REGION": settings.s3_region,
    }
    optional = {
        "FEDCOP_S3_ENDPOINT": settings.s3_endpoint,
        "FEDCOP_S3_BUCKET": settings.s3_bucket,
        "FEDCOP_S3_ACCESS_KEY_ID": settings.s3_access_key_id,
        "FEDCOP_S3_SECRET_ACCESS_KEY": settings.s3_secret_access_key,
        "FEDCOP_MEDIA_PUBLIC_URL": settings.public_url,
    }
    values.update({name: value for name, value in optional.items() if value})
    return values


def _mb_text(size: int) -> str:
    return format(size / MIB, "g")


def _megabytes(setting: Setting, key: str, default: int) -> int:
    value = setting(key)
    if value is None:
        return default
    try:
        megabytes = float(str(value))
    except ValueError:
        megabytes = -1.0
    if not megabytes > 0 or megabytes > 1024 * 1024:
        raise MediaSettingsError(
            f"FEDCOP_{key.upper()}={value!s}: give a size in megabytes greater than 0, e.g. 16"
        )
    return int(megabytes * MIB)


def _whole(setting: Setting, key: str, default: int) -> int:
    value = setting(key)
    if value is None:
        return default
    text = str(value).strip()
    if not text.isdigit() or int(text) < 1:
        raise MediaSettingsError(f"FEDCOP_{key.upper()}={value!s}: give a whole number, e.g. 7")
    return int(text)


def _url(setting: Setting, key: str) -> str | None:
    value = _text(setting(key))
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise MediaSettingsError(
            f"FEDCOP_{key.upper()}={value!r}: give an http(s) address, e.g. https://files.example.org"
        )
    return value.rstrip("/")


def _text(value: object | None) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None
