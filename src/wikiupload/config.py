"""Settings: one frozen dataclass, read from defaults, a TOML file and ``WIKIUPLOAD_*`` variables.

This is the only module that reads ``os.environ``. Each setting names the MediaWiki
configuration variable it corresponds to, so an administrator coming from MediaWiki finds it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PREFIX = "WIKIUPLOAD_"

# $wgGroupPermissions defaults for the rights this server knows about (MainConfigSchema.php).
DEFAULT_GROUP_PERMISSIONS: dict[str, dict[str, bool]] = {
    "*": {
        "createaccount": True, "read": True, "edit": True, "createpage": True,
        "createtalk": True, "writeapi": True, "viewmywatchlist": True,
        "editmywatchlist": True, "viewmyprivateinfo": True, "editmyprivateinfo": True,
        "editmyoptions": True,
    },
    "user": {
        "move": True, "move-subpages": True, "move-rootuserpages": True,
        "move-categorypages": True, "movefile": True, "read": True, "edit": True,
        "createpage": True, "createtalk": True, "upload": True, "reupload": True,
        "reupload-shared": True, "minoredit": True, "editmyusercss": True,
        "editmyuserjson": True, "editmyuserjs": True, "editmyuserjsredirect": True,
        "purge": True, "sendemail": True, "applychangetags": True, "changetags": True,
        "editcontentmodel": True, "writeapi": True,
    },
    "autoconfirmed": {"autoconfirmed": True, "editsemiprotected": True},
    "bot": {
        "bot": True, "autoconfirmed": True, "editsemiprotected": True, "nominornewtalk": True,
        "autopatrol": True, "suppressredirect": True, "apihighlimits": True,
        "writeapi": True,
    },
    "sysop": {
        "block": True, "createaccount": True, "delete": True, "bigdelete": True,
        "deletedhistory": True, "deletedtext": True, "undelete": True, "browsearchive": True,
        "editinterface": True, "editsitejson": True, "edituserjson": True, "import": True,
        "importupload": True, "move": True, "move-subpages": True, "move-rootuserpages": True,
        "move-categorypages": True, "patrol": True, "autopatrol": True, "protect": True,
        "editprotected": True, "rollback": True, "upload": True, "reupload": True,
        "reupload-shared": True, "unwatchedpages": True, "autoconfirmed": True,
        "editsemiprotected": True, "ipblock-exempt": True, "blockemail": True,
        "markbotedits": True, "apihighlimits": True, "suppressredirect": True,
        "mergehistory": True, "managechangetags": True, "deletechangetags": True,
        "noratelimit": True, "deletelogentry": True, "deleterevision": True,
    },
    "interface-admin": {"editinterface": True, "editsitecss": True, "editsitejson": True,
                        "editsitejs": True, "editusercss": True, "edituserjson": True,
                        "edituserjs": True},
    "bureaucrat": {"userrights": True, "noratelimit": True, "renameuser": True},
    "suppress": {"hideuser": True, "suppressrevision": True, "viewsuppressed": True,
                 "suppressionlog": True, "deleterevision": True, "deletelogentry": True},
}

# $wgFileExtensions default, plus the formats this server can verify and describe.
DEFAULT_FILE_EXTENSIONS = ("png", "gif", "jpg", "jpeg", "webp")

# $wgProhibitedFileExtensions default.
DEFAULT_PROHIBITED_EXTENSIONS = (
    "html", "htm", "js", "jsb", "mhtml", "mht", "xhtml", "xht", "php", "phtml", "php3", "php4",
    "php5", "phps", "phar", "shtml", "jhtml", "pl", "py", "cgi", "exe", "scr", "dll", "msi",
    "vbs", "bat", "com", "pif", "cmd", "vxd", "cpl", "xml",
)

# $wgMimeTypeExclusions default.
DEFAULT_MIME_TYPE_EXCLUSIONS = (
    "text/html", "application/javascript", "text/javascript", "text/x-javascript",
    "application/x-shellscript", "application/x-php", "text/x-php", "text/x-python",
    "text/x-perl", "text/x-bash", "text/x-sh", "text/x-csh", "text/scriptlet",
    "application/x-msdownload", "application/x-msmetafile", "application/java",
    "application/xml", "text/xml",
)


def _setting(default: Any, help: str, mw: str = "") -> Any:
    """Declare a setting: its default, what it does, and the MediaWiki variable it mirrors."""
    return field(default=default, metadata={"help": help, "mediawiki": mw})


def _secret_setting(help: str, mw: str = "") -> Any:
    """A credential: empty by default, never shown in a repr of the settings."""
    return field(default="", repr=False, metadata={"help": help, "mediawiki": mw, "secret": True})


def _setting_factory(factory: Any, help: str, mw: str = "") -> Any:
    return field(default_factory=factory, metadata={"help": help, "mediawiki": mw})


@dataclass(frozen=True)
class Settings:
    """Every setting of the server. Code receives this object; nothing else reads the env."""

    data_dir: Path = _setting(
        Path("data"), "Directory for the embedded database, files, temp files and secrets.")
    database_url: str = _setting(
        "", "SQLAlchemy URL of the metadata database; empty means SQLite in data_dir.")
    storage_url: str = _setting(
        "", "Where file bytes live: file:///path, or s3://bucket/prefix (an S3-compatible "
            "object store, see the s3_* settings; the bucket must exist: a process will not "
            "start without it); empty means data_dir/images.",
        "$wgUploadDirectory")
    storage_serve: str = _setting(
        "stream", "How files of an s3:// store reach users: stream (through this server) or "
                  "redirect (302 to a presigned URL of the store, valid storage_redirect_expiry "
                  "seconds). Stashed files are always streamed.")
    storage_redirect_expiry: int = _setting(
        300, "Lifetime of the presigned URLs of storage_serve = redirect, seconds.")
    s3_endpoint_url: str = _setting(
        "", "Endpoint of the S3-compatible store (e.g. http://127.0.0.1:8090); empty: AWS.")
    s3_region: str = _setting("us-east-1", "Region the S3 requests are signed for.")
    s3_access_key: str = _setting("", "S3 access key id; empty: boto3's usual sources.")
    s3_secret_key: str = _secret_setting("S3 secret access key; never logged or shown.")
    s3_addressing_style: str = _setting(
        "path", "S3 addressing: path (http://host/bucket/key), virtual or auto.")
    s3_connect_timeout: int = _setting(5, "Time allowed to connect to the S3 store, seconds.")
    s3_read_timeout: int = _setting(60, "Time allowed for an S3 response to go on, seconds.")
    s3_max_attempts: int = _setting(
        3, "Attempts per S3 request (retries on timeouts, 5xx and throttling).")
    fsync: bool = _setting(
        True, "Local storage: fsync every file and directory entry before a write is "
              "acknowledged (durable). False leaves flushing to the OS: faster (see "
              "docs/performance.md), but a crash or power loss may lose or truncate files "
              "whose database rows were committed.")
    server: str = _setting(
        "", "Public base URL, e.g. https://media.example.org; empty: http://HOST:PORT.",
        "$wgServer")
    script_path: str = _setting("", "URL path before api.php and index.php.", "$wgScriptPath")
    article_path: str = _setting("/wiki/$1", "URL path of pages.", "$wgArticlePath")
    upload_path: str = _setting("/images", "URL path under which files are served.",
                                "$wgUploadPath")
    host: str = _setting("127.0.0.1", "Address `serve` listens on.")
    port: int = _setting(8080, "Port `serve` listens on.")
    access_log: bool = _setting(
        False, "`serve` writes a line for every request (client, method, path, status) to "
               "standard output. Off by default: a reverse proxy in front logs requests "
               "anyway, and the line costs several percent of a small upload's CPU "
               "(docs/performance.md). Errors are logged either way.")
    sitename: str = _setting("Wikiupload", "Name of the site.", "$wgSitename")
    wiki_id: str = _setting("wikiupload", "Database/wiki identifier shown as wikiid.",
                            "$wgDBname")
    language_code: str = _setting("en", "Content language.", "$wgLanguageCode")
    cookie_prefix: str = _setting("wikiupload", "Prefix of cookie names.", "$wgCookiePrefix")
    cookie_secure: bool = _setting(False, "Mark cookies Secure (serve over HTTPS).",
                                   "$wgCookieSecure")
    session_expiry: int = _setting(3600, "Idle lifetime of a session, seconds.",
                                   "$wgObjectCacheSessionExpiry")
    secret_key: str = _secret_setting(
        "Secret for HMACs; empty: generated once and kept in data_dir/secret.key.",
        "$wgSecretKey")
    show_hostnames: bool = _setting(False, "Add servedby to every error.", "$wgShowHostnames")
    group_permissions: dict[str, dict[str, bool]] = _setting_factory(
        dict, "Per-group rights, merged over the defaults: [group_permissions.GROUP] right=bool.",
        "$wgGroupPermissions")
    revoke_permissions: dict[str, dict[str, bool]] = _setting_factory(
        dict, "Rights removed from members of a group.", "$wgRevokePermissions")
    enable_bot_passwords: bool = _setting(True, "Allow USER@APPID bot-password logins.",
                                          "$wgEnableBotPasswords")
    password_attempt_throttle: list[dict[str, int]] = _setting_factory(
        lambda: [{"count": 5, "seconds": 300}, {"count": 150, "seconds": 172800}],
        "Login attempts allowed per user and IP.", "$wgPasswordAttemptThrottle")
    api_max_values: int = _setting(50, "Values allowed in a multi-value parameter.")
    api_max_values_high: int = _setting(500, "The same, with the apihighlimits right.")
    enable_uploads: bool = _setting(True, "Accept uploads at all.", "$wgEnableUploads")
    max_upload_size: int = _setting(104857600, "Largest file accepted, bytes.",
                                    "$wgMaxUploadSize")
    min_upload_chunk_size: int = _setting(1024, "Smallest non-final chunk, bytes.",
                                          "$wgMinUploadChunkSize")
    upload_size_warning: int = _setting(0, "Warn (large-file) above this size; 0: never.",
                                        "$wgUploadSizeWarning")
    file_extensions: list[str] = _setting_factory(
        lambda: list(DEFAULT_FILE_EXTENSIONS), "Extensions allowed for uploads.",
        "$wgFileExtensions")
    prohibited_file_extensions: list[str] = _setting_factory(
        lambda: list(DEFAULT_PROHIBITED_EXTENSIONS), "Extensions never allowed.",
        "$wgProhibitedFileExtensions")
    mime_type_exclusions: list[str] = _setting_factory(
        lambda: list(DEFAULT_MIME_TYPE_EXCLUSIONS), "MIME types never allowed.",
        "$wgMimeTypeExclusions")
    check_file_extensions: bool = _setting(True, "Warn about extensions not in the list.",
                                           "$wgCheckFileExtensions")
    strict_file_extensions: bool = _setting(True, "Refuse extensions not in the list.",
                                            "$wgStrictFileExtensions")
    verify_mime_type: bool = _setting(True, "Check the content against the extension.",
                                      "$wgVerifyMimeType")
    allow_copy_uploads: bool = _setting(False, "Allow uploads from a URL.",
                                        "$wgAllowCopyUploads")
    copy_upload_domains: list[str] = _setting_factory(
        list, "Domains URL uploads may fetch from (wildcards); empty: any.",
        "$wgCopyUploadsDomains")
    copy_uploads_private_networks: list[str] = _setting_factory(
        list, "CIDR ranges of non-public addresses URL uploads may fetch from anyway "
              "(loopback, private, link-local... are refused otherwise).")
    copy_upload_timeout: int = _setting(180, "Total time allowed for a URL fetch, seconds.",
                                        "$wgCopyUploadTimeout")
    copy_upload_connect_timeout: int = _setting(
        5, "Time allowed to connect to the server of a URL upload, seconds.",
        "$wgHTTPConnectTimeout")
    copy_upload_max_redirects: int = _setting(
        4, "Redirects a URL upload follows (MediaWiki: at most 5 requests, so 4 redirects; "
           "its UploadFromUrl maxRedirects option).")
    enable_async_uploads: bool = _setting(False, "Allow async=1 uploads (job queue).",
                                          "$wgEnableAsyncUploads")
    embedded_job_worker: bool = _setting(
        True, "Run a job worker thread inside `serve` (else run `wikiupload jobs run`).")
    upload_stash_max_age: int = _setting(21600, "Lifetime of stashed files, seconds.",
                                         "$wgUploadStashMaxAge")
    rate_limits: dict[str, dict[str, list[int]]] = _setting_factory(
        dict, "Rate limits per action, replacing MediaWiki's default table action by action: "
              "[rate_limits.upload] user = [HITS, SECONDS] (categories anon, user, newbie, "
              "ip, subnet, ip-all, subnet-all or a group); an empty table turns an action's "
              "limits off. Counters live in the database, shared by all server processes.",
        "$wgRateLimits")
    stash_quota_per_user: int = _setting(
        10 * 1024**3, "Bytes one user may keep in the upload stash (stashed files and chunked "
                      "uploads in progress); 0: no limit.")
    max_concurrent_uploads_per_user: int = _setting(
        8, "Uploads one user (or address) may have in progress at once, across all server "
           "processes; 0: no limit.")
    upload_slot_min_size: int = _setting(
        1024 * 1024, "Files smaller than this, sent whole or published from the stash, take "
                     "no slot of max_concurrent_uploads_per_user: their body has arrived when "
                     "the slot would be taken, and the work left is a few milliseconds, about "
                     "what the slot costs (chunks and URL uploads always take one); bytes, "
                     "0: every upload takes one.")
    upload_lease_seconds: int = _setting(
        3600, "How long a slot of an upload in progress counts if its process dies on "
              "another host (a process on the same host frees it at once).")
    refuse_oversized_filesize: bool = _setting(
        True, "Refuse a chunked upload whose filesize is above max_upload_size "
              "(file-too-large) instead of clamping it with a warning as MediaWiki does.")
    body_idle_timeout: int = _setting(
        60, "A request body that sends nothing for this many seconds is cut off and its "
            "temporary file deleted (slow or stalled clients), seconds.")
    max_image_pixels: int = _setting(
        100_000_000, "Largest bitmap accepted, in pixels (width times height, read from the "
                     "header before anything is decoded; Pillow itself refuses more than "
                     "about 179 million); 0: only Pillow's limit.")
    refuse_polyglots: bool = _setting(
        True, "Refuse PNG, GIF and JPEG files with an archive, script or markup after the "
              "end of the image.")
    header_timeout: int = _setting(
        30, "Time a client has to send a request's line and headers once it has opened the "
            "connection or sent the first byte, seconds (`serve`); then 408 and the "
            "connection is closed.")
    max_header_bytes: int = _setting(
        65536, "Largest request line and headers (`serve`); larger: 431 and the connection "
               "is closed.")
    max_form_text_bytes: int = _setting(
        16 * 1024**2, "Bytes of the text fields of one request (everything but the file).")
    change_tags: list[str] = _setting_factory(
        list, "Change tags users may apply to uploads with tags=.")
    change_tag_messages: dict[str, str] = _setting_factory(
        dict, "Texts of tags for list=tags: tag-NAME (display name; \"-\" hides it) and "
              "tag-NAME-description, as the MediaWiki: namespace pages do.")
    default_user_options: dict[str, Any] = _setting_factory(
        dict, "User option defaults merged over MediaWiki's (watchdefault, watchuploads, "
              "watchcreations decide watchlist=preferences).", "$wgDefaultUserOptions")
    watchlist_expiry: bool = _setting(
        False, "Allow temporary watches (watchlistexpiry=, action=watch&expiry=).",
        "$wgWatchlistExpiry")
    watchlist_expiry_max_duration: str = _setting(
        "6 months", "Longest temporary watch, relative (e.g. \"6 months\"); empty: no limit.",
        "$wgWatchlistExpiryMaxDuration")

    foreign_file_repos: list[dict[str, Any]] = _setting_factory(
        list, "Shared file repositories reached through their Action API, as a list of "
              "tables: name (shown as imagerepository), api_url (its api.php), "
              "cache_seconds (how long answers are kept, default 3600), fetch_descriptions "
              "(bool) and timeout (seconds, default 3). A file found only there can be used "
              "by name; uploading over it needs the reupload-shared right.",
        "$wgForeignFileRepos")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'wiki.sqlite').resolve()}"

    @property
    def base_url(self) -> str:
        return (self.server or f"http://{self.host}:{self.port}").rstrip("/")

    def rights_of_groups(self) -> dict[str, dict[str, bool]]:
        """$wgGroupPermissions: the defaults with this configuration's tables merged in."""
        merged = {group: dict(rights) for group, rights in DEFAULT_GROUP_PERMISSIONS.items()}
        for group, rights in self.group_permissions.items():
            merged.setdefault(group, {}).update(rights)
        return merged

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def describe() -> list[tuple[str, str, str, Any]]:
    """(name, MediaWiki variable, help, default) for every setting, for docs and --help."""
    rows = []
    for f in dataclasses.fields(Settings):
        default = f.default
        if default is dataclasses.MISSING and f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        rows.append((f.name, f.metadata.get("mediawiki", ""), f.metadata["help"], default))
    return rows


def _coerce(name: str, target: Any, value: Any) -> Any:
    """Turn a TOML or environment value into the type of the setting."""
    kind = str(target)
    if isinstance(value, str):
        if kind in ("bool", "<class 'bool'>"):
            return value.strip().lower() in ("1", "true", "yes", "on")
        if kind in ("int", "<class 'int'>"):
            return int(value)
        if kind == "Path":
            return Path(value)
        if kind.startswith("list[str]"):
            return [v.strip() for v in value.split(",") if v.strip()]
        if kind.startswith(("dict", "list")):
            return json.loads(value)
        return value
    if kind == "Path":
        return Path(value)
    return value


def load(config_file: Path | None = None, env: Mapping[str, str] | None = None,
         **overrides: Any) -> Settings:
    """Defaults, then the TOML file, then ``WIKIUPLOAD_*`` variables, then explicit overrides."""
    env = os.environ if env is None else env
    known = {f.name: f.type for f in dataclasses.fields(Settings)}
    values: dict[str, Any] = {}
    path = config_file or (Path(env[ENV_PREFIX + "CONFIG"]) if ENV_PREFIX + "CONFIG" in env
                           else None)
    if path is not None:
        with open(path, "rb") as fh:
            table = tomllib.load(fh)
        for key, value in table.items():
            if key not in known:
                raise ValueError(f"{path}: unknown setting {key!r}")
            values[key] = _coerce(key, known[key], value)
    for key, value in env.items():
        if key.startswith(ENV_PREFIX) and key != ENV_PREFIX + "CONFIG":
            name = key[len(ENV_PREFIX):].lower()
            if name in known:
                values[name] = _coerce(name, known[name], value)
    for key, value in overrides.items():
        if value is not None:
            values[key] = _coerce(key, known[key], value)
    return Settings(**values)
