"""The pages' own script, style sheet and icon, served from the package's ``static/``."""

from __future__ import annotations

from functools import cache
from importlib import resources

from starlette.requests import Request
from starlette.responses import Response

__all__ = ["static_file"]

_TYPES = {
    "css": "text/css; charset=utf-8",
    "js": "text/javascript; charset=utf-8",
    "svg": "image/svg+xml",
    "png": "image/png",
}


@cache
def _files() -> dict[str, bytes]:
    folder = resources.files("wikiupload.web").joinpath("static")
    return {entry.name: entry.read_bytes() for entry in folder.iterdir()
            if entry.is_file() and entry.name.rpartition(".")[2] in _TYPES}


async def static_file(request: Request) -> Response:
    name = str(request.path_params.get("name", ""))
    data = _files().get(name)
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=300"}
    if data is None:
        return Response(b"Not Found\n", 404, headers, media_type="text/plain")
    if name.endswith(".svg"):
        headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return Response(data, 200, headers, media_type=_TYPES[name.rpartition(".")[2]])
