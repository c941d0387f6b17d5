"""Logs an operator reads: one line per event, JSON lines on request, a request id on each, and
never a secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from fedcop.observability.logs import setup_logging
from tests.processes import Serve, clean_env

SECRETS = ("Bearer-secret-token-4711", "cookie-secret-0815", "query-secret-42")


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """fedcop's real log set-up, writing into a buffer; the test runner's set-up is put back."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    buffer = io.StringIO()
    setup_logging("info", "json", stream=buffer)
    try:
        yield buffer
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])


def json_lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


async def test_every_request_is_one_json_line_with_its_id_and_no_secret(
    captured: io.StringIO, client: httpx.AsyncClient
) -> None:
    # Given requests carrying a bearer token, a session cookie and a token in the query
    headers = {
        "Authorization": f"Bearer {SECRETS[0]}",
        "Cookie": f"fedcop_session={SECRETS[1]}",
        "Content-Type": "application/activity+json",
    }
    page = await client.get(f"/c/nobody?access_token={SECRETS[2]}", headers=headers)
    inbox = await client.post("/inbox", content=b"{}", headers=headers)  # refused: unsigned
    assert (page.status_code, inbox.status_code) == (404, 401)

    lines = json_lines(captured)
    # Then each request has one access line, with the id the response carried
    access = {line["request_id"]: line for line in lines if line["logger"] == "fedcop.access"}
    for response, path in ((page, "/c/nobody"), (inbox, "/inbox")):
        line = access[response.headers["x-request-id"]]
        assert {"time", "level", "logger", "message"} <= line.keys()
        assert (line["path"], line["status"]) == (path, response.status_code)
        assert line["route"] in ("/c/{name}", "/inbox")
    # and what the inbox logged while handling its request carries the same id
    refused = [line for line in lines if line["message"].startswith("inbox refused")]
    assert refused and refused[0]["request_id"] == inbox.headers["x-request-id"]
    # and no secret reached the log
    text = captured.getvalue()
    for secret in SECRETS:
        assert secret not in text
    assert "fedcop_session" not in text


def test_extra_fields_named_like_secrets_are_redacted(captured: io.StringIO) -> None:
    logging.getLogger("fedcop.test").info(
        "signed in", extra={"authorization": "Bearer abc", "user": "ana", "private_key_pem": "K"}
    )
    (line,) = json_lines(captured)
    assert line["user"] == "ana"
    assert line["authorization"] == "[redacted]"
    assert line["private_key_pem"] == "[redacted]"
    assert line["request_id"] is None


def test_text_lines_carry_the_request_id() -> None:
    buffer = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        setup_logging("info", "text", stream=buffer)
        from fedcop.observability.logs import request_id

        token = request_id.set("abc123")
        logging.getLogger("fedcop.test").warning("queue %s is slow", "deliveries")
        request_id.reset(token)
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
    (line,) = buffer.getvalue().splitlines()
    assert line.endswith("WARNING fedcop.test [abc123] queue deliveries is slow")


def test_serve_writes_nothing_but_json_lines(tmp_path: Path) -> None:
    # Given a real `fedcop serve` told to log JSON
    node = Serve(tmp_path / "data", env=clean_env(FEDCOP_LOG_FORMAT="json"))
    try:
        node.wait_ready()
        answer = node.get("/healthz", headers={"Authorization": f"Bearer {SECRETS[0]}"})
        assert answer.status_code == 200
        node.get("/c/nobody")
    finally:
        assert node.stop() == 0
    # Then every line it wrote, uvicorn's and fedcop's, start to stop, is a JSON object
    output = node.log.read_text().splitlines()
    assert output
    lines = [json.loads(line) for line in output]
    assert any(line["logger"].startswith("uvicorn") for line in lines)
    assert any(line.get("path") == "/c/nobody" and line["status"] == 404 for line in lines)
    assert SECRETS[0] not in node.log.read_text()
