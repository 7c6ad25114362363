"""create_app(settings) -> the ASGI application; wiring only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import Route

from wikiupload.config import Settings
from wikiupload.web.api_endpoint import api_endpoint
from wikiupload.web.files import serve_file
from wikiupload.web.pages import page_routes
from wikiupload.web.stash_files import stash_routes
from wikiupload.wiki import Wiki


def create_app(settings: Settings, wiki: Wiki | None = None) -> Starlette:
    wiki = wiki or Wiki.open(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        wiki.close()

    methods = ["GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"]
    script = settings.script_path.rstrip("/")
    paths = dict.fromkeys([f"{script}/api.php", "/api.php", "/w/api.php"])
    routes = [Route(path, api_endpoint, methods=methods) for path in paths]
    if settings.upload_path.startswith("/"):
        routes.append(Route(f"{settings.upload_path.rstrip('/')}/{{path:path}}", serve_file,
                            methods=["GET", "HEAD"]))
    routes.extend(stash_routes(settings))
    routes.extend(page_routes(settings))   # after the file routes: it has catch-alls
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.wiki = wiki
    return app
