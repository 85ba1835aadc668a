"""Configuration: a table of defaults, each overridable from the environment as LP_<KEY>.

Every key is documented in the README (a test checks that).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Config

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    "CONTENT_DIR": str(ROOT / "content"),
    "CONTENT_CACHE": str(ROOT / ".cache" / "content.pickle"),
    "CACHE_MAX_AGE": 300,
    "CACHE_STALE_WHILE_REVALIDATE": 86400,
    "RELEASE_STORE": str(ROOT / ".cache" / "releases"),
    "RELEASE_KEEP": 5,
    "RELEASE_SHARED": 0,
    "RELEASE_CACHE": str(ROOT / ".cache" / "release-cache"),
    "SECRET_KEY": "",
    "PARTNER_KEYS_FILE": "",
    "RATELIMIT_STORAGE_URI": "memory://",
    "CORS_MAX_AGE": 600,
    "PREVIEW_TOKEN_MAX_AGE": 3600,
    "WEBHOOKS_FILE": "",
    "WEBHOOKS_REDIS_URL": "",
    "WEBHOOK_RETRY_BASE_MS": 10000,
    "WEBHOOK_RETRY_FOR": 86400,
    "WEBHOOK_TIMEOUT": 10,
    "PROXY_HOPS": 0,
    "RESPONSE_CACHE_MB": 128,
    "EXPORT_DIR": str(ROOT / ".cache" / "exports"),
    "EXPORT_PREBUILD": 1,
}


def configure(config: Config) -> None:
    """The defaults, then LP_<KEY> variables through Flask's `from_prefixed_env` (which reads a
    value as JSON when it is JSON: `LP_CACHE_MAX_AGE=60` is the number 60).

    A text setting keeps the variable as written (a folder named `2026` stays text); a number that
    is not one stops the start, naming the variable.
    """
    config.from_mapping(DEFAULTS)
    config.from_prefixed_env("LP")
    for key, default in DEFAULTS.items():
        if type(config[key]) is type(default):  # (True is an int to isinstance)
            continue
        raw = os.environ[f"LP_{key}"]
        if not isinstance(default, str):
            raise ValueError(f"LP_{key}={raw!r}: expected a whole number, like {default}")
        config[key] = raw
