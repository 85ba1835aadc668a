"""What the OpenAPI document says beyond flask-smorest's defaults, so that generated types can be trusted.

- **One shape per type.** Blocks and inline spans are marshmallow-oneofschema schemas
  (api/block_schemas.py); apispec alone would not read them. The apispec-oneofschema plugin
  documents each as `oneOf` its per-type components with a `discriminator` on `type`.
- **Sparse fieldsets have their own media type.** A response schema marks every field that is
  always present as required; `fields=` leaves some out, so it is answered as SPARSE_JSON and
  described by a schema in which every field is optional (`sparse`; its sections and blocks too,
  but a block's `type`, so a view that leaves parts of blocks out is described as well). The spec
  stays true for both, and a client typed for `application/json` gets the whole shape.
- **Who may call.** Every operation behind the partner gate (all but the public probes, metrics,
  the spec and the embed script) documents its 401 (NOT_AUTHORIZED, the error shape): an API key
  missing where one is required, empty or unknown, or a preview token (`X-Preview-Token`, the
  PreviewToken security scheme: api/preview.py) expired, tampered with or made for another guide.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping
from typing import Any

from apispec import APISpec, BasePlugin
from apispec_oneofschema import MarshmallowPlugin
from marshmallow import Schema, fields

from api.media import SPARSE_JSON
from api.partners import PUBLIC_ENDPOINTS

UNAUTHORIZED = "NOT_AUTHORIZED"  # (flask-smorest keeps "UNAUTHORIZED", a generic one)


def spec_kwargs() -> dict[str, Any]:
    """For flask-smorest's Api: the marshmallow plugin that also reads oneOf schemas, and the 401s."""
    return {"marshmallow_plugin": MarshmallowPlugin(), "extra_plugins": [Unauthorized()]}


class Unauthorized(BasePlugin):
    """A 401 in the error shape on every operation that a caller's credentials can refuse."""

    def init_spec(self, spec: APISpec) -> None:
        super().init_spec(spec)
        spec.components.response(
            UNAUTHORIZED,
            {
                "description": (
                    "Unauthorized: an API key missing where one is required, empty or unknown (with "
                    "WWW-Authenticate), or an X-Preview-Token that has expired, is not valid (tampered "
                    "with, or signed with another key) or was made for another guide's URLs"
                ),
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        )

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **kwargs: Any) -> None:
        rule = kwargs.get("rule")
        if rule is None:
            return
        for operation in (operations or {}).values():
            if rule.endpoint in PUBLIC_ENDPOINTS:  # no gate, no preview: a key is only looked at by /v1/ready
                operation.setdefault("security", [{"ApiKey": []}, {}])
            else:
                operation.setdefault("responses", {}).setdefault("401", UNAUTHORIZED)


def sparse(
    schema: type[Schema],
    name: str,
    keep: Collection[str] = (),
    replace: Mapping[str, fields.Field] | None = None,
) -> type[Schema]:
    """The schema's fields, none required but `keep`, with `replace` standing in for some (to point
    at other sparse schemas): the shape of an answer that leaves parts out. For the spec only;
    answers are dumped with the whole schemas, then cut."""
    optional = {}
    for key, f in schema._declared_fields.items():
        field = copy.copy((replace or {}).get(key, f))
        field.required = key in keep
        optional[key] = field
    return Schema.from_dict(optional, name=name)


def sparse_response(blp: Any, schema: type[Schema] | Schema, what: str) -> Any:
    """Documents the 200 a `fields=` or `render=` request gets: `what`, with only the parts asked for (SPARSE_JSON)."""
    return blp.alt_response(
        200,
        schema=schema,
        content_type=SPARSE_JSON,
        success=True,
        description=(
            f"{what}. Whole as application/json; with `fields=` (only the fields asked for, in the order "
            f"asked) or `render=` (only the renderings asked for), as {SPARSE_JSON} (every field optional)"
        ),
    )
