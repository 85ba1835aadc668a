"""The app factory: config, the served release, the API and its blueprints, error handlers, CLI.

create_app only reads: it loads the release the store's pointer names (nothing published yet:
content endpoints answer 503). Publishing is `flask --app api.app content publish` alone.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from flask_smorest import Api as _Api
from werkzeug.middleware.proxy_fix import ProxyFix

from api import (
    collections,
    embed,
    errors,
    graph,
    guides,
    hooks,
    meta,
    observability,
    partners,
    pattern_check,  # noqa: F401  (its view joins graph.blp when imported, before registration)
    preview,
    scripts,
    search,
    sync,
)
from api.config import configure
from api.release_store import open_store
from api.releases import Served, preview_store
from api.schemas import ErrorSchema
from api.spec import spec_kwargs
from api.state import KEY, State, state_of
from api.warm import prepare

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


def log_startup(app: Flask) -> None:
    """What a server operator must know at start. Logged by the server (api/wsgi.py), not by
    create_app, so that the CLI's output (`content validate`) holds nothing but its own report."""
    state = state_of(app)
    if state.served.release is None:
        log.error("no release to serve in %s: run `flask --app api.app content publish`", state.store.root)
    if not app.config["SECRET_KEY"]:
        log.warning("LP_SECRET_KEY is not set: sync and export answer 503 (scripts/serve.sh makes one)")


def _open_state(app: Flask) -> State:
    """The release store and the served releases (published, preview) this process starts with."""
    store, mirror = open_store(app.config)  # with a shared store, this machine's copy of it
    # A new release is warmed (api/warm.py) before this worker serves it; the first, here in the
    # master, is not: gunicorn's workers reopen its index after they fork.
    served = Served(store, fetch=mirror.pull if mirror is not None else None, prepare=prepare)
    served.load()  # None: start anyway; content endpoints answer 503 until a release is published
    preview_fetch = mirror.pull_preview if mirror is not None else None  # (the preview chain of a shared store)
    return State(store, served, mirror, preview=Served(preview_store(store), fetch=preview_fetch))


def create_app(config: dict[str, Any] | None = None) -> Flask:
    # No /static route: api/static/ holds the search embed, served with an ETag by api/embed.py.
    app = Flask(__name__, static_folder=None)
    # Werkzeug would answer `/v1//guides` with its own 308 to an absolute URL built from the Host
    # header (which a client may forge), as HTML without Cache-Control. No URL of the API has an
    # empty segment: such a path is a 404 in the error shape, like a trailing slash.
    app.url_map.merge_slashes = False
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
    hops = int(app.config["PROXY_HOPS"])
    if hops > 0:  # behind that many proxies (nginx: 1); gunicorn.conf.py trusts the same (forwarded_allow_ips)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    state = app.extensions[KEY] = _open_state(app)
    served = state.served

    api = state.api = Api(app, spec_kwargs=spec_kwargs())
    for module in (meta, guides, scripts, collections, graph, search, sync, embed):
        api.register_blueprint(module.blp)
    state.readiness_checks["search_index"] = search.index_ready
    errors.register(app)
    observability.setup()
    partners.setup(app)  # keys, the limiter, the key in the spec
    preview.setup(app)  # the preview token in the spec
    hooks.install(app)  # every request hook, in one list, in the order they run (api/hooks.py)
    if served.release is not None:
        observability.CONTENT_VERSION.labels(served.release.id).set(1)

    from api.cli import register as register_cli

    register_cli(app)
    return app
