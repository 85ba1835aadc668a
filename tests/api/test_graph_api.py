"""GET /v1/graph, /v1/graph/guides/<slug>, /v1/graph/path: shapes, filters, caching, errors."""

from __future__ import annotations

import pytest


def _problem(r, status: int) -> dict:
    assert r.status_code == status, r.get_data(as_text=True)
    body = r.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_whole_graph_is_drawable(client, corpus) -> None:
    r = client.get("/v1/graph")
    assert r.status_code == 200 and r.headers["ETag"] and "max-age" in r.headers["Cache-Control"]
    body = r.get_json()
    ids = {n["id"] for n in body["nodes"]}
    assert len(ids) == len(corpus.guides) + len(corpus.collections)
    assert all({"id", "source", "target", "type", "condition"} <= set(e) for e in body["edges"])
    assert all(e["source"] in ids and e["target"] in ids for e in body["edges"])
    seed = [e for e in body["edges"] if e["source"] == "guide:no-contact-rule" and e["type"] == "read_next"]
    assert {e["target"]: e["condition"] for e in seed} == {
        "guide:why-do-i-miss-my-ex": "if nostalgia is editing out the pattern",
        "guide:how-to-set-boundaries-without-guilt": (
            "if the hardest part is tolerating their disappointment or silence"
        ),
    }


def test_etag_gives_304(client) -> None:
    etag = client.get("/v1/graph/guides/no-contact-rule?depth=2").headers["ETag"]
    r = client.get("/v1/graph/guides/no-contact-rule?depth=2", headers={"If-None-Match": etag})
    assert r.status_code == 304


def test_graph_by_collection(client) -> None:
    body = client.get("/v1/graph?collection=breakup-recovery&types=read_next,in_collection").get_json()
    assert {n["collection"] for n in body["nodes"] if n["type"] == "guide"} == {"breakup-recovery"}
    assert {e["type"] for e in body["edges"]} == {"read_next", "in_collection"}


def test_neighbourhood_depths(client) -> None:
    sizes = []
    for depth in (1, 2, 3):
        body = client.get(f"/v1/graph/guides/no-contact-rule?depth={depth}").get_json()
        assert body["center"] == "guide:no-contact-rule" and body["depth"] == depth
        sizes.append(len(body["nodes"]))
    assert sizes[0] < sizes[1] <= sizes[2]
    assert client.get("/v1/graph/guides/no-contact-rule").get_json()["depth"] == 1


def test_reading_path(client) -> None:
    body = client.get("/v1/graph/path?from=no-contact-rule&to=leaving-safely").get_json()
    assert body["from"] == "guide:no-contact-rule" and body["to"] == "guide:leaving-safely"
    assert body["length"] == len(body["edges"]) >= 2
    assert [n["id"] for n in body["nodes"]][:: len(body["nodes"]) - 1] == [body["from"], body["to"]]


@pytest.mark.parametrize(
    "url, status, name",
    [
        ("/v1/graph?colour=red", 422, "colour"),
        ("/v1/graph?collection=nope", 422, "collection"),
        ("/v1/graph?collection=Not%20A%20Slug", 422, "collection"),
        ("/v1/graph?types=read_next,friends", 422, "types"),
        ("/v1/graph/guides/no-contact-rule?depth=0", 422, "depth"),
        ("/v1/graph/guides/no-contact-rule?depth=4", 422, "depth"),
        ("/v1/graph/guides/no-contact-rule?depth=two", 422, "depth"),
        ("/v1/graph/guides/no-contact-rule?direction=up", 422, "direction"),
        ("/v1/graph/guides/no-contact-rule?page=2", 422, "page"),
        ("/v1/graph/path?from=no-contact-rule", 422, "to"),
        ("/v1/graph/path?to=no-contact-rule", 422, "from"),
        ("/v1/graph/path?from=no-contact-rule&to=leaving-safely&types=in_collection", 422, "types"),
    ],
)
def test_bad_query_is_422_naming_the_parameter(client, url: str, status: int, name: str) -> None:
    body = _problem(client.get(url), status)
    assert name in body["detail"] and name in body["errors"]["query"]


def test_unknown_guide_is_404(client) -> None:
    assert "nope" in _problem(client.get("/v1/graph/guides/nope"), 404)["detail"]
    assert "nope" in _problem(client.get("/v1/graph/path?from=no-contact-rule&to=nope"), 404)["detail"]


def test_no_reading_path_is_404(client) -> None:
    # No guide's read-next leads back to no-contact-rule (only inline links do).
    url = "/v1/graph/path?from=anxious-texting&to=no-contact-rule&types=read_next"
    assert "No reading path" in _problem(client.get(url), 404)["detail"]


def test_post_to_graph_is_405(client) -> None:
    _problem(client.post("/v1/graph", json={}), 405)


def test_endpoints_are_in_the_spec(client) -> None:
    paths = client.get("/v1/openapi.json").get_json()["paths"]
    for p in ("/v1/graph", "/v1/graph/guides/{slug}", "/v1/graph/path", "/v1/pattern-check"):
        assert p in paths
