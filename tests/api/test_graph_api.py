"""GET /v1/graph, /v1/graph/guides/<slug>, /v1/graph/path: shapes, filters, caching, errors
(on the synthetic corpus, tests/synthetic.py)."""

from __future__ import annotations

import pytest

from tests.synthetic import LIMITS, MISSING, QUIET, UNSAFE


def _problem(r, status: int) -> dict:
    assert r.status_code == status, r.get_data(as_text=True)
    body = r.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_whole_graph_is_drawable(syn_client, syn_corpus) -> None:
    client, corpus = syn_client, syn_corpus
    r = client.get("/v1/graph")
    assert r.status_code == 200 and r.headers["ETag"] and "max-age" in r.headers["Cache-Control"]
    body = r.get_json()
    ids = {n["id"] for n in body["nodes"]}
    assert len(ids) == len(corpus.guides) + len(corpus.collections)
    assert all({"id", "source", "target", "type", "condition"} <= set(e) for e in body["edges"])
    assert all(e["source"] in ids and e["target"] in ids for e in body["edges"])
    quiet = [e for e in body["edges"] if e["source"] == f"guide:{QUIET}" and e["type"] == "read_next"]
    assert {e["target"]: e["condition"] for e in quiet} == {
        f"guide:{MISSING}": "if nostalgia is editing out the pattern"
    }


def test_etag_gives_304(syn_client) -> None:
    etag = syn_client.get(f"/v1/graph/guides/{QUIET}?depth=2").headers["ETag"]
    r = syn_client.get(f"/v1/graph/guides/{QUIET}?depth=2", headers={"If-None-Match": etag})
    assert r.status_code == 304


def test_graph_by_collection(syn_client) -> None:
    body = syn_client.get("/v1/graph?collection=first-steps&types=read_next,in_collection").get_json()
    assert {n["collection"] for n in body["nodes"] if n["type"] == "guide"} == {"first-steps"}
    assert {e["type"] for e in body["edges"]} == {"read_next", "in_collection"}


def test_neighbourhood_depths(syn_client) -> None:
    client, sizes = syn_client, []
    for depth in (1, 2, 3):
        body = client.get(f"/v1/graph/guides/{LIMITS}?depth={depth}").get_json()
        assert body["center"] == f"guide:{LIMITS}" and body["depth"] == depth
        sizes.append(len(body["nodes"]))
    assert sizes[0] < sizes[1] <= sizes[2]
    assert client.get(f"/v1/graph/guides/{LIMITS}").get_json()["depth"] == 1


def test_reading_path(syn_client) -> None:
    body = syn_client.get(f"/v1/graph/path?from={LIMITS}&to={MISSING}").get_json()
    assert body["from"] == f"guide:{LIMITS}" and body["to"] == f"guide:{MISSING}"
    assert body["length"] == len(body["edges"]) == 2  # related to QUIET, then read-next
    assert [n["id"] for n in body["nodes"]][:: len(body["nodes"]) - 1] == [body["from"], body["to"]]


@pytest.mark.parametrize(
    "url, status, name",
    [
        ("/v1/graph?colour=red", 422, "colour"),
        ("/v1/graph?collection=nope", 422, "collection"),
        ("/v1/graph?collection=Not%20A%20Slug", 422, "collection"),
        ("/v1/graph?types=read_next,friends", 422, "types"),
        (f"/v1/graph/guides/{QUIET}?depth=0", 422, "depth"),
        (f"/v1/graph/guides/{QUIET}?depth=4", 422, "depth"),
        (f"/v1/graph/guides/{QUIET}?depth=two", 422, "depth"),
        (f"/v1/graph/guides/{QUIET}?direction=up", 422, "direction"),
        (f"/v1/graph/guides/{QUIET}?page=2", 422, "page"),
        (f"/v1/graph/path?from={QUIET}", 422, "to"),
        (f"/v1/graph/path?to={QUIET}", 422, "from"),
        (f"/v1/graph/path?from={QUIET}&to={UNSAFE}&types=in_collection", 422, "types"),
    ],
)
def test_bad_query_is_422_naming_the_parameter(syn_client, url: str, status: int, name: str) -> None:
    body = _problem(syn_client.get(url), status)
    assert name in body["detail"] and name in body["errors"]["query"]


def test_unknown_guide_is_404(syn_client) -> None:
    assert "nope" in _problem(syn_client.get("/v1/graph/guides/nope"), 404)["detail"]
    assert "nope" in _problem(syn_client.get(f"/v1/graph/path?from={QUIET}&to=nope"), 404)["detail"]


def test_no_reading_path_is_404(syn_client) -> None:
    # The unsafe guide links to QUIET inline only, never in a read-next box.
    url = f"/v1/graph/path?from={UNSAFE}&to={QUIET}&types=read_next"
    assert "No reading path" in _problem(syn_client.get(url), 404)["detail"]


def test_post_to_graph_is_405(syn_client) -> None:
    _problem(syn_client.post("/v1/graph", json={}), 405)


def test_endpoints_are_in_the_spec(client) -> None:
    paths = client.get("/v1/openapi.json").get_json()["paths"]
    for p in ("/v1/graph", "/v1/graph/guides/{slug}", "/v1/graph/path", "/v1/pattern-check"):
        assert p in paths
