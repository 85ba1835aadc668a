"""The app factory: config, content, the API and its blueprints, error handlers, CLI."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, g
from flask_smorest import Api as _Api

from api import collections, embed, errors, graph, guides, meta, observability, partners, scripts, search, sync
from api.config import configure
from api.content import ContentInvalid
from api.http import ResponseCache, revalidate_early
from api.schemas import ErrorSchema
from api.store import ContentStore

log = logging.getLogger(__name__)

API_TITLE = "Love Patterns content API"
API_VERSION = "1.0.0"
SPEC_OPTIONS: dict[str, Any] = {
    "info": {
        "description": (
            "Guides about relationship patterns, with their sections, scripts, collections, search and "
            "related-pattern graph, for the website, the mobile apps and partner sites. Every error has one "
            "shape (Error). Scripts meant to be sent always carry a safety condition."
        ),
    },
    "servers": [{"url": "/"}],
}


class Api(_Api):
    ERROR_SCHEMA = ErrorSchema  # documents the error responses; errors.register handles them


@dataclass
class State:
    """What the app keeps beside Flask: the content store and its cached responses."""

    store: ContentStore
    responses: ResponseCache = field(default_factory=ResponseCache)
    # name -> callable returning True when that part is ready (the search index adds one)
    readiness_checks: dict[str, Callable[[], bool]] = field(default_factory=dict)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    # No /static route: api/static/ holds the search embed, served with an ETag by api/embed.py.
    app = Flask(__name__, static_folder=None)
    configure(app.config)
    app.config.update(
        API_TITLE=API_TITLE,
        API_VERSION=API_VERSION,
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/v1",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_REDOC_PATH="docs",
        OPENAPI_REDOC_URL="https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js",
        API_SPEC_OPTIONS=SPEC_OPTIONS,
        MAX_CONTENT_LENGTH=64 * 1024,  # no endpoint takes more; larger bodies are a 413
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.config.update(config or {})

    store = ContentStore(app.config["CONTENT_DIR"], app.config["CONTENT_CACHE"])
    try:
        store.load()
    except ContentInvalid as exc:
        # Start anyway: content endpoints answer 503 and `content validate` can say what is wrong.
        log.error("no valid content to serve: %s", exc)
    app.extensions["lp"] = State(store)
    sync.install(app)  # records each content version that goes live in the sync journal

    @app.before_request
    def _pick_up_published_content() -> None:
        store.refresh()  # a stat a second at most; swaps in what `flask content publish` published

    @app.after_request
    def _name_the_version(resp: Response) -> Response:
        corpus = g.get("lp_corpus")
        if corpus is not None:  # the one version this response was built from
            resp.headers["X-Content-Version"] = corpus.version
        return resp

    api = Api(app)
    for module in (meta, guides, scripts, collections, graph, search, sync, embed):
        api.register_blueprint(module.blp)
    app.extensions["lp"].readiness_checks["search_index"] = search.index_ready
    errors.register(app)
    observability.install(app)
    partners.install(app)  # keys, scope, CORS, rate limits: after request ids, before views
    app.before_request(revalidate_early)  # after the partner gate: the scope is part of the version
    if store.version:
        observability.CONTENT_VERSION.labels(store.version).set(1)

    from api.cli import register as register_cli

    register_cli(app)
    return app
