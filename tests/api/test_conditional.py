"""304s through Werkzeug's is_resource_modified answer exactly as the hand-written check did.

`_reference` is the check the API had before (api/http.py `_not_modified`, issue 13), kept here
as the oracle: every combination of validators below gets the status it would have given, and a
304 carries the 200's caching headers.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from flask import request
from werkzeug.http import parse_etags

from api.http import not_modified
from tests.synthetic import QUIET

GUIDE = f"/v1/guides/{QUIET}"  # updated: 2026-03-01, so a Last-Modified
EMBED = "/v1/embed/lp-search.js"  # an ETag, no Last-Modified


# Behaviour, not content: `app` and `client` serve the synthetic corpus (tests/synthetic.py).
pytestmark = pytest.mark.synthetic


def _reference(etag: str, modified: dt.datetime | None) -> bool:
    """RFC 9110 13.2.2: If-None-Match wins; If-Modified-Since only counts without it."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        return parse_etags(if_none_match).contains_weak(etag)
    if modified is not None and request.headers.get("If-Modified-Since"):
        since = request.if_modified_since
        return since is not None and modified <= since
    return False


NONE_MATCH = [None, "{etag}", "W/{etag}", '"other"', '"other", {etag}', "*", "", "not-an-etag", '"x", W/"y"']
MODIFIED_SINCE = [
    None,
    "Tue, 17 Mar 2026 00:00:00 GMT",  # exactly Last-Modified
    "Wed, 18 Mar 2026 00:00:00 GMT",  # later
    "Mon, 16 Mar 2026 23:59:59 GMT",  # earlier
    "Tuesday, 17-Mar-26 00:00:00 GMT",  # RFC 850 form
    "not a date",
    "",
]
IF_MATCH = [None, '"other"', "{etag}"]  # ignored, before and after
CASES = list(itertools.product(NONE_MATCH, MODIFIED_SINCE, IF_MATCH))


def _headers(etag: str, inm: str | None, ims: str | None, im: str | None) -> dict[str, str]:
    named = {"If-None-Match": inm, "If-Modified-Since": ims, "If-Match": im}
    return {k: v.format(etag=etag) for k, v in named.items() if v is not None}


@pytest.mark.parametrize("url", [GUIDE, EMBED])
def test_statuses_are_those_of_the_previous_check(app, client, url) -> None:
    first = client.get(url)
    etag = first.headers["ETag"]
    modified = first.last_modified
    changed = []
    for inm, ims, im in CASES:
        headers = _headers(etag, inm, ims, im)
        with app.test_request_context(url, headers=headers):
            before = _reference(etag.strip('"'), modified)
            after = not_modified(etag.strip('"'), modified)
        status = client.get(url, headers=headers).status_code
        if before != after or status != (304 if before else 200):
            changed.append((headers, before, after, status))
    assert changed == []
    # The table reaches both answers.
    statuses = {client.get(url, headers=_headers(etag, inm, None, None)).status_code for inm in NONE_MATCH}
    assert statuses == {200, 304}


def test_a_304_has_the_200s_caching_headers(client) -> None:
    first = client.get(GUIDE)
    for headers in ({"If-None-Match": first.headers["ETag"]}, {"If-Modified-Since": first.headers["Last-Modified"]}):
        for _ in range(2):  # the first through the view, the second answered before it (revalidate_early)
            r = client.get(GUIDE, headers=headers)
            assert r.status_code == 304 and r.get_data() == b""
            for name in ("ETag", "Cache-Control", "X-Content-Version", "Vary"):  # (Werkzeug drops Last-Modified)
                assert r.headers.get(name) == first.headers.get(name), name
