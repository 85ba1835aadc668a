"""POST /v1/pattern-check: answers, the safety notice, and every kind of bad input."""

from __future__ import annotations

import io

import pytest

URL = "/v1/pattern-check"


def _problem(r, status: int) -> dict:
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.mimetype == "application/json"
    body = r.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_answer_ranks_guides_with_matched_signals_and_words(client) -> None:
    r = client.post(URL, json={"situation": "she takes forever to reply and my whole night is ruined every time"})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    body = r.get_json()
    assert list(body) == ["safety", "results", "reading", "understood"]
    assert body["safety"] is None and body["reading"] is None
    top = body["results"][0]
    assert top["slug"] == "anxious-texting" and top["url"] == "/v1/guides/anxious-texting"
    assert top["matched_signals"] and all(s["words"] for s in top["matched_signals"])
    assert [x["rank"] for x in body["results"]] == list(range(1, len(body["results"]) + 1))


def test_danger_puts_the_safety_notice_first(client) -> None:
    body = client.post(URL, json={"situation": "my ex keeps following me home and texting me threats"}).get_json()
    assert list(body)[0] == "safety"
    assert {"threats", "stalking"} <= set(body["safety"]["matched"])
    assert body["safety"]["resources"] and body["safety"]["message"]
    assert body["results"][0]["slug"] == "ex-wont-stop-contacting-you"


def test_ticked_signals_and_current_guide(client) -> None:
    body = client.post(
        URL,
        json={
            "situation": "her silence makes me feel so guilty",
            "signals": ["Their silence feels like proof that you were unkind."],
            "guide": "no-contact-rule",
            "limit": 3,
        },
    ).get_json()
    assert len(body["results"]) <= 3
    top = body["results"][0]
    assert top["slug"] == "how-to-set-boundaries-without-guilt"
    assert any(s["ticked"] for s in top["matched_signals"])
    nxt = body["reading"]["closest_next_read"]
    assert body["reading"]["slug"] == "no-contact-rule"
    assert nxt["slug"] == "how-to-set-boundaries-without-guilt" and nxt["via"]["type"] == "read_next"
    assert nxt["via"]["condition"] == "if the hardest part is tolerating their disappointment or silence"


def test_the_answer_is_deterministic(client) -> None:
    payload = {"situation": "he goes quiet for days then acts like nothing happened", "guide": "anxious-texting"}
    assert client.post(URL, json=payload).get_data() == client.post(URL, json=payload).get_data()


def test_body_over_the_cap_is_413(client) -> None:
    big = '{"situation": "' + "a" * 9000 + '"}'
    assert "8192" in _problem(client.post(URL, data=big, content_type="application/json"), 413)["detail"]


@pytest.mark.parametrize(
    "body",
    [
        "[" * 4000 + "]" * 4000,  # about 8 KB of nested arrays
        '{"situation": ' + "[" * 3000 + "]" * 3000 + "}",
        '{"a":' * 1300 + "1" + "}" * 1300,
    ],
)
def test_deeply_nested_json_is_400_not_500(client, body: str) -> None:
    """Issue 19.3: json.loads raised RecursionError, which became a 500."""
    assert len(body) <= 8 * 1024
    r = client.post(URL, data=body, content_type="application/json")
    assert "nested too deeply" in _problem(r, 400)["detail"]


def test_body_without_content_length_is_still_capped(client) -> None:
    stream = io.BytesIO(b'{"situation": "' + b"a" * 20000 + b'"}')
    r = client.post(
        URL,
        input_stream=stream,
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )  # as gunicorn sets for chunked bodies
    _problem(r, 413)


@pytest.mark.parametrize(
    "data, content_type, status",
    [
        ("situation=hello", "application/x-www-form-urlencoded", 415),
        ("hello", "text/plain", 415),
        ("", "application/json", 400),
        ("{not json", "application/json", 400),
        (b'{"situation": "\xff\xfe caf\xe9"}', "application/json", 400),
        ("[1, 2]", "application/json", 422),
        ('"just a string"', "application/json", 422),
        ("null", "application/json", 422),
    ],
)
def test_non_json_bodies(client, data, content_type: str, status: int) -> None:
    _problem(client.post(URL, data=data, content_type=content_type), status)


@pytest.mark.parametrize(
    "payload, name",
    [
        ({}, "situation"),
        ({"situation": ""}, "situation"),
        ({"situation": "   \n  "}, "situation"),
        ({"situation": None}, "situation"),
        ({"situation": 42}, "situation"),
        ({"situation": ["i", "miss", "him"]}, "situation"),
        ({"situation": {"text": "hi"}}, "situation"),
        ({"situation": "!!! ??? 123"}, "situation"),
        ({"situation": "hello\u0000there"}, "situation"),
        ({"situation": "x" * 4001}, "situation"),
        ({"situation": "i miss him", "signals": "not a list"}, "signals"),
        ({"situation": "i miss him", "signals": [1, 2]}, "signals"),
        ({"situation": "i miss him", "signals": ["s"] * 31}, "signals"),
        ({"situation": "i miss him", "guide": "No Such Guide"}, "guide"),
        ({"situation": "i miss him", "guide": "no-such-guide"}, "guide"),
        ({"situation": "i miss him", "limit": 0}, "limit"),
        ({"situation": "i miss him", "limit": 21}, "limit"),
        ({"situation": "i miss him", "mood": "sad"}, "mood"),
    ],
)
def test_invalid_fields_are_422_naming_them(client, payload: dict, name: str) -> None:
    body = _problem(client.post(URL, json=payload), 422)
    assert name in body["errors"]["json"]


def test_get_is_405(client) -> None:
    _problem(client.get(URL), 405)
