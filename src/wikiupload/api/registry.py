"""Module registry: path ("upload", "query+tokens") -> module class."""

from __future__ import annotations

import importlib
from typing import TypeVar

from wikiupload.api.module import ApiModule

_MODULES: dict[str, type[ApiModule]] = {}
M = TypeVar("M", bound=type[ApiModule])

# Modules register themselves on import; this list makes sure they are imported.
MODULE_PACKAGES = (
    "wikiupload.api.formats",
    "wikiupload.api.query",
)


def register(cls: M) -> M:
    _MODULES[cls.path()] = cls
    return cls


def load_all() -> None:
    for package in MODULE_PACKAGES:
        importlib.import_module(package)


def get(path: str) -> type[ApiModule] | None:
    load_all()
    return _MODULES.get(path)


def modules_in_group(group: str) -> dict[str, type[ApiModule]]:
    """Name -> class for one group, sorted by name."""
    load_all()
    found = {cls.name: cls for cls in _MODULES.values() if cls.group == group}
    return dict(sorted(found.items()))


def all_modules() -> dict[str, type[ApiModule]]:
    load_all()
    return dict(sorted(_MODULES.items()))
