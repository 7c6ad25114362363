"""Sizes (binary units) and the bench's error type."""

from __future__ import annotations

import argparse
from collections.abc import Callable

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

Report = Callable[[str], None]


class BenchError(RuntimeError):
    """The bench could not run, or a request did not answer what it should."""


_UNITS = {"": 1, "B": 1, "K": KIB, "M": MIB, "G": GIB}


def parse_size(text: str) -> int:
    """``100M`` -> 100 MiB; suffixes K, M, G are binary (KiB, MiB, GiB), no suffix is bytes."""
    spec = text.strip().upper().removesuffix("IB").removesuffix("B")
    number, unit = (spec[:-1], spec[-1]) if spec and spec[-1] in _UNITS else (spec, "")
    try:
        size = int(float(number) * _UNITS[unit])
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}") from None
    if size < 4 * KIB:
        raise argparse.ArgumentTypeError(f"size too small (4K at least): {text!r}")
    return size


def parse_sizes(text: str) -> list[int]:
    return [parse_size(part) for part in text.split(",") if part.strip()]


def size_label(size: int) -> str:
    for unit, factor in (("G", GIB), ("M", MIB), ("K", KIB)):
        if size >= factor and size % factor == 0:
            return f"{size // factor}{unit}"
    return f"{size}B"

