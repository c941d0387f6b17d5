"""Paths no route serves: a page for a browser, Mastodon's error shape for an app, plain text
for anyone else; a wrong method keeps its Allow header."""

from __future__ import annotations

import httpx


async def test_a_browser_gets_a_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "There is no such page here." in response.text
    assert '<html lang="' in response.text


async def test_an_app_gets_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/no_such_endpoint")
    assert response.status_code == 404
    assert response.json() == {"error": "Record not found"}
    wrong = await client.delete("/api/v1/instance")
    assert wrong.status_code == 405
    assert wrong.json() == {"error": "Method not allowed"}
    assert "GET" in wrong.headers["allow"]


async def test_others_get_plain_text(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/thing", headers={"Accept": "application/activity+json"})
    assert response.status_code == 404
    assert response.text == "Not Found"
    wrong = await client.get("/inbox")
    assert wrong.status_code == 405
    assert "POST" in wrong.headers["allow"]
