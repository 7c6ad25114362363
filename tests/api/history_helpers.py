"""Helpers for the delete/undelete/filerevert/logevents tests: versions uploaded over HTTP."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import requests

from tests import media_samples as media
from tests.support import ApiClient
from wikiupload.filerepo.repo import FileRepo, sha1_base36
from wikiupload.wiki import Wiki

ADMINS_ONLY = ("The action you have requested is limited to users in the group: "
               "[[RefWiki:Administrators|Administrators]].")
UPLOADERS_ONLY = ("The action you have requested is limited to users in one of the groups: "
                  "[[RefWiki:Administrators|Administrators]], uploader.")


def upload_versions(client: ApiClient, name: str, count: int) -> list[bytes]:
    """Upload ``count`` versions of ``name`` (comments v1, v2, ...); returns their bytes."""
    versions = []
    for number in range(1, count + 1):
        data = media.png(f"{name}-v{number}", width=8 + number, height=8)
        reply = client.upload(name, data, "image/png", comment=f"v{number}",
                              ignorewarnings="1")
        assert reply.get("upload", {}).get("result") == "Success", reply
        versions.append(data)
    return versions


def history(client: ApiClient, name: str,
            props: str = "timestamp|user|comment|sha1|size|archivename|url") -> Any:
    """prop=imageinfo for every version of ``File:name`` (formatversion=2 page)."""
    reply = client.get(action="query", prop="imageinfo", titles=f"File:{name}", iilimit="50",
                       iiprop=props, formatversion="2")
    return reply["query"]["pages"][0]


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def served(url: str) -> requests.Response:
    return requests.get(url, timeout=10)


def deleted_object(repo: FileRepo, data: bytes, name: str) -> str:
    return repo.deleted_path(repo.deleted_key(sha1_base36(sha1(data)), name))


def log_events(client: ApiClient, **params: Any) -> list[dict[str, Any]]:
    reply = client.get(action="query", list="logevents", formatversion="2", **params)
    assert "error" not in reply, reply
    return reply["query"]["logevents"]  # type: ignore[no-any-return]


def delete(admin: ApiClient, title: str, **params: Any) -> dict[str, Any]:
    return admin.post(action="delete", title=title, token=admin.csrf, **params)


def undelete(admin: ApiClient, title: str, **params: Any) -> dict[str, Any]:
    return admin.post(action="undelete", title=title, token=admin.csrf, **params)


def page_id(wiki: Wiki, title: str) -> int | None:
    from wikiupload.pages import find_page
    from wikiupload.titles import parse_title

    with wiki.db() as db:
        page = find_page(db, parse_title(title, site_name=wiki.settings.sitename))
        return page.id if page is not None else None


def edit_at(wiki: Wiki, title: str, text: str, comment: str, user: str,
            when: datetime) -> str:
    """Save a revision with a chosen timestamp; returns it in the API's format."""
    from sqlalchemy import select

    from wikiupload.db.models import User
    from wikiupload.pages import save_page
    from wikiupload.timestamps import iso as iso_timestamp
    from wikiupload.titles import parse_title

    with wiki.db() as db:
        author = db.scalars(select(User).where(User.name == user)).one()
        save_page(db, parse_title(title, site_name=wiki.settings.sitename), text, comment,
                  author, timestamp=when)
        stamp = iso_timestamp(when)
        db.commit()
    return stamp
