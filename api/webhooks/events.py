"""The publish event: what a release changed, from its manifest and its parent's.

No Flask here. Everything comes from the release store's manifests (kept forever), so an event
can be built again after any crash, and only from slugs, collection slugs and paths: never from
anything a reader typed. The payload follows the Standard Webhooks shape:

    {"type": "release.published", "timestamp": "<release time>",
     "data": {"version", "parent", "rollback_of", "upserted", "deleted", "renamed": [{"from", "to"}],
              "scheduled", "collections", "tags", "paths"}}

`scheduled`: the upserted guides that a passed publish_at let in. `tags` are the cache tags of
api/cachetags.py the changes touch; `paths` the canonical API paths of the changed guides (old
and new slugs) and collections. An endpoint limited to some collections gets the part of the
change in them, or no event when nothing there changed.
"""

from __future__ import annotations

import json
from typing import Any

from api.cachetags import ALL, LIST, collection_tag, guide_tag
from api.releases import Manifest, iso_time
from api.urls import collection_url, guide_url
from api.webhooks.endpoints import RELEASE_PUBLISHED


def release_event(m: Manifest, parent: Manifest | None, collections: frozenset[str] | None = None) -> dict | None:
    """The event of release `m` (its parent's manifest beside it), for an endpoint that sees
    `collections` (None: all); None when nothing it sees changed."""
    before = parent.guides if parent is not None else {}
    before_renamed = parent.renamed if parent is not None else {}

    def seen(collection: str | None) -> bool:
        return collections is None or collection in collections

    renamed = {
        old: new
        for old, new in m.renamed.items()
        if before_renamed.get(old) != new and new in m.guides and seen(m.guides[new].collection)
    }
    upserted = sorted(s for s in m.changed if s in m.guides and seen(m.guides[s].collection))
    deleted = sorted(
        s for s in m.changed if s not in m.guides and s not in renamed and s in before and seen(before[s].collection)
    )
    touched = {m.guides[s].collection for s in upserted}
    touched |= {before[s].collection for s in m.changed if s in before}
    touched |= {
        k[len("collection:") :] for k, (_d, t) in m.modified.items() if k.startswith("collection:") and t == m.created
    }
    touched = {c for c in touched if seen(c)}
    if collections is not None and not (upserted or deleted or renamed or touched):
        return None
    guides = sorted(set(upserted) | set(deleted) | set(renamed) | set(renamed.values()))
    tags = [ALL, LIST] + [guide_tag(s) for s in guides] + [collection_tag(c) for c in sorted(touched)]
    paths = [guide_url(s) for s in guides] + [collection_url(c) for c in sorted(touched)]
    return {
        "type": RELEASE_PUBLISHED,
        "timestamp": iso_time(m.created),
        "data": {
            "version": m.id,
            "parent": m.parent,
            "rollback_of": m.rollback_of,
            "upserted": upserted,
            "deleted": deleted,
            "renamed": [{"from": old, "to": new} for old, new in sorted(renamed.items())],
            "scheduled": sorted(s for s in m.scheduled if s in upserted),
            "collections": sorted(touched),
            "tags": tags,
            "paths": paths,
        },
    }


def body(event: dict[str, Any]) -> bytes:
    """The bytes sent (and signed): compact JSON, the same on every retry."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
