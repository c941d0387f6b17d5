"""deploy/ as an operator uses it: the compose file, the image, the env file, the systemd units
and the proxy samples say what the operator's guide says, and name real commands and settings."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import trustme
import yaml

from fedcop.cli import build_parser
from tests.tls_proxy import nginx_binary

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
CONFIG_SOURCE = Path(__file__).resolve().parents[1] / "fedcop" / "config.py"
MEDIA_SETTINGS_SOURCE = Path(__file__).resolve().parents[1] / "fedcop" / "media" / "settings.py"
SANDBOXING = {
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "NoNewPrivileges": "yes",
    "CapabilityBoundingSet": "",
    "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
    "SystemCallFilter": "@system-service",
    "ReadWritePaths": "/var/lib/fedcop",
}


def config_variables() -> set[str]:
    """Every FEDCOP_* variable fedcop/config.py reads (its `setting(...)` and `flag(...)` keys),
    and fedcop/media/settings.py (`setting("key")`, or `_megabytes(setting, "key", ...)`)."""
    keys = re.findall(r'\b(?:setting|flag)\("([a-z_]+)"\)', CONFIG_SOURCE.read_text())
    assert keys, "fedcop/config.py no longer reads settings through setting()/flag()"
    media_keys = re.findall(r'\bsetting(?:\(|, )"([a-z0-9_]+)"', MEDIA_SETTINGS_SOURCE.read_text())
    assert "s3_bucket" in media_keys and "media_max_image_mb" in media_keys
    return {f"FEDCOP_{key.upper()}" for key in [*keys, *media_keys]}


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def fedcop_command(words: list[str]) -> None:
    """The words after `fedcop` parse as a real command line of this version."""
    build_parser().parse_args(words)


def test_compose_runs_postgres_web_worker_and_caddy() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "web", "worker", "caddy"}

    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:")
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])

    web, worker = services["web"], services["worker"]
    assert web["command"] == ["serve", "--no-workers"]
    assert worker["command"] == ["worker"]
    for service in (web, worker):
        fedcop_command(service["command"])
        assert service["env_file"] == ".env"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["environment"]["FEDCOP_DATABASE_URL"].startswith("postgresql://")
    assert "/readyz" in " ".join(web["healthcheck"]["test"])
    assert worker["healthcheck"] == {"disable": True}  # no HTTP in a worker

    caddy = services["caddy"]
    assert caddy["image"].startswith("caddy:")
    assert "443:443" in caddy["ports"]
    assert "./caddy/Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    # fedcop trusts exactly Caddy's forwarded headers
    caddy_address = caddy["networks"]["default"]["ipv4_address"]
    assert web["environment"]["FEDCOP_TRUSTED_PROXIES"] == caddy_address


def test_the_image_is_multi_stage_non_root_and_checks_healthz() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    instructions = [line.split(None, 1) for line in dockerfile.splitlines() if line[:1].isalpha()]
    stages = [args for word, args in instructions if word == "FROM"]
    assert len(stages) >= 2 and " AS build" in stages[0]
    users = [args.strip() for word, args in instructions if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert "bdist_wheel" in dockerfile or "build --wheel" in dockerfile
    assert "/healthz" in dockerfile.split("HEALTHCHECK", 1)[1].split("\n\n")[0]
    entrypoint = [args for word, args in instructions if word in ("ENTRYPOINT", "CMD")]
    assert entrypoint == ['["fedcop"]', '["serve"]']


def test_the_env_file_documents_every_setting_and_no_other() -> None:
    text = (DEPLOY / ".env.example").read_text()
    documented = set(re.findall(r"^#? ?(FEDCOP_[A-Z0-9_]+)=", text, re.MULTILINE))
    assert documented == config_variables()
    # and the compose file's own variables are there too
    for name in ("SITE_DOMAIN", "POSTGRES_PASSWORD", "ACME_EMAIL"):
        assert re.search(rf"^{name}=", text, re.MULTILINE)


def test_the_operators_guide_lists_every_setting() -> None:
    guide = (DEPLOY / "README.md").read_text()
    for name in config_variables():
        assert f"`{name}`" in guide, name
    assert "advisory lock" in guide
    assert "fedcop admin backup" in guide and "fedcop admin restore" in guide


def unit(path: Path) -> dict[str, list[str]]:
    """A unit file's [Service] keys, each with all its values (keys may repeat)."""
    values: dict[str, list[str]] = {}
    section = ""
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
            continue
        if section == "[Service]":
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


@pytest.mark.parametrize(
    ("name", "command"),
    [("fedcop-web.service", "serve --no-workers"), ("fedcop-worker.service", "worker")],
)
def test_systemd_units_are_sandboxed(name: str, command: str) -> None:
    service = unit(DEPLOY / "systemd" / name)
    for key, value in SANDBOXING.items():
        assert value in service.get(key, []), f"{name}: {key}={value} missing"
    assert service["User"] == ["fedcop"]
    exec_start = shlex.split(service["ExecStart"][0])
    assert exec_start[0].endswith("/fedcop") and " ".join(exec_start[1:]) == command
    fedcop_command(exec_start[1:])
    assert service["EnvironmentFile"] == ["/etc/fedcop/fedcop.env"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
@pytest.mark.parametrize("name", ["fedcop-web.service", "fedcop-worker.service"])
def test_systemd_analyze_verifies_the_units(tmp_path: Path, name: str) -> None:
    # The unit as installed, with this machine's fedcop and the sample environment file.
    fedcop = Path(sys.executable).parent / "fedcop"
    text = (DEPLOY / "systemd" / name).read_text()
    text = text.replace("/opt/fedcop/venv/bin/fedcop", str(fedcop))
    text = text.replace("/etc/fedcop/fedcop.env", str(DEPLOY / "systemd" / "fedcop.env"))
    (tmp_path / name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / name)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert name not in result.stdout + result.stderr  # no warning about our unit


def test_the_systemd_environment_file_names_real_settings() -> None:
    text = (DEPLOY / "systemd" / "fedcop.env").read_text()
    named = set(re.findall(r"^#? ?(FEDCOP_[A-Z_]+)=", text, re.MULTILINE))
    assert named and named <= config_variables()


def test_the_proxy_samples_keep_host_and_forward_the_client() -> None:
    nginx = (DEPLOY / "nginx" / "fedcop.conf").read_text()
    for directive in (
        "proxy_set_header Host $host;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "client_max_body_size",
        "proxy_pass http://fedcop;",
    ):
        assert directive in nginx
    caddy = (DEPLOY / "caddy" / "Caddyfile").read_text()
    assert "reverse_proxy web:8080" in caddy
    assert "max_size" in caddy
    assert "{$SITE_DOMAIN}" in caddy


@pytest.mark.skipif(
    nginx_binary() is None,
    reason="needs nginx: tests/install-system-packages.sh installs nginx-light",
)
def test_nginx_accepts_the_sample_configuration(tmp_path: Path) -> None:
    # The sample as an operator installs it, with a test certificate in place of certbot's
    ca = trustme.CA()
    issued = ca.issue_cert("cop.example.org")
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    cert.write_bytes(b"".join(blob.bytes() for blob in issued.cert_chain_pems))
    key.write_bytes(issued.private_key_pem.bytes())
    sample = (DEPLOY / "nginx" / "fedcop.conf").read_text()
    sample = sample.replace("/etc/letsencrypt/live/cop.example.org/fullchain.pem", str(cert))
    sample = sample.replace("/etc/letsencrypt/live/cop.example.org/privkey.pem", str(key))
    (tmp_path / "fedcop.conf").write_text(sample)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nevents {{}}\n"
        f"http {{ access_log off; include {tmp_path}/fedcop.conf; }}\n"
    )
    result = subprocess.run(
        [
            str(nginx_binary()),
            "-t",
            "-p",
            str(tmp_path),
            "-c",
            str(tmp_path / "nginx.conf"),
            "-e",
            str(tmp_path / "error.log"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
