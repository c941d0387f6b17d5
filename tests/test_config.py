"""Configuration: variables, flags winning over them, and refusals that say what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from fedcop.config import ConfigError, load_config


def test_defaults_are_for_local_use() -> None:
    config = load_config({}, environ={})
    assert config.base_url == "http://localhost:8080"
    assert config.base_url_given is False
    assert (config.host, config.port) == ("127.0.0.1", 8080)
    assert config.data_dir == Path("fedcop-data").absolute()
    assert config.database_url is None
    assert config.allow_private_addresses is False
    assert config.domain == "localhost:8080"


def test_default_base_url_follows_the_port() -> None:
    assert load_config({"port": 9000}, environ={}).base_url == "http://localhost:9000"


def test_environment_is_read() -> None:
    config = load_config(
        {},
        environ={
            "FEDCOP_BASE_URL": "https://CoP.Example.org/",
            "FEDCOP_HOST": "0.0.0.0",
            "FEDCOP_PORT": "9001",
            "FEDCOP_DATA_DIR": "/srv/fedcop",
            "FEDCOP_DATABASE_URL": "postgresql://db/fedcop",
            "FEDCOP_ALLOW_PRIVATE_ADDRESSES": "yes",
            "FEDCOP_AUTHORIZED_FETCH": "on",
            "FEDCOP_NODE_NAME": "City Libraries",
        },
    )
    assert config.base_url == "https://cop.example.org"
    assert config.base_url_given is True
    assert config.domain == "cop.example.org"
    assert (config.host, config.port) == ("0.0.0.0", 9001)
    assert config.data_dir == Path("/srv/fedcop")
    assert config.database_url == "postgresql://db/fedcop"
    assert config.allow_private_addresses is True
    assert config.authorized_fetch is True
    assert config.node_name == "City Libraries"


def test_flags_win_over_variables() -> None:
    environ = {
        "FEDCOP_BASE_URL": "https://a.example",
        "FEDCOP_PORT": "9001",
        "FEDCOP_DATA_DIR": "/a",
        "FEDCOP_ALLOW_PRIVATE_ADDRESSES": "false",
    }
    config = load_config(
        {
            "base_url": "https://b.example",
            "port": 9002,
            "data_dir": "/b",
            "allow_private_addresses": True,
        },
        environ=environ,
    )
    assert config.base_url == "https://b.example"
    assert config.port == 9002
    assert config.data_dir == Path("/b")
    assert config.allow_private_addresses is True


def test_a_flag_not_given_leaves_the_variable_in_force() -> None:
    config = load_config(
        {"port": None, "allow_private_addresses": None},
        environ={"FEDCOP_PORT": "9003", "FEDCOP_ALLOW_PRIVATE_ADDRESSES": "1"},
    )
    assert config.port == 9003
    assert config.allow_private_addresses is True


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"FEDCOP_BASE_URL": "cop.example.org"}, "not an http(s) URL"),
        ({"FEDCOP_BASE_URL": "https://"}, "not an http(s) URL"),
        ({"FEDCOP_BASE_URL": "https://a.example/x"}, "root of its domain"),
        ({"FEDCOP_BASE_URL": "https://a.example/?q=1"}, "root of its domain"),
        ({"FEDCOP_PORT": "0"}, "not a port number"),
        ({"FEDCOP_PORT": "70000"}, "not a port number"),
        ({"FEDCOP_AUTHORIZED_FETCH": "sometimes"}, "not a yes/no value"),
        ({"FEDCOP_CONTACT_EMAIL": "nobody"}, "not an email address"),
    ],
)
def test_bad_values_are_refused_with_a_reason(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config({}, environ=environ)


def test_the_contact_address_is_configured_or_the_postmaster() -> None:
    environ = {"FEDCOP_BASE_URL": "https://cop.example.org:8443"}
    assert load_config({}, environ=environ).contact_address == "postmaster@cop.example.org"
    environ["FEDCOP_CONTACT_EMAIL"] = "stewards@example.org"
    assert load_config({}, environ=environ).contact_address == "stewards@example.org"
