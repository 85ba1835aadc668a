"""Signed tokens, by itsdangerous: one secret, a salt per purpose.

No Flask here. The secret is LP_SECRET_KEY (SECRET_KEY in the config): the same on every worker,
after every restart and on every replica, so a token signed by one verifies on all
(scripts/serve.sh makes one under .cache/ when none is set). Changing it invalidates every token
at once. Each purpose has its own salt, so a token made for one purpose never verifies as another.
Tokens are URL-safe: base64url of compact JSON, a dot, and an HMAC-SHA256 of it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from itsdangerous import BadData, BadSignature, URLSafeSerializer

SYNC = "lp.sync"  # sync tokens and their page cursors (api/sync.py); drafts' preview tokens get their own


def serializer(secret: bytes, purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=purpose, signer_kwargs={"digest_method": hashlib.sha256})


def load(secret: bytes, purpose: str, token: str) -> tuple[Any, bool]:
    """(payload, signature valid). The payload of a badly signed token is still read, so the caller
    can tell a token of another store or secret (expired) from a forged one; None when it cannot be read."""
    s = serializer(secret, purpose)
    try:
        return s.loads(token), True
    except BadSignature as exc:
        if exc.payload is None:
            return None, False
        try:
            return s.load_payload(exc.payload), False
        except BadData:
            return None, False
    except BadData:
        return None, False
