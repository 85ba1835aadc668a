"""The search query guard and the pattern-check analyzer: any text a person (or a script) can type,
any JSON, any bytes; a documented status, the error shape for a 4xx, never a 500."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search_index.query import MAX_QUERY_CHARS
from tests.property.spec import check_answer, operations

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
OPS = {op.label: op for op in operations()}
TEXT = st.characters(exclude_categories=("Cs",))

# Query syntax the guard must treat as text: Whoosh operators, field names, wildcards, quotes.
SYNTAX = st.sampled_from(
    [
        '"',
        "*",
        "?",
        "~",
        "^",
        ":",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "-",
        "+",
        "!",
        "\\",
        "/",
        "AND",
        "OR",
        "NOT",
        "TO",
        "title:",
        "body:",
        "NEAR",
        "'",
        "%",
        "\x00",
        " ",
        "  ",
        "\t",
        "\n",
        "no",
        "contact",
        "miss",
        "ex",
        "hurt me",
        "kill",
        "é",
        "ß",
        "İ",
        "ﬁ",
        "\u200b",
        "🙂",
        "a" * 40,
    ]
)
QUERIES = st.one_of(
    st.text(TEXT, max_size=650),  # crosses MAX_QUERY_CHARS (600) now and then
    st.lists(SYNTAX, max_size=30).map("".join),
    st.lists(st.one_of(SYNTAX, st.text(TEXT, max_size=8)), max_size=20).map(" ".join),
)


def get(prop_app, path: str, q: str):
    """GET path?q=…, its answer checked against the spec."""
    with prop_app.test_client() as client:
        r = client.get(path, query_string={"q": q})
    check_answer(OPS[f"GET {path}"], r.status_code, r.mimetype, r.data)
    return r


@SETTINGS
@given(q=QUERIES)
def test_any_search_query(prop_app, q: str) -> None:
    r = get(prop_app, "/v1/search", q)
    if len(q) > MAX_QUERY_CHARS:
        assert r.status_code == 422
    elif r.status_code == 200:
        assert r.get_json()["query"]["q"] == q


@SETTINGS
@given(q=QUERIES)
def test_any_suggest_query(prop_app, q: str) -> None:
    get(prop_app, "/v1/suggest", q)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(TEXT, max_size=50),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(TEXT, max_size=10), inner, max_size=5),
    max_leaves=20,
)
# Bodies near the documented shape reach the analyzer itself, not only the validation.
NEAR_VALID = st.fixed_dictionaries(
    {"situation": st.one_of(st.text(TEXT, max_size=400), QUERIES)},
    optional={
        "signals": st.one_of(st.lists(st.text(TEXT, max_size=80), max_size=35), JSON),
        "guide": st.one_of(
            st.none(),
            st.sampled_from(["no-contact-rule", "no-contact", "make-them-miss-you"]),
            st.text(TEXT, max_size=20),
        ),
        "limit": st.one_of(st.integers(-5, 30), JSON),
    },
)


def post(prop_app, body: bytes, content_type: str | None) -> None:
    op = OPS["POST /v1/pattern-check"]
    headers = {"Content-Type": content_type} if content_type else {}
    with prop_app.test_client() as client:
        r = client.post("/v1/pattern-check", data=body, headers=headers)
    check_answer(op, r.status_code, r.mimetype, r.data)


@SETTINGS
@given(value=st.one_of(JSON, NEAR_VALID))
def test_pattern_check_any_json(prop_app, value) -> None:
    post(prop_app, json.dumps(value).encode(), "application/json")


@SETTINGS
@given(
    body=st.one_of(st.binary(max_size=300), st.binary(min_size=8000, max_size=9000)),
    content_type=st.sampled_from(
        [
            None,
            "application/json",
            "application/json; charset=latin-1",
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/merge-patch+json",
            "*/*",
        ]
    ),
)
def test_pattern_check_any_bytes(prop_app, body: bytes, content_type: str | None) -> None:
    post(prop_app, body, content_type)
