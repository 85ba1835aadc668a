"""Typed, frozen objects for guides and everything in them.

Everything a response needs (HTML, plain text, reading time) is computed once at load time,
so the objects can be cached, pickled and served without further work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from api.content.support import Support
from api.language.data import Language

# What the API makes of the same files. Bump it when the JSON served for unchanged files changes:
# it is part of the content version and of every guide's sync fingerprint, so response caches,
# ETags and the apps' offline copies all move to the new form (each guide is re-sent once).
# 2: a script's plain text (its own, its block's, its section's) ends with its safety condition.
# 3: under a key's scope, a link to a guide outside it is plain text (offline copies held the link).
SERVED_FORMAT = 3


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, reported to editors."""

    file: str
    line: int | None
    field: str
    reason: str
    severity: str = "error"  # "error" fails validation, "warning" does not

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.severity}: {self.field}: {self.reason}"


@dataclass(frozen=True)
class Span:
    """An inline piece of a paragraph: text, em, strong, code or link (with children)."""

    type: str
    text: str = ""
    href: str | None = None
    guide: str | None = None  # target slug of a `guide:` link
    children: tuple[Span, ...] = ()


@dataclass(frozen=True)
class Block:
    """One block of a section, in order.

    Types: paragraph, heading, list, quote, code, script, safety, signals, read_next.
    Containers (quote, safety, signals, read_next) hold `children`; a list holds `items`,
    each a tuple of blocks.
    """

    type: str
    html: str
    text: str
    inlines: tuple[Span, ...] = ()
    items: tuple[tuple[Block, ...], ...] = ()
    children: tuple[Block, ...] = ()
    ordered: bool = False
    level: int | None = None
    script_id: str | None = None


@dataclass(frozen=True)
class Script:
    """A script: what to say (or write and not send) in a situation."""

    id: str
    guide: str
    section: str
    situation: str
    response: str
    send: bool
    trigger: str | None = None
    instruction: str | None = None
    safety: str | None = None
    tags: tuple[str, ...] = ()
    line: int | None = None  # of its `id:` in the guide file, for the validator

    @property
    def text(self) -> str:
        """The whole script as plain text, in the order the HTML shows it: the safety condition
        last, so that no plain-text form of a send-script (a block's, its section's, its own,
        a search snippet) is ever served without it."""
        parts = [f"{self.situation}:"]
        if self.trigger:
            parts.append(f'"{self.trigger}"')
        if self.instruction:
            parts.append(f"{self.instruction}:")
        parts.append(f'"{self.response}"')
        if self.safety:
            parts.append(self.safety)
        return " ".join(parts)


@dataclass(frozen=True)
class Link:
    """A link from one guide to another, with the words that give its reason."""

    target: str
    kind: str  # "read_next", "inline" or "related"
    text: str = ""  # the link text
    condition: str | None = None  # the rest of the sentence after the link
    sentence: str | None = None
    section: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Source:
    title: str
    kind: str  # "support" or "reference"
    region: str
    url: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Section:
    anchor: str
    heading: str | None  # None for the introduction
    blocks: tuple[Block, ...]
    text: str
    line: int | None = None


@dataclass(frozen=True)
class Guide:
    slug: str
    title: str
    summary: str
    collection: str
    tags: tuple[str, ...]
    updated: dt.date
    byline: str
    sections: tuple[Section, ...]
    scripts: tuple[Script, ...]
    links: tuple[Link, ...]
    signals: tuple[str, ...]
    safety_notes: tuple[str, ...]
    sources: tuple[Source, ...]
    word_count: int
    reading_time: int
    path: str
    digest: str  # sha256 of the source file
    order: int | None = None
    editorial_note: str | None = None
    safety_sensitive: bool = False
    safety_reviewed: bool = False
    draft: bool = False  # only in the preview release
    publish_at: dt.datetime | None = None  # in the published release from this time on (aware)
    sounds_like: tuple[str, ...] = ()  # readers' own words for their situation: matched, never served

    @property
    def read_next(self) -> tuple[Link, ...]:
        return tuple(link for link in self.links if link.kind == "read_next")

    @property
    def support_sources(self) -> tuple[Source, ...]:
        return tuple(s for s in self.sources if s.kind == "support")

    def section(self, anchor: str) -> Section | None:
        return next((s for s in self.sections if s.anchor == anchor), None)

    def without_conditions(self, text: str) -> str:
        """A block's or section's text without its scripts' safety conditions: the guide's own words.

        For what reads the words and serves none of them (the danger-word scan, search scoring):
        the conditions speak of fear on purpose, in much the same sentence in guide after guide.
        """
        for script in self.scripts:
            if script.safety:
                text = text.replace(f" {script.safety}", "")
        return text


@dataclass(frozen=True)
class Collection:
    slug: str
    title: str
    description: str
    guides: tuple[str, ...] = ()  # slugs, in reading order


def final_slug(slug: str, renamed: Mapping[str, str]) -> str | None:
    """Follow renames to the end; None on a loop (the validator refuses loops in served content)."""
    seen = {slug}
    while slug in renamed:
        slug = renamed[slug]
        if slug in seen:
            return None
        seen.add(slug)
    return slug


@dataclass(frozen=True)
class Corpus:
    """One consistent version of all content."""

    guides: dict[str, Guide]
    collections: dict[str, Collection]
    renamed: dict[str, str]
    retired: dict[str, str]  # slug -> reason
    version: str  # digest of every input file; changes whenever any content changes
    scripts: dict[str, Script] = field(default_factory=dict)
    language: Language = field(default_factory=Language)  # the vocabulary and danger signals files
    support: Support = field(default_factory=Support)  # support services: never scoped
    # retired slug -> the collection its guide was in, where redirects.yaml says (`collection:`):
    # a partner key limited to some collections is told of a retirement only when it is in one of them
    retired_from: dict[str, str] = field(default_factory=dict)

    def __setstate__(self, state: dict) -> None:
        # A release pickled before `retired_from` existed: its redirects.yaml could not name collections.
        self.__dict__.update({"retired_from": {}, **state})

    def live_slug(self, slug: str) -> str | None:
        """The slug a guide is served under now, following renames; None when there is no such guide."""
        final = final_slug(slug, self.renamed)
        return final if final in self.guides else None

    @property
    def updated(self) -> dt.date | None:
        return max((g.updated for g in self.guides.values()), default=None)
