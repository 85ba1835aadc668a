"""The request and response schemas of GET /v1/sync and GET /v1/export (api/sync.py)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas import GUIDE_FIELDS, GuideSchema, GuideSparseSchema, QueryArgsSchema, render_param, sparse_fields
from api.schemas import describe as _d


class SyncArgsSchema(QueryArgsSchema):
    token = fields.String(
        validate=validate.Length(min=1, max=2000),
        metadata=_d("A sync_token (changes since then) or a next_token (the next page); none for a first sync"),
    )
    page_size = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=100),
        metadata=_d("Changes per page (upserted, deleted and renamed together), 1-100", 20),
    )
    fields_ = sparse_fields(GUIDE_FIELDS)
    render = render_param()


class SyncDeletedSchema(Schema):
    slug = fields.String(required=True, metadata=_d("The slug to drop", "make-them-miss-you"))
    reason = fields.String(
        required=True,
        allow_none=True,
        metadata=_d("Why, when the guide was retired; null when it is simply gone (or out of your key's scope)"),
    )


class SyncRenamedSchema(Schema):
    from_ = fields.String(required=True, data_key="from", metadata=_d("The old slug: drop it", "no-contact"))
    to = fields.String(
        required=True,
        metadata=_d(
            "The new slug, which old links should open; its guide is in upserted when it changed", "no-contact-rule"
        ),
    )


class SyncCollectionSchema(Schema):
    slug = fields.String(required=True, metadata=_d("Collection slug", "breakup-recovery"))
    title = fields.String(required=True, metadata=_d("Title", "Breakup recovery"))
    description = fields.String(required=True, metadata=_d("What it gathers"))
    guides = fields.List(fields.String(), required=True, metadata=_d("Slugs of its guides, in reading order"))


class SyncLinksSchema(Schema):
    next = fields.String(
        required=True, allow_none=True, metadata=_d("The next page of this sync; null on the last page")
    )


class ExportRetiredSchema(Schema):
    slug = fields.String(required=True, metadata=_d("Retired slug", "make-them-miss-you"))
    reason = fields.String(required=True, metadata=_d("Why it was retired"))


class ExportRedirectsSchema(Schema):
    renamed = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata=_d("Old slug -> new slug", {"no-contact": "no-contact-rule"}),
    )
    retired = fields.List(fields.Nested(ExportRetiredSchema), required=True, metadata=_d("Retired slugs, with reasons"))


class SyncPageSchema(Schema):
    upserted = fields.List(
        fields.Nested(GuideSchema),
        required=True,
        metadata=_d(
            "New or changed guides (the same JSON as GET /v1/guides/{slug} with the same fields and render; "
            "slug always); store by slug"
        ),
    )
    deleted = fields.List(fields.Nested(SyncDeletedSchema), required=True, metadata=_d("Guides to drop"))
    renamed = fields.List(
        fields.Nested(SyncRenamedSchema), required=True, metadata=_d("Guides whose slug changed: drop `from`")
    )
    collections = fields.List(
        fields.Nested(SyncCollectionSchema),
        required=True,
        allow_none=True,
        metadata=_d("All collections (small), on the last page only; null on other pages"),
    )
    redirects = fields.Nested(
        ExportRedirectsSchema,
        required=True,
        allow_none=True,
        metadata=_d("Renamed and retired slugs, on the last page of a first sync (no token); null otherwise"),
    )
    next_token = fields.String(
        required=True,
        allow_none=True,
        metadata=_d("More pages follow: call again with token=next_token; null on the last page"),
    )
    sync_token = fields.String(
        required=True,
        allow_none=True,
        metadata=_d("On the last page: keep it, and call with token=sync_token later for what changed since"),
    )
    links = fields.Nested(SyncLinksSchema, required=True, metadata=_d("next: the next page as a URL"))


class SyncPageSparseSchema(SyncPageSchema):
    """A page of a sync with `fields=` or `render=`: its guides have only the parts asked for."""

    upserted = fields.List(
        fields.Nested(GuideSparseSchema),
        required=True,
        metadata=_d("New or changed guides, with only the fields and renderings asked for (slug always)"),
    )


class ExportSchema(Schema):
    version = fields.String(required=True, metadata=_d("The content version of this bundle"))
    guides = fields.List(fields.Nested(GuideSchema), required=True, metadata=_d("Every guide, whole, by slug"))
    collections = fields.List(fields.Nested(SyncCollectionSchema), required=True, metadata=_d("Every collection"))
    redirects = fields.Nested(ExportRedirectsSchema, required=True, metadata=_d("Renamed and retired slugs"))
    sync_token = fields.String(required=True, metadata=_d("Continue with GET /v1/sync?token=… for later changes"))
