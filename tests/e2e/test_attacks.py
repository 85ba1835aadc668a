"""The probes of issue 19, against real gunicorn (2 workers), with a partner keys file: a narrow key
that sees one collection, an operator key, and anonymous callers. Each asserts the answer a caller
gets over HTTP, so a regression anywhere between the socket and the view shows here."""

from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from api.content import Corpus
from api.partner_keys import hash_key
from tests.conftest import CONTENT
from tests.e2e.server import gunicorn

pytestmark = pytest.mark.e2e

NARROW = "attack-key-narrow-boundaries-0001"
OPERATOR = "attack-key-operator-everything-02"
SCOPE = "boundaries"
VISIBLE = "how-to-set-boundaries-without-guilt"
WORKERS = 2
SECURITY_HEADERS = ("X-Content-Type-Options", "Content-Security-Policy", "X-Frame-Options", "Referrer-Policy")


@pytest.fixture(scope="module")
def served(tmp_path_factory, _release_store) -> Any:
    tmp = tmp_path_factory.mktemp("attacks")
    keys = tmp / "keys.yaml"
    entries = [
        {"name": "narrow", "sha256": hash_key(NARROW), "collections": [SCOPE], "limit": "100000/minute"},
        {"name": "ops", "sha256": hash_key(OPERATOR), "collections": "all", "operator": True},
    ]
    keys.write_text(yaml.safe_dump({"anonymous": {"allowed": True}, "keys": entries}), encoding="utf-8")
    log = tmp / "gunicorn.log"
    with gunicorn(workers=WORKERS, env={"LP_PARTNER_KEYS_FILE": str(keys)}, log=log) as base:
        yield base, log


def call(
    url: str, headers: dict[str, str] | None = None, data: bytes | None = None
) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {}, data=data)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def raw(base: str, request: bytes) -> bytes:
    """Bytes straight onto the socket (a Host urllib would not send as given); the whole answer."""
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=15) as s:
        s.sendall(request)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    return out


def _error_shape(status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    assert headers["Content-Type"].startswith(("application/problem+json", "application/json")), headers
    doc = json.loads(body)
    assert doc["status"] == status and doc["detail"]
    return doc


# -- scope: nothing of the hidden collections through any endpoint --------------------------------
def _hidden(corpus: Corpus) -> list[str]:
    """What a narrow key must never be told: hidden guides' slugs and titles, their scripts' ids."""
    hidden = [g for g in corpus.guides.values() if g.collection != SCOPE]
    # A visible guide's own prose may say a hidden guide's title (the text of a link to it, which
    # the key gets as plain text): the editor's words, not a leak. Every other title is checked.
    prose = " ".join(
        (CONTENT / "guides" / f"{g.slug}.md").read_text() for g in corpus.guides.values() if g not in hidden
    )
    titles = [g.title for g in hidden if g.title not in prose]
    names = [g.slug for g in hidden] + titles + [s.id for g in hidden for s in g.scripts]
    names += [slug for slug in corpus.collections if slug != SCOPE]
    # retirements from other collections: their slugs and reasons
    gone = [slug for slug in corpus.retired if corpus.retired_from.get(slug) != SCOPE]
    return names + gone + [corpus.retired[slug] for slug in gone]


def test_a_narrow_key_learns_nothing_of_other_collections_anywhere(served, corpus: Corpus) -> None:
    base, _ = served
    key = {"X-API-Key": NARROW}
    visible_script = next(s.id for s in corpus.guides[VISIBLE].scripts)
    urls = [
        "/v1/guides?page_size=50",
        f"/v1/guides/{VISIBLE}",
        f"/v1/guides/{VISIBLE}/sections/{corpus.guides[VISIBLE].sections[1].anchor}",
        "/v1/scripts?page_size=50",
        f"/v1/scripts/{visible_script}",
        "/v1/collections",
        f"/v1/collections/{SCOPE}",
        "/v1/graph",
        f"/v1/graph/guides/{VISIBLE}?depth=3",
        "/v1/search?q=contact",
        "/v1/search?q=ex&page_size=50",
        "/v1/search?q=breakup",  # a hidden collection's own words: no hit, no did-you-mean into it
        "/v1/search?q=clousre",
        "/v1/suggest?q=n&limit=20",
        "/v1/suggest?q=c&limit=20",
        "/v1/suggest?q=no%20cont&limit=20",
        "/v1/export",
        "/v1/sync?page_size=100",
    ]
    bodies: list[tuple[str, str]] = []
    for url in urls:
        status, _h, body = call(base + url, key)
        assert status == 200, (url, status, body[:300])
        bodies.append((url, body.decode()))
    situation = json.dumps({"situation": "i miss my ex and keep checking their profile at night", "limit": 20})
    status, _h, body = call(base + "/v1/pattern-check", key, situation.encode())
    assert status == 200
    bodies.append(("/v1/pattern-check", body.decode()))
    # the redirects of the export and the first sync: only renames into, and retirements from, its collection
    for url, text in bodies:
        if url in ("/v1/export", "/v1/sync?page_size=100"):
            redirects = json.loads(text)["redirects"]
            assert all(corpus.guides[new].collection == SCOPE for new in redirects["renamed"].values()), url
            assert all(corpus.retired_from.get(x["slug"]) == SCOPE for x in redirects["retired"]), url
            assert "no-contact" not in redirects["renamed"] and "how-to-set-boundaries-without-guilt" in str(redirects)
    for name in _hidden(corpus):
        pattern = re.compile(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])")
        for url, text in bodies:
            assert not pattern.search(text), f"{url} names {name!r}, outside the key's scope"
    # and a hidden guide, its section, script, collection, graph node or a path to it are 404s,
    # the same as for something that never existed
    hidden = corpus.guides["no-contact-rule"]
    never = {"/v1/guides/never-was", "/v1/scripts/never-was", "/v1/collections/never-was"}
    for url in [
        f"/v1/guides/{hidden.slug}",
        f"/v1/guides/{hidden.slug}/sections/{hidden.sections[1].anchor}",
        f"/v1/scripts/{hidden.scripts[0].id}",
        f"/v1/collections/{hidden.collection}",
        f"/v1/graph/guides/{hidden.slug}",
        f"/v1/graph/path?from={VISIBLE}&to={hidden.slug}",
        "/v1/guides/no-contact",  # renamed to the hidden guide: not a redirect that names it
        "/v1/guides/make-them-miss-you",  # retired from another collection: not a 410 with its reason
        *never,
    ]:
        status, headers, body = call(base + url, key)
        assert status == 404 and "Location" not in headers, (url, status)
        _error_shape(404, headers, body)


def test_ready_shows_counts_only_without_an_operator_key(served) -> None:
    base, _ = served
    status, _h, body = call(base + "/v1/ready", {"X-API-Key": NARROW})
    doc = json.loads(body)
    assert status == 200 and doc["problems"] == [] and isinstance(doc["problem_count"], int)
    assert call(base + "/v1/ready", {"X-API-Key": OPERATOR})[0] == 200


# -- hostile input ------------------------------------------------------------------------------------
def test_deeply_nested_json_is_a_400_in_the_error_shape(served) -> None:
    base, _ = served
    deep = b'{"situation": ' + b"[" * 3900 + b"]" * 3900 + b"}"
    status, headers, body = call(base + "/v1/pattern-check", data=deep)
    assert status == 400
    _error_shape(400, headers, body)


def test_keys_in_query_strings_never_reach_the_log(served) -> None:
    base, log = served
    secrets = {
        name: f"leak-{i}-{name.lower()}-d8e0f1a2b3"
        for i, name in enumerate(
            ["X-API-Key", "x-api-key", "api-key", "access_token", "auth", "key", "api_key", "apikey", "token"]
        )
    }
    for name, secret in secrets.items():
        status, _h, _b = call(base + f"/v1/guides?{urllib.parse.urlencode({name: secret})}")
        assert status in (401, 422)  # an unknown parameter; the key is read from the header only
    assert call(base + "/v1/health")[0] == 200  # a request after them: their log lines are written
    text = Path(log).read_text(encoding="utf-8", errors="replace")
    assert "/v1/guides" in text
    for secret in secrets.values():
        assert secret not in text


def test_a_forged_host_never_comes_back(served) -> None:
    base, _ = served
    for path in (b"/v1//guides", b"//v1/guides", b"/v1/guides/no-contact"):
        answer = raw(base, b"GET " + path + b" HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
        head = answer.split(b"\r\n\r\n", 1)[0].lower()
        assert b"evil.example" not in answer.lower(), (path, answer[:400])
        if path == b"/v1//guides":
            assert head.startswith(b"http/1.1 404") and b"content-type: application/" in head
        elif path == b"//v1/guides":  # (gunicorn hands the app /v1/guides: its own links are relative)
            assert head.startswith(b"http/1.1 200") and b"location:" not in head
        else:  # a real rename: a relative Location
            assert head.startswith(b"http/1.1 308") and b"\r\nlocation: /v1/guides/no-contact-rule" in head


def test_key_guessing_is_stopped_after_20_a_minute_per_worker(served) -> None:
    base, _ = served
    statuses = [call(base + "/v1/guides", {"X-API-Key": f"guessed-key-{i:05d}-abcdefghij"})[0] for i in range(200)]
    assert set(statuses) <= {401, 429}
    # the counter is per worker process without Redis: each lets at most 20 through
    assert statuses.count(401) <= 20 * WORKERS and statuses.count(429) >= 200 - 20 * WORKERS
    status, headers, body = call(base + "/v1/guides", {"X-API-Key": "guessed-key-final-abcdefghij"})
    assert status == 429 and int(headers["Retry-After"]) >= 1
    _error_shape(429, headers, body)


@pytest.mark.parametrize(
    "url",
    ["/v1/guides?page=1&page=2", "/v1/search?q=a&q=b", "/v1/suggest?q=no&q=ex", "/v1/graph?page=1&page=2"],
)
def test_repeated_parameters_are_a_422(served, url: str) -> None:
    base, _ = served
    status, headers, body = call(base + url)
    assert status == 422
    _error_shape(422, headers, body)


@pytest.mark.parametrize("empty", ["", "   "])
def test_an_empty_key_is_a_401(served, empty: str) -> None:
    base, _ = served
    status, headers, body = call(base + "/v1/guides", {"X-API-Key": empty})
    assert status == 401 and headers["WWW-Authenticate"].startswith("ApiKey")
    _error_shape(401, headers, body)


def test_gunicorns_own_errors_carry_the_security_headers(served) -> None:
    base, _ = served
    answer = raw(base, b"GET /v1/guides?" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
    assert head.startswith("http/1.1 414")
    for name in (*SECURITY_HEADERS, "X-Request-ID"):
        assert f"\r\n{name.lower()}:" in head, name
