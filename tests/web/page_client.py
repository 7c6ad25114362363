"""A person's browser, as far as plain HTTP goes: cookies, pages, and posting their forms."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import requests

_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')


class PageClient:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.http = requests.Session()
        self.http.headers["User-Agent"] = "wikiupload-tests/1.0"

    def close(self) -> None:
        self.http.close()

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """GET a path of the wiki (or an absolute URL, as pages give for files)."""
        url = path if path.startswith(("http://", "https://")) else self.base + path
        return self.http.get(url, timeout=60, allow_redirects=False, **kwargs)

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> requests.Response:
        return self.http.post(self.base + path, data=data, timeout=60, allow_redirects=False,
                              **kwargs)

    def api(self, method: str = "GET", files: dict[str, Any] | None = None,
            **params: Any) -> dict[str, Any]:
        params = {"format": "json", **params}
        url = f"{self.base}/api.php"
        if method == "GET":
            reply = self.http.get(url, params=params, timeout=60)
        elif files:
            parts = {k: (None, str(v)) for k, v in params.items()}
            parts.update(files)
            reply = self.http.post(url, files=parts, timeout=60)
        else:
            reply = self.http.post(url, data=params, timeout=60)
        return reply.json()  # type: ignore[no-any-return]

    def login(self, name: str, password: str) -> requests.Response:
        """Log in through Special:UserLogin, as a person does."""
        page = self.get("/wiki/Special:UserLogin")
        fields = hidden_fields(page.text)
        fields.update(wpName=name, wpPassword=password)
        reply = self.post("/wiki/Special:UserLogin", fields)
        assert reply.status_code == 303, reply.text
        return reply

    def user_name(self) -> str:
        info = self.api(action="query", meta="userinfo")["query"]["userinfo"]
        return str(info["name"]) if "anon" not in info else ""

    def csrf(self) -> str:
        reply = self.api(action="query", meta="tokens", type="csrf")
        return str(reply["query"]["tokens"]["csrftoken"])


def hidden_fields(page: str) -> dict[str, str]:
    """Hidden inputs of a page (name -> value), as a browser would send them."""
    found: dict[str, str] = {}
    for tag in _INPUT.findall(page):
        attrs = {k.lower(): html.unescape(v) for k, v in _ATTR.findall(tag)}
        if attrs.get("type") == "hidden" and "name" in attrs:
            found[attrs["name"]] = attrs.get("value", "")
    return found


def upload_config(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="upload-config">(.*?)</script>',
                      page, re.DOTALL)
    assert match is not None, "no upload configuration on the page"
    return json.loads(match.group(1))  # type: ignore[no-any-return]
