"""What the OpenAPI document says beyond flask-smorest's defaults, so that generated types can be trusted.

- **One shape per type.** Blocks and inline spans are marshmallow-oneofschema schemas
  (api/block_schemas.py); apispec alone would not read them. The apispec-oneofschema plugin
  documents each as `oneOf` its per-type components with a `discriminator` on `type`.
- **Sparse fieldsets have their own media type.** A response schema marks every field that is
  always present as required; `fields=` leaves some out, so it is answered as SPARSE_JSON and
  described by a schema in which every field is optional (`sparse`; its sections and blocks too,
  but a block's `type`, so a view that leaves parts of blocks out is described as well). The spec
  stays true for both, and a client typed for `application/json` gets the whole shape.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping
from typing import Any

from apispec_oneofschema import MarshmallowPlugin
from marshmallow import Schema, fields

from api.media import SPARSE_JSON


def spec_kwargs() -> dict[str, Any]:
    """For flask-smorest's Api: the marshmallow plugin that also reads oneOf schemas."""
    return {"marshmallow_plugin": MarshmallowPlugin()}


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
