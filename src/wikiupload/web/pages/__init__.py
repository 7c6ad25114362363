"""The wiki's pages for people: upload, log in and out, file pages, lists and logs.

Every page is drawn from api.php answers (run in-process with the visitor's cookies), and
every change a page makes goes through api.php too, with the visitor's token.
"""

from __future__ import annotations

from starlette.routing import Route

from wikiupload.config import Settings
from wikiupload.web.pages.dispatch import index_endpoint, page_endpoint
from wikiupload.web.pages.render import STATIC_PREFIX
from wikiupload.web.pages.static import static_file

__all__ = ["page_routes"]

_METHODS = ["GET", "HEAD", "POST"]


def page_routes(settings: Settings) -> list[Route]:
    """Routes of the pages and their static files; add them after the file-serving routes."""
    script = settings.script_path.rstrip("/")
    index_paths = list(dict.fromkeys([f"{script}/index.php", "/index.php"]))
    routes = [Route(f"{STATIC_PREFIX}/{{name}}", static_file, methods=["GET", "HEAD"])]
    article = settings.article_path
    if article.startswith("/") and article.endswith("$1") and article.count("$1") == 1 \
            and "?" not in article:
        routes.append(Route(article.replace("$1", "{title:path}"), page_endpoint,
                            methods=_METHODS))
    for path in index_paths:
        routes.append(Route(path, index_endpoint, methods=_METHODS))
        routes.append(Route(f"{path}/{{title:path}}", page_endpoint, methods=_METHODS))
    return routes
