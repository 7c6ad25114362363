"""English texts this package's answers need and the shared catalogue does not have yet.

They are the wire texts of MediaWiki 1.39 (``info`` of errors, log comments), written in the
catalogue's plain form (``"$1"`` for ``<var>$1</var>``, spaces for line breaks). ``install``
adds only the keys the catalogue lacks, so moving them into ``i18n/en.json`` makes this
module a no-op that can then be deleted.
"""

from __future__ import annotations

from wikiupload.i18n import messages as catalogue

__all__ = ["TEXTS", "install"]

TEXTS: dict[str, str] = {
    "apierror-missingtitle": "The page you specified doesn't exist.",
    "apierror-nosuchpageid": "There is no page with ID $1.",
    "apierror-pagecannotexist": "Namespace doesn't allow actual pages.",
    "apierror-cantundelete": ("Couldn't undelete: the requested revisions may not exist, or "
                              "may have been undeleted already."),
    "undelete-missing-filearchive": ("Unable to undelete file archive ID $1 because it is not "
                                     "in the database. It may have already been undeleted."),
    "undelete-no-results": "No matching pages found in the deletion archive.",
    "filerevert-badversion": ("There is no previous local version of this file with the "
                              "provided timestamp."),
    "apierror-permissiondenied": "You don't have permission to $1.",
    "apierror-cantview-deleted-description": ("You don't have permission to view descriptions "
                                              "of deleted files."),
    "apierror-cantview-deleted-metadata": ("You don't have permission to view metadata of "
                                           "deleted files."),
    "apierror-invalidsha1hash": "The SHA1 hash provided is not valid.",
    "apierror-invalidsha1base36hash": "The SHA1Base36 hash provided is not valid.",
    "apierror-baduser": "Invalid value \"$2\" for user parameter \"$1\".",
    "cannotdelete": ("The page or file \"$1\" could not be deleted. It may have already been "
                     "deleted by someone else."),
    "delete-error-associated-alreadytalk": "Cannot delete associated talk page of a talk page.",
    "delete-error-associated-doesnotexist": "Cannot delete a non-existing associated talk page.",
    "undelete-error-associated-alreadytalk": ("Cannot undelete associated talk page of a talk "
                                              "page."),
    "undelete-error-associated-notdeleted": ("The associated talk page has no revisions that "
                                             "can be undeleted."),
    # Content-language texts that end up in log comments and deletion reasons.
    "excontent": "content was: \"$1\"",
    "excontentauthor": ("content was: \"$1\", and the only contributor was "
                        "\"[[Special:Contributions/$2|$2]]\" ([[User talk:$2|talk]])"),
    "exbeforeblank": "content before blanking was: \"$1\"",
    "delete-talk-summary-prefix": "Deleted together with the associated page with reason: $1",
    "undelete-talk-summary-prefix": ("Undeleted together with the associated page with "
                                     "reason: $1"),
    "deletedrevision": "Deleted old revision $1",
}


def install() -> None:
    """Add the texts the English catalogue is missing (idempotent)."""
    english = catalogue._catalogue(catalogue.FALLBACK)  # noqa: SLF001 - the shared cache
    for key, text in TEXTS.items():
        english.setdefault(key, text)


install()
