"""Special:UserLogin and Special:UserLogout over HTTP: the session they set is the one
api.php sees, and a form posted without its token is refused."""

from __future__ import annotations

from tests.support import Accounts
from tests.web.page_client import PageClient, hidden_fields


def test_login_form_logs_in_for_the_pages_and_the_api(visitor: PageClient,
                                                      accounts: Accounts) -> None:
    page = visitor.get("/wiki/Special:UserLogin")
    assert page.status_code == 200
    assert 'for="wpName1"' in page.text and 'for="wpPassword1"' in page.text
    fields = hidden_fields(page.text)
    assert fields["wpLoginToken"].endswith("+\\")
    fields.update(wpName="Uploader", wpPassword=accounts.uploader_password,
                  returnto="Special:ListFiles")
    reply = visitor.post("/wiki/Special:UserLogin", fields)
    assert reply.status_code == 303
    assert reply.headers["location"] == "/wiki/Special:ListFiles"
    assert visitor.user_name() == "Uploader"
    assert 'id="user-name">Uploader<' in visitor.get("/wiki/Special:ListFiles").text


def test_login_without_token_is_refused(visitor: PageClient, accounts: Accounts) -> None:
    reply = visitor.post("/wiki/Special:UserLogin",
                         {"wpName": "Uploader", "wpPassword": accounts.uploader_password})
    assert reply.status_code == 400
    assert "problem with your login session" in reply.text
    assert visitor.user_name() == ""


def test_login_with_a_forged_token_is_refused(visitor: PageClient, accounts: Accounts) -> None:
    visitor.get("/wiki/Special:UserLogin")
    reply = visitor.post("/wiki/Special:UserLogin", {
        "wpName": "Uploader", "wpPassword": accounts.uploader_password,
        "wpLoginToken": "0123456789abcdef0123456789abcdef6a2b3c4d+\\"})
    assert reply.status_code == 400
    assert "problem with your login session" in reply.text
    assert visitor.user_name() == ""


def test_wrong_password_is_said_in_plain_words(visitor: PageClient) -> None:
    fields = hidden_fields(visitor.get("/wiki/Special:UserLogin").text)
    fields.update(wpName="Uploader", wpPassword="not the password")
    reply = visitor.post("/wiki/Special:UserLogin", fields)
    assert reply.status_code == 200
    assert 'id="login-error"' in reply.text
    assert "Incorrect username or password" in reply.text
    assert visitor.user_name() == ""


def test_returnto_never_leaves_the_wiki(visitor: PageClient, accounts: Accounts) -> None:
    fields = hidden_fields(visitor.get("/wiki/Special:UserLogin").text)
    fields.update(wpName="Uploader", wpPassword=accounts.uploader_password,
                  returnto="//evil.example/x")
    reply = visitor.post("/wiki/Special:UserLogin", fields)
    assert reply.status_code == 303
    assert reply.headers["location"].startswith("/wiki/")


def test_logout_needs_the_token(person: PageClient) -> None:
    page = person.get("/wiki/Special:UserLogout")
    assert page.status_code == 200 and 'id="logout-button"' in page.text
    refused = person.post("/wiki/Special:UserLogout", {})
    assert refused.status_code == 400
    assert "problem with your login session" in refused.text
    assert person.user_name() == "Uploader"
    reply = person.post("/wiki/Special:UserLogout", hidden_fields(page.text))
    assert reply.status_code == 303
    done = person.get(reply.headers["location"])
    assert 'id="logged-out"' in done.text
    assert person.user_name() == ""
