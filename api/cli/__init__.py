"""Command-line tools, one module per command group: `flask --app api.app content ...`
(api/cli/content.py), `spec write` (api/cli/spec.py) and `webhooks run|log` (api/cli/webhooks.py)."""

from api.cli.content import SPEC_PATH, register, spec_json

__all__ = ["SPEC_PATH", "register", "spec_json"]
