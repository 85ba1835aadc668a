"""Release manifests: what a sync delta and the HTTP validators need, without the bundle."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from api.content import Corpus, Guide
from api.content.model import SERVED_FORMAT
from api.views import guide_deps

FORMAT = 1  # of the manifest and the bundle; a reader refuses other formats


# -- manifests ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    """A guide as a manifest knows it: enough to tell whether a client's copy is current."""

    digest: str
    collection: str


class ReleaseId(NamedTuple):
    """A release's name as a value: its number in the store's chain and the content version it
    serves. `str()` is the name on disk, in the pointer and in X-Content-Version (`00007_<version>`);
    `parse` reads one back only where a name arrives as text (the pointer file, a shared store's
    keys, what an operator types)."""

    seq: int
    content: str

    def __str__(self) -> str:
        return f"{self.seq:05d}_{self.content}"

    @classmethod
    def parse(cls, text: str) -> ReleaseId | None:
        head, sep, content = text.partition("_")
        return cls(int(head), content) if sep and head.isdigit() else None


@dataclass(frozen=True)
class Manifest:
    seq: int
    id: str
    parent: str | None
    created: dt.datetime  # whole seconds, strictly later than the parent's
    content_version: str
    guides: dict[str, Entry]
    renamed: dict[str, str]
    retired: dict[str, str]
    changed: frozenset[str]  # slugs whose entry differs from the parent's (appeared or gone too)
    modified: dict[str, tuple[str, dt.datetime]]  # response key -> (dependency digest, last changed)
    rollback_of: str | None = None
    # guides this release let in because their publish_at had passed (slug -> publish_at): the
    # release records what became visible by time, the content files alone cannot say it
    scheduled: dict[str, str] = field(default_factory=dict)
    # slug -> what its JSON depends on, per field (api/views.py); empty in manifests made before
    views: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def rid(self) -> ReleaseId:
        return ReleaseId(self.seq, self.content_version)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "seq": self.seq,
            "release": self.id,
            "parent": self.parent,
            "created": iso_time(self.created),
            "content_version": self.content_version,
            "rollback_of": self.rollback_of,
            "guides": {s: [e.digest, e.collection] for s, e in sorted(self.guides.items())},
            "renamed": dict(sorted(self.renamed.items())),
            "retired": dict(sorted(self.retired.items())),
            "changed": sorted(self.changed),
            "modified": {k: [d, iso_time(t)] for k, (d, t) in sorted(self.modified.items())},
            "scheduled": dict(sorted(self.scheduled.items())),
            "views": dict(sorted(self.views.items())),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        if data.get("format") != FORMAT:
            raise ValueError(f"manifest format {data.get('format')!r}, expected {FORMAT}")
        return cls(
            seq=data["seq"],
            id=data["release"],
            parent=data["parent"],
            created=_parse_iso(data["created"]),
            content_version=data["content_version"],
            guides={s: Entry(d, c) for s, (d, c) in data["guides"].items()},
            renamed=data["renamed"],
            retired=data["retired"],
            changed=frozenset(data["changed"]),
            modified={k: (d, _parse_iso(t)) for k, (d, t) in data["modified"].items()},
            rollback_of=data.get("rollback_of"),
            scheduled=data.get("scheduled") or {},
            views=data.get("views", {}),
        )


def fingerprint(g: Guide, corpus: Corpus) -> str:
    """Digest of everything the guide's JSON depends on: its file, its collection, its links.

    A guide's JSON shows its collection's title and the titles (and visibility, by collection) of
    the guides it links to, so those count too: a guide is re-sent when any of them changes.
    """
    c = corpus.collections.get(g.collection)
    links = tuple(
        sorted(
            {
                (t, corpus.guides[t].title, corpus.guides[t].collection)
                for t in (link.target for link in g.links)
                if t in corpus.guides
            }
        )
    )
    return _fingerprint(g.digest, g.collection, c.title if c else None, links)


@functools.lru_cache(maxsize=32768)  # a publish fingerprints every guide twice (published, preview)
def _fingerprint(digest: str, collection: str, title: str | None, links: tuple[tuple[str, str, str], ...]) -> str:
    # SERVED_FORMAT: when the API starts serving a guide's JSON differently (a send-script's condition in
    # its plain text), every guide is re-sent once, though no file changed.
    return json_digest([digest, collection, title, links, SERVED_FORMAT])


def response_keys(corpus: Corpus, guides: dict[str, Entry]) -> dict[str, str]:
    """Response key -> digest of what the responses under that key are made of.

    `guide:<slug>` (the guide, its sections), `script:<id>`, `collection:<slug>` (the collection
    and the summaries of its guides), `corpus` (lists, export: anything may change them).
    """
    keys = {f"guide:{slug}": e.digest for slug, e in guides.items()}
    for sid, s in corpus.scripts.items():
        keys[f"script:{sid}"] = guides[s.guide].digest if s.guide in guides else ""
    for slug, c in corpus.collections.items():
        keys[f"collection:{slug}"] = json_digest(
            [c.title, c.description, [(s, guides[s].digest) for s in c.guides if s in guides]]
        )
    keys["corpus"] = corpus.version
    return keys


def make_manifest(
    corpus: Corpus,
    seq: int,
    rid: str,
    parent: Manifest | None,
    content_version: str,
    rollback_of: str | None = None,
    timed: dict[str, str] | None = None,
) -> Manifest:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if parent is not None and now <= parent.created:
        # Last-Modified has whole seconds: two releases in one second would give a changed body the
        # If-Modified-Since of the one before, and so a 304.
        now = parent.created + dt.timedelta(seconds=1)
    guides = {slug: Entry(fingerprint(g, corpus), g.collection) for slug, g in corpus.guides.items()}
    before = parent.guides if parent is not None else {}
    changed = frozenset(s for s in guides.keys() | before.keys() if guides.get(s) != before.get(s))
    old = parent.modified if parent is not None else {}
    # A guide whose fingerprint is unchanged has the same dependencies: only changed ones are serialized.
    kept = parent.views if parent is not None else {}
    views = {
        slug: kept[slug] if slug in kept and before.get(slug) == e else guide_deps(corpus.guides[slug], corpus)
        for slug, e in guides.items()
    }
    modified = {}
    for key, digest in response_keys(corpus, guides).items():
        prior = old.get(key)
        modified[key] = prior if prior is not None and prior[0] == digest else (digest, now)
    return Manifest(
        seq=seq,
        id=rid,
        parent=parent.id if parent is not None else None,
        created=now,
        content_version=content_version,
        guides=guides,
        renamed=dict(corpus.renamed),
        retired=dict(corpus.retired),
        changed=changed,
        modified=modified,
        rollback_of=rollback_of,
        scheduled={s: t for s, t in (timed or {}).items() if s not in before},
        views=views,
    )


def json_digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()[:32]


def iso_time(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@functools.lru_cache(maxsize=4096)  # a manifest's times are few (one per release) but repeated per key
def _parse_iso(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
