"""The committed OpenAPI document, read as the list of operations the property tests range over,
and the checks every answer must pass: a documented status, never a 5xx, the one error shape."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from api.config import ROOT

SPEC = json.loads((ROOT / "openapi" / "openapi.json").read_text(encoding="utf-8"))
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    parameters: tuple[dict[str, Any], ...]
    responses: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def params(self, where: str) -> list[dict[str, Any]]:
        return [p for p in self.parameters if p["in"] == where]


def _resolve(ref_or_obj: dict[str, Any]) -> dict[str, Any]:
    ref = ref_or_obj.get("$ref")
    if not ref:
        return ref_or_obj
    node: Any = SPEC
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def operations(method: str | None = None) -> list[Operation]:
    found = []
    for path, item in SPEC["paths"].items():
        shared = [_resolve(p) for p in item.get("parameters", [])]
        for m, op in item.items():
            if m not in METHODS or (method and m != method):
                continue
            own = [_resolve(p) for p in op.get("parameters", [])]
            names = {(p["name"], p["in"]) for p in own}
            params = tuple(own + [p for p in shared if (p["name"], p["in"]) not in names])
            found.append(Operation(m, path, params, op.get("responses", {})))
    return found


def check_answer(op: Operation, status: int, content_type: str | None, body: bytes) -> None:
    """A documented status, no server error, and every 4xx in the one error shape."""
    assert status < 500, f"{op.label} answered {status}: {body[:500]!r}"
    documented = set(op.responses)
    assert str(status) in documented or ("default" in documented and 400 <= status < 500), (
        f"{op.label} answered {status}, documented: {sorted(documented)}"
    )
    if status >= 400:
        assert content_type == "application/json", f"{op.label} {status}: {content_type}"
        error = json.loads(body)
        assert isinstance(error, dict) and error.get("status") == status, error
        assert isinstance(error.get("title"), str) and isinstance(error.get("detail"), str), error
        assert set(error) <= {"status", "title", "detail", "errors"}, error
        assert "errors" not in error or isinstance(error["errors"], dict), error
