"""uselang / errorlang: errors, warnings and messages in the caller's language (over HTTP).

MediaWiki 1.39 translates ``errors``/``warnings`` texts when ``errorformat`` is not ``bc``
(``errorlang`` defaults to ``uselang``); ``bc`` stays English and reports ``errorlang=en``.
Language codes are lower-cased; any valid code is kept (texts fall back to English), an
invalid one becomes the content language.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests import media_samples as media
from tests.support import ApiClient

LANGS = ("en", "fr", "de", "th")

MUSTBELOGGEDIN = {
    "en": "You must be logged in to upload this file.",
    "fr": "Vous devez être connecté pour téléverser ce fichier.",
    "de": "Du musst angemeldet sein, um diese Datei hochzuladen.",
    "th": "คุณต้องเข้าสู่ระบบก่อนจึงจะอัปโหลดไฟล์นี้ได้",
}
CHUNK_TOO_SMALL = {
    "en": "Minimum chunk size is 1,024 bytes for non-final chunks.",
    "fr": "La taille minimale d’un segment est de 1\u00a0024 octets pour les segments autres "
          "que le dernier.",
    "de": "Die Mindestgröße für Stücke außer dem letzten beträgt 1.024 Bytes.",
    "th": "ก้อนข้อมูลที่ไม่ใช่ก้อนสุดท้ายต้องมีขนาดอย่างน้อย 1,024 ไบต์",
}
STASHFAILED = {
    "en": "Invalid chunk offset",
    "fr": "Décalage de segment non valide",
    "de": "Ungültiger Startpunkt des Stücks",
    "th": "ออฟเซ็ตของก้อนข้อมูลไม่ถูกต้อง",
}
BADTOKEN = {
    "en": "Invalid CSRF token.",
    "fr": "Jeton CSRF non valide.",
    "de": "Ungültiges CSRF-Token.",
    "th": "โทเค็น CSRF ไม่ถูกต้อง",
}
NOFILENAME = {
    "en": 'The "filename" parameter must be set.',
    "fr": "Le paramètre « filename » doit être défini.",
    "de": "Der Parameter „filename“ muss angegeben werden.",
    "th": 'ต้องระบุพารามิเตอร์ "filename"',
}
PERMISSIONDENIED = {
    "en": "The action you have requested is limited to users in one of the groups: ",
    "fr": "L’action demandée est réservée aux utilisateurs de l’un des groupes : ",
    "de": "Die gewünschte Aktion ist Benutzern vorbehalten, die einer der Gruppen ",
    "th": "การดำเนินการที่คุณขอสงวนไว้สำหรับผู้ใช้ในกลุ่ม: ",
}


def plaintext(lang: str, **extra: Any) -> dict[str, Any]:
    return {"errorformat": "plaintext", "formatversion": "2", "uselang": lang, **extra}


def only_error(reply: dict[str, Any]) -> dict[str, Any]:
    assert "error" not in reply, reply
    errors = reply["errors"]
    assert isinstance(errors, list) and len(errors) == 1, reply
    error: dict[str, Any] = errors[0]
    return error


def upload(client: ApiClient, seed: str, token: str | None = "+\\",
           **params: Any) -> dict[str, Any]:
    """action=upload of a small PNG with the given token (anonymous: ``+\\``)."""
    return client.post(files={"file": ("Lang.png", media.png(seed), "image/png")},
                       action="upload", filename="Lang.png", token=token, **params)


def _chunk_data() -> bytes:
    return media.png("uselang", 64, 40)


# -- the three errors the issue names -------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_mustbeloggedin(anon: ApiClient, lang: str) -> None:
    reply = upload(anon, "lang", **plaintext(lang))
    assert only_error(reply) == {"code": "mustbeloggedin", "text": MUSTBELOGGEDIN[lang],
                                 "module": "upload"}


@pytest.mark.parametrize("lang", LANGS)
def test_chunk_too_small(uploader: ApiClient, lang: str) -> None:
    data = _chunk_data()
    reply = uploader.chunk("Small.png", data[:100], 0, len(data), **plaintext(lang))
    assert only_error(reply) == {"code": "chunk-too-small", "text": CHUNK_TOO_SMALL[lang],
                                 "module": "upload"}


@pytest.mark.parametrize("lang", LANGS)
def test_stashfailed(uploader: ApiClient, lang: str) -> None:
    data = _chunk_data()
    key = uploader.chunk("Off.png", data[:2048], 0, len(data))["upload"]["filekey"]
    reply = uploader.chunk("Off.png", data[4096:6144], 4096, len(data), key, **plaintext(lang))
    assert only_error(reply) == {"code": "stashfailed", "text": STASHFAILED[lang],
                                 "data": {"offset": "2048"}, "module": "upload"}


# -- more errors ------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_badtoken_and_missingparam(uploader: ApiClient, lang: str) -> None:
    bad = upload(uploader, "tok", "abc+\\", **plaintext(lang))
    assert only_error(bad) == {"code": "badtoken", "text": BADTOKEN[lang], "module": "upload"}
    missing = uploader.post(files={"file": ("Lang.png", media.png("tok"), "image/png")},
                            action="upload", token=uploader.csrf, **plaintext(lang))
    assert only_error(missing) == {"code": "nofilename", "text": NOFILENAME[lang],
                                   "module": "upload"}


@pytest.mark.parametrize("lang", LANGS)
def test_permissiondenied(plain: ApiClient, lang: str) -> None:
    error = only_error(upload(plain, "perm", plain.csrf, **plaintext(lang)))
    assert error["code"] == "permissiondenied"
    assert error["text"].startswith(PERMISSIONDENIED[lang])
    assert "uploader" in error["text"]


@pytest.mark.parametrize("lang", ("fr", "de", "th"))
def test_bc_stays_english(anon: ApiClient, uploader: ApiClient, lang: str) -> None:
    reply = upload(anon, "bc", uselang=lang)
    assert reply["error"]["info"] == MUSTBELOGGEDIN["en"]
    assert reply["error"]["*"].startswith("See ")
    data = _chunk_data()
    small = uploader.chunk("Small.png", data[:100], 0, len(data), uselang=lang,
                           errorformat="bc")
    assert small["error"]["info"] == CHUNK_TOO_SMALL["en"]


def test_formatversion_1_and_the_other_formats(anon: ApiClient) -> None:
    fv1 = upload(anon, "fv1", errorformat="plaintext",
                      uselang="fr")
    assert fv1["errors"] == [{"code": "mustbeloggedin", "*": MUSTBELOGGEDIN["fr"],
                              "module": "upload"}]
    wikitext = upload(anon, "wt", errorformat="wikitext",
                           uselang="de", formatversion="2")
    assert only_error(wikitext)["text"] == MUSTBELOGGEDIN["de"]
    html = upload(anon, "html", errorformat="html",
                       uselang="th", formatversion="2")
    assert only_error(html)["html"] == MUSTBELOGGEDIN["th"]
    raw = upload(anon, "raw", errorformat="raw",
                      uselang="fr", formatversion="2")
    assert only_error(raw) == {
        "code": "mustbeloggedin", "key": "apierror-mustbeloggedin",
        "params": [{"message": {"key": "action-upload", "params": []}}], "module": "upload"}


def test_warnings_follow_errorlang(anon: ApiClient) -> None:
    reply = anon.get(action="query", meta="siteinfo", foo="1", **plaintext("fr"))
    assert reply["warnings"] == [{"code": "unrecognizedparams",
                                  "text": "Paramètre non reconnu : foo.", "module": "main"}]
    two = anon.get(action="query", meta="siteinfo", foo="1", bar="2", **plaintext("de"))
    assert two["warnings"][0]["text"] == "Nicht erkannte Parameter: foo, bar."
    bc = anon.get(action="query", meta="siteinfo", foo="1", uselang="de")
    assert bc["warnings"] == {"main": {"*": "Unrecognized parameter: foo."}}


def test_clientlogin_message_follows_uselang(anon: ApiClient) -> None:
    reply = anon.post(action="clientlogin", username="Admin", password="wrong",
                      loginreturnurl="http://127.0.0.1/", logintoken=anon.token("login"),
                      uselang="fr", formatversion="2")
    assert reply["clientlogin"]["message"] == ("Nom d’utilisateur ou mot de passe incorrect."
                                               "\nVeuillez réessayer.")
    assert reply["clientlogin"]["messagecode"] == "wrongpassword"


# -- choosing the language ----------------------------------------------------------------

@pytest.mark.parametrize(("params", "uselang", "errorlang", "text"), [
    ({}, "en", "en", "en"),
    ({"uselang": "fr"}, "fr", "fr", "fr"),
    ({"uselang": "DE"}, "de", "de", "de"),
    ({"uselang": "de", "errorlang": "fr"}, "de", "fr", "fr"),
    ({"uselang": "de", "errorlang": "FR"}, "de", "fr", "fr"),
    ({"uselang": "th", "errorlang": "uselang"}, "th", "th", "th"),
    ({"uselang": "de", "errorlang": "content"}, "de", "en", "en"),
    ({"uselang": "de", "errorlang": ""}, "de", "en", "en"),
    ({"uselang": "user"}, "en", "en", "en"),
    ({"uselang": "content", "errorlang": "th"}, "en", "th", "th"),
    ({"uselang": "de-at"}, "de-at", "de-at", "de"),
    ({"uselang": "frc"}, "frc", "frc", "fr"),
    ({"uselang": "xyz"}, "xyz", "xyz", "en"),
    ({"uselang": "a:b"}, "en", "en", "en"),
    ({"uselang": "qqq"}, "en", "en", "en"),
    ({"uselang": "../fr"}, "en", "en", "en"),
    ({"uselang": "fr", "errorsuselocal": "1"}, "fr", "fr", "fr"),
])
def test_language_choice(anon: ApiClient, params: dict[str, str], uselang: str,
                         errorlang: str, text: str) -> None:
    info = anon.get(action="query", responselanginfo="1", errorformat="plaintext",
                    formatversion="2", **params)
    assert info == {"batchcomplete": True, "uselang": uselang, "errorlang": errorlang}
    reply = anon.get(action="nosuchaction", errorformat="plaintext", formatversion="2",
                     **params)
    expected = {
        "en": 'Unrecognized value for parameter "action": nosuchaction.',
        "fr": "Valeur non reconnue pour le paramètre « action » : nosuchaction.",
        "de": "Nicht erkannter Wert für den Parameter „action“: nosuchaction.",
        "th": 'ไม่รู้จักค่าของพารามิเตอร์ "action": nosuchaction',
    }[text]
    assert only_error(reply) == {"code": "badvalue", "text": expected, "module": "main"}


def test_responselanginfo_with_bc_reports_english_errors(anon: ApiClient) -> None:
    """The bc error formatter is always English, whatever errorlang says."""
    for params in ({"uselang": "de"}, {"uselang": "de", "errorlang": "fr"}):
        reply = anon.get(action="query", responselanginfo="1", **params)
        assert reply == {"batchcomplete": "", "uselang": "de", "errorlang": "en"}


def test_siteinfo_lists_the_catalogue_languages(anon: ApiClient) -> None:
    fv1 = anon.get(action="query", meta="siteinfo", siprop="languages")["query"]["languages"]
    assert fv1 == [{"code": "de", "bcp47": "de", "*": "Deutsch"},
                   {"code": "en", "bcp47": "en", "*": "English"},
                   {"code": "fr", "bcp47": "fr", "*": "français"},
                   {"code": "th", "bcp47": "th", "*": "ไทย"}]
    fv2 = anon.get(action="query", meta="siteinfo", siprop="languages",
                   formatversion="2")["query"]["languages"]
    assert [(entry["code"], entry["name"]) for entry in fv2] == [
        ("de", "Deutsch"), ("en", "English"), ("fr", "français"), ("th", "ไทย")]


def test_docref_follows_the_error_language(anon: ApiClient, api_url: str) -> None:
    french = anon.get(action="foo", errorformat="plaintext", uselang="fr", formatversion="2")
    english = anon.get(action="foo", formatversion="2")["error"]["docref"]
    assert french["docref"] != english and api_url in french["docref"]
    assert english.startswith(f"See {api_url} for API usage.")
