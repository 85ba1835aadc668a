"""The committed OpenAPI document is the contract: schemathesis generates requests for every
operation in it and checks the answers of a real gunicorn against it.

Checks: no 5xx, the body matches the documented schema, the status is documented, the
Content-Type is documented, and documented response headers are present and valid. Generic
over the operations in openapi/openapi.json: a new endpoint is tested as soon as it is in the spec.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from unittest import mock

import itsdangerous
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.content import load_corpus
from api.preview import TOKEN_HEADER, make_token
from tests.conftest import SECRET
from tests.contract.stats import STATS
from tests.e2e.server import ROOT

pytestmark = pytest.mark.e2e

# The committed contract; LP_CONTRACT_SPEC points at another file, e.g. the spec your branch
# generates (`flask --app api.app spec write --output /tmp/spec.json`) before you commit it.
SPEC = Path(os.environ.get("LP_CONTRACT_SPEC") or ROOT / "openapi" / "openapi.json")
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
]
# Examples per operation in the fuzzing phase (schemathesis also sends its explicit-example and
# boundary "coverage" cases). ~20 operations x 40 keeps the run well under 3 minutes on 2 cores.
MAX_EXAMPLES = 150

schema = schemathesis.openapi.from_path(SPEC)

# Random slugs almost never name a guide, so without help the 200 (and 308, 410) answers of the
# item endpoints would hardly be checked. Half of the time a parameter with one of these names
# gets a real identifier from the bundled content instead of the generated value.
_corpus, _ = load_corpus(ROOT / "content")
GUIDES = sorted(_corpus.guides) + sorted(_corpus.renamed) + sorted(_corpus.retired)
ANCHORS = {slug: [s.anchor for s in g.sections] for slug, g in sorted(_corpus.guides.items())}
REAL = {
    "guide": GUIDES,
    "from": GUIDES,
    "to": GUIDES,
    "collection": sorted(_corpus.collections),
    "tag": sorted({t for g in _corpus.guides.values() for t in g.tags}),
    "script_id": sorted(_corpus.scripts),
}


def _maybe_real(value: object, known: list[str]) -> st.SearchStrategy:
    return st.one_of(st.just(value), st.sampled_from(known)) if known else st.just(value)


@schema.hook
def flatmap_path_parameters(ctx, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    path = ctx.operation.path
    slugs = sorted(_corpus.collections) if path.startswith("/v1/collections/") else GUIDES
    out = {k: _maybe_real(v, REAL.get(k, [])) for k, v in path_parameters.items()}
    if "slug" in path_parameters:
        out["slug"] = _maybe_real(path_parameters["slug"], slugs)
    if "anchor" in path_parameters:
        # a real guide with one of its own anchors, or the generated pair
        pairs = [(slug, a) for slug, anchors in ANCHORS.items() for a in anchors]
        real = st.sampled_from(pairs).map(lambda p: {**path_parameters, "slug": p[0], "anchor": p[1]})
        return st.one_of(st.fixed_dictionaries(out), real)
    return st.fixed_dictionaries(out)


@schema.hook
def flatmap_query(ctx, query):
    if not isinstance(query, dict) or not query:
        return st.just(query)
    return st.fixed_dictionaries({k: _maybe_real(v, REAL.get(k, [])) for k, v in query.items()})


def _preview_tokens() -> list[str]:
    """Preview tokens as callers send them: valid for every draft, valid for one real guide (its
    URLs only), made two hours ago (expired), tampered with, signed with another key, junk. The
    live server signs with tests/conftest.py's SECRET (LP_SECRET_KEY of the session)."""
    every = make_token(SECRET)
    real = time.time
    with mock.patch.object(itsdangerous.timed.time, "time", lambda: real() - 2 * 3600):
        expired = make_token(SECRET)
    tampered = every[:-3] + ("AAA" if not every.endswith("AAA") else "BBB")
    forged = make_token("another-secret-key-000000000000")
    one_guide = [make_token(SECRET, slug) for slug in sorted(_corpus.guides)[:3]]
    return [every, every, *one_guide, expired, tampered, forged, "x"]


PREVIEW_TOKENS = _preview_tokens()
_GLOBAL_SECURITY = json.loads(SPEC.read_text(encoding="utf-8")).get("security", [])


@schema.hook
def flatmap_case(ctx, case):
    """Half of the cases of an operation whose security takes a preview token send one: the spec
    says where (the PreviewToken scheme), so every such operation's 200s and 401s under preview are
    checked against it as well."""
    security = case.operation.definition.raw.get("security", _GLOBAL_SECURITY)
    if not any("PreviewToken" in requirement for requirement in security):
        return st.just(case)

    def with_token(token: str | None) -> schemathesis.Case:
        if token is not None:
            case.headers = {**(case.headers or {}), TOKEN_HEADER: token}
        return case

    return st.one_of(st.just(None), st.sampled_from(PREVIEW_TOKENS)).map(with_token)


@pytest.fixture(scope="module")
def session(live_server: str):
    STATS.operations = sum(1 for _ in schema.get_all_operations())
    started = time.monotonic()
    with requests.Session() as s:
        yield s
    STATS.seconds = time.monotonic() - started


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,  # latency is not the contract; a slow first search must not fail a case
    # `live_server` and `session` are module/session scoped: the same server for every example.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_spec(case: schemathesis.Case, live_server: str, session: requests.Session) -> None:
    label = case.operation.label
    try:
        response = case.call_and_validate(base_url=live_server, session=session, checks=CHECKS)
    except BaseException:
        STATS.failed.add(label)
        raise
    finally:
        STATS.cases[label] += 1
    STATS.statuses[response.status_code] += 1
    if TOKEN_HEADER in (case.headers or {}):
        STATS.preview[response.status_code] += 1


def test_preview_tokens_were_exercised() -> None:
    """The run above sent preview tokens and got both kinds of answer: read (2xx/3xx) and refused (401)."""
    if not STATS.cases:
        pytest.skip("the contract cases did not run in this session")
    assert any(status < 400 for status in STATS.preview), STATS.preview
    assert STATS.preview[401] > 0, STATS.preview
