"""Command-line tools, one module per command group: `flask --app api.app content ...`
(api/cli/content.py), `spec write` (spec.py), `keys hash` (keys.py) and `webhooks run|log`
(webhooks.py). Only `content publish` and `content rollback` write to the release store.
"""

from __future__ import annotations

from flask import Flask

from api.cli.content import content_cli
from api.cli.keys import keys_cli
from api.cli.spec import SPEC_PATH, spec_cli, spec_json
from api.cli.webhooks import webhooks_cli

__all__ = ["SPEC_PATH", "register", "spec_json"]


def register(app: Flask) -> None:
    """Every command group, on the app's `flask` command."""
    for group in (content_cli, spec_cli, keys_cli, webhooks_cli):
        app.cli.add_command(group)
