"""The types the spec gives a frontend are true and tight, over real answers of the app.

- True: every answer below validates against the schema the spec documents for its status and
  media type (JSON Schema 2020-12, what OpenAPI 3.1 uses), blocks and spans against exactly one
  shape of their `oneOf`. schemathesis (tests/contract) checks random requests; this checks every
  guide of the corpus, whole and sparse, deterministically and fast.
- Tight: a field that every answer has is marked required (so a generated type does not call it
  optional), except the few the spec means to be optional.
- Sparse fieldsets (`fields=`) come with their own media type and schema; the whole schema would
  reject them.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from typing import Any

import jsonschema_rs  # schemathesis' validator (a dependency of the pinned schemathesis)
import pytest
from marshmallow import Schema

from api.block_schemas import BlockSchema, SpanSchema
from api.cli import SPEC_PATH
from api.content import Block
from api.http import SPARSE_JSON
from tests.conftest import CONTENT, FIXTURES, publish_app
from tests.synthetic import QUIET

SPEC = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
SCHEMAS = SPEC["components"]["schemas"]
# Meant to be left out at times: `errors` only for invalid input; a link span's `guide` only for a
# link to a guide, a list's `ordered` only when numbered (empty optional parts of blocks are left
# out, so blocks stay small); a whole-graph node has no `depth`.
OPTIONAL = {("Error", "errors"), ("LinkSpan", "guide"), ("ListBlock", "ordered")}


def _validator(schema: dict[str, Any]) -> Any:
    return jsonschema_rs.Draft202012Validator({**schema, "components": SPEC["components"]})


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _documented(template: str, method: str, status: int, media: str) -> dict[str, Any]:
    responses = SPEC["paths"][template][method]["responses"]
    response = responses.get(str(status)) or responses["default"]  # errors: the one error shape
    if "$ref" in response:
        response = SPEC["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    content = response["content"]
    assert media in content, f"{method.upper()} {template} {status}: {media} not in {sorted(content)}"
    return content[media]["schema"]


def _walk(schema: dict[str, Any], value: Any, seen: dict[str, list[set[str]]]) -> None:
    """Records, per component, the keys of each object of that component found in `value`."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        component = SCHEMAS[name]
        if "discriminator" in component:
            mapping = component["discriminator"]["mapping"]
            _walk({"$ref": mapping[value["type"]]}, value, seen)
            return
        if isinstance(value, dict) and "properties" in component:
            seen[name].append(set(value))
            for key, item in value.items():
                _walk(component["properties"].get(key, {}), item, seen)
        return
    for alternative in schema.get("anyOf", ()):
        if value is not None:
            _walk(alternative, value, seen)
    if isinstance(value, list) and "items" in schema:
        for item in value:
            _walk(schema["items"], item, seen)


def _requests(corpus) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    """(template, method, url, json body) for answers of every kind of response schema."""
    reqs: list[tuple[str, str, str, dict[str, Any] | None]] = []
    for slug in sorted(corpus.guides):
        reqs.append(("/v1/guides/{slug}", "get", f"/v1/guides/{slug}", None))
        reqs.append(("/v1/graph/guides/{slug}", "get", f"/v1/graph/guides/{slug}?depth=2", None))
        reqs.append(("/v1/guides/{slug}/sections", "get", f"/v1/guides/{slug}/sections", None))
    first, last = sorted(corpus.guides)[0], sorted(corpus.guides)[-1]
    for template, url in (
        ("/v1/guides", "/v1/guides?page_size=100"),
        ("/v1/guides", "/v1/guides?page=2&page_size=5"),
        ("/v1/scripts", "/v1/scripts?page_size=100"),
        ("/v1/collections", "/v1/collections"),
        ("/v1/graph", "/v1/graph"),
        ("/v1/graph/path", f"/v1/graph/path?from={first}&to={last}"),
        ("/v1/search", "/v1/search?q=no%20contact&page_size=50"),
        ("/v1/search", "/v1/search?q=he%20choked%20me&region=GB"),
        ("/v1/search", "/v1/search?q=boundries"),
        ("/v1/search", "/v1/search?q=no%20contact&group=guide"),
        ("/v1/suggest", "/v1/suggest?q=bound"),
        ("/v1/suggest", "/v1/suggest?q=he%20follows%20me"),
        ("/v1/sync", "/v1/sync?page_size=100"),
        ("/v1/sync", "/v1/sync?page_size=5"),
        ("/v1/export", "/v1/export"),
        ("/v1/health", "/v1/health"),
        ("/v1/ready", "/v1/ready"),
        ("/v1/guides/{slug}", "/v1/guides/no-such-guide"),
        ("/v1/guides", "/v1/guides?page_size=0"),
    ):
        reqs.append((template, "get", url, None))
    for slug in sorted(corpus.collections):
        reqs.append(("/v1/collections/{slug}", "get", f"/v1/collections/{slug}", None))
    for script_id in sorted(corpus.scripts)[:5]:
        reqs.append(("/v1/scripts/{script_id}", "get", f"/v1/scripts/{script_id}", None))
    for body in (
        {"situation": "he hasnt texted back and i keep checking my phone", "guide": first},
        {"situation": "he put his hands round my neck", "region": "GB"},
        {"situation": "zzz qqq"},
    ):
        reqs.append(("/v1/pattern-check", "post", "/v1/pattern-check", body))
    return reqs


@pytest.fixture(scope="module")
def every_shape(tmp_path_factory: pytest.TempPathFactory):
    """An app over the real content plus tests/fixtures/guides/every-shape.md, a guide with one of
    every block and inline type (the bundled guides use only some)."""
    root = tmp_path_factory.mktemp("every-shape")
    shutil.copytree(CONTENT, root / "content", ignore=shutil.ignore_patterns("README.md"))
    shutil.copy2(FIXTURES / "guides" / "every-shape.md", root / "content" / "guides" / "every-shape.md")
    app = publish_app(root / "content", root / "store")
    return app.test_client()


@pytest.fixture(scope="module")
def answers(search_app, every_shape, corpus) -> list[tuple[str, dict[str, Any], Any]]:
    """(label, its documented schema, body) of each answer."""
    out = []
    for template, url in (
        ("/v1/guides/{slug}", "/v1/guides/every-shape"),
        ("/v1/guides/{slug}/sections", "/v1/guides/every-shape/sections"),
    ):
        r = every_shape.get(url)
        assert r.status_code == 200, (url, r.get_json())
        out.append((f"GET {url} (every shape)", _documented(template, "get", 200, r.mimetype), r.get_json()))
    client = search_app.test_client()
    for template, method, url, body in _requests(corpus):
        r = client.post(url, json=body) if method == "post" else client.get(url)
        schema = _documented(template, method, r.status_code, r.mimetype)
        out.append((f"{method.upper()} {url} -> {r.status_code}", schema, r.get_json()))
    return out


def test_every_answer_matches_its_documented_schema(answers) -> None:
    validators: dict[str, Any] = {}
    for label, schema, body in answers:
        key = json.dumps(schema, sort_keys=True)
        validator = validators.setdefault(key, _validator(schema))
        errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(body)][:5]
        assert not errors, f"{label} against {key}: {errors}"


def test_every_always_present_field_is_required(answers) -> None:
    seen: dict[str, list[set[str]]] = defaultdict(list)
    for _label, schema, body in answers:
        _walk(schema, body, seen)
    loose = {}
    for name, instances in sorted(seen.items()):
        component = SCHEMAS[name]
        always = set.intersection(*instances) & set(component["properties"])
        missing = always - set(component.get("required", ())) - {f for n, f in OPTIONAL if n == name}
        if missing:
            loose[name] = sorted(missing)
    assert not loose, f"always present but not required in the spec: {loose}"
    # the answers reached every shape of block and span the spec names, and the main components
    unions = {n for u in ("Block", "Span") for n in (r["$ref"].rsplit("/", 1)[1] for r in SCHEMAS[u]["oneOf"])}
    wanted = unions | {"Guide", "GuideSummary", "Hit", "SafetyNotice", "SupportResource", "GraphEdge", "SyncPage"}
    unseen = {n for n in wanted if n not in seen}
    assert not unseen, f"no answer had: {sorted(unseen)}"


def test_sparse_fieldsets_have_their_own_media_type_and_schema(syn_client) -> None:
    client = syn_client  # behaviour, not content: the synthetic corpus (tests/synthetic.py)
    for url, template, whole in (
        (f"/v1/guides/{QUIET}?fields=slug,title", "/v1/guides/{slug}", _ref("Guide")),
        ("/v1/guides?fields=title&page_size=3", "/v1/guides", _ref("GuidePage")),
        (f"/v1/guides/{QUIET}?fields=sections,slug", "/v1/guides/{slug}", _ref("Guide")),
    ):
        r = client.get(url)
        assert r.status_code == 200 and r.mimetype == SPARSE_JSON, (url, r.mimetype)
        body = r.get_json()  # Flask reads any +json type as JSON, as fetch and requests do
        sparse = _documented(template, "get", 200, SPARSE_JSON)
        assert sparse["$ref"].endswith("Sparse")
        assert _validator(sparse).is_valid(body), url
        assert not _validator(whole).is_valid(body), f"{url}: the whole schema should not accept a sparse answer"
        plain = client.get(url.split("?")[0])
        assert plain.mimetype == "application/json" and _validator(whole).is_valid(plain.get_json())
    # every field of the sparse schemas is optional; the whole ones require every field
    for name in ("Guide", "GuideSummary"):
        assert set(SCHEMAS[name]["required"]) == set(SCHEMAS[name]["properties"])
        assert "required" not in SCHEMAS[f"{name}Sparse"]
        assert set(SCHEMAS[f"{name}Sparse"]["properties"]) == set(SCHEMAS[name]["properties"])


@pytest.mark.parametrize("union", [BlockSchema, SpanSchema])
def test_an_unknown_type_is_an_error_not_a_half_dumped_object(union: type[Schema]) -> None:
    with pytest.raises(ValueError, match="no schema for type 'scirpt'"):
        union().dump(Block("scirpt", "<p>x</p>", "x"))


def test_closed_sets_are_enums() -> None:
    def enum(name: str, prop: str) -> list[str]:
        p = SCHEMAS[name]["properties"][prop]
        return sorted(p.get("enum") or p["items"]["enum"])

    assert enum("Hit", "type") == ["guide", "script", "section"]
    assert enum("Suggestion", "type") == ["guide", "term"]
    assert enum("GraphNode", "type") == ["collection", "guide"]
    assert enum("GuideLink", "kind") == ["inline", "read_next", "related"]
    assert enum("Source", "kind") == ["reference", "support"]
    mapping = SCHEMAS["Block"]["discriminator"]["mapping"]
    assert sorted(mapping) == sorted(BlockSchema.type_schemas)
    for kind, ref in {**mapping, **SCHEMAS["Span"]["discriminator"]["mapping"]}.items():
        assert SCHEMAS[ref.rsplit("/", 1)[1]]["properties"]["type"]["enum"] == [kind]


def test_sparse_guides_also_describe_blocks_with_parts_left_out(syn_client) -> None:
    """A view that leaves parts of sections and blocks out (as a `render=` choice of forms would:
    no HTML, no plain text, no tree) is still a GuideSparse: every block keeps its `type` (and a
    heading its `level`, a script its `script_id`), so a client can still switch on it."""

    def cut(block: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in block.items() if k in ("type", "level", "ordered", "script_id")}

    whole = syn_client.get(f"/v1/guides/{QUIET}").get_json()
    flat = {**whole, "sections": [{**s, "blocks": [cut(b) for b in s["blocks"]]} for s in whole["sections"]]}
    for section in flat["sections"]:
        del section["text"]
    assert _validator(_ref("GuideSparse")).is_valid(flat)
    assert not _validator(_ref("Guide")).is_valid(flat)
    misspelt = {**flat, "sections": [{**flat["sections"][0], "blocks": [{"type": "scirpt"}]}]}
    assert not _validator(_ref("GuideSparse")).is_valid(misspelt)
    no_level = {**flat, "sections": [{**flat["sections"][0], "blocks": [{"type": "heading"}]}]}
    assert not _validator(_ref("GuideSparse")).is_valid(no_level)
