"""Any input to any query parameter of any GET operation in the spec: a documented status, the
error shape for a 4xx, never a 500. The operations and their parameters come from the committed
openapi/openapi.json, so an endpoint added to the spec is covered without editing this file."""

from __future__ import annotations

from urllib.parse import quote, quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.property.spec import Operation, check_answer, operations

# Text a client can send: any Unicode scalar value (lone surrogates cannot be encoded as UTF-8).
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
SETTINGS = settings(
    max_examples=100,
    deadline=None,  # the first search in a session opens the index
    # the app fixture is session scoped: every example uses the same app and content
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    # The same examples on every run. Randomized, the unknown-parameter test failed in 10-40% of
    # local runs of this module with Hypothesis's FlakyStrategyDefinition ("Inconsistent data
    # generation"), always for an operation with one path parameter, only when the other
    # parametrizations ran first; no example database, no target phase, or strategies built once
    # per operation did not stop it, and the cause is not found. A gate must not flip on its own.
    derandomize=True,
)
GETS = [op for op in operations("get") if op.params("query")]


def known_values(corpus, op: Operation, name: str) -> list[str]:
    """Real identifiers for a path parameter, so that the handler gets as far as the query."""
    if name == "slug" and op.path.startswith("/v1/collections/"):
        return sorted(corpus.collections)
    if name == "slug":
        return sorted(corpus.guides) + sorted(corpus.renamed) + sorted(corpus.retired)
    if name == "script_id":
        return sorted(corpus.scripts)
    if name == "anchor":
        return sorted({s.anchor for g in corpus.guides.values() for s in g.sections})
    return []


def draw_path(data: st.DataObject, corpus, op: Operation) -> str:
    path = op.path
    for p in op.params("path"):
        known = known_values(corpus, op, p["name"])
        any_value = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=60)
        value = data.draw(st.one_of(st.sampled_from(known), any_value) if known else any_value, label=p["name"])
        path = path.replace("{" + p["name"] + "}", quote(value, safe=""))
    return path


def call(app, op: Operation, path: str, query_string: str | dict) -> None:
    with app.test_client() as client:
        r = client.open(path, method=op.method.upper(), query_string=query_string)
        check_answer(op, r.status_code, r.mimetype if r.data or r.status_code >= 400 else None, r.data)


@pytest.mark.parametrize("op", GETS, ids=[op.label for op in GETS])
@SETTINGS
@given(data=st.data())
def test_any_string_for_any_query_parameter(prop_app, corpus, op: Operation, data: st.DataObject) -> None:
    names = [p["name"] for p in op.params("query")]
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
    query = {name: data.draw(ANY_TEXT, label=name) for name in chosen}
    call(prop_app, op, draw_path(data, corpus, op), query)


@pytest.mark.parametrize("op", GETS, ids=[op.label for op in GETS])
@SETTINGS
@given(data=st.data())
def test_any_bytes_in_the_query_string(prop_app, corpus, op: Operation, data: st.DataObject) -> None:
    """Invalid UTF-8, repeated and empty names, '&' and '=' anywhere: the raw query string."""
    names = [p["name"].encode() for p in op.params("query")]
    pieces = data.draw(
        st.lists(
            st.tuples(st.one_of(st.sampled_from(names), st.binary(max_size=10)), st.binary(max_size=60)),
            min_size=1,
            max_size=6,
        )
    )
    raw = "&".join(quote_from_bytes(k, safe="") + "=" + quote_from_bytes(v, safe="=&") for k, v in pieces)
    call(prop_app, op, draw_path(data, corpus, op), raw)


# Operations that document a 422 (all but the Prometheus scrape endpoint, which answers text).
VALIDATING_GETS = [op for op in operations("get") if "422" in op.responses]


@pytest.mark.parametrize("op", VALIDATING_GETS, ids=[op.label for op in VALIDATING_GETS])
@SETTINGS
@given(data=st.data())
def test_an_unknown_query_parameter_is_a_422_that_names_it(prop_app, corpus, op: Operation, data) -> None:
    known = {p["name"] for p in op.params("query")}
    # Built to be unknown, from a plain alphabet; the raw-bytes test above covers exotic names.
    tail = data.draw(
        st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-~", max_size=29), label="name"
    )
    name = "x" + tail
    assert name not in known
    value = data.draw(ANY_TEXT, label="value")
    path = draw_path(data, corpus, op)
    with prop_app.test_client() as client:
        r = client.get(path, query_string={name: value})
    check_answer(op, r.status_code, r.mimetype, r.data)
    if r.status_code not in (404, 410, 308):  # a path that names nothing answers that first
        assert r.status_code == 422, (op.label, name, r.status_code)
        assert name in r.get_json()["errors"]["query"], r.get_json()
