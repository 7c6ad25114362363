"""Special:Upload: the page and the texts its script needs; uploads go to api.php.

The script (``static/upload.js``) sends files in chunks with the visitor's session cookie
and a CSRF token from ``meta=tokens``, so the page gets exactly the API's checks.
"""

from __future__ import annotations

from starlette.responses import Response

from wikiupload.i18n.messages import Message, render
from wikiupload.web.pages.render import PageContext

__all__ = ["CHUNK_SIZE", "SCRIPT_MESSAGES", "ASYNC_THRESHOLD", "upload_page"]

CHUNK_SIZE = 5 * 1024 * 1024
# Files larger than this are assembled and published by the job queue (``async``).
ASYNC_THRESHOLD = 10 * 1024 * 1024
# Texts of the upload script, by name; "$1"... are filled in by the script.
SCRIPT_MESSAGES: tuple[Message, ...] = (
    Message("uploadbtn"), Message("uploadwarning"), Message("ignorewarning"),
    Message("cancel"), Message("wikiupload-rename"), Message("destfilename"),
    Message("fileexists"), Message("file-exists-duplicate"),
    Message("file-deleted-duplicate"), Message("filewasdeleted"), Message("badfilename"),
    Message("large-file"), Message("emptyfile"), Message("fileexists-extension"),
    Message("fileexists-no-change"), Message("fileexists-duplicate-version"),
    Message("filepageexists"), Message("file-thumbnail-no"), Message("filename-bad-prefix"),
    Message("wikiupload-warning-other"), Message("wikiupload-status-waiting"),
    Message("wikiupload-status-uploading"), Message("wikiupload-status-processing"),
    Message("wikiupload-status-publishing"), Message("wikiupload-status-done"),
    Message("wikiupload-status-retrying"), Message("wikiupload-status-offline"),
    Message("wikiupload-status-cancelled"), Message("wikiupload-status-failed"),
    Message("wikiupload-resume"), Message("wikiupload-remove"),
    Message("wikiupload-batch-progress"), Message("wikiupload-file-progress"),
    Message("wikiupload-view-file"), Message("wikiupload-network-error"),
    Message("wikiupload-upload-again"),
)


def script_messages(ctx: PageContext) -> dict[str, str]:
    """The script's texts in the page language, with ``$1``... left for it to fill."""
    return {message.key: render(message, ctx.lang, site_name=ctx.wiki.settings.sitename)
            for message in SCRIPT_MESSAGES}


async def upload_page(ctx: PageContext, subpage: str) -> Response:
    if ctx.visitor.anonymous and not ctx.visitor.can("upload"):
        return ctx.respond("upload.html", 200, allowed=False, login_needed=True, config={})
    if not ctx.visitor.can("upload"):
        return ctx.respond("upload.html", 403, allowed=False, login_needed=False, config={})
    config = {
        "api": ctx.api_url(),
        "lang": ctx.lang,
        "chunkSize": CHUNK_SIZE,
        "asyncThreshold": ASYNC_THRESHOLD,
        "filePage": ctx.url("File:$1"),
        "messages": script_messages(ctx),
        "destination": ctx.request.query_params.get("wpDestFile", ""),
    }
    return ctx.respond("upload.html", allowed=True, login_needed=False, config=config)
