"""How pages show numbers, sizes, times and metadata values in the page language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wikiupload.i18n.messages import Message, Num, render

__all__ = ["SIZE_UNITS", "display_time", "human_size", "metadata_rows"]

SIZE_UNITS = ("size-bytes", "size-kilobytes", "size-megabytes", "size-gigabytes")


def human_size(size: int, lang: str) -> str:
    """1,234 bytes / 12.1 KB / 20 MB (MediaWiki's size-* messages)."""
    value: float = size
    unit = 0
    while value >= 1024 and unit < len(SIZE_UNITS) - 1:
        value /= 1024
        unit += 1
    shown: int | float = int(value) if unit == 0 else round(value, 1 if value < 100 else 0)
    if isinstance(shown, float) and shown.is_integer():
        shown = int(shown)
    return render(Message(SIZE_UNITS[unit], (Num(shown),)), lang)


def display_time(timestamp: str) -> str:
    """An API timestamp (ISO 8601) as "YYYY-MM-DD HH:MM" (UTC), the same in every language."""
    try:
        when = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return timestamp
    return when.strftime("%Y-%m-%d %H:%M")


def _value_text(value: Any) -> str:
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, dict) and "name" in item:
                if str(item["name"]).startswith("_"):     # internal fields (_type, _MW_…)
                    continue
                parts.append(f"{item['name']}: {_value_text(item.get('value'))}")
            else:
                parts.append(_value_text(item))
        return "; ".join(parts)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value_text(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "1" if value else "0"
    return "" if value is None else str(value)


def metadata_rows(items: Any) -> list[tuple[str, str]]:
    """imageinfo ``metadata`` (a list of name/value pairs, nested) as table rows."""
    if not isinstance(items, list):
        return []
    rows = []
    for item in items:
        if isinstance(item, dict) and "name" in item and not str(item["name"]).startswith("_"):
            rows.append((str(item["name"]), _value_text(item.get("value"))))
    return rows
