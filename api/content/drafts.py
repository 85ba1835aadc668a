"""Drafts and scheduled guides: what the published release leaves out, and the links it may not have.

No Flask here. A guide is a draft while its front matter says `draft: true`, or while its
`publish_at` is still to come. Drafts are parsed and validated like every guide (their links
included) and are served in the preview release only; the published release is the corpus
without them (`published`). A published guide may not link to a draft: readers would meet a
link to a page that does not exist yet (`check_draft_links`, an error with file, line and field).

Visibility depends on the clock, never on the parse cache: `published(corpus, now)` decides it at
publish time, and the release records which guides became visible by time (manifest `scheduled`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

from api.content.model import Collection, Corpus, Guide, Problem, final_slug


def is_draft(g: Guide, now: dt.datetime) -> bool:
    return g.draft or (g.publish_at is not None and g.publish_at > now)


def why_draft(g: Guide) -> str:
    if g.draft:
        return "draft: true"
    assert g.publish_at is not None
    return f"publish_at {iso(g.publish_at)} is still to come"


def iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_draft_links(guides: dict[str, Guide], now: dt.datetime) -> list[Problem]:
    """A published guide linking to a draft (inline, read-next or related): an error at the link."""
    problems = []
    for g in guides.values():
        if is_draft(g, now):
            continue
        for link in g.links:
            target = guides.get(link.target)
            if target is None or not is_draft(target, now):
                continue
            field = link.kind.replace("_", "-") if link.kind != "inline" else "link"
            problems.append(
                Problem(
                    g.path,
                    link.line,
                    field,
                    f"link to '{link.target}', which is not published yet ({why_draft(target)}): a published "
                    "guide may not link to a draft; remove the link until it is published, or make this guide "
                    "a draft too",
                )
            )
    return problems


def published(corpus: Corpus, now: dt.datetime) -> tuple[Corpus, dict[str, str]]:
    """The corpus readers see at `now` (drafts left out), and the guides in it that a publish_at
    let in, with that time. The same corpus when nothing is a draft."""
    hidden = {slug for slug, g in corpus.guides.items() if is_draft(g, now)}
    timed = {slug: iso(g.publish_at) for slug, g in corpus.guides.items() if g.publish_at and slug not in hidden}
    if not hidden:
        return corpus, timed
    guides = {slug: g for slug, g in corpus.guides.items() if slug not in hidden}
    # The version names which guides are out: a guide that becomes visible by time alone (no file
    # changed) makes a new release, and the same files at two visibilities never share a version.
    version = hashlib.sha256(f"{corpus.version}:{','.join(sorted(hidden))}".encode()).hexdigest()[:16]
    return (
        dataclasses.replace(
            corpus,
            guides=guides,
            collections={
                slug: Collection(c.slug, c.title, c.description, tuple(s for s in c.guides if s in guides))
                for slug, c in corpus.collections.items()
            },
            renamed={old: new for old, new in corpus.renamed.items() if final_slug(old, corpus.renamed) in guides},
            version=version,
            scripts={sid: s for sid, s in corpus.scripts.items() if s.guide in guides},
        ),
        timed,
    )
