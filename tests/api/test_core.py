"""api.php conventions: envelope, formats, warnings, methods (over real HTTP)."""

from __future__ import annotations

from tests.support import ApiClient, docref, error_of


def test_unknown_action_is_badvalue(anon: ApiClient) -> None:
    reply = anon.raw("GET", {"action": "foo"})
    assert reply.status_code == 200
    assert reply.headers["MediaWiki-API-Error"] == "badvalue"
    assert reply.json() == error_of(anon.url, "badvalue",
                                    'Unrecognized value for parameter "action": foo.')


def test_unrecognized_parameters_warn_in_order(anon: ApiClient) -> None:
    assert anon.get(action="query", foo="1", bar="2") == {
        "warnings": {"main": {"*": "Unrecognized parameters: foo, bar."}},
        "batchcomplete": "",
    }
    assert anon.get(action="query", foo="1", formatversion="2") == {
        "warnings": {"main": {"warnings": "Unrecognized parameter: foo."}},
        "batchcomplete": True,
    }


def test_invalid_method_is_405(anon: ApiClient) -> None:
    reply = anon.http.put(anon.url, params={"action": "query", "format": "json"})
    assert reply.status_code == 405
    assert reply.json()["error"]["code"] == "invalidmethod"


def test_fv2_error_uses_docref_key(anon: ApiClient) -> None:
    assert anon.get(action="foo", formatversion="2") == {"error": {
        "code": "badvalue", "info": 'Unrecognized value for parameter "action": foo.',
        "docref": docref(anon.url)}}
