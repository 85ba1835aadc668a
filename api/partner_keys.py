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
        operator: true              # optional: /v1/ready shows this key the refused publish's errors
        preview: true               # optional: reads the preview release (drafts included), never cached

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
from marshmallow import RAISE, Schema, ValidationError, fields, validate

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
    region: str | None = None  # ISO 3166-1 alpha-2: the country its readers are in, for support services
    operator: bool = False  # may read the details of /v1/ready (file paths, every slug)
    preview: bool = False  # reads the preview release (drafts included): for an editor's or a site's preview

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
        """The keys file's YAML data, checked by KeysFileSchema; every mistake is named with its
        entry (`keys[1] (acme).sha256: ...`) in the PartnerKeysInvalid raised."""
        try:
            loaded = KeysFileSchema().load({} if data is None else data)
        except ValidationError as exc:
            raise PartnerKeysInvalid("; ".join(_where(exc.messages, data))) from exc
        return cls(_anonymous(loaded.get("anonymous") or {}), _keys(loaded.get("keys") or []))

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


# -- the file's schema -------------------------------------------------------------------------
class _Collections(fields.Field):
    """A list of collection slugs, or `all` (None: every collection)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> frozenset[str] | None:
        if value == "all":
            return None
        if not isinstance(value, list) or not all(isinstance(c, str) and c for c in value):
            raise ValidationError("expected a list of collection slugs, or all")
        return frozenset(value)


class _Origins(fields.Field):
    """Browser origins (scheme://host[:port], lowercase, no path), or "*" for any."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> frozenset[str]:
        if not isinstance(value, list):
            raise ValidationError("expected a list of origins like https://example.org")
        for origin in value:
            if origin != ANY and not _is_origin(origin):
                raise ValidationError(f"{origin!r} is not an origin (scheme://host[:port], lowercase, no path), or '*'")
        return frozenset(value)


class _Limit(fields.Field):
    """A rate limit as flask-limiter writes them: 600/minute, 10/second."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        try:
            parse_limit(str(value))
        except ValueError as exc:
            raise ValidationError(f"{value!r} is not a rate limit like 600/minute or 10/second") from exc
        return str(value)


class _Bool(fields.Field):
    """true or false, and nothing that only looks like one ("yes", 1)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("expected true or false")
        return value


class _Sha256(fields.Field):
    """The key's SHA-256 as 64 hex digits (either case)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        digest = str(value or "").strip().lower()
        if not _HASH.match(digest):
            raise ValidationError(_HASH_REASON)
        return digest


_HASH_REASON = (
    "expected 64 hex digits, the SHA-256 of the key (`flask --app api.app keys hash <key>`; never the key itself)"
)
_NAME_REASON = "expected a name of letters, digits, '.', '_' or '-'"


class _Section(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {"type": "expected a mapping"}


_REGION_REASON = "expected an ISO 3166-1 alpha-2 country code in capitals, such as GB"


def _region() -> fields.String:
    return fields.String(
        allow_none=True,
        validate=validate.Regexp(r"^[A-Z]{2}$", error=_REGION_REASON),
        error_messages={"invalid": _REGION_REASON},
    )


class AnonymousSchema(_Section):
    allowed = _Bool()
    limit = _Limit(allow_none=True)
    collections = _Collections()
    origins = _Origins()
    region = _region()


class KeySchema(_Section):
    name = fields.String(
        required=True,
        allow_none=False,
        validate=validate.Regexp(_NAME, error=_NAME_REASON),
        error_messages={"required": _NAME_REASON, "null": _NAME_REASON, "invalid": _NAME_REASON},
    )
    sha256 = _Sha256(required=True, error_messages={"required": _HASH_REASON, "null": _HASH_REASON})
    collections = _Collections(
        required=True, error_messages={"required": "required (a list of collection slugs, or all)"}
    )
    origins = _Origins()
    limit = _Limit(allow_none=True)
    region = _region()
    operator = _Bool()
    preview = _Bool()


class KeysFileSchema(_Section):
    error_messages = {"type": "expected a mapping with 'anonymous' and 'keys'"}

    anonymous = fields.Nested(AnonymousSchema, allow_none=True)
    keys = fields.List(fields.Nested(KeySchema), allow_none=True, error_messages={"invalid": "expected a list"})


def _where(messages: Any, data: Any, where: str = "") -> list[str]:
    """marshmallow's messages as `where: reason`: `keys[1] (acme).sha256: ...`; the unknown fields
    of one place first and together (`keys[0] (acme): unknown field(s) key`)."""
    if not isinstance(messages, dict):
        return [f"{where}: {m}" if where else str(m) for m in messages] if isinstance(messages, list) else []
    out: list[str] = []
    unknown = sorted(str(k) for k, v in messages.items() if v == ["Unknown field."])
    if unknown:
        out.append(f"{where or 'top level'}: unknown field(s) {', '.join(unknown)}")
    for key, value in messages.items():
        if key == "_schema":
            out.extend(_where(value, data, where))
        elif isinstance(key, int):  # an entry of the keys list: named by its name when it has one
            entry = data[key] if isinstance(data, list) and key < len(data) else None
            name = entry.get("name") if isinstance(entry, dict) else None
            named = isinstance(name, str) and _NAME.match(name) and "name" not in value
            out.extend(_where(value, entry, f"{where}[{key}]" + (f" ({name})" if named else "")))
        elif value != ["Unknown field."]:
            sub = data.get(key) if isinstance(data, dict) else None
            out.extend(_where(value, sub, f"{where}.{key}" if where else str(key)))
    return out


def _is_origin(origin: Any) -> bool:
    if not isinstance(origin, str):
        return False
    parts = urlsplit(origin)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.netloc)
        and not (parts.path or parts.query or parts.fragment)
        and origin == origin.lower()
    )


def _anonymous(anon: dict[str, Any]) -> Principal | None:
    """The anonymous tier (None when `allowed: false`): by default everything, from any origin."""
    if not anon.get("allowed", True):
        return None
    return Principal(
        "anonymous",
        collections=anon.get("collections"),
        origins=anon.get("origins", frozenset({ANY})),
        limit=anon.get("limit"),
        region=anon.get("region"),
    )


def _keys(entries: list[dict[str, Any]]) -> dict[str, Principal]:
    """The partners by key hash; a name or a key listed twice is refused."""
    keys: dict[str, Principal] = {}
    names: set[str] = set()
    for i, entry in enumerate(entries):
        where = f"keys[{i}] ({entry['name']})"
        if entry["name"] in names:
            raise PartnerKeysInvalid(f"{where}: the name is used twice")
        if entry["sha256"] in keys:
            raise PartnerKeysInvalid(f"{where}.sha256: the same key is listed twice")
        names.add(entry["name"])
        keys[entry["sha256"]] = Principal(
            entry["name"],
            key_hash=entry["sha256"],
            collections=entry["collections"],
            origins=entry.get("origins", frozenset()),
            limit=entry.get("limit"),
            region=entry.get("region"),
            operator=entry.get("operator", False),
            preview=entry.get("preview", False),
        )
    return keys
