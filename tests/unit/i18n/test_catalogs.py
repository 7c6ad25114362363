"""The message catalogues: complete in every language, consistent with English and the code.

* every key of ``en.json`` exists in each other catalogue, and no catalogue has a key English
  lacks;
* a translation uses the parameters English uses (a parameter English only uses to choose a
  ``{{PLURAL}}`` or ``{{GENDER}}`` form may be left out, as Thai, which has no plural forms,
  does) and no others;
* every message key the code passes as a literal to ``Message(...)`` or ``ApiError(...)``
  (first argument or ``key=``), directly or through a helper that forwards its parameter to
  them, or through a local variable assigned string literals, exists in ``en.json``.
  Keys built at run time (f-strings such as ``f"action-{right}"``) are not checked.
  The exceptions are the keys of :data:`NO_TEXT_IN_MEDIAWIKI`, which must stay uncatalogued.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

import wikiupload
from wikiupload.i18n import messages
from wikiupload.i18n.messages import Message, Num, render

SRC = Path(wikiupload.__file__).parent
CATALOGUES = SRC / "i18n"
LANGUAGES = ("fr", "de", "th")
SINKS = frozenset({"Message", "ApiError"})
# Where the real sinks are defined; another module's own class of that name (such as the HTTP
# client's ``ApiError`` exception, whose first argument is an error code) is not a sink there.
SINK_HOMES = {"Message": "i18n/messages.py", "ApiError": "errors.py"}
_PARAM = re.compile(r"\$(\d+)")
_SELECTOR = re.compile(r"\{\{\s*(?:PLURAL|GENDER)\s*:\s*\$\d+\s*\|")

# Keys the code uses that MediaWiki 1.39 has no text for in any language: the real server
# answers "⧼key⧽" for them (Message::text() of a missing message), and so does the renderer
# here (messages.render()/messages.template() fall back to "⧼key⧽"). Giving them a catalogue
# text would change the wire output, so they are used in code but kept out of the catalogues.
NO_TEXT_IN_MEDIAWIKI = frozenset({
    "invalidoldimage",         # ApiDelete::deleteFile: malformed "oldimage"
    "nodeleteablefile",        # ApiDelete::deleteFile: no such old file version
    "userlogin-cannot-login",  # ApiClientLogin: clientlogin in a bot-password session
})
MEDIAWIKI = Path("/usr/share/mediawiki")


def load(lang: str) -> dict[str, str]:
    """A catalogue as the file has it (not the loader's cache, which others may extend)."""
    data = json.loads((CATALOGUES / f"{lang}.json").read_text("utf-8"))
    assert isinstance(data, dict)
    metadata = data.pop("@metadata", None)
    assert isinstance(metadata, dict) and metadata.get("language") == lang
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in data.items())
    return data


# -- the scanner ----------------------------------------------------------------------

def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _literals(node: ast.expr | None) -> list[str]:
    """String constants an expression can evaluate to (both branches of ``a if c else b``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    if isinstance(node, ast.BoolOp):
        return [text for value in node.values for text in _literals(value)]
    return []


@dataclass(frozen=True)
class _Sink:
    """A callable whose argument at ``position`` (or keyword ``keyword``) is a message key."""

    position: int
    keyword: str


@dataclass
class _Scan:
    sinks: dict[str, _Sink] = field(
        default_factory=lambda: {name: _Sink(0, "key") for name in SINKS})
    keys: dict[str, set[str]] = field(default_factory=dict)

    def key_argument(self, call: ast.Call) -> ast.expr | None:
        sink = self.sinks.get(_name(call.func) or "")
        if sink is None:
            return None
        for keyword in call.keywords:
            if keyword.arg == sink.keyword:
                return keyword.value
        if len(call.args) > sink.position and not any(
                isinstance(arg, ast.Starred) for arg in call.args[:sink.position + 1]):
            return call.args[sink.position]
        return None

    def add(self, key: str, where: str) -> None:
        self.keys.setdefault(key, set()).add(where)


def _scopes(tree: ast.Module) -> Iterator[tuple[ast.AST, list[str]]]:
    """The module body and each function, with the function's parameter names."""
    yield tree, []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
            if args and args[0] in ("self", "cls"):
                args = args[1:]
            yield node, args + [a.arg for a in node.args.kwonlyargs]


def _assigned(scope: ast.AST, name: str) -> list[str]:
    found: list[str] = []
    for node in ast.walk(scope):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            assert isinstance(node, (ast.Assign, ast.AnnAssign))
            found += _literals(node.value)
    return found


def used_message_keys(root: Path = SRC) -> dict[str, set[str]]:
    """Message keys the code uses, each with the places (``path:line``) that use it."""
    trees = {path: ast.parse(path.read_text("utf-8"), str(path))
             for path in sorted(root.rglob("*.py"))}
    scan = _Scan()
    while True:   # until no new forwarding helper is found
        known = dict(scan.sinks)
        scan.keys.clear()
        for path, tree in trees.items():
            where = path.relative_to(root).as_posix()
            shadowed = _shadowed_sinks(tree, where)
            for scope, params in _scopes(tree):
                _scan_scope(scan, scope, params, where, shadowed)
        if scan.sinks == known:
            return scan.keys


def _shadowed_sinks(tree: ast.Module, where: str) -> frozenset[str]:
    """Sink names that mean another class in this module: its own class of that name, or
    one imported from a module other than the sink's home."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name in SINK_HOMES:
            if SINK_HOMES[node.name] != where:
                names.add(node.name)
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                local = alias.asname or alias.name
                home = SINK_HOMES.get(local)
                if home is None:
                    continue
                from_home = f".{node.module or ''}".endswith("." + home[:-3].replace("/", "."))
                if not (from_home and alias.name == local):
                    names.add(local)
    return frozenset(names)


def _scan_scope(scan: _Scan, scope: ast.AST, params: list[str], path: str,
                shadowed: frozenset[str] = frozenset()) -> None:
    for node in ast.walk(scope):
        if not isinstance(node, ast.Call) or _name(node.func) in shadowed:
            continue
        argument = scan.key_argument(node)
        if argument is None:
            continue
        for key in _literals(argument):
            scan.add(key, f"{path}:{node.lineno}")
        if isinstance(argument, ast.Name):
            for key in _assigned(scope, argument.id):
                scan.add(key, f"{path}:{node.lineno}")
            # A helper is matched by its name, so special methods (a sink's own __init__)
            # are not helpers: they are not called by that name.
            if argument.id in params and isinstance(
                    scope, (ast.FunctionDef, ast.AsyncFunctionDef)) and scope.name not in SINKS \
                    and not scope.name.startswith("__"):
                scan.sinks.setdefault(scope.name,
                                      _Sink(params.index(argument.id), argument.id))


# -- the tests ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def english() -> dict[str, str]:
    return load("en")


def test_the_catalogues_are_the_four_languages() -> None:
    assert {"en", "fr", "de", "th"} <= set(messages.available_languages())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_key_that_english_lacks(lang: str, english: dict[str, str]) -> None:
    extra = sorted(set(load(lang)) - set(english))
    assert not extra, f"{lang}.json has keys en.json lacks: {extra}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_english_key_is_translated(lang: str, english: dict[str, str]) -> None:
    missing = [key for key in english if key not in load(lang)]
    assert not missing, f"{lang}.json lacks: {missing}"


def _params(text: str) -> set[str]:
    return set(_PARAM.findall(text))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_use_the_english_parameters(lang: str, english: dict[str, str]) -> None:
    wrong = {}
    for key, text in load(lang).items():
        source = english.get(key)
        if source is None:
            continue
        allowed = _params(source)
        required = _params(_SELECTOR.sub("{{|", source))
        used = _params(text)
        if not required <= used <= allowed:
            wrong[key] = {"missing": sorted(required - used), "unknown": sorted(used - allowed)}
    assert not wrong, f"{lang}.json parameters differ from English: {wrong}"


def test_thai_has_no_plural_forms() -> None:
    assert [key for key, text in load("th").items() if "{{PLURAL" in text] == []


@pytest.mark.parametrize("lang", ("en", *LANGUAGES))
def test_plural_and_gender_markup_is_well_formed(lang: str) -> None:
    bad = [key for key, text in load(lang).items()
           if text.count("{{") != text.count("}}")
           or re.search(r"\{\{(?!PLURAL:|GENDER:|ns:project\}\})", text)]
    assert not bad


def test_keys_used_in_code_exist_in_english(english: dict[str, str]) -> None:
    used = used_message_keys()
    missing = {key: sorted(where) for key, where in used.items()
               if key not in english and key not in NO_TEXT_IN_MEDIAWIKI}
    assert not missing, f"message keys used in code but missing from en.json: {missing}"


def test_keys_without_a_mediawiki_text_are_used_and_uncatalogued() -> None:
    stale = NO_TEXT_IN_MEDIAWIKI - set(used_message_keys())
    assert not stale, f"allowed keys no longer used in code: {sorted(stale)}"
    for lang in ("en", *LANGUAGES):
        assert not NO_TEXT_IN_MEDIAWIKI & set(load(lang)), lang
    for key in NO_TEXT_IN_MEDIAWIKI:
        assert not messages.has_message(key)
        assert messages.template(key, "fr") == f"⧼{key}⧽"
        assert render(Message(key), "de") == f"⧼{key}⧽"


@pytest.mark.skipif(not (MEDIAWIKI / "languages/i18n/en.json").is_file(),
                    reason="no MediaWiki 1.39 source installed")
def test_mediawiki_has_no_text_for_the_allowed_keys() -> None:
    texts: dict[str, str] = {}
    for path in ("languages/i18n/en.json", "includes/api/i18n/en.json"):
        texts |= json.loads((MEDIAWIKI / path).read_text("utf-8"))
    assert not NO_TEXT_IN_MEDIAWIKI & set(texts)


def test_the_scanner_finds_literals_helpers_and_variables(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(
        "def fail(key, *params):\n"
        "    return ApiError(key, *params, code='x')\n"
        "def wrap(detail):\n"
        "    return fail(detail)\n"
        "def use(flag):\n"
        "    key = 'one-key' if flag else 'other-key'\n"
        "    Message(key)\n"
        "    Message(key='kw-key')\n"
        "    Message(f'dynamic-{flag}')\n"
        "    fail('via-helper')\n"
        "    wrap('via-two-helpers')\n"
        "    raise ApiError('direct', 1, 2)\n", encoding="utf-8")
    assert set(used_message_keys(tmp_path)) == {
        "one-key", "other-key", "kw-key", "via-helper", "via-two-helpers", "direct"}


def test_a_module_s_own_class_of_a_sink_name_is_not_a_sink(tmp_path: Path) -> None:
    (tmp_path / "errors.py").write_text(
        "class ApiError(Exception):\n"
        "    def __init__(self, key):\n"
        "        self.message = Message(key)\n"
        "def denied():\n"
        "    return ApiError('real-key')\n", encoding="utf-8")
    (tmp_path / "client.py").write_text(
        "class ApiError(Exception):\n"
        "    pass\n"
        "def fail(code):\n"
        "    raise ApiError(code)\n"
        "def use():\n"
        "    fail('http-error')\n"
        "    raise ApiError('bad-response')\n"
        "class Outcome(Exception):\n"
        "    def __init__(self, info):\n"
        "        super().__init__(info)\n"
        "def done():\n"
        "    raise Outcome('not-a-key')\n", encoding="utf-8")
    (tmp_path / "batch.py").write_text(
        "from client import ApiError\n"
        "from pkg.errors import ApiError as Real\n"
        "def run():\n"
        "    raise ApiError('filechanged')\n", encoding="utf-8")
    (tmp_path / "api.py").write_text(
        "from wikiupload.errors import ApiError\n"
        "def run():\n"
        "    raise ApiError('imported-key')\n", encoding="utf-8")
    assert set(used_message_keys(tmp_path)) == {"real-key", "imported-key"}


def test_the_scanner_sees_the_upload_errors() -> None:
    used = used_message_keys()
    for key in ("apierror-mustbeloggedin", "apierror-chunk-too-small",
                "apierror-stashfailed-nosession", "apierror-badtoken", "apierror-missingparam"):
        assert key in used


# -- rendering: numbers, plurals, fallback ------------------------------------------------

@pytest.mark.parametrize(("lang", "text"), [
    ("en", "1,024"), ("th", "1,024"), ("de", "1.024"), ("fr", "1\u00a0024"),
    ("de-at", "1.024"), ("de-ch", "1'024"), ("xyz", "1,024")])
def test_number_formatting(lang: str, text: str) -> None:
    assert render(Message("apierror-chunk-too-small", (Num(1024),)), lang).count(text) == 1
    assert messages.format_number(1024, lang) == text


def test_decimal_and_negative_numbers() -> None:
    assert messages.format_number(1234.5, "en") == "1,234.5"
    assert messages.format_number(1234.5, "de") == "1.234,5"
    assert messages.format_number(-1234567, "fr") == "-1\u00a0234\u00a0567"
    assert messages.parse_number("1.234,5", "de") == Decimal("1234.5")
    assert messages.parse_number("1\u00a0024", "fr") == 1024
    assert messages.parse_number("many", "en") is None


@pytest.mark.parametrize(("lang", "count", "form"), [
    ("en", "1", "one"), ("en", "0", "other"), ("en", "2", "other"), ("en", "1.0", "other"),
    ("de", "1", "one"), ("de", "1.024", "other"),
    ("fr", "0", "one"), ("fr", "1", "one"), ("fr", "1,5", "one"), ("fr", "2", "other"),
    ("th", "1", "one"), ("th", "5", "one")])
def test_plural_rules(lang: str, count: str, form: str) -> None:
    assert messages.plural_form(count, ["one", "other"], lang) == form


def test_explicit_plural_forms_come_first() -> None:
    assert messages.plural_form("0", ["0=none", "one", "other"], "en") == "none"
    assert messages.plural_form("1", ["0=none", "one", "other"], "en") == "one"
    assert messages.plural_form("7", ["0=none", "one", "other"], "en") == "other"


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "Minimum chunk size is 1,024 bytes for non-final chunks."),
    ("fr", "La taille minimale d’un segment est de 1\u00a0024 octets pour les segments "
           "autres que le dernier."),
    ("de", "Die Mindestgröße für Stücke außer dem letzten beträgt 1.024 Bytes."),
    ("th", "ก้อนข้อมูลที่ไม่ใช่ก้อนสุดท้ายต้องมีขนาดอย่างน้อย 1,024 ไบต์")])
def test_chunk_too_small_in_each_language(lang: str, text: str) -> None:
    assert render(Message("apierror-chunk-too-small", (Num(1024),)), lang) == text


def test_singular_forms() -> None:
    one = Message("apierror-chunk-too-small", (Num(1),))
    assert render(one, "en") == "Minimum chunk size is 1 byte for non-final chunks."
    assert "1 octet " in render(one, "fr")
    assert "1 Byte." in render(one, "de")


def test_nested_messages_follow_the_language() -> None:
    message = Message("apierror-mustbeloggedin", (Message("action-upload"),))
    assert render(message, "en") == "You must be logged in to upload this file."
    assert render(message, "fr") == "Vous devez être connecté pour téléverser ce fichier."
    assert render(message, "de") == "Du musst angemeldet sein, um diese Datei hochzuladen."
    assert render(message, "th") == "คุณต้องเข้าสู่ระบบก่อนจึงจะอัปโหลดไฟล์นี้ได้"


@pytest.mark.parametrize(("lang", "chain"), [
    ("en", ("en",)), ("fr", ("fr", "en")), ("de-at", ("de", "en")), ("frc", ("fr", "en")),
    ("dsb", ("de", "en")), ("th", ("th", "en")), ("es", ("en",)), ("../../etc/x", ("en",))])
def test_fallback_chain(lang: str, chain: tuple[str, ...]) -> None:
    assert messages.fallback_chain(lang) == chain


def test_missing_texts_fall_back_with_their_own_plural_rules(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A text only English has is English in every language, with English plurals but the
    language's digit grouping (as MediaWiki renders an untranslated message)."""
    monkeypatch.setitem(messages._catalogue("en"), "test-only-english",
                        "{{PLURAL:$1|one thing|$1 things}}")
    message = Message("test-only-english", (Num(1024),))
    assert render(message, "th") == "1,024 things"
    assert render(message, "de") == "1.024 things"
    assert render(Message("test-only-english", (Num(0),)), "fr") == "0 things"
    assert render(Message("test-only-english", (Num(1),)), "fr") == "one thing"
    assert render(Message("no-such-key"), "fr") == "⧼no-such-key⧽"


@pytest.mark.parametrize(("code", "result"), [
    ("de", "de"), ("DE", "de"), ("de-AT", "de-at"), ("xyz", "xyz"), ("de ", "de "),
    ("", "en"), ("qqq", "en"), ("a:b", "en"), ("../x", "en"), ("a<b", "en"), ("%41", "en"),
    ("a|b", "en"), ("a#b", "en")])
def test_sanitize_code(code: str, result: str) -> None:
    assert messages.sanitize_code(code, "en") == result


def test_language_names() -> None:
    assert [messages.language_name(c) for c in ("en", "fr", "de", "th", "xx")] == [
        "English", "français", "Deutsch", "ไทย", "xx"]
