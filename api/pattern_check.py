"""The pattern check (`POST /v1/pattern-check`): a situation in the person's own words, matched
to guides.

The work happens in api.patterns (no Flask there); this module reads and checks the body, asks the
release's analyzer and documents the shapes. Its view is on the graph blueprint (api.graph.blp),
so the spec keeps its one `graph` tag.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from flask import Response, request
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from api.content.schemas import SLUG
from api.current import analyzer_of, safety_guides_of
from api.errors import abort
from api.graph import GraphEdgeSchema, blp
from api.http import dumps
from api.region import reader_region, region_field, vary
from api.resources import QUERY, corpus
from api.schemas import EmptyArgsSchema, ErrorSchema, SafetyNoticeSchema
from api.schemas import describe as _d
from api.urls import guide_url, with_url

MAX_BODY = 8 * 1024  # bytes; a situation is a few sentences, not a document
MAX_SITUATION = 4000  # characters
MAX_SIGNALS = 30

_ERR = {"schema": ErrorSchema}


# -- pattern check ---------------------------------------------------------------------------------------
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


def _plain_text(value: str) -> None:
    if not value.strip():
        raise ValidationError("Describe the situation in a few words.")
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co") and ch not in "\n\r\t" for ch in value):
        raise ValidationError("Must be plain text, without control characters.")
    if not _LETTER.search(value):
        raise ValidationError("Must contain words.")


class PatternCheckSchema(Schema):
    class Meta:
        unknown = RAISE

    situation = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=MAX_SITUATION), _plain_text],
        metadata=_d(
            f"The situation in the person's own words (up to {MAX_SITUATION} characters). It is not stored or logged.",
            "he hasnt texted back in 6 hours and i keep checking my phone",
        ),
    )
    signals = fields.List(
        fields.String(validate=validate.Length(min=1, max=300)),
        load_default=list,
        validate=validate.Length(max=MAX_SIGNALS),
        metadata=_d(
            "Signals the person ticked, as a guide lists them (see a guide's `signals`); exact text "
            "boosts the guides that list it",
            ["A slow reply can ruin your whole evening."],
        ),
    )
    guide = fields.String(
        validate=SLUG,
        load_default=None,
        metadata=_d("Slug of the guide being read: the answer adds the closest next read from it", "no-contact-rule"),
    )
    region = region_field(load_default=None)
    limit = fields.Integer(
        load_default=5, validate=validate.Range(min=1, max=20), metadata=_d("How many ranked guides to return, 1-20", 5)
    )


class MatchedSignalSchema(Schema):
    signal = fields.String(
        required=True, metadata=_d("The guide's signal", "A slow reply can ruin your whole evening.")
    )
    words = fields.List(
        fields.String(),
        required=True,
        metadata=_d("The person's words (or phrases) that matched it", ["whole night is ruined"]),
    )
    ticked = fields.Boolean(required=True, metadata=_d("The person ticked this signal"))


class MatchSchema(Schema):
    rank = fields.Integer(required=True, metadata=_d("1 for the best fit", 1))
    slug = fields.String(required=True, metadata=_d("Guide slug", "anxious-texting"))
    title = fields.String(required=True, metadata=_d("Guide title"))
    url = fields.String(required=True, metadata=_d("API path of the guide", "/v1/guides/anxious-texting"))
    collection = fields.String(required=True, metadata=_d("Collection slug", "attachment-patterns"))
    safety_sensitive = fields.Boolean(required=True, metadata=_d("The topic can involve fear, control or violence"))
    score = fields.Float(required=True, metadata=_d("Fit; comparable only within one answer", 3.42))
    matched_signals = fields.List(
        fields.Nested(MatchedSignalSchema),
        required=True,
        metadata=_d("Signals of the guide the situation matched, best first"),
    )
    matched_words = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata=_d(
            "Other parts of the guide that matched (title, tags, summary, text) and the words", {"title": ["reply"]}
        ),
    )


class NextReadSchema(Schema):
    slug = fields.String(required=True, metadata=_d("Guide to read next", "why-do-i-miss-my-ex"))
    title = fields.String(required=True, metadata=_d("Its title"))
    url = fields.String(required=True, metadata=_d("API path", "/v1/guides/why-do-i-miss-my-ex"))
    score = fields.Float(required=True, metadata=_d("The guide's fit plus how well the link's condition fits"))
    matched_words = fields.List(
        fields.String(), required=True, metadata=_d("The person's words that matched the link's condition")
    )
    via = fields.Nested(GraphEdgeSchema, required=True, metadata=_d("The link followed, with its condition"))


class ReadingSchema(Schema):
    slug = fields.String(required=True, metadata=_d("The guide being read", "no-contact-rule"))
    score = fields.Float(required=True, metadata=_d("Its fit for the situation"))
    rank = fields.Integer(
        required=True, allow_none=True, metadata=_d("Its rank in `results`, or null when not among them")
    )
    closest_next_read = fields.Nested(
        NextReadSchema,
        required=True,
        allow_none=True,
        metadata=_d("The linked guide that fits best; null when it links nowhere"),
    )


class PatternCheckResultSchema(Schema):
    safety = fields.Nested(
        SafetyNoticeSchema,
        required=True,
        allow_none=True,
        metadata=_d(
            "First, and not null, when the situation signals fear, threats, stalking, violence or control: "
            "show it before any result. Same object as in search."
        ),
    )
    results = fields.List(fields.Nested(MatchSchema), required=True, metadata=_d("Guides ranked by fit"))
    reading = fields.Nested(
        ReadingSchema,
        required=True,
        allow_none=True,
        metadata=_d("With `guide` in the request: that guide's fit and the closest next read"),
    )
    understood = fields.List(
        fields.String(),
        required=True,
        metadata=_d("The person's words and phrases that counted", ["checking my phone"]),
    )


# -- view ----------------------------------------------------------------------------------------------
@blp.route("/pattern-check")
class PatternCheck(MethodView):
    @blp.arguments(EmptyArgsSchema(), **QUERY)  # no query parameters: an unknown one is a 422, as everywhere
    @blp.arguments(PatternCheckSchema, location="json", unknown=RAISE, description=f"JSON, at most {MAX_BODY} bytes")
    @blp.response(
        200,
        PatternCheckResultSchema,
        headers={"Cache-Control": {"description": "no-store", "schema": {"type": "string"}}},
    )
    @blp.alt_response(400, description="The body is not valid JSON or not UTF-8", **_ERR)
    @blp.alt_response(413, description=f"The body is larger than {MAX_BODY} bytes", **_ERR)
    @blp.alt_response(415, description="The body is not JSON (Content-Type: application/json)", **_ERR)
    def post(self, _query: dict[str, Any], body: dict[str, Any]) -> ResponseReturnValue:
        """Check a situation against the patterns

        Ranks guides by how well they fit the situation as the person wrote it, with the signals
        each matched and the words that matched them; with `guide`, adds the closest next read from
        that guide following the graph. Deterministic: the same words give the same answer. When
        the words signal danger, `safety` comes first with support resources. Not cached, not logged.
        """
        c = corpus()
        guide = body.get("guide")
        if guide is not None:
            live = c.live_slug(guide)
            if live is None:
                abort(422, "Invalid parameter: guide", {"json": {"guide": [f"No guide with slug '{guide}'."]}})
            guide = live
        region = reader_region(body["region"], location="json")
        answer = analyzer_of(c).check(
            body["situation"], tuple(body["signals"]), guide, body["limit"], c, region, safety_guides_of(c)
        )
        resp = Response(dumps(_linked(answer)), mimetype="application/json")
        resp.headers["Cache-Control"] = "no-store"  # a person's own words: never in a shared cache
        return vary(resp)


def _linked(answer: dict[str, Any]) -> dict[str, Any]:
    """The analyzer's answer (slugs) with each guide's API path, built by api/urls.py."""
    results = [with_url(r, guide_url(r["slug"]), after="title") for r in answer["results"]]
    reading = answer["reading"]
    if reading is not None and reading["closest_next_read"] is not None:
        nxt = reading["closest_next_read"]
        reading = {**reading, "closest_next_read": with_url(nxt, guide_url(nxt["slug"]), after="title")}
    return {**answer, "results": results, "reading": reading}


@blp.before_request
def _check_body() -> None:
    """Size, type and JSON checks before webargs parses: each a clear 4xx in the error shape."""
    if request.method != "POST":
        return
    if request.content_length is not None and request.content_length > MAX_BODY:
        abort(413, f"The body is larger than {MAX_BODY} bytes.")
    if not request.is_json:
        abort(415, "Send a JSON object with Content-Type: application/json.")
    # A chunked body has no Content-Length: read at most one byte past the cap to know it is over.
    request.max_content_length = MAX_BODY + 1
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY:
        abort(413, f"The body is larger than {MAX_BODY} bytes.")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        abort(400, "The body is not UTF-8 text.")
    except ValueError:
        abort(400, "The body is not valid JSON.")
    except RecursionError:  # thousands of nested arrays or objects: never a 500
        abort(400, "The body is not valid JSON: it is nested too deeply.")
    if not isinstance(data, dict):
        abort(422, "The body must be a JSON object.", {"json": ["Must be an object."]})
