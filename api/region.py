"""Which country a reader is in, for the support services a safety notice offers.

In order: the request's own `region` (ISO 3166-1 alpha-2), the partner key's default region, the
region subtag of Accept-Language (`en-GB` -> GB), and otherwise none (the notice then offers the
worldwide services and names the common emergency numbers). Never IP geolocation. Only regions the
resources file covers count; an explicit region it does not cover is a 422 naming the ones it does.
"""

from __future__ import annotations

from typing import Any

from flask import Response, g, request
from marshmallow import fields, validate

from api.errors import abort
from api.resources import corpus
from api.schemas import describe as _d


def region_field(**kwargs: Any) -> fields.String:
    """The `region` argument of search, suggest and pattern-check: one definition, one description."""
    return fields.String(
        validate=validate.Regexp(r"^[A-Z]{2}$", error="An ISO 3166-1 alpha-2 code in capitals, such as GB."),
        metadata=_d(
            "The reader's country, for the support services a safety notice offers (ISO 3166-1 alpha-2). "
            "Without it: the partner key's region, then Accept-Language, then the worldwide services.",
            "GB",
        ),
        **kwargs,
    )


def reader_region(explicit: str | None, location: str = "query") -> str | None:
    """The reader's region, or None; notes on `g` when Accept-Language decided it (see `vary`)."""
    covered = corpus().support.regions
    if explicit is not None:
        if explicit not in covered:
            reason = f"Unknown region '{explicit}': use one of {', '.join(covered)}, or leave it out."
            abort(422, "Invalid parameter: region", {location: {"region": [reason]}})
        return explicit
    partner = g.get("partner")
    if partner is not None and partner.region in covered:
        return str(partner.region)
    for language, _quality in request.accept_languages:
        parts = language.replace("_", "-").split("-")
        if len(parts) >= 2 and parts[-1].upper() in covered and len(parts[-1]) == 2:
            g.lp_region_from_language = True
            return parts[-1].upper()
    return None


def vary(resp: Response) -> Response:
    """`Vary: Accept-Language` when that header chose the region (and only then)."""
    if g.get("lp_region_from_language"):
        resp.vary.add("Accept-Language")
    return resp
