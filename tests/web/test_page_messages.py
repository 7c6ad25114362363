"""Every text key the pages use exists in the four catalogues: keys in templates
(``msg("key")``), the upload script's texts and the size units of the page code.

The catalogue test in tests/unit/i18n scans Python code for ``Message(...)``; templates are
not Python, so they are scanned here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import wikiupload
from wikiupload.web.pages.formats import SIZE_UNITS
from wikiupload.web.pages.log_page import ACTION_KEYS
from wikiupload.web.pages.upload import SCRIPT_MESSAGES

SRC = Path(wikiupload.__file__).parent
TEMPLATES = SRC / "web" / "templates"
_MSG_CALL = re.compile(r"""\bmsg\(\s*(["'])([^"']+)\1""")
_ANY_MSG = re.compile(r"\bmsg\(")


def template_keys() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted(TEMPLATES.glob("*.html")):
        text = path.read_text("utf-8")
        literal = _MSG_CALL.findall(text)
        # every msg( call has a literal key, so none escapes the check
        assert len(literal) == len(_ANY_MSG.findall(text)), path.name
        for _, key in literal:
            found.setdefault(key, set()).add(path.name)
    return found


def page_keys() -> set[str]:
    return (set(template_keys()) | {m.key for m in SCRIPT_MESSAGES} | set(SIZE_UNITS)
            | set(ACTION_KEYS.values()) | {"uploadlogpage", "dellogpage"})


def test_the_scan_sees_the_templates() -> None:
    keys = template_keys()
    assert {"uploadbtn", "filehist", "filehist-datetime", "listfiles", "login",
            "userlogin-yourname"} <= set(keys)


@pytest.mark.parametrize("lang", ["en", "fr", "de", "th"])
def test_page_keys_are_in_every_catalogue(lang: str) -> None:
    catalogue = json.loads((SRC / "i18n" / f"{lang}.json").read_text("utf-8"))
    missing = sorted(page_keys() - set(catalogue))
    assert not missing, f"{lang}.json lacks {missing}"


@pytest.mark.parametrize("name", ["api-client.js", "upload-warnings.js", "upload.js"])
def test_the_upload_scripts_have_no_texts_of_their_own(name: str) -> None:
    script = (SRC / "web" / "static" / name).read_text("utf-8")
    used = set(re.findall(r"""msg\('([^']+)'""", script))
    used |= set(re.findall(r"""'[\w-]+': '([\w-]+)'""", script))   # the warning table
    assert used <= {m.key for m in SCRIPT_MESSAGES}
    assert not re.search(r"textContent = '[A-Za-z]", script)
