"""meta=siteinfo: general site data, namespaces, groups, statistics... (ApiQuerySiteinfo)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import func, or_, select

from wikiupload import MEDIAWIKI_COMPAT_VERSION
from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.output import Fv1Bool
from wikiupload.api.params import Param
from wikiupload.api.query import QuerySubmodule
from wikiupload.auth.users import IMPLICIT_USER_GROUPS
from wikiupload.db.models import Page, Revision, User, UserGroup
from wikiupload.i18n.messages import available_languages, language_name
from wikiupload.titles import NAMESPACE_ALIASES, NAMESPACES, NS_FILE, namespace_name

# Default values of the MediaWiki settings behind fields this server has no setting for.
MAIN_PAGE = "Main Page"
THUMB_LIMITS = (120, 150, 180, 200, 250, 300)                       # $wgThumbLimits
IMAGE_LIMITS = ((320, 240), (640, 480), (800, 600), (1024, 768), (1280, 1024), (2560, 2048))
GALLERY_OPTIONS: dict[str, Any] = {                                  # $wgGalleryOptions
    "imagesPerRow": 0, "imageWidth": 120, "imageHeight": 120, "captionLength": True,
    "showBytes": True, "showDimensions": True, "mode": "traditional",
}
LEGAL_TITLE_CHARS = " %!\"$&'()*,\\-.\\/0-9:;=?@A-Z\\\\^_`a-z~\\x80-\\xFF+"
URL_PROTOCOLS = (                                                    # $wgUrlProtocols
    "bitcoin:", "ftp://", "ftps://", "geo:", "git://", "gopher://", "http://", "https://",
    "irc://", "ircs://", "magnet:", "mailto:", "matrix:", "mms://", "news:", "nntp://",
    "redis://", "sftp://", "sip:", "sips:", "sms:", "ssh://", "svn://", "tel:", "telnet://",
    "urn:", "worldwind://", "xmpp:", "//",
)
SPECIAL_PAGE_ALIASES = (
    ("Userlogin", ("UserLogin", "Login")), ("Userlogout", ("UserLogout", "Logout")),
    ("BotPasswords", ("BotPasswords",)), ("Listusers", ("ListUsers", "UserList", "Users")),
    ("Log", ("Log", "Logs")), ("Listfiles", ("ListFiles", "FileList", "ImageList")),
    ("FilePath", ("FilePath",)), ("Upload", ("Upload",)), ("UploadStash", ("UploadStash",)),
    ("Statistics", ("Statistics", "Stats")), ("Version", ("Version",)),
    ("ApiHelp", ("ApiHelp",)),
)
RESTRICTIONS = {
    "types": ["create", "edit", "move", "upload"], "levels": ["", "autoconfirmed", "sysop"],
    "cascadinglevels": ["sysop"], "semiprotectedlevels": ["autoconfirmed"],
}
UPLOAD_DIALOG: dict[str, Any] = {                                    # $wgUploadDialog
    "fields": {"description": True, "date": False, "categories": False},
    "licensemessages": {"local": "generic-local", "foreign": "generic-foreign"},
    "comment": {"local": "", "foreign": ""},
    "format": {"filepage": "$DESCRIPTION", "description": "$TEXT", "ownwork": "",
               "license": "", "uncategorized": ""},
}
NAMESPACE_PROTECTION = {8: "editinterface"}                          # $wgNamespaceProtection
EMPTY_LIST_PROPS = ("extensions", "magicwords", "interwikimap", "libraries", "extensiontags",
                    "functionhooks", "showhooks", "skins", "variables")
EMPTY_MAP_PROPS = ("languagevariants", "defaultoptions")


def _server(ctx: ApiContext) -> str:
    return str(ctx.settings.base_url)


def _db_facts(ctx: ApiContext) -> tuple[str, str]:
    dialect = ctx.db.get_bind().dialect
    name = "postgres" if dialect.name == "postgresql" else dialect.name
    if dialect.name == "sqlite":
        return name, sqlite3.sqlite_version
    info = dialect.server_version_info or ()
    return name, ".".join(str(part) for part in info)


def _site_identity(ctx: ApiContext) -> dict[str, Any]:
    settings = ctx.settings
    server = _server(ctx)
    article_path = str(settings.article_path)
    dbtype, dbversion = _db_facts(ctx)
    return {
        "mainpage": MAIN_PAGE,
        "base": server + article_path.replace("$1", MAIN_PAGE.replace(" ", "_")),
        "sitename": settings.sitename,
        "mainpageisdomainroot": False,
        "logo": f"{server}{settings.script_path}/resources/assets/change-your-logo.svg",
        "generator": f"MediaWiki {MEDIAWIKI_COMPAT_VERSION}",
        "dbtype": dbtype,
        "dbversion": dbversion,
        "imagewhitelistenabled": False,
        "langconversion": True,
        "linkconversion": True,
        "titleconversion": True,
        "linkprefixcharset": "",
        "linkprefix": "",
        "linktrail": "/^([a-z]+)(.*)$/sD",
        "legaltitlechars": LEGAL_TITLE_CHARS,
        "invalidusernamechars": "@:>",
        "allunicodefixes": False,
        "fixarabicunicode": True,
        "fixmalayalamunicode": True,
    }


def _site_language_and_paths(ctx: ApiContext) -> dict[str, Any]:
    settings = ctx.settings
    server = _server(ctx)
    return {
        "case": "first-letter",
        "lang": settings.language_code,
        "fallback": [],
        "rtl": False,
        "fallback8bitEncoding": "windows-1252",
        "readonly": False,
        "writeapi": True,
        "maxarticlesize": 2097152,
        "timezone": "UTC",
        "timeoffset": 0,
        "articlepath": settings.article_path,
        "scriptpath": settings.script_path,
        "script": f"{settings.script_path}/index.php",
        "variantarticlepath": Fv1Bool(False),
        "server": server,
        "servername": urlparse(server).hostname or "",
        "wikiid": settings.wiki_id,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "misermode": False,
    }


def _site_uploads(ctx: ApiContext) -> dict[str, Any]:
    settings = ctx.settings
    thumbs: Any = list(THUMB_LIMITS)
    images: Any = [{"width": w, "height": h} for w, h in IMAGE_LIMITS]
    magic: Any = {"ISBN": False, "PMID": False, "RFC": False}
    if ctx.fv2:   # PHP lists with holes come out as objects in formatversion 2
        thumbs = {str(i): v for i, v in enumerate(thumbs)}
        images = {str(i): v for i, v in enumerate(images)}
    else:
        magic = []
    return {
        "uploadsenabled": bool(settings.enable_uploads),
        "maxuploadsize": settings.max_upload_size,
        "minuploadchunksize": settings.min_upload_chunk_size,
        "galleryoptions": dict(GALLERY_OPTIONS),
        "thumblimits": thumbs,
        "imagelimits": images,
        "favicon": f"{_server(ctx)}/favicon.ico",
        "centralidlookupprovider": "local",
        "allcentralidlookupproviders": ["local"],
        "interwikimagic": True,
        "magiclinks": magic,
        "categorycollation": "uppercase",
        "nofollowlinks": True,
        "nofollownsexceptions": [],
        "nofollowdomainexceptions": ["mediawiki.org"],
        "externallinktarget": False,
    }


def general(ctx: ApiContext) -> dict[str, Any]:
    return {**_site_identity(ctx), **_site_language_and_paths(ctx), **_site_uploads(ctx)}


def namespaces(ctx: ApiContext) -> dict[str, Any]:
    site = ctx.settings.sitename
    out: dict[str, Any] = {}
    for ns in NAMESPACES:
        name = namespace_name(ns.id, site)
        entry: dict[str, Any] = {"id": ns.id, "case": ns.case}
        if ctx.fv2:
            entry["name"] = name
        entry["subpages"] = ns.subpages
        if ns.id != 0:
            entry["canonical"] = ns.canonical
        entry.update({"content": ns.content, "nonincludable": False})
        if ns.id in NAMESPACE_PROTECTION:
            entry["namespaceprotection"] = NAMESPACE_PROTECTION[ns.id]
        if not ctx.fv2:
            entry["*"] = name
        out[str(ns.id)] = entry
    return out


def namespace_aliases(ctx: ApiContext) -> list[dict[str, Any]]:
    key = "alias" if ctx.fv2 else "*"
    return [{"id": ns, key: alias} for alias, ns in NAMESPACE_ALIASES]


def special_page_aliases(ctx: ApiContext) -> list[dict[str, Any]]:
    return [{"realname": real, "aliases": list(aliases)}
            for real, aliases in SPECIAL_PAGE_ALIASES]


def file_extensions(ctx: ApiContext) -> list[dict[str, str]]:
    return [{"ext": ext} for ext in ctx.settings.file_extensions]


def _group_size(ctx: ApiContext, group: str) -> int:
    if group == "user":
        return int(ctx.db.scalar(select(func.count()).select_from(User)) or 0)
    now = datetime.now(UTC)
    query = select(func.count()).select_from(UserGroup).where(
        UserGroup.group == group, or_(UserGroup.expiry.is_(None), UserGroup.expiry > now))
    return int(ctx.db.scalar(query) or 0)


def user_groups(ctx: ApiContext, with_numbers: bool) -> list[dict[str, Any]]:
    out = []
    for group, rights in ctx.settings.rights_of_groups().items():
        entry: dict[str, Any] = {"name": group,
                                 "rights": [right for right, on in rights.items() if on]}
        if with_numbers and (group not in IMPLICIT_USER_GROUPS or group == "user"):
            entry["number"] = _group_size(ctx, group)
        out.append(entry)
    return out


def languages(ctx: ApiContext) -> list[dict[str, Any]]:
    """The languages that have a message catalogue (usable as uselang/errorlang), each
    named in itself, sorted by code."""
    key = "name" if ctx.fv2 else "*"
    return [{"code": code, "bcp47": code, key: language_name(code)}
            for code in available_languages()]


def _count_images(ctx: ApiContext) -> int:
    try:
        from wikiupload.db.file_models import Image
    except ImportError:   # no file tables: count file description pages instead
        query = select(func.count()).select_from(Page).where(Page.namespace == NS_FILE)
        return int(ctx.db.scalar(query) or 0)
    return int(ctx.db.scalar(select(func.count()).select_from(Image)) or 0)


def statistics(ctx: ApiContext) -> dict[str, int]:
    db = ctx.db

    def count(query: Any) -> int:
        return int(db.scalar(query) or 0)

    month_ago = datetime.now(UTC) - timedelta(days=30)
    active = select(func.count(func.distinct(Revision.user_id))).where(
        Revision.user_id != 0, Revision.timestamp >= month_ago)
    return {
        "pages": count(select(func.count()).select_from(Page)),
        "articles": count(select(func.count()).select_from(Page).where(Page.namespace == 0)),
        "edits": count(select(func.count()).select_from(Revision)),
        "images": _count_images(ctx),
        "users": count(select(func.count()).select_from(User)),
        "activeusers": count(active),
        "admins": _group_size(ctx, "sysop"),
        "jobs": 0,
    }


def _fixed(value: Any) -> Callable[[ApiContext], Any]:
    def produce(ctx: ApiContext) -> Any:
        return value() if callable(value) else value
    return produce


PROPS: dict[str, Callable[[ApiContext], Any]] = {
    "general": general,
    "namespaces": namespaces,
    "namespacealiases": namespace_aliases,
    "specialpagealiases": special_page_aliases,
    "fileextensions": file_extensions,
    "languages": languages,
    "statistics": statistics,
    "rightsinfo": _fixed(lambda: {"url": "", "text": ""}),
    "restrictions": _fixed(lambda: {k: list(v) for k, v in RESTRICTIONS.items()}),
    "dbrepllag": _fixed(lambda: [{"host": "", "lag": -1}]),
    "protocols": _fixed(lambda: list(URL_PROTOCOLS)),
    "uploaddialog": _fixed(lambda: {k: dict(v) for k, v in UPLOAD_DIALOG.items()}),
    **{name: _fixed(list) for name in EMPTY_LIST_PROPS},
    **{name: _fixed(dict) for name in EMPTY_MAP_PROPS},
}
PROP_NAMES = tuple(sorted([*PROPS, "usergroups"]))


@registry.register
class SiteInfoModule(QuerySubmodule):
    name = "siteinfo"
    group = "meta"
    prefix = "si"
    class_name = "ApiQuerySiteinfo"
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Siteinfo"
    description = "Return general information about the site."
    params = (
        Param("prop", PROP_NAMES, default="general", multi=True,
              help="Which information to get: general site data, namespaces, namespace "
                   "aliases, user groups and their rights, file extensions allowed for "
                   "uploads, site statistics, and more."),
        Param("filteriw", ("!local", "local"),
              help="Return only local or only nonlocal entries of the interwiki map."),
        Param("showalldb", "boolean", default=False,
              help="List all database servers, not just the one lagging the most."),
        Param("numberingroup", "boolean", default=False,
              help="Lists the number of users in user groups."),
        Param("inlanguagecode", "string",
              help="Language code for localised language names and skin names."),
    )
    examples = (
        ("action=query&meta=siteinfo&siprop=general|namespaces|namespacealiases|statistics",
         "Fetch site information."),
        ("action=query&meta=siteinfo&siprop=usergroups&sinumberingroup=1",
         "Fetch a list of user groups with the number of their members."),
        ("action=query&meta=siteinfo&siprop=fileextensions",
         "Fetch the file extensions allowed for uploads."),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        out = self.state(ctx).out
        for prop in params["prop"]:
            if prop == "usergroups":
                out[prop] = user_groups(ctx, params["numberingroup"])
            else:
                out[prop] = PROPS[prop](ctx)


__all__ = ["PROPS", "SiteInfoModule", "general", "namespaces"]
