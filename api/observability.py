"""Request ids, JSON access logs, Prometheus metrics and security headers, for every response.

Metrics work across gunicorn workers through prometheus_client's multiprocess mode: gunicorn.conf.py
points PROMETHEUS_MULTIPROC_DIR at a fresh folder before the app is imported.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Iterable

from flask import Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from api.answered import Answered, Pairs

access_log = logging.getLogger("api.access")

REQUESTS = Counter(
    "lp_requests_total", "HTTP requests by endpoint, method and status", ["endpoint", "method", "status"]
)
LATENCY = Histogram(
    "lp_request_seconds",
    "Time to answer an HTTP request, by endpoint",
    ["endpoint"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
SEARCH_LATENCY = Histogram(
    "lp_search_seconds",
    "Time to run a search query (cache misses and hits)",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1),
)
CONTENT_VERSION = Gauge(
    "lp_content_info", "The content version a worker serves (value 1)", ["version"], multiprocess_mode="liveall"
)
RATELIMIT_FALLBACKS = Counter(
    "lp_ratelimit_fallbacks_total",
    "Switches of the rate limits to per-worker memory while their shared store (Redis) is unreachable, and back",
    ["event"],
)
RESPONSE_CACHE = Counter(
    "lp_response_cache_lookups_total",
    "Response cache lookups (one per coding variant asked for), hit or miss",
    ["result"],
)
CACHE_HITS = RESPONSE_CACHE.labels("hit")
CACHE_MISSES = RESPONSE_CACHE.labels("miss")
CACHE_BYTES = Gauge(
    "lp_response_cache_bytes",
    "Bytes held by the response caches of the releases the workers serve (bodies, every coding)",
    multiprocess_mode="livesum",
)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# Endpoints whose query is what a person typed (a search, an autocomplete prefix): the access log
# names their path only. The pattern check is a POST; its body is never logged.
FREE_TEXT_PATHS = frozenset({"/v1/search", "/v1/suggest"})
# Query parameters that are choices, numbers, slugs, dates or flags: their values are logged.
# Any other parameter (q, situation, signal, one the API does not know) may hold a person's words.
STRUCTURED_PARAMS = frozenset(
    {
        "page", "page_size", "region", "sort", "collection", "tag", "type", "types", "fields", "limit", "depth",
        "direction", "send", "safe_to_send", "guide", "from", "to", "updated_since", "group", "render",
    }
)  # fmt: skip
# Parameters named in the log with their value [redacted]: a secret, or a person's own words.
SECRET_PARAMS = frozenset({"key", "api_key", "apikey", "token"})
FREE_TEXT_PARAMS = frozenset({"q", "situation", "signal"})
# What a structured value looks like; anything else (spaces, sentences) is redacted all the same.
_STRUCTURED_VALUE = re.compile(r"^[A-Za-z0-9_.,:-]{0,100}$")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# The docs page loads its script from a CDN; everything else is data and needs nothing.
DOCS_CSP = (
    "default-src 'none'; script-src https://cdn.jsdelivr.net; style-src 'unsafe-inline'; "
    "img-src data: https:; font-src https:; connect-src 'self'; worker-src blob:; frame-ancestors 'none'"
)


def metrics_response() -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return Response(
        generate_latest(registry), mimetype=CONTENT_TYPE_LATEST.split(";")[0], headers={"Cache-Control": "no-store"}
    )


def logged_path() -> str:
    """The request's path for the access log: without the query for search and suggest; elsewhere
    with the values of structured parameters only, every other value (and unknown name) [redacted]."""
    if not request.query_string or request.path.rstrip("/") in FREE_TEXT_PATHS:
        return request.path
    parts = []
    for name, value in request.args.items(multi=True):
        if name in STRUCTURED_PARAMS:
            parts.append(f"{name}={value if _STRUCTURED_VALUE.match(value) else '[redacted]'}")
        elif name.lower() in SECRET_PARAMS or name in FREE_TEXT_PARAMS:
            parts.append(f"{name}=[redacted]")
        else:  # a parameter the API does not know: its name may be the words (`?he+hit+me`)
            parts.append("[redacted]")
    return request.path + "?" + "&".join(parts)


def setup() -> None:
    """The access log's handler (once per process). Its hooks, `start` and `finish`, are in api/hooks.py."""
    if not access_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access_log.addHandler(handler)
        access_log.setLevel(logging.INFO)
        access_log.propagate = False


def start() -> None:
    """A before_request hook: the timer and the request id (the caller's, when well formed)."""
    g.started = time.perf_counter()
    incoming = request.environ.get("HTTP_X_REQUEST_ID", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


def security_headers(names: Iterable[str]) -> Pairs:
    """The security headers a response with these header names lacks, in their order."""
    present = {name.lower() for name in names}  # one pass, not a scan per header
    return tuple([(name, value) for name, value in SECURITY_HEADERS.items() if name.lower() not in present])


def finish(resp: Response) -> Response:
    """An after_request hook: request id, security headers, metrics and the access log line."""
    request_id = g.get("request_id") or uuid.uuid4().hex
    if isinstance(resp, Answered):  # it has no request id yet, and its security headers were found once
        resp.headers.add("X-Request-ID", request_id)
        missing = resp.secure
    else:
        resp.headers["X-Request-ID"] = request_id
        missing = security_headers(resp.headers.keys())
    for name, value in missing:  # (Headers.extend costs an isinstance chain per pair)
        resp.headers.add(name, value)
    if request.path.endswith("/docs"):
        resp.headers["Content-Security-Policy"] = DOCS_CSP
    seconds = time.perf_counter() - g.get("started", time.perf_counter())
    endpoint = request.url_rule.rule if request.url_rule else "unmatched"
    REQUESTS.labels(endpoint, request.method, str(resp.status_code)).inc()
    LATENCY.labels(endpoint).observe(seconds)
    access_log.info(
        json.dumps(
            {
                "ts": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "request_id": request_id,
                "pid": os.getpid(),
                "method": request.method,
                "path": logged_path(),
                "endpoint": endpoint,
                "status": resp.status_code,
                "bytes": _size(resp),
                "ms": round(seconds * 1000, 2),
            },
            ensure_ascii=False,
        )
    )
    return resp


def _size(resp: Response) -> int | None:
    """The body's length when known without reading it. calculate_content_length() reads a streamed
    body into memory to count it (the export inflated for a client without gzip: 240 MB at 10,000
    guides, before its first byte went out); such a body is logged without its size."""
    if resp.content_length is not None or resp.is_streamed:
        return resp.content_length
    return resp.calculate_content_length()
