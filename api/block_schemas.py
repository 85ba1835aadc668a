"""The blocks of a section and the inline spans of a paragraph, one schema per type.

A block (and a span) has one of several shapes, told apart by its `type`. BlockSchema and
SpanSchema dump each object with the schema of its type (marshmallow-oneofschema), and the spec
documents them as `oneOf` the per-type components with a `discriminator` on `type` (the
apispec-oneofschema plugin, api/spec.py). So what is dumped and what the spec says come from the
same classes, and a typed client can switch on `type` and know which fields it has.

Optional parts that are empty are left out (`_Compact`), as before: the JSON is unchanged, byte for
byte, and blocks stay small for the mobile apps. A field marked `required` is always present.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_dump, validate
from marshmallow_oneofschema import OneOfSchema

from api.spec import sparse


def _d(text: str, example: object | None = None) -> dict[str, object]:
    meta: dict[str, object] = {"description": text}
    if example is not None:
        meta["example"] = example
    return meta


def _type(name: str) -> fields.String:
    """The discriminator: the one type this shape is for (an enum of one value in the spec)."""
    return fields.String(required=True, validate=validate.OneOf([name]), metadata=_d("The type", name))


class _Compact(Schema):
    """Leaves out empty optional parts, so blocks stay small for mobile clients."""

    @post_dump
    def _drop_empty(self, data: dict, **_kw: object) -> dict:
        return {k: v for k, v in data.items() if v not in (None, "", [], False) or self.fields[k].required}


class _Union(OneOfSchema):
    """Dumps an object with the schema of its `type`; an unknown type is an error, never a
    half-dumped object (marshmallow-oneofschema would return an error tuple as the data)."""

    def get_obj_type(self, obj: Any) -> str:
        kind = obj["type"] if isinstance(obj, dict) else obj.type
        if kind not in self.type_schemas:
            raise ValueError(f"{type(self).__name__}: no schema for type {kind!r}")
        return kind


# -- inline spans ------------------------------------------------------------------------------
def _children() -> fields.List:
    return fields.List(fields.Nested(lambda: SpanSchema()), required=True, metadata=_d("Inner spans"))


class TextSpanSchema(_Compact):
    type = _type("text")
    text = fields.String(required=True, metadata=_d("The text"))


class CodeSpanSchema(_Compact):
    type = _type("code")
    text = fields.String(required=True, metadata=_d("The code, as written"))


class EmSpanSchema(_Compact):
    type = _type("em")
    children = _children()


class StrongSpanSchema(_Compact):
    type = _type("strong")
    children = _children()


class LinkSpanSchema(_Compact):
    type = _type("link")
    href = fields.String(required=True, metadata=_d("Link target; guide links point to /guides/{slug}"))
    guide = fields.String(metadata=_d("For a link to another guide: its slug (absent for other links)"))
    children = _children()


SPAN_TYPES: dict[str, Schema] = {
    "text": TextSpanSchema(),
    "em": EmSpanSchema(),
    "strong": StrongSpanSchema(),
    "code": CodeSpanSchema(),
    "link": LinkSpanSchema(),
}


class SpanSchema(_Union):
    """An inline piece of a paragraph or heading: text, em, strong, code or link."""

    type_schemas = SPAN_TYPES


# -- blocks ------------------------------------------------------------------------------------
def _blocks(text: str) -> fields.List:
    return fields.List(fields.Nested(lambda: BlockSchema()), required=True, metadata=_d(text))


class _Block(_Compact):
    """Every block: its type, its HTML and its plain text (in this order, as the JSON has them)."""

    type = fields.String(required=True)  # each shape names its one type; declared here to come first
    html = fields.String(required=True, metadata=_d("Rendered HTML; all text is escaped, no raw HTML passes"))
    text = fields.String(required=True, metadata=_d("Plain text"))


def _inlines() -> fields.List:
    return fields.List(fields.Nested(SpanSchema), required=True, metadata=_d("The inline spans"))


class ParagraphBlockSchema(_Block):
    type = _type("paragraph")
    inlines = _inlines()


class HeadingBlockSchema(_Block):
    type = _type("heading")
    inlines = _inlines()
    level = fields.Integer(
        required=True,
        validate=validate.Range(1, 6),
        metadata=_d("3-6 in a section (## starts a section); 1-6 inside a quote or a list item", 3),
    )


class ListBlockSchema(_Block):
    type = _type("list")
    items = fields.List(
        fields.List(fields.Nested(lambda: BlockSchema())), required=True, metadata=_d("Each item's blocks")
    )
    ordered = fields.Boolean(metadata=_d("Present (true) for a numbered list; absent for a bulleted one", True))


class QuoteBlockSchema(_Block):
    type = _type("quote")
    children = _blocks("The quoted blocks")


class CodeBlockSchema(_Block):
    type = _type("code")


class RuleBlockSchema(_Block):
    type = _type("rule")


class ScriptBlockSchema(_Block):
    type = _type("script")
    script_id = fields.String(required=True, metadata=_d("Id of the script (see the guide's `scripts`)"))


class SafetyBlockSchema(_Block):
    type = _type("safety")
    children = _blocks("The callout's blocks")


class SignalsBlockSchema(_Block):
    type = _type("signals")
    children = _blocks("One list: the signals")


class ReadNextBlockSchema(_Block):
    type = _type("read_next")
    children = _blocks("The blocks with the links to read next")


BLOCK_TYPES: dict[str, Schema] = {
    "paragraph": ParagraphBlockSchema(),
    "heading": HeadingBlockSchema(),
    "list": ListBlockSchema(),
    "quote": QuoteBlockSchema(),
    "code": CodeBlockSchema(),
    "rule": RuleBlockSchema(),
    "script": ScriptBlockSchema(),
    "safety": SafetyBlockSchema(),
    "signals": SignalsBlockSchema(),
    "read_next": ReadNextBlockSchema(),
}


class BlockSchema(_Union):
    """One block of a section: paragraph, heading, list, quote, code, rule, script, safety, signals
    or read_next."""

    type_schemas = BLOCK_TYPES


# -- sparse blocks -----------------------------------------------------------------------------
# A view that leaves parts of blocks out (GuideSparse, the answer to a sparse request): every part
# is optional but the ones every view keeps: `type`, a heading's `level`, a script's `script_id`.
def _sparse_blocks() -> fields.Nested:
    return fields.Nested(lambda: BlockSparseSchema())


SPARSE_BLOCK_TYPES: dict[str, Schema] = {
    kind: sparse(
        type(schema),
        type(schema).__name__.replace("Schema", "SparseSchema"),
        keep=("type", "level", "script_id"),
        replace={
            "children": fields.List(_sparse_blocks(), metadata=_d("The blocks it holds")),
            "items": fields.List(fields.List(_sparse_blocks()), metadata=_d("Each item's blocks")),
        },
    )()
    for kind, schema in BLOCK_TYPES.items()
}


class BlockSparseSchema(_Union):
    """A block with only some of its parts: the same types, `type` always there."""

    type_schemas = SPARSE_BLOCK_TYPES
