"""Partner API keys, rate limits and CORS, for every request (wired in by `install(app)`).

Per request, in this order (after the request id is set, before any view):

1. Service endpoints (health, ready, metrics, the OpenAPI document and docs) and the search
   embed's script need no key and are not limited.
2. A CORS preflight (OPTIONS with Origin and Access-Control-Request-Method) carries no key, so it
   is answered for any origin that some key (or the anonymous tier) allows; otherwise 403.
3. The caller: the `X-API-Key` header (the only place a key is read) names a partner; without
   one, the anonymous tier. No key where anonymous access is off, or an unknown key: 401 with
   `WWW-Authenticate`. `g.scope` becomes the partner's collections, so every endpoint reads a
   corpus restricted to them (api/current.py): outside it, single items are 404 (their existence
   is not revealed) and lists, facets, the graph and the analyzer simply do not include them.
4. An actual cross-origin request (Origin not this server's) is allowed only when the caller
   allows that origin; otherwise 403 without Access-Control-Allow-Origin.
   Failed key attempts are counted per client address (KEY_FAILURE_LIMIT): while an address has
   spent them, every request from it that carries a key is a 429 before the key is looked up, so
   a guess can neither succeed nor tell a good key from a bad one until the window ends.
5. flask-limiter counts the request against the caller's limit, one budget over all endpoints:
   by key hash for a partner, by client IP for anonymous; 429 when it is spent.

Every answer then gets `Vary: X-API-Key, Origin`, the CORS headers when allowed, and the
RateLimit-Limit / -Remaining / -Reset (seconds) and RateLimit-Policy headers
(draft-ietf-httpapi-ratelimit-headers, separate-field form); a 429 also `Retry-After` (seconds).

Keys never reach a log or a response: only the partner's name and the key's hash are kept.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask.typing import ResponseReturnValue
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded
from limits import parse as parse_limit

from api.answered import Answered
from api.errors import error_response
from api.observability import RATELIMIT_FALLBACKS
from api.partner_keys import PartnerKeys, Principal
from api.state import state, state_of

log = logging.getLogger(__name__)

KEY_HEADER = "X-API-Key"
_KEY_ENVIRON = "HTTP_" + KEY_HEADER.upper().replace("-", "_")  # where WSGI puts it
# Reachable without a key and never rate limited: probes, scrapers and the API reference.
# The search embed's script too: a <script> tag sends no key (the element's searches then do).
PUBLIC_ENDPOINTS = frozenset(
    {
        "meta.health",
        "meta.ready",
        "meta.metrics",
        "api-docs.openapi_json",
        "api-docs.openapi_redoc",
        "embed.lp_search_js",
    }
)
ALLOW_METHODS = "GET, HEAD, POST, OPTIONS"
ALLOW_HEADERS = "X-API-Key, X-Preview-Token, Content-Type, If-None-Match, If-Modified-Since, X-Request-ID"
EXPOSE_HEADERS = (
    "ETag, Link, Location, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, "
    "RateLimit-Policy, X-Request-ID, X-Content-Version, X-Preview"
)
WWW_AUTHENTICATE = 'ApiKey realm="Love Patterns content API", header="X-API-Key"'
# Unknown keys one client address may send per window before its keyed requests are refused (429).
KEY_FAILURE_LIMIT = parse_limit("20/minute")
_KEY_FAILURES = ("lp", "key-failures")  # the counter's identifiers in the limiter's storage, + address


def keys() -> PartnerKeys:
    return state().partners


def _same_origin(origin: str) -> bool:
    return origin == request.host_url.rstrip("/")


def _some_caller_allows(origin: str) -> bool:
    """Whether any key (or the anonymous tier) allows this browser origin."""
    origins, anyone = state().preflight_origins
    return anyone or origin in origins


def _preflight(origin: str) -> ResponseReturnValue:
    """OPTIONS from a browser before the real request; it carries no key, so any key's origin will do."""
    if not _some_caller_allows(origin):
        return error_response(403, f"The origin {origin} is not allowed to call this API.", headers={"Vary": "Origin"})
    resp = Response(status=204)
    del resp.headers["Content-Type"]
    resp.headers.update(
        {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": ALLOW_METHODS,
            "Access-Control-Allow-Headers": ALLOW_HEADERS,
            "Access-Control-Max-Age": str(current_app.config["CORS_MAX_AGE"]),
            "Vary": "Origin",
        }
    )
    return resp


def _address() -> str:
    return request.remote_addr or "unknown"


def _key_failures_wait() -> int | None:
    """Seconds until this address may try keys again, when it has spent its failed attempts; else
    None (also when there is no limiter, or its counter store is down: fail open, as for limits)."""
    limiter = state().limiter
    if limiter is None:
        return None
    try:
        if limiter.limiter.test(KEY_FAILURE_LIMIT, *_KEY_FAILURES, _address()):
            return None
        stats = limiter.limiter.get_window_stats(KEY_FAILURE_LIMIT, *_KEY_FAILURES, _address())
        return max(1, math.ceil(stats.reset_time - time.time()))
    except Exception:
        log.exception("failed key attempts cannot be read")
        return None


def _count_key_failure() -> None:
    limiter = state().limiter
    if limiter is None:
        return
    try:
        limiter.limiter.hit(KEY_FAILURE_LIMIT, *_KEY_FAILURES, _address())
    except Exception:
        log.exception("a failed key attempt cannot be counted")


def gate() -> ResponseReturnValue | None:
    """Who is calling, what they may see, and from which origin (see the module docstring)."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        g.lp_public = True
        return None
    environ = request.environ  # (read directly: EnvironHeaders raises and catches a KeyError per absent header)
    origin = environ.get("HTTP_ORIGIN")
    if request.method == "OPTIONS" and origin and environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"):
        g.lp_public = True  # a preflight is neither authenticated nor counted
        return _preflight(origin)
    if origin and not _same_origin(origin) and _some_caller_allows(origin):
        g.lp_cors_origin = origin  # so that a browser can read a 401 too
    registry = keys()
    key = environ.get(_KEY_ENVIRON)
    principal: Principal | None
    if key is not None and not key.strip():  # an empty key variable: say so, never fall back to anonymous
        return error_response(401, f"The {KEY_HEADER} header is empty.", headers={"WWW-Authenticate": WWW_AUTHENTICATE})
    if key:
        wait = _key_failures_wait()
        if wait is not None:
            return error_response(
                429,
                f"Too many unknown API keys from this address: {KEY_FAILURE_LIMIT}. Retry after Retry-After seconds.",
                headers={"Retry-After": str(wait)},
            )
        principal = registry.lookup(key)
        if principal is None:
            _count_key_failure()
            return error_response(401, "Unknown API key.", headers={"WWW-Authenticate": WWW_AUTHENTICATE})
    else:
        principal = registry.anonymous
        if principal is None:
            return error_response(
                401,
                f"An API key is required: send it in the {KEY_HEADER} header.",
                headers={"WWW-Authenticate": WWW_AUTHENTICATE},
            )
    g.partner = principal
    g.scope = principal.collections  # api/current.py restricts the corpus to these (None: all)
    if origin and not _same_origin(origin):
        if not principal.allows_origin(origin):
            g.pop("lp_cors_origin", None)
            who = "without an API key" if principal.anonymous else "with this API key"
            return error_response(403, f"The origin {origin} may not call this API {who}.")
        g.lp_cors_origin = origin
    return None


def operator_or_refusal() -> bool | ResponseReturnValue:
    """Whether this request carries an operator key (`operator: true`), for a public endpoint that
    shows operators more (/v1/ready): True or False, or the refusal to answer instead. No key:
    False. An empty or unknown key is a 401 and counts as a failed attempt, and an address over its
    failed attempts is a 429, as in `gate`: /v1/ready must not be a free place to guess keys."""
    key = request.headers.get(KEY_HEADER)
    if key is None:
        return False
    unauthorized = {"WWW-Authenticate": WWW_AUTHENTICATE}
    if not key.strip():
        return error_response(401, f"The {KEY_HEADER} header is empty.", headers=unauthorized)
    wait = _key_failures_wait()
    if wait is not None:
        detail = f"Too many unknown API keys from this address: {KEY_FAILURE_LIMIT}. Retry after Retry-After seconds."
        return error_response(429, detail, headers={"Retry-After": str(wait)})
    principal = keys().lookup(key)
    if principal is None:
        _count_key_failure()
        return error_response(401, "Unknown API key.", headers=unauthorized)
    return principal.operator


def _bucket() -> str:
    """The rate-limit counter of this caller: the key's hash, or the client address for anonymous."""
    partner: Principal | None = g.get("partner")
    if partner is not None and partner.key_hash:
        return f"key:{partner.key_hash}"
    return f"ip:{request.remote_addr or 'unknown'}"


def _limit_of_caller() -> str:
    partner: Principal | None = g.get("partner")
    return (partner.limit if partner is not None else None) or ""  # "" = not limited


def _exempt() -> bool:
    return bool(g.get("lp_public")) or g.get("partner") is None


def _too_many(exc: RateLimitExceeded) -> ResponseReturnValue:
    partner: Principal | None = g.get("partner")
    who = "this API key" if partner is not None and partner.key_hash else "anonymous callers from this address"
    return error_response(429, f"Rate limit exceeded: {exc.limit.limit} for {who}. Retry after Retry-After seconds.")


def decorate(resp: Response) -> Response:
    """Vary, CORS and rate-limit headers on every non-public answer."""
    if g.get("lp_public"):
        return resp
    if not isinstance(resp, Answered):  # an early answer's Vary is final already (api/early.py)
        vary(resp)
    origin = g.get("lp_cors_origin")
    if origin:
        resp.headers["Access-Control-Allow-Origin"] = origin
        resp.headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
    limiter = state().limiter
    if limiter is None:
        return resp
    try:
        current = limiter.current_limit
        if current is not None:
            reset = max(0, math.ceil(current.reset_at - time.time()))
            item = current.limit
            resp.headers["RateLimit-Limit"] = str(item.amount)
            resp.headers["RateLimit-Remaining"] = str(max(0, current.remaining))
            resp.headers["RateLimit-Reset"] = str(reset)
            resp.headers["RateLimit-Policy"] = f"{item.amount};w={item.get_expiry()}"
            if resp.status_code == 429:
                resp.headers["Retry-After"] = str(max(1, reset))
    except Exception:  # the counter store is down: the request was let through (fail open)
        log.exception("rate limit headers unavailable")
    return resp


def vary(resp: Response) -> Response:
    """`Vary: X-API-Key, Origin` on a non-public answer: the part of `decorate` every request of a URL shares."""
    # Plain header write: Response.vary parses and re-serialises a HeaderSet on every access (hot path).
    existing = resp.headers.get("Vary")
    resp.headers["Vary"] = f"{existing}, {KEY_HEADER}, Origin" if existing else f"{KEY_HEADER}, Origin"
    return resp


def setup(app: Flask) -> None:
    """Keys, CORS and rate limits for this app: the registry, the limiter (its hooks join the others in
    api/hooks.py), the spec's key. The hooks `gate` and `decorate` are registered in api/hooks.py."""
    registry = PartnerKeys.load(app.config.get("PARTNER_KEYS_FILE") or None)
    lp = state_of(app)
    lp.partners, lp.preflight_origins = registry, registry.preflight_origins()
    release = lp.served.release
    if release is not None:
        unknown = registry.collections() - set(release.corpus.collections)
        if unknown:
            log.warning("partner keys name collections the content does not have: %s", ", ".join(sorted(unknown)))
    log.info(
        "partner keys: %d key(s), anonymous access %s", len(registry.keys), "allowed" if registry.anonymous else "off"
    )

    _document(app)
    if not registry.keys and not any(p.limit for p in registry.principals()):
        # No keys to guess and nobody has a limit (e.g. no keys file): no limiter, so no
        # per-request counting work at all.
        lp.limiter = None
        return
    uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    limiter = Limiter(
        _bucket,
        application_limits=[ApplicationLimit(_limit_of_caller, exempt_when=_exempt)],
        storage_uri=uri,
        # Redis (shared limits): short timeouts, so a Redis that hangs costs a request a quarter of a
        # second once, then the worker counts in its own memory until Redis answers again (checked
        # with a growing pause); each switch is logged and counted (lp_ratelimit_fallbacks_total).
        storage_options=dict(REDIS_TIMEOUTS) if uri.startswith(("redis://", "rediss://")) else {},
        in_memory_fallback_enabled=True,
        strategy="fixed-window",
        key_prefix="lp",
        headers_enabled=False,  # ours, in decorate: RateLimit-* with Reset in seconds, not a timestamp
        swallow_errors=True,  # a Redis outage lets requests through (logged) instead of failing them
    )
    _count_fallbacks()
    lp.limiter = limiter
    app.register_error_handler(RateLimitExceeded, _too_many)


REDIS_TIMEOUTS: dict[str, Any] = {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}


class _CountFallbacks(logging.Filter):
    """Counts flask-limiter's switches to its in-memory fallback (and back), and logs them (its own
    logger has no handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "falling back to in-memory" in message:
            RATELIMIT_FALLBACKS.labels("fallback").inc()
            log.warning("rate limits: the shared store is unreachable; counting in worker memory until it answers")
        elif "storage recovered" in message:
            RATELIMIT_FALLBACKS.labels("recovered").inc()
            log.warning("rate limits: the shared store answers again")
        return True


def _count_fallbacks() -> None:
    flask_limiter_log = logging.getLogger("flask-limiter")
    if not any(isinstance(f, _CountFallbacks) for f in flask_limiter_log.filters):
        flask_limiter_log.addFilter(_CountFallbacks())


def _document(app: Flask) -> None:
    """The key in the OpenAPI document: an optional X-API-Key header on every operation."""
    spec = state_of(app).api.spec
    spec.components.security_scheme(
        "ApiKey",
        {
            "type": "apiKey",
            "in": "header",
            "name": KEY_HEADER,
            "description": "A partner key: limits what the caller sees to its collections, and sets its rate "
            "limit and allowed browser origins. Without one, the anonymous tier applies (when the "
            "service allows anonymous access). Missing or unknown where required: 401; over the "
            "limit: 429 with Retry-After and RateLimit-* headers.",
        },
    )
    spec.options["security"] = [{"ApiKey": []}, {}]  # a key, or none (anonymous tier)
