"""Partner API keys: who may call, what they may see, from which browser origins, how often.

No Flask here. The keys file (PARTNER_KEYS_FILE) is YAML; keys are stored as SHA-256 hashes, so
the file is not a secret store and a leaked copy gives no access:

    anonymous:                      # callers without X-API-Key
      allowed: true                 # false: every request needs a key (401 without one)
      limit: 60/minute              # per client IP; omit for no limit
      collections: all              # or a list of collection slugs
      origins: ["*"]                # browser origins allowed without a key ("*": any)
    keys:
      - name: acme-health           # shown to operators, never the key itself
        sha256: 9f86d0...           # `flask --app api.app keys hash <key>`
        collections: [breakup-recovery, boundaries]   # or all
        origins: [https://acme.example]
        limit: 600/minute           # per key, shared by every worker and replica (with Redis)

Without a file everything is open: anonymous, all collections, any origin, no limit.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from limits import parse as parse_limit

ANY = "*"
_HASH = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MIN_KEY_CHARS = 20


class PartnerKeysInvalid(ValueError):
    """The keys file cannot be used; the message says where and why (never a key)."""


def hash_key(key: str) -> str:
    """What the keys file stores for a key: its SHA-256, lowercase hex."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """A caller: a partner key, or the anonymous tier."""

    name: str
    key_hash: str | None = None  # None for the anonymous tier
    collections: frozenset[str] | None = None  # None: every collection
    origins: frozenset[str] = frozenset()  # browser origins; "*" for any
    limit: str | None = None  # e.g. "600/minute"; None: no limit

    @property
    def anonymous(self) -> bool:
        return self.key_hash is None

    def allows_origin(self, origin: str) -> bool:
        return ANY in self.origins or origin in self.origins


@dataclass(frozen=True)
class PartnerKeys:
    anonymous: Principal | None  # None: anonymous access is not allowed
    keys: dict[str, Principal] = field(default_factory=dict)  # by key hash

    @classmethod
    def open_to_all(cls) -> PartnerKeys:
        """No keys file: everyone is anonymous and may see everything, from any origin."""
        return cls(Principal("anonymous", origins=frozenset({ANY})))

    @classmethod
    def load(cls, path: str | Path | None) -> PartnerKeys:
        if not path:
            return cls.open_to_all()
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise PartnerKeysInvalid(f"{path}: cannot read the partner keys file: {exc}") from exc
        try:
            return cls.parse(data)
        except PartnerKeysInvalid as exc:
            raise PartnerKeysInvalid(f"{path}: {exc}") from exc

    @classmethod
    def parse(cls, data: Any) -> PartnerKeys:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise PartnerKeysInvalid("expected a mapping with 'anonymous' and 'keys'")
        _only(data, {"anonymous", "keys"}, "top level")
        anon = data.get("anonymous") or {}
        if not isinstance(anon, dict):
            raise PartnerKeysInvalid("anonymous: expected a mapping")
        _only(anon, {"allowed", "limit", "collections", "origins"}, "anonymous")
        allowed = anon.get("allowed", True)
        if not isinstance(allowed, bool):
            raise PartnerKeysInvalid("anonymous.allowed: expected true or false")
        anonymous = None
        if allowed:
            anonymous = Principal(
                "anonymous",
                collections=_collections(anon.get("collections", "all"), "anonymous.collections"),
                origins=_origins(anon.get("origins", [ANY]), "anonymous.origins"),
                limit=_limit(anon.get("limit"), "anonymous.limit"),
            )
        entries = data.get("keys") or []
        if not isinstance(entries, list):
            raise PartnerKeysInvalid("keys: expected a list")
        keys: dict[str, Principal] = {}
        names: set[str] = set()
        for i, entry in enumerate(entries):
            where = f"keys[{i}]"
            if not isinstance(entry, dict):
                raise PartnerKeysInvalid(f"{where}: expected a mapping")
            _only(entry, {"name", "sha256", "collections", "origins", "limit"}, where)
            name = entry.get("name")
            if not isinstance(name, str) or not _NAME.match(name):
                raise PartnerKeysInvalid(f"{where}.name: expected a name of letters, digits, '.', '_' or '-'")
            where = f"keys[{i}] ({name})"
            if name in names:
                raise PartnerKeysInvalid(f"{where}: the name is used twice")
            digest = str(entry.get("sha256") or "").strip().lower()
            if not _HASH.match(digest):
                raise PartnerKeysInvalid(
                    f"{where}.sha256: expected 64 hex digits, the SHA-256 of the key "
                    "(`flask --app api.app keys hash <key>`; never the key itself)"
                )
            if digest in keys:
                raise PartnerKeysInvalid(f"{where}.sha256: the same key is listed twice")
            if "collections" not in entry:
                raise PartnerKeysInvalid(f"{where}.collections: required (a list of collection slugs, or all)")
            names.add(name)
            keys[digest] = Principal(
                name,
                key_hash=digest,
                collections=_collections(entry["collections"], f"{where}.collections"),
                origins=_origins(entry.get("origins", []), f"{where}.origins"),
                limit=_limit(entry.get("limit"), f"{where}.limit"),
            )
        return cls(anonymous, keys)

    def lookup(self, key: str) -> Principal | None:
        """The partner a presented key belongs to, or None for an unknown key."""
        return self.keys.get(hash_key(key))

    def principals(self) -> list[Principal]:
        """Every caller the file allows: each key, and the anonymous tier when it is on."""
        return [*self.keys.values(), *([self.anonymous] if self.anonymous else [])]

    def preflight_origins(self) -> tuple[frozenset[str], bool]:
        """Origins some caller may use (for preflights, which carry no key), and whether any may."""
        origins = frozenset(o for p in self.principals() for o in p.origins)
        return origins - {ANY}, ANY in origins

    def collections(self) -> set[str]:
        """Every collection slug named anywhere in the file (to warn about ones the content lacks)."""
        return {c for p in self.principals() for c in (p.collections or ())}


def _only(data: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise PartnerKeysInvalid(f"{where}: unknown field(s) {', '.join(map(str, unknown))}")


def _collections(value: Any, where: str) -> frozenset[str] | None:
    if value == "all":
        return None
    if not isinstance(value, list) or not all(isinstance(c, str) and c for c in value):
        raise PartnerKeysInvalid(f"{where}: expected a list of collection slugs, or all")
    return frozenset(value)


def _origins(value: Any, where: str) -> frozenset[str]:
    if not isinstance(value, list):
        raise PartnerKeysInvalid(f"{where}: expected a list of origins like https://example.org")
    out = set()
    for origin in value:
        if origin == ANY:
            out.add(ANY)
            continue
        parts = urlsplit(origin) if isinstance(origin, str) else None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or not parts.netloc
            or parts.path
            or parts.query
            or parts.fragment
            or origin != origin.lower()
        ):
            raise PartnerKeysInvalid(
                f"{where}: {origin!r} is not an origin (scheme://host[:port], lowercase, no path), or '*'"
            )
        out.add(origin)
    return frozenset(out)


def _limit(value: Any, where: str) -> str | None:
    if value is None:
        return None
    try:
        parse_limit(str(value))
    except ValueError as exc:
        raise PartnerKeysInvalid(f"{where}: {value!r} is not a rate limit like 600/minute or 10/second") from exc
    return str(value)
