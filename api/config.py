"""Configuration: a table of defaults, each overridable from the environment as LP_<KEY>.

Every key is documented in the README (a test checks that).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    "CONTENT_DIR": str(ROOT / "content"),
    "CONTENT_CACHE": str(ROOT / ".cache" / "content.pickle"),
    "CACHE_MAX_AGE": 300,
    "CACHE_STALE_WHILE_REVALIDATE": 86400,
    "SEARCH_INDEX_DIR": str(ROOT / "search_index" / "data"),
    "SYNC_JOURNAL": str(ROOT / ".cache" / "sync-journal.jsonl"),
    "PARTNER_KEYS_FILE": "",
    "RATELIMIT_STORAGE_URI": "memory://",
    "CORS_MAX_AGE": 600,
}


def from_env(environ: os._Environ[str] | dict[str, str] = os.environ) -> dict[str, Any]:
    """Defaults overridden by LP_<KEY> variables, converted to the default's type."""
    out = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        raw = environ.get(f"LP_{key}")
        if raw is None:
            continue
        if isinstance(default, bool):
            out[key] = raw.lower() in ("1", "true", "yes", "on")
        elif isinstance(default, int):
            out[key] = int(raw)
        else:
            out[key] = raw
    return out
