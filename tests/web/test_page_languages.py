"""Every page in English, French, German and Thai: ``uselang=``, else Accept-Language,
else English."""

from __future__ import annotations

import pytest

from tests.api.file_helpers import png
from tests.web.page_client import PageClient, upload_config

# A text each page shows, per language (the catalogues' texts for these keys).
EXPECTED = {
    "en": {"Special:UserLogin": "Username", "Special:Upload": "Destination filename:",
           "Special:ListFiles": "File list", "Special:UploadStash": "Upload stash",
           "Special:Log/upload": "Upload log", "File:Lang.png": "File history",
           "Special:UserLogout": "Do you want to log out?"},
    "fr": {"Special:UserLogin": "Nom d’utilisateur",
           "Special:Upload": "Nom de fichier de destination :",
           "Special:ListFiles": "Liste des fichiers",
           "Special:UploadStash": "Réserve de téléversements",
           "Special:Log/upload": "Journal des téléversements",
           "File:Lang.png": "Historique du fichier",
           "Special:UserLogout": "Voulez-vous vous déconnecter ?"},
    "de": {"Special:UserLogin": "Benutzername", "Special:Upload": "Zielname:",
           "Special:ListFiles": "Dateiliste", "Special:UploadStash": "Hochlade-Zwischenspeicher",
           "Special:Log/upload": "Datei-Logbuch", "File:Lang.png": "Dateiversionen",
           "Special:UserLogout": "Möchtest du dich abmelden?"},
    "th": {"Special:UserLogin": "ชื่อผู้ใช้", "Special:Upload": "ชื่อไฟล์ปลายทาง:",
           "Special:ListFiles": "รายการไฟล์", "Special:UploadStash": "ที่พักไฟล์อัปโหลด",
           "Special:Log/upload": "ปูมการอัปโหลด", "File:Lang.png": "ประวัติไฟล์",
           "Special:UserLogout": "คุณต้องการออกจากระบบหรือไม่"},
}


@pytest.fixture
def with_file(person: PageClient) -> PageClient:
    reply = person.api("POST", files={"file": ("Lang.png", png(200, 100), "image/png")},
                       action="upload", filename="Lang.png", token=person.csrf())
    assert reply["upload"]["result"] == "Success", reply
    return person


@pytest.mark.parametrize("lang", ["en", "fr", "de", "th"])
def test_every_page_in_each_language(with_file: PageClient, lang: str) -> None:
    for title, text in EXPECTED[lang].items():
        page = with_file.get(f"/wiki/{title}", params={"uselang": lang})
        assert page.status_code == 200, title
        assert f'<html lang="{lang}"' in page.text, title
        assert text in page.text, (title, lang)
        if lang != "en":
            assert EXPECTED["en"][title] not in page.text, (title, lang)


@pytest.mark.parametrize("lang", ["fr", "de", "th"])
def test_upload_script_texts_follow_the_page(with_file: PageClient, lang: str) -> None:
    config = upload_config(with_file.get("/wiki/Special:Upload", params={"uselang": lang}).text)
    assert config["lang"] == lang
    english = upload_config(with_file.get("/wiki/Special:Upload").text)["messages"]
    assert config["messages"].keys() == english.keys()
    assert config["messages"]["uploadwarning"] != english["uploadwarning"]


def test_accept_language_then_english(visitor: PageClient) -> None:
    german = visitor.get("/wiki/Special:UserLogin",
                         headers={"Accept-Language": "es;q=0.9, de-AT;q=0.8, en;q=0.1"})
    assert '<html lang="de"' in german.text and "Benutzername" in german.text
    thai = visitor.get("/wiki/Special:UserLogin", headers={"Accept-Language": "th-TH"})
    assert '<html lang="th"' in thai.text
    unknown = visitor.get("/wiki/Special:UserLogin", headers={"Accept-Language": "ja"})
    assert '<html lang="en"' in unknown.text
    chosen = visitor.get("/wiki/Special:UserLogin", params={"uselang": "fr"},
                         headers={"Accept-Language": "de"})
    assert '<html lang="fr"' in chosen.text
    links = visitor.get("/wiki/Special:ListFiles", params={"uselang": "fr"}).text
    assert 'href="/wiki/Special:Upload?uselang=fr"' in links
    other = visitor.get("/index.php", params={"title": "Special:Log/upload"}).text
    assert 'href="/index.php?title=Special%3ALog%2Fupload&amp;uselang=th"' in other


def test_api_errors_on_pages_follow_the_page_language(visitor: PageClient) -> None:
    page = visitor.post("/wiki/Special:UserLogin?uselang=de", {"wpName": "X"})
    assert page.status_code == 400
    assert "Anmeldesitzung" in page.text
