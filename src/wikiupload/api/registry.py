"""Module registry: path ("upload", "query+tokens") -> module class."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import TypeVar

from wikiupload.api.module import ApiModule

_MODULES: dict[str, type[ApiModule]] = {}
M = TypeVar("M", bound=type[ApiModule])

INFRASTRUCTURE = frozenset({"context", "main", "module", "output", "params", "registry"})


def register(cls: M) -> M:
    _MODULES[cls.path()] = cls
    modules_in_group.cache_clear()
    return cls


def unregister(cls: type[ApiModule]) -> None:
    """Remove a module registered at run time (a test's)."""
    _MODULES.pop(cls.path(), None)
    modules_in_group.cache_clear()


@cache
def load_all() -> None:
    """Import every module file of this package; modules register themselves on import."""
    package = importlib.import_module("wikiupload.api")
    for info in pkgutil.iter_modules(package.__path__):
        if info.name not in INFRASTRUCTURE:
            importlib.import_module(f"wikiupload.api.{info.name}")


def get(path: str) -> type[ApiModule] | None:
    load_all()
    return _MODULES.get(path)


@cache
def modules_in_group(group: str) -> Mapping[str, type[ApiModule]]:
    """Name -> class for one group, sorted by name (asked on every request: kept until
    the next registration)."""
    load_all()
    found = {cls.name: cls for cls in _MODULES.values() if cls.group == group}
    return MappingProxyType(dict(sorted(found.items())))


def all_modules() -> dict[str, type[ApiModule]]:
    load_all()
    return dict(sorted(_MODULES.items()))
