"""Marshmallow schemas for what editors write in YAML: front matter, sources, scripts.

They only check and convert; errors come back keyed by field, and the parser turns them
into Problems with the file and line.
"""

from __future__ import annotations

import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

SLUG = validate.Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", error="must be lowercase words joined by '-'")
NONEMPTY = validate.Length(min=1, error="must not be empty")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class SourceSchema(_Strict):
    title = fields.String(required=True, validate=NONEMPTY)
    kind = fields.String(
        required=True,
        validate=validate.OneOf(["support", "reference"], error="must be 'support' or 'reference'"),
    )
    region = fields.String(required=True, validate=NONEMPTY)
    url = fields.Url(load_default=None, schemes={"http", "https"})
    note = fields.String(load_default=None)


MAX_EXAMPLES = 60  # sounds_like examples per guide (each is a vector of 1.5 KB in every worker)
MAX_EXAMPLE = 500
_EXAMPLE_LENGTH = "an example is a situation of {min} to {max} characters"
_WHEN = "must be a date and time with a time zone, like 2026-12-24T09:00:00Z (UTC) or 2026-12-24T09:00:00+01:00"


class FrontMatterSchema(_Strict):
    slug = fields.String(required=True, validate=SLUG)
    title = fields.String(required=True, validate=NONEMPTY)
    summary = fields.String(required=True, validate=NONEMPTY)
    collection = fields.String(required=True, validate=SLUG)
    order = fields.Integer(load_default=None, strict=True)
    tags = fields.List(fields.String(validate=SLUG), required=True)
    updated = fields.Date(required=True, format="%Y-%m-%d")
    byline = fields.String(required=True, validate=NONEMPTY)
    editorial_note = fields.String(load_default=None)
    safety_sensitive = fields.Boolean(load_default=False, truthy={True}, falsy={False})
    # An editor has looked at the danger words in a guide that is not safety_sensitive (for example
    # "stalking his instagram"): the validator stops warning about them.
    safety_reviewed = fields.Boolean(load_default=False, truthy={True}, falsy={False})
    sources = fields.List(fields.Nested(SourceSchema), load_default=list)
    related = fields.List(fields.String(validate=SLUG), load_default=list)
    # How readers who need this guide describe their situation, in their own words: never shown; the
    # pattern check and search's fallback compare what people type with them (api/patterns/meaning.py).
    sounds_like = fields.List(
        fields.String(validate=validate.Length(min=10, max=MAX_EXAMPLE, error=_EXAMPLE_LENGTH)),
        load_default=list,
        validate=validate.Length(max=MAX_EXAMPLES, error=f"at most {MAX_EXAMPLES} examples"),
    )
    # Drafts (api/content/drafts.py): a draft, or a guide whose publish_at is still to come, is in the
    # preview release only. publish_at needs a time zone, so that "9 o'clock" is never a guess.
    draft = fields.Boolean(
        load_default=False,
        truthy={True},
        falsy={False},
        error_messages={"invalid": "must be true or false (not yes/no or a word)"},
    )
    publish_at = fields.AwareDateTime(
        load_default=None,
        format="iso",
        error_messages={
            "invalid": _WHEN,
            "invalid_awareness": _WHEN,
        },
    )


# A safety condition still to be written: TODO, TBD, FIXME, XXX, "…", "...", "?", "-", "n/a", and
# the same with a note after it ("TODO: ask legal").
_PLACEHOLDER = re.compile(r"(?i)(?:todo|tbd|tbc|fixme|xxx|tk|n/?a)\b.*|[.…?!\-–— ]*")


class ScriptSchema(_Strict):
    id = fields.String(required=True, validate=SLUG)
    situation = fields.String(required=True, validate=NONEMPTY)
    trigger = fields.String(load_default=None)
    instruction = fields.String(load_default=None)
    response = fields.String(required=True, validate=NONEMPTY)
    send = fields.Boolean(
        required=True,
        truthy={True},
        falsy={False},
        error_messages={"invalid": "must be true or false (not yes/no or a word)"},
    )
    safety = fields.String(load_default=None, validate=NONEMPTY)
    tags = fields.List(fields.String(validate=SLUG), load_default=list)

    @validates_schema(skip_on_field_errors=False)  # a placeholder is reported beside a bad `send`
    def _send_needs_safety(self, data: dict, **_kw: object) -> None:
        safety = data.get("safety")
        if safety and _PLACEHOLDER.fullmatch(safety.strip()):
            raise ValidationError(
                f"'{safety.strip()}' is a placeholder: write the condition under which the script is safe to use",
                "safety",
            )
        if data.get("send") and not safety:
            raise ValidationError(
                "a script meant to be sent needs a safety condition (it could escalate danger)",
                "safety",
            )


class CollectionSchema(_Strict):
    slug = fields.String(required=True, validate=SLUG)
    title = fields.String(required=True, validate=NONEMPTY)
    description = fields.String(required=True, validate=NONEMPTY)


class RetiredSchema(_Strict):
    slug = fields.String(required=True, validate=SLUG)
    reason = fields.String(required=True, validate=NONEMPTY)
    collection = fields.String(validate=SLUG, load_default=None)  # the guide's, for partner scopes


class RedirectsSchema(_Strict):
    renamed = fields.Dict(keys=fields.String(validate=SLUG), values=fields.String(validate=SLUG), load_default=dict)
    retired = fields.List(fields.Nested(RetiredSchema), load_default=list)


def flatten_errors(messages: dict | list | str, prefix: str = "") -> list[tuple[str, str]]:
    """Turn marshmallow's nested messages into (dotted.field, reason) pairs."""
    out: list[tuple[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = prefix if key == "_schema" else (f"{prefix}.{key}" if prefix else str(key))
            out.extend(flatten_errors(value, name))
    elif isinstance(messages, list):
        for value in messages:
            out.extend(flatten_errors(value, prefix))
    else:
        out.append((prefix or "file", _plain(str(messages))))
    return out


def _plain(reason: str) -> str:
    reason = reason.rstrip(".")
    return {
        "Missing data for required field": "missing required field",
        "Unknown field": "unknown field",
    }.get(reason, reason[:1].lower() + reason[1:])
