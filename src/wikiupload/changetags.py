"""Change tags: which tags exist, who may apply which, and applying them to a change.

Three kinds of tag appear in ``list=tags``: the software's own tags (never applied by hand),
the tags this site defines in ``settings.change_tags`` (applied with ``tags=``), and tags
no longer defined that still have hits. A change (one upload: its log entry and page
revision together) adds one hit to each of its tags.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from wikiupload.auth.users import Principal
from wikiupload.config import Settings
from wikiupload.db.archive_models import LogTag
from wikiupload.db.watch_models import ChangeTagDef
from wikiupload.errors import ApiError
from wikiupload.i18n.messages import has_message, template

__all__ = ["SOFTWARE_TAGS", "check_can_apply", "check_defined", "defined_tags", "description",
           "display_name", "hit_counts", "tag_log_entry"]

# Tags MediaWiki 1.39 itself defines ($wgSoftwareTags; all active by default).
SOFTWARE_TAGS = ("mw-contentmodelchange", "mw-new-redirect", "mw-removed-redirect",
                 "mw-changed-redirect-target", "mw-blank", "mw-replace", "mw-rollback",
                 "mw-undo", "mw-manual-revert", "mw-reverted", "mw-server-side-upload")


def defined_tags(settings: Settings) -> list[str]:
    """Tags users may apply by hand (MediaWiki's explicitly defined tags)."""
    return list(dict.fromkeys(settings.change_tags))


def check_defined(settings: Settings, tags: Sequence[str]) -> None:
    """Every tag must be one the site defines; else ``badtags`` listing the others."""
    allowed = set(defined_tags(settings))
    refused = list(dict.fromkeys(tag for tag in tags if tag not in allowed))
    if not refused:
        return
    key = "tags-apply-not-allowed-one" if len(refused) == 1 else "tags-apply-not-allowed-multi"
    raise ApiError(key, ", ".join(refused), len(refused), code="badtags",
                   data={"disallowedtags": refused})


def check_can_apply(user: Principal, tags: Sequence[str]) -> None:
    """Applying tags along with a change needs the ``applychangetags`` right."""
    if tags and not user.can("applychangetags"):
        raise ApiError("tags-apply-no-permission")


def tag_log_entry(db: DbSession, tags: Sequence[str], log_id: int) -> None:
    """Record ``tags`` on a log entry and count the change once for each tag."""
    if not tags:
        return
    for tag in dict.fromkeys(tags):
        db.add(LogTag(log_id=log_id, tag=tag))
        row = db.get(ChangeTagDef, tag)
        if row is None:
            db.add(ChangeTagDef(name=tag, count=1))
        else:
            row.count += 1
    db.flush()


def hit_counts(db: DbSession) -> dict[str, int]:
    """Tags that have been applied, with how many changes carry them."""
    rows = db.execute(select(ChangeTagDef.name, ChangeTagDef.count)
                      .where(ChangeTagDef.count > 0))
    return {name: int(count) for name, count in rows}


def _message(settings: Settings, key: str) -> str | None:
    """A tag message: the site's text first, then the software's own."""
    if key in settings.change_tag_messages:
        return settings.change_tag_messages[key]
    return template(key) if has_message(key) else None


def display_name(settings: Settings, tag: str) -> str | bool:
    """The tag's display name as HTML; False when its message is ``-`` (a hidden tag)."""
    text = _message(settings, f"tag-{tag}")
    if text is None:
        return html.escape(tag, quote=False)
    if text.strip() == "-":
        return False
    return html.escape(text, quote=False)


def description(settings: Settings, tag: str) -> str:
    text = _message(settings, f"tag-{tag}-description")
    return "" if text is None or text.strip() == "-" else text
