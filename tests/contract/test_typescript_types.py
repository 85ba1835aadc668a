"""The generated TypeScript types are strict enough to trust: a strict `tsc` build over
clients/typescript/typecheck/ (types generated from the committed openapi/openapi.json).

- typecheck/pass.ts must compile. Its `@ts-expect-error` lines are mistakes the types must catch
  (a misspelt block, inline or hit type; a nullable or sparse field used as present).
- typecheck/fail/*.ts must not: each error that tsc reports is one its file marks with
  `// expect TSnnnn`, and each marked error is reported.
- And the guard is real: from a spec loosened as the old one was (`title` optional, block, inline
  and hit types plain strings), pass.ts fails on `g.title.length` and on each misspelt type, and the
  misspelt block type compiles.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.contract.typescript import SPEC, marked_errors, project, tsc

pytestmark = pytest.mark.e2e

PASS = "typecheck/pass.ts"


def _line(work: Path, file: str, text: str) -> int:
    """The line of `file` that holds `text` (exactly one)."""
    lines = [n for n, line in enumerate((work / file).read_text().splitlines(), start=1) if text in line]
    assert len(lines) == 1, f"{text!r} in {file}: {lines}"
    return lines[0]


def test_strict_build_accepts_what_the_types_promise(ts_client: Path) -> None:
    result = tsc(ts_client, "tsc -p tsconfig.typecheck.json (typecheck/pass.ts)", "-p", "tsconfig.typecheck.json")
    assert result.returncode == 0, result.output


def test_strict_build_fails_on_each_marked_mistake(ts_client: Path) -> None:
    result = tsc(ts_client, "tsc -p tsconfig.typecheck-fail.json (must fail)", "-p", "tsconfig.typecheck-fail.json")
    expected = marked_errors(ts_client, "typecheck/fail")
    assert {f for f, _, _ in expected} == {
        "typecheck/fail/misspelt-block-type.ts",
        "typecheck/fail/optional-field-used-as-present.ts",
    }
    assert result.returncode != 0
    assert result.errors() == expected, result.output


def _loosen(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec as it was before issue 16: `title` optional, closed sets as plain strings."""
    schemas = spec["components"]["schemas"]
    schemas["Guide"]["required"].remove("title")
    for union in ("Block", "Span"):
        schemas[union].pop("discriminator")
        for ref in schemas[union]["oneOf"]:
            variant = schemas[ref["$ref"].rsplit("/", 1)[1]]
            variant["properties"]["type"] = {"type": "string", "description": "The type"}
    schemas["Hit"]["properties"]["type"].pop("enum")
    return spec


def test_a_looser_spec_breaks_the_strict_build(ts_client: Path, ts_toolchain: Path, tmp_path: Path) -> None:
    loose = tmp_path / "loose-openapi.json"
    loose.write_text(json.dumps(_loosen(json.loads(SPEC.read_text()))))
    work = project(tmp_path / "loose", ts_toolchain, loose)
    (work / "tsconfig.loose.json").write_text(
        json.dumps({"extends": "./tsconfig.typecheck.json", "include": ["src/schema.d.ts", "typecheck/**/*.ts"]})
    )
    result = tsc(work, "tsc over typecheck/ with a loosened spec (must fail)", "-p", "tsconfig.loose.json")
    assert result.returncode != 0
    errors = result.errors()
    # `g.title.length` where title is possibly undefined
    must = {(PASS, _line(work, PASS, "data.title.length + data.summary.length"), "TS18048")}
    unused = "TS2578"  # an `@ts-expect-error` with no error under it: the mistake compiles
    for directive in (
        'case "scirpt"',
        'export const misspelt: Block["type"] = "scirpt";',
        'export const italic: Span["type"] = "italic";',
        'return hit.type === "sections";',
    ):
        must.add((PASS, _line(work, PASS, directive) - 1, unused))
    assert must <= errors, result.output
    # and the misspelt block type of typecheck/fail/ is no longer caught
    assert not {e for e in errors if e[0] == "typecheck/fail/misspelt-block-type.ts"}, result.output
