"""Preview: the same endpoints over the preview release (drafts included), the way frontends do draft mode.

Each publish builds a preview release beside the published one (api/releases.py, `preview_store`).
A request reads it when its caller says so, in one of two ways:

- a partner key with `preview: true` in the keys file: every request with that key;
- a short-lived signed preview token in the `X-Preview-Token` header, made by
  `flask --app api.app content preview-token [SLUG]` (itsdangerous, LP_SECRET_KEY, its own salt,
  a timestamp checked against PREVIEW_TOKEN_MAX_AGE). A token made for a SLUG opens that guide's
  URLs only. An expired, tampered or misplaced token is a 401 in the error shape.

Preview answers carry `Cache-Control: private, no-store` and `X-Preview: true` (a 304 and an
error too), so no shared cache keeps them, and no cache tags. Their sync tokens name the preview
chain, which the published chain refuses (another store id), so drafts never reach a normal
key's sync or export. Every content answer says `Vary: X-Preview-Token`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask.typing import ResponseReturnValue
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from api.answered import Answered
from api.errors import error_response
from api.state import state

TOKEN_HEADER = "X-Preview-Token"
SALT = "lp.preview"  # never the sync tokens' salt: one kind of token never verifies as the other
PRIVATE = "private, no-store"
# The endpoints a token made for one guide opens (with that slug in the URL).
GUIDE_ENDPOINTS = frozenset({"guides.GuideBySlug", "guides.GuideSections", "guides.GuideSection"})


class PreviewTokenInvalid(ValueError):
    """Why a preview token is refused (the message is shown to the caller)."""


def _serializer(secret: str | bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT, signer_kwargs={"digest_method": hashlib.sha256})


def make_token(secret: str | bytes, slug: str | None = None) -> str:
    """A preview token: every draft, or (with a slug) that guide's URLs only. Its age is signed in."""
    if not secret:
        raise PreviewTokenInvalid("there is no secret key (LP_SECRET_KEY) to sign preview tokens with")
    return _serializer(secret).dumps({"p": 1, "slug": slug})


def read_token(secret: str | bytes, token: str, max_age: int) -> dict[str, Any]:
    """The token's payload, or PreviewTokenInvalid saying why (expired, not valid)."""
    if not secret:
        raise PreviewTokenInvalid("Preview is not available: the server has no secret key (LP_SECRET_KEY).")
    try:
        payload = _serializer(secret).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise PreviewTokenInvalid("The preview token has expired: make a new one.") from exc
    except BadData as exc:
        raise PreviewTokenInvalid("The preview token is not valid.") from exc
    if not isinstance(payload, dict) or payload.get("p") != 1:
        raise PreviewTokenInvalid("The preview token is not valid.")
    return payload


def wanted() -> ResponseReturnValue | None:
    """A before_request hook (after the partner gate): pin a preview request to the preview release."""
    if g.get("lp_public") or g.get("partner") is None:
        return None
    token = request.environ.get("HTTP_X_PREVIEW_TOKEN")  # TOKEN_HEADER
    if token is not None:
        cfg = current_app.config
        try:
            payload = read_token(cfg["SECRET_KEY"], token.strip(), int(cfg["PREVIEW_TOKEN_MAX_AGE"]))
        except PreviewTokenInvalid as exc:
            return error_response(401, str(exc))
        slug = payload.get("slug")
        if slug is not None and not (
            request.endpoint in GUIDE_ENDPOINTS and (request.view_args or {}).get("slug") == slug
        ):
            return error_response(401, f"This preview token opens the guide '{slug}' only: /v1/guides/{slug}.")
    elif not g.partner.preview:
        return None
    served = state().preview
    g.lp_preview = True  # from here on, even an error answer is private
    if served.release is None:
        served.load()
    else:
        served.refresh()
    if served.release is None:
        return error_response(503, "There is no preview release yet: run `flask --app api.app content publish`.")
    g.lp_release = served.release
    g.lp_store = served.store
    g.pop("lp_corpus", None)  # (none taken yet; never the published one)
    return None


def mark(resp: Response) -> Response:
    """An after_request hook: preview answers are private and say so; every other keyed answer
    varies by the token header, so a shared cache never answers a preview request with them."""
    if isinstance(resp, Answered):  # marked already (api/early.py: the preview release has its own cache)
        return resp
    if g.get("lp_preview"):
        resp.headers["Cache-Control"] = PRIVATE
        resp.headers["X-Preview"] = "true"
        for name in ("Cache-Tag", "Surrogate-Key"):
            resp.headers.pop(name, None)
    if not g.get("lp_public"):
        existing = resp.headers.get("Vary")
        resp.headers["Vary"] = f"{existing}, {TOKEN_HEADER}" if existing else TOKEN_HEADER
    return resp


def _document(app: Flask) -> None:
    """The token in the OpenAPI document: the PreviewToken security scheme, optional beside the key
    (api/spec.py documents the 401 it can get on every operation behind the partner gate)."""
    spec = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec
    spec.components.security_scheme(
        "PreviewToken",
        {
            "type": "apiKey",
            "in": "header",
            "name": TOKEN_HEADER,
            "description": "A short-lived signed preview token (`flask --app api.app content preview-token "
            "[SLUG]`): the request reads the preview release, drafts included, through the same endpoints; "
            "its answers are `Cache-Control: private, no-store` with `X-Preview: true`. A token made for a "
            "guide opens that guide's URLs only. Expired, not valid, or sent to another URL: 401. Valid "
            "before any preview release exists: 503.",
        },
    )
    either = [r for r in spec.options.get("security", [{}]) if r]  # the key's alternatives (partners.py)
    spec.options["security"] = [*either, *({**r, "PreviewToken": []} for r in either), {"PreviewToken": []}, {}]


def setup(app: Flask) -> None:
    """The preview token in the spec. The hooks `wanted` and `mark` are registered in api/hooks.py."""
    _document(app)
