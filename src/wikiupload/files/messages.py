"""Message texts the file modules need that the shared catalogue does not have yet.

They belong in ``wikiupload/i18n/en.json``; until they are there, :func:`install` adds the
missing ones to the loaded English catalogue (keys already present are left alone). Semantic
markup (``<var>``, ``<kbd>``) is written as quotes, as the API's plain text shows it.
"""

from __future__ import annotations

from functools import cache

from wikiupload.i18n import messages

MESSAGES: dict[str, str] = {
    "apierror-mustbeloggedin-uploadstash":
        "The upload stash is only available to logged-in users.",
    "apierror-invalidsha1hash": "The SHA1 hash provided is not valid.",
    "apierror-invalidsha1base36hash": "The SHA1Base36 hash provided is not valid.",
    "apierror-urlparamnormal": "Could not normalize image parameters for $1.",
    "apierror-invalidurlparam": "Invalid value for \"$1urlparam\" (\"$2=$3\").",
    "apierror-bad-badfilecontexttitle": "Invalid title in \"$1badfilecontexttitle\" parameter.",
    "apiwarn-badurlparam":
        "Could not parse \"$1urlparam\" for $2. Using only width and height.",
    "apiwarn-nothumb-noimagehandler":
        "Could not create thumbnail because $1 does not have an associated image handler.",
    "apiwarn-urlparamwidth":
        "Ignoring width value set in \"$1urlparam\" ($2) in favor of width value derived "
        "from \"$1urlwidth\"/\"$1urlheight\" ($3).",
}


@cache
def install() -> None:
    """Make the texts above available to ``render`` (idempotent)."""
    catalogue = messages._catalogue(messages.FALLBACK)
    for key, text in MESSAGES.items():
        catalogue.setdefault(key, text)
