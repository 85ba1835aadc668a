"""The committed OpenAPI document is what the code generates; the README documents every config key."""

from __future__ import annotations

import json

from api.cli import SPEC_PATH, spec_json
from api.config import DEFAULTS, ROOT


def test_committed_spec_matches_the_code(app) -> None:
    committed = SPEC_PATH.read_text(encoding="utf-8")
    generated = spec_json(app)
    assert committed == generated, "openapi/openapi.json drifted: run `flask --app api.app spec write`"


def test_spec_is_served_and_is_openapi_31(client) -> None:
    r = client.get("/v1/openapi.json")
    assert r.status_code == 200
    spec = r.get_json()
    assert spec["openapi"].startswith("3.1")
    assert spec == json.loads(SPEC_PATH.read_text())
    assert client.get("/v1/docs").status_code == 200


def test_every_operation_has_a_summary_and_fields_have_descriptions() -> None:
    spec = json.loads(SPEC_PATH.read_text())
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "delete", "patch"):
                assert op.get("summary"), f"{method} {path}"
    for name, schema in spec["components"]["schemas"].items():
        for field, prop in schema.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{field}"


def test_spec_write_cli(runner, tmp_path) -> None:
    out = tmp_path / "spec.json"
    result = runner.invoke(args=["spec", "write", "--output", str(out)])
    assert result.exit_code == 0
    assert out.read_text() == SPEC_PATH.read_text()


def test_every_config_key_is_documented() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [key for key in DEFAULTS if f"`{key}`" not in readme]
    assert not missing, f"document these config keys in README.md: {missing}"
