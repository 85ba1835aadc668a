"""What a worker holds beside Flask, in one typed object: the release it serves at the centre, and
around it the store, the preview chain, the partner keys, the rate limiter and the API (its spec).

`create_app` (api/app.py) makes it once and keeps it as `app.extensions["lp"]`, the one key the
project puts there; everything else reaches it through `state()` (in a request or app context) or
`state_of(app)`, typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from api.partner_keys import PartnerKeys

if TYPE_CHECKING:  # (annotations only: the release modules import the schemas, which import this one)
    from flask_limiter import Limiter

    from api.release_store import Mirror
    from api.releases import ReleaseStore, Served

KEY = "lp"


@dataclass
class State:
    """What the app keeps beside Flask: the release store and the release this process serves."""

    store: ReleaseStore
    served: Served
    mirror: Mirror | None = None  # the shared release store this machine copies from, if any
    # name -> callable returning True when that part is ready (the search index adds one)
    readiness_checks: dict[str, Callable[[], bool]] = field(default_factory=dict)
    # the preview release (drafts included): every store has its preview chain; loaded on the first preview request
    preview: Served = field(kw_only=True)
    api: Any = None  # the flask-smorest Api: its `.spec` is the OpenAPI document
    partners: PartnerKeys = field(default_factory=PartnerKeys.open_to_all)  # api/partners.py installs the file's
    preflight_origins: tuple[frozenset[str], bool] = (frozenset(), True)  # (origins any key allows, anyone?)
    limiter: Limiter | None = None  # None: nobody has a limit and there are no keys to guess


def state_of(app: Flask) -> State:
    found: State = app.extensions[KEY]
    return found


def state() -> State:
    """The current app's state (in a request, or an app context such as a CLI command)."""
    return state_of(current_app)
