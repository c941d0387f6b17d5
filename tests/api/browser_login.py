"""Signing in on the authorization page the way a person does in a browser: open the page the
app sent them to, fill in name and password, press Authorize, read the code (out of band) or the
redirect.

It reads the page's form rather than knowing its field names, so it tests the page as served.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, object]] = []
        self._current: dict[str, object] | None = None
        self._in_code = False
        self.code: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._current = {"action": found.get("action", ""), "inputs": [], "buttons": []}
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None:
            inputs = self._current["inputs"]
            assert isinstance(inputs, list)
            inputs.append(found)
        elif tag == "button" and self._current is not None:
            buttons = self._current["buttons"]
            assert isinstance(buttons, list)
            buttons.append(found)
        elif tag == "code" and found.get("id") == "authorization-code":
            self._in_code = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None
        elif tag == "code":
            self._in_code = False

    def handle_data(self, data: str) -> None:
        if self._in_code and data.strip():
            self.code = data.strip()


def authorize(
    http: httpx.Client, url: str, name: str, password: str, *, approve: bool = True
) -> httpx.Response:
    """Open the authorization page at `url`, sign in and approve (or deny); the response to the
    form's submission (not followed if it redirects)."""
    page = http.get(url)
    assert page.status_code == 200, page.text
    parser = _Forms()
    parser.feed(page.text)
    forms = [
        form
        for form in parser.forms
        if any(
            isinstance(button, dict)
            for button in form["buttons"]  # type: ignore[union-attr]
        )
    ]
    assert forms, "the authorization page has no form with buttons"
    form = forms[-1]
    data: dict[str, str] = {}
    for field in form["inputs"]:  # type: ignore[union-attr]
        assert isinstance(field, dict)
        kind = field.get("type", "text")
        if kind == "password":
            data[field["name"]] = password
        elif kind in ("text", "email", "") and not field.get("value"):
            data[field["name"]] = name
        elif "name" in field and kind not in ("submit", "checkbox"):
            data[field["name"]] = field.get("value", "")
    wanted = "authorize" if approve else "deny"
    for button in form["buttons"]:  # type: ignore[union-attr]
        assert isinstance(button, dict)
        label = f"{button.get('name', '')} {button.get('value', '')}".lower()
        if wanted in label or (not approve and "reject" in label):
            if button.get("name"):
                data[button["name"]] = button.get("value", "")
            break
    action = urljoin(str(page.url), str(form["action"]) or str(page.url))
    return http.post(action, data=data)


def code_from(response: httpx.Response) -> str:
    """The authorization code: shown on the page (out of band) or in the redirect's query."""
    if response.status_code in (301, 302, 303, 307, 308):
        query = parse_qs(urlsplit(response.headers["location"]).query)
        return query["code"][0]
    assert response.status_code == 200, response.text
    parser = _Forms()
    parser.feed(response.text)
    assert parser.code, "the page shows no authorization code"
    return parser.code
