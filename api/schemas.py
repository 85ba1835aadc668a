"""Marshmallow schemas for what the API reads (query arguments) and writes (responses).

Response schemas dump the domain objects directly (attributes are read off the frozen
dataclasses); the views cache the dumped bytes per content version.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate
from webargs.fields import DelimitedList

from api.block_schemas import BlockSchema, BlockSparseSchema
from api.language.signals import KINDS, LEVELS
from api.spec import sparse


def describe(text: str, example: object | None = None) -> dict:
    """Field metadata for the spec: a description and, when given, an example."""
    meta: dict[str, object] = {"description": text}
    if example is not None:
        meta["example"] = example
    return meta


_d = describe


# -- errors -------------------------------------------------------------------------------
class ErrorSchema(Schema):
    status = fields.Integer(required=True, metadata=_d("HTTP status code", 404))
    title = fields.String(required=True, metadata=_d("Short, fixed summary of the status", "Not Found"))
    detail = fields.String(required=True, metadata=_d("What went wrong, for a person", "No guide 'x'."))
    errors = fields.Dict(
        metadata=_d(
            "For invalid input: messages per location ('query', 'json', 'path') and parameter",
            {"query": {"page_size": ["Must be greater than or equal to 1 and less than or equal to 100."]}},
        )
    )


# -- guides -------------------------------------------------------------------------------
class SourceSchema(Schema):
    title = fields.String(required=True, metadata=_d("Organisation or reference", "National Domestic Violence Hotline"))
    kind = fields.String(
        required=True,
        validate=validate.OneOf(["support", "reference"]),
        metadata=_d("support (a service to contact) or reference", "support"),
    )
    region = fields.String(required=True, metadata=_d("Where it applies", "United States"))
    url = fields.String(
        required=True, allow_none=True, metadata=_d("Its address, when known", "https://www.thehotline.org/")
    )
    note = fields.String(required=True, allow_none=True, metadata=_d("What it offers"))


class ScriptSchema(Schema):
    id = fields.String(required=True, metadata=_d("Stable id", "they-text-i-miss-you"))
    guide = fields.String(required=True, metadata=_d("Slug of its guide", "no-contact-rule"))
    section = fields.String(required=True, metadata=_d("Anchor of its section", "scripts-for-contact-cravings"))
    situation = fields.String(required=True, metadata=_d("When it is for", "When they text"))
    trigger = fields.String(required=True, allow_none=True, metadata=_d("The line that sets it off", "I miss you."))
    instruction = fields.String(
        required=True, allow_none=True, metadata=_d("What to do with it", "You can answer, if it is safe")
    )
    response = fields.String(required=True, metadata=_d("The words of the script"))
    send = fields.Boolean(required=True, metadata=_d("Meant to be sent (true) or only written (false)", True))
    safety = fields.String(
        required=True,
        allow_none=True,
        metadata=_d("When it is safe to use; always present on scripts meant to be sent. Show it with the script."),
    )
    tags = fields.List(fields.String(), required=True, metadata=_d("Topics", ["reply"]))
    text = fields.String(
        required=True, metadata=_d("The whole script as plain text, ending with its safety condition when it has one")
    )


class SectionSchema(Schema):
    anchor = fields.String(required=True, metadata=_d("Stable anchor", "when-no-contact-helps"))
    heading = fields.String(required=True, allow_none=True, metadata=_d("Heading; null for the introduction"))
    blocks = fields.List(fields.Nested(BlockSchema), required=True, metadata=_d("Ordered blocks"))
    text = fields.String(required=True, metadata=_d("The section's plain text (with render=text, the default)"))


class CollectionRefSchema(Schema):
    slug = fields.String(required=True, metadata=_d("Collection slug", "breakup-recovery"))
    title = fields.String(required=True, metadata=_d("Collection title", "Breakup recovery"))


class GuideLinkSchema(Schema):
    slug = fields.String(required=True, metadata=_d("Linked guide", "why-do-i-miss-my-ex"))
    title = fields.String(required=True, metadata=_d("Its title"))
    kind = fields.String(
        required=True,
        validate=validate.OneOf(["read_next", "inline", "related"]),
        metadata=_d("read_next, inline or related", "read_next"),
    )
    condition = fields.String(
        required=True, allow_none=True, metadata=_d("When to follow it", "if nostalgia is editing out the pattern")
    )
    sentence = fields.String(required=True, allow_none=True, metadata=_d("The sentence the link stands in"))
    section = fields.String(required=True, allow_none=True, metadata=_d("Anchor of the section it stands in"))


GUIDE_SUMMARY_FIELDS = (
    "slug",
    "title",
    "summary",
    "collection",
    "tags",
    "updated",
    "reading_time",
    "safety_sensitive",
    "url",
)


class GuideSummarySchema(Schema):
    """A guide in a list: every field is always present (`fields=` answers GuideSummarySparse)."""

    slug = fields.String(required=True, metadata=_d("Stable slug", "no-contact-rule"))
    title = fields.String(required=True, metadata=_d("Title", "No Contact Rule: When It Helps and When It Doesn't"))
    summary = fields.String(required=True, metadata=_d("The dek under the title"))
    collection = fields.Nested(CollectionRefSchema, required=True, metadata=_d("Its collection"))
    tags = fields.List(fields.String(), required=True, metadata=_d("Topics", ["no-contact"]))
    updated = fields.Date(required=True, metadata=_d("Last editorial update", "2026-03-17"))
    reading_time = fields.Integer(required=True, metadata=_d("Minutes, from the word count", 4))
    safety_sensitive = fields.Boolean(
        required=True, metadata=_d("The topic can involve fear, threats, stalking, control or violence")
    )
    url = fields.String(required=True, metadata=_d("API path of the whole guide", "/v1/guides/no-contact-rule"))


class GuideSchema(GuideSummarySchema):
    """A whole guide: every field is always present (`fields=` answers GuideSparse)."""

    byline = fields.String(required=True, metadata=_d("Who wrote it"))
    editorial_note = fields.String(allow_none=True, required=True, metadata=_d("Who the guide is written for"))
    word_count = fields.Integer(required=True, metadata=_d("Words in the body", 670))
    signals = fields.List(fields.String(), required=True, metadata=_d("Pattern-check signals"))
    safety_notes = fields.List(fields.String(), required=True, metadata=_d("Text of each safety callout"))
    sources = fields.List(fields.Nested(SourceSchema), required=True, metadata=_d("Sources and support resources"))
    sections = fields.List(fields.Nested(SectionSchema), required=True, metadata=_d("Sections in order"))
    scripts = fields.List(fields.Nested(ScriptSchema), required=True, metadata=_d("Scripts in order"))
    links = fields.List(
        fields.Nested(GuideLinkSchema), required=True, metadata=_d("Links to other guides, resolved to slug and title")
    )


GUIDE_FIELDS = tuple(GuideSchema().fields)


# The answers to a sparse request (`fields=`): the fields asked for, so none is required. Sections
# and blocks are sparse too (only anchors, headings, block types, levels and script ids are
# always there), so that any view that leaves parts of them out is described as well.
SectionSparseSchema = sparse(
    SectionSchema,
    "SectionSparseSchema",
    keep=("anchor", "heading", "blocks"),
    replace={"blocks": fields.List(fields.Nested(BlockSparseSchema), metadata=_d("Ordered blocks"))},
)
GuideSummarySparseSchema = sparse(GuideSummarySchema, "GuideSummarySparseSchema")
GuideSparseSchema = sparse(
    GuideSchema,
    "GuideSparseSchema",
    replace={"sections": fields.List(fields.Nested(SectionSparseSchema), metadata=_d("Sections in order"))},
)


# -- collections ----------------------------------------------------------------------------
class CollectionSchema(Schema):
    slug = fields.String(required=True, metadata=_d("Stable slug", "breakup-recovery"))
    title = fields.String(required=True, metadata=_d("Title", "Breakup recovery"))
    description = fields.String(required=True, metadata=_d("What it gathers"))
    guide_count = fields.Integer(required=True, metadata=_d("Number of guides", 6))
    url = fields.String(required=True, metadata=_d("API path", "/v1/collections/breakup-recovery"))


class CollectionDetailSchema(CollectionSchema):
    guides = fields.List(fields.Nested(GuideSummarySchema), required=True, metadata=_d("Guides in reading order"))


# -- pagination ---------------------------------------------------------------------------------
class PageLinksSchema(Schema):
    self = fields.String(required=True, metadata=_d("This page", "/v1/guides?page=1&page_size=20"))
    first = fields.String(required=True, metadata=_d("First page"))
    last = fields.String(required=True, metadata=_d("Last page"))
    next = fields.String(required=True, allow_none=True, metadata=_d("Next page, or null on the last"))
    prev = fields.String(required=True, allow_none=True, metadata=_d("Previous page, or null on the first"))


class PageSchema(Schema):
    total = fields.Integer(required=True, metadata=_d("Items matching, over all pages", 18))
    page = fields.Integer(required=True, metadata=_d("This page, from 1", 1))
    page_size = fields.Integer(required=True, metadata=_d("Items per page", 20))
    pages = fields.Integer(required=True, metadata=_d("Number of pages", 1))
    links = fields.Nested(PageLinksSchema, required=True, metadata=_d("Same links as the Link header"))


class GuidePageSchema(PageSchema):
    items = fields.List(
        fields.Nested(GuideSummarySchema),
        required=True,
        metadata=_d("Guide summaries"),
    )


class GuidePageSparseSchema(PageSchema):
    items = fields.List(
        fields.Nested(GuideSummarySparseSchema),
        required=True,
        metadata=_d("Guide summaries with only the fields asked for, in the order asked"),
    )


class ScriptPageSchema(PageSchema):
    items = fields.List(fields.Nested(ScriptSchema), required=True, metadata=_d("Scripts"))


class SupportResourceSchema(Schema):
    id = fields.String(required=True, metadata=_d("Stable id", "gb-samaritans"))
    name = fields.String(required=True, metadata=_d("Service name", "Samaritans"))
    phone = fields.String(
        required=True, allow_none=True, metadata=_d("Number to call, as the service writes it", "116 123")
    )
    text = fields.String(
        required=True, allow_none=True, metadata=_d("How to reach it by text message", "Text SHOUT to 85258")
    )
    chat = fields.String(required=True, allow_none=True, metadata=_d("Web chat address"))
    url = fields.String(required=True, metadata=_d("Its website", "https://www.samaritans.org/"))
    hours = fields.String(
        required=True, allow_none=True, metadata=_d("When it answers, as the service states it", "24/7")
    )
    kinds = fields.List(
        fields.String(validate=validate.OneOf(list(KINDS))),
        required=True,
        metadata=_d("Kinds of danger it helps with", ["self_harm"]),
    )
    regions = fields.List(
        fields.String(), required=True, metadata=_d("ISO 3166-1 alpha-2 codes it serves, or international", ["GB"])
    )


class GuideRefSchema(Schema):
    slug = fields.String(required=True, metadata=_d("Guide slug", "leaving-safely"))
    title = fields.String(required=True, metadata=_d("Guide title"))


class DangerKindSchema(Schema):
    kind = fields.String(
        required=True, validate=validate.OneOf(list(KINDS)), metadata=_d("One kind of danger", "strangulation")
    )
    level = fields.String(required=True, validate=validate.OneOf(LEVELS), metadata=_d("urgent or concern", "urgent"))
    label = fields.String(required=True, metadata=_d("Its name for readers", "Strangulation or choking"))


class SafetyNoticeSchema(Schema):
    """Shown first, before any result, when a query or situation signals danger."""

    message = fields.String(
        required=True, metadata=_d("What to do, fitted to the kinds; when urgent, the emergency number first")
    )
    region = fields.String(
        required=True,
        allow_none=True,
        metadata=_d("The reader's region the services are for (ISO 3166-1 alpha-2); null when unknown", "GB"),
    )
    emergency_numbers = fields.List(
        fields.String(),
        required=True,
        metadata=_d("The region's emergency number, or the common ones when the region is unknown", ["999"]),
    )
    level = fields.String(
        required=True,
        validate=validate.OneOf(LEVELS),
        metadata=_d("urgent when any kind recognised is urgent (show emergency help first), else concern", "urgent"),
    )
    matched = fields.List(
        fields.String(validate=validate.OneOf(list(KINDS))),
        required=True,
        metadata=_d("Kinds of danger the words signalled, most pressing first", ["strangulation", "threats"]),
    )
    kinds = fields.List(
        fields.Nested(DangerKindSchema), required=True, metadata=_d("The same kinds, each with its level and label")
    )
    resources = fields.List(
        fields.Nested(SupportResourceSchema),
        required=True,
        metadata=_d("Support services for these kinds in this region, most fitting first (never scoped)"),
    )
    guides = fields.List(fields.Nested(GuideRefSchema), required=True, metadata=_d("Guides about safety"))


# -- query arguments ------------------------------------------------------------------------------
class QueryArgsSchema(Schema):
    """The base of every query-argument schema: unknown or repeated parameters are a 422."""

    class Meta:
        unknown = RAISE  # an unknown parameter is a 422 that names it, not silently ignored

    @pre_load
    def _given_once(self, data: Any, **_kw: Any) -> Any:
        """A single-valued parameter given twice (`page=1&page=2`) is a 422 that names it: webargs
        would silently take the first. (`data` is webargs' MultiDictProxy over the query.)"""
        raw: Any = getattr(data, "data", None)
        multiple: set[str] = set(getattr(data, "multiple_keys", ()))
        if not hasattr(raw, "getlist"):
            return data
        names = {f.data_key or name for name, f in self.load_fields.items()} - multiple
        repeated = sorted(n for n in names if len(raw.getlist(n)) > 1)
        if repeated:
            raise ValidationError({n: ["Give this parameter once."] for n in repeated})
        return data


class PageArgsSchema(QueryArgsSchema):
    page = fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=100000), metadata=_d("Page number, from 1", 1)
    )
    page_size = fields.Integer(
        load_default=20, validate=validate.Range(min=1, max=100), metadata=_d("Items per page, 1-100", 20)
    )


def sparse_fields(allowed: tuple[str, ...]) -> DelimitedList:
    """`fields=a,b`: the sparse fieldset; an unknown name is a 422 that lists the allowed ones."""
    return DelimitedList(
        fields.String(validate=validate.OneOf(allowed, error="Unknown field {input!r}; allowed: {choices}.")),
        data_key="fields",
        validate=validate.Length(min=1, max=len(allowed)),
        metadata=_d("Comma-separated fields to return (sparse fieldset); unknown names are a 422", "slug,title"),
    )


RENDERINGS = ("json", "html", "text")


def render_param() -> DelimitedList:
    """`render=json,html`: the forms of each block to send; default all three."""
    return DelimitedList(
        fields.String(validate=validate.OneOf(RENDERINGS, error="Unknown rendering {input!r}; allowed: {choices}.")),
        validate=validate.Length(min=1, max=len(RENDERINGS)),
        metadata=_d(
            "Comma-separated renderings of the sections' blocks to send: json (the block tree with inline spans), "
            "html, text (block and section plain text); default all three. Fetch only the form you draw.",
            "json",
        ),
    )


class EmptyArgsSchema(QueryArgsSchema):
    pass
