"""The resume state file: each unfinished chunked upload's filekey and offset.

A small JSON document, rewritten atomically (temporary file + rename) after every chunk,
so a killed process loses at most the chunk in flight.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

DEFAULT_STATE_FILE = ".wikiupload-upload-state.json"


class ResumeState:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._files: dict[str, dict[str, Any]] = {}
        if path is not None and path.exists():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                loaded = {}
            files = loaded.get("files", {}) if isinstance(loaded, dict) else {}
            if isinstance(files, dict):
                self._files = {k: v for k, v in files.items() if isinstance(v, dict)}

    @staticmethod
    def key(api_url: str, path: Path, name: str) -> str:
        return f"{api_url} {path.resolve()} {name}"

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._files.get(key)
            return dict(entry) if entry is not None else None

    def put(self, key: str, entry: dict[str, Any]) -> None:
        with self._lock:
            self._files[key] = dict(entry)
            self._save()

    def drop(self, key: str) -> None:
        with self._lock:
            if self._files.pop(key, None) is not None:
                self._save()

    def _save(self) -> None:
        if self.path is None:
            return
        if not self._files:
            self.path.unlink(missing_ok=True)
            return
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps({"version": 1, "files": self._files}, indent=1),
                             encoding="utf-8")
        os.replace(temporary, self.path)
