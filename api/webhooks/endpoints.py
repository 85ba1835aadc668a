"""The webhook endpoints file (LP_WEBHOOKS_FILE): who is told about each new release.

    endpoints:
      - name: website                              # in the log; letters, digits, . _ -
        url: https://www.example.org/api/revalidate
        secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw   # "whsec_" + base64 of the key (Standard Webhooks)
        events: [release.published]
        collections: [breakup-recovery]            # optional: only changes in these; default all

The file holds secrets: keep it out of the repository and readable by the service alone. A mistake
in it stops the command that reads it, naming the entry.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook

RELEASE_PUBLISHED = "release.published"
EVENTS = (RELEASE_PUBLISHED,)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class WebhooksInvalid(ValueError):
    """The endpoints file cannot be used; the message says where and why (never a secret)."""


@dataclass(frozen=True)
class Endpoint:
    name: str
    url: str
    secret: str
    events: frozenset[str]
    collections: frozenset[str] | None = None  # None: every collection


class _Url(fields.String):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        url = super()._deserialize(value, attr, data, **kwargs)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationError("expected an http(s) URL, like https://www.example.org/api/revalidate")
        return url


class _Secret(fields.String):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        secret = super()._deserialize(value, attr, data, **kwargs)
        reason = "expected 'whsec_' and the base64 of a key of at least 24 bytes"
        if not secret.startswith("whsec_"):
            raise ValidationError(reason)
        try:
            key = Webhook(secret)._whsecret
        except (binascii.Error, ValueError, EmptyWebhookSecretError) as exc:
            raise ValidationError(reason) from exc
        if len(key) < 24:
            raise ValidationError(reason)
        return secret


class EndpointSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Regexp(_NAME, error="letters, digits, '.', '_' or '-'"))
    url = _Url(required=True)
    secret = _Secret(required=True)
    events = fields.List(
        fields.String(validate=validate.OneOf(EVENTS, error=f"unknown event; known: {', '.join(EVENTS)}")),
        required=True,
        validate=validate.Length(min=1, error="name at least one event"),
    )
    collections = fields.List(fields.String(validate=validate.Length(min=1)), load_default=None)


class FileSchema(Schema):
    class Meta:
        unknown = RAISE

    endpoints = fields.List(fields.Nested(EndpointSchema), required=True)


def load_endpoints(path: str | Path | None) -> list[Endpoint]:
    """The endpoints of the file (none without a file)."""
    if not path:
        return []
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        loaded = FileSchema().load(data if isinstance(data, dict) else {})
    except (OSError, yaml.YAMLError) as exc:
        raise WebhooksInvalid(f"{path}: cannot read the webhooks file: {type(exc).__name__}") from exc
    except ValidationError as exc:
        raise WebhooksInvalid(f"{path}: {_where(exc.messages)}") from exc
    out: list[Endpoint] = []
    for e in loaded["endpoints"]:
        if any(o.name == e["name"] for o in out):
            raise WebhooksInvalid(f"{path}: endpoint '{e['name']}' is named twice")
        cols = e.get("collections")
        out.append(
            Endpoint(e["name"], e["url"], e["secret"], frozenset(e["events"]), frozenset(cols) if cols else None)
        )
    return out


def _where(messages: Any, where: str = "") -> str:
    if isinstance(messages, dict):
        return "; ".join(
            _where(v, f"{where}[{k}]" if isinstance(k, int) else f"{where}.{k}") for k, v in messages.items()
        )
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return f"{where.lstrip('.') or 'file'}: {' '.join(messages)}"
    return f"{where.lstrip('.') or 'file'}: {messages}"
