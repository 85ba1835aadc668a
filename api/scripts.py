"""Scripts: what to say (or write and not send), filterable for the mobile apps."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from api import serialize
from api.content.schemas import SLUG
from api.errors import abort
from api.http import cached_json
from api.resources import QUERY, corpus, paged
from api.schemas import EmptyArgsSchema, PageArgsSchema, ScriptPageSchema, ScriptSchema
from api.schemas import describe as _d


class ScriptListArgsSchema(PageArgsSchema):
    guide = fields.String(validate=SLUG, metadata=_d("Only scripts of this guide", "no-contact-rule"))
    situation = fields.String(
        validate=validate.Length(min=2, max=100),
        metadata=_d("Only scripts whose situation or trigger contains these words (case-insensitive)", "they text"),
    )
    tag = fields.String(validate=SLUG, metadata=_d("Only scripts with this tag", "reply"))
    send = fields.Boolean(metadata=_d("true: only scripts meant to be sent; false: only write-not-send ones"))
    safe_to_send = fields.Boolean(
        metadata=_d(
            "true: only scripts meant to be sent from guides whose topic does not involve danger. "
            "Every send-script still carries its safety condition."
        )
    )


blp = Blueprint("scripts", __name__, url_prefix="/v1/scripts", description="Scripts from every guide.")


@blp.route("")
class Scripts(MethodView):
    @blp.arguments(ScriptListArgsSchema(), **QUERY)
    @blp.response(200, ScriptPageSchema)
    def get(self, args: dict[str, Any]) -> ResponseReturnValue:
        """List scripts

        Filter by guide, situation words, tag, whether a script is meant to be sent, and
        safe-to-send. A script meant to be sent always carries its `safety` condition.
        """
        c = corpus()

        def select() -> list:
            scripts = [s for g in c.guides.values() for s in g.scripts]
            if args.get("guide"):
                scripts = [s for s in scripts if s.guide == args["guide"]]
            if args.get("situation"):
                words = args["situation"].casefold()
                scripts = [s for s in scripts if words in f"{s.situation} {s.trigger or ''}".casefold()]
            if args.get("tag"):
                scripts = [s for s in scripts if args["tag"] in s.tags]
            if args.get("send") is not None:
                scripts = [s for s in scripts if s.send is args["send"]]
            if args.get("safe_to_send") is not None:
                safe = args["safe_to_send"]
                scripts = [s for s in scripts if (s.send and not c.guides[s.guide].safety_sensitive) is safe]
            return scripts

        return paged("/v1/scripts", args, ("scripts", tuple(sorted(args.items()))), select, serialize.script)


@blp.route("/<script_id>")
class ScriptById(MethodView):
    @blp.arguments(EmptyArgsSchema(), **QUERY)
    @blp.response(200, ScriptSchema)
    def get(self, _args: dict, script_id: str) -> ResponseReturnValue:
        """Get one script by id, with its guide slug and section anchor"""
        c = corpus()
        s = c.scripts.get(script_id)
        if s is None:
            abort(404, f"No script with id '{script_id}'.")
        return cached_json(("script", script_id), lambda: serialize.script(s), f"script:{script_id}")
