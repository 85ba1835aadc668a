"""One guide file (bytes) to a Guide, or the problems that stop it."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError

from api.content.markdown import Body, parse_body, reading_time
from api.content.model import Guide, Link, Problem, Source
from api.content.schemas import FrontMatterSchema, flatten_errors
from api.content.yamlutil import YamlError, load_yaml

FENCE = "---"


def decode(raw: bytes, file: str) -> tuple[str | None, list[Problem]]:
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        reason = f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save the file as UTF-8"
        return None, [Problem(file, line, "file", reason)]


def split_front_matter(text: str, file: str) -> tuple[str, str, int] | Problem:
    """Return (front matter, body, file line where the body starts)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != FENCE:
        return Problem(file, 1, "front matter", "the file must start with a '---' line, then YAML front matter")
    for n, line in enumerate(lines[1:], start=1):
        if line.strip() == FENCE:
            return "".join(lines[1:n]), "".join(lines[n + 1 :]), n + 2
    return Problem(file, 1, "front matter", "front matter is not closed with a '---' line")


def parse_guide(raw: bytes, file: str, expected_slug: str | None = None) -> tuple[Guide | None, list[Problem]]:
    """Parse a guide file. Never raises for bad content: every problem is returned."""
    text, problems = decode(raw, file)
    if text is None:
        return None, problems
    front = _front_matter(text, file)
    if isinstance(front, Problem):
        return None, [front]
    data, lines, body_text, body_line = front
    meta = _meta(data, lines, file, problems)
    slug = meta["slug"] if meta else str(data.get("slug") or expected_slug or "")
    if meta and expected_slug and meta["slug"] != expected_slug:
        reason = f"slug '{meta['slug']}' does not match the file name '{expected_slug}.md'"
        problems.append(Problem(file, lines.get("slug"), "slug", reason))
    body, body_problems = parse_body(body_text, slug, file, body_line)
    problems.extend(body_problems)
    if meta and meta["safety_sensitive"]:
        problems.extend(_safety_sensitive_problems(meta, body, lines, file))
    if not body.scripts and not any(p.field.startswith("script") for p in problems):
        problems.append(Problem(file, None, "scripts", "a guide needs at least one ```script block"))
    if problems or meta is None:
        return None, problems
    return _guide(meta, body, lines, file, raw), []


def _front_matter(text: str, file: str) -> tuple[dict, Mapping[str, int], str, int] | Problem:
    """The front matter's YAML data with its lines, the body, and the line where the body starts."""
    split = split_front_matter(text, file)
    if isinstance(split, Problem):
        return split
    fm_text, body_text, body_line = split
    try:
        data, lines = load_yaml(fm_text, first_line=2)
    except YamlError as exc:
        return Problem(file, exc.line, exc.field or "front matter", exc.reason)
    if not isinstance(data, dict):
        return Problem(file, 2, "front matter", "front matter must be 'field: value' lines")
    return data, lines, body_text, body_line


def _meta(data: dict, lines: Mapping[str, int], file: str, problems: list[Problem]) -> dict[str, Any] | None:
    """The front matter checked by its schema (None, with the problems, when it does not pass)."""
    try:
        return FrontMatterSchema().load(data)
    except ValidationError as err:
        for name, reason in flatten_errors(err.messages):
            problems.append(Problem(file, lines.get(name.split(".")[0]), name, reason))
        return None


def _safety_sensitive_problems(meta: dict[str, Any], body: Body, lines: Mapping[str, int], file: str) -> list[Problem]:
    """A safety_sensitive guide needs a '::: safety' callout and a support source."""
    problems = []
    if not body.safety_notes:
        reason = "a guide marked safety_sensitive needs a '::: safety' callout"
        problems.append(Problem(file, lines.get("safety_sensitive"), "safety", reason))
    if not any(s["kind"] == "support" for s in meta["sources"]):
        reason = "a guide marked safety_sensitive needs a source of kind 'support'"
        problems.append(Problem(file, lines.get("sources", lines.get("safety_sensitive")), "sources", reason))
    return problems


def _guide(meta: dict[str, Any], body: Body, lines: Mapping[str, int], file: str, raw: bytes) -> Guide:
    related = tuple(Link(s, "related", line=lines.get("related")) for s in meta["related"])
    return Guide(
        slug=meta["slug"],
        title=meta["title"],
        summary=meta["summary"],
        collection=meta["collection"],
        tags=tuple(meta["tags"]),
        updated=meta["updated"],
        byline=meta["byline"],
        sections=tuple(body.sections),
        scripts=tuple(body.scripts),
        links=tuple(body.links) + related,
        signals=tuple(body.signals),
        safety_notes=tuple(body.safety_notes),
        sources=tuple(Source(**s) for s in meta["sources"]),
        word_count=body.words,
        reading_time=reading_time(body.words),
        path=file,
        digest=hashlib.sha256(raw).hexdigest(),
        order=meta["order"],
        editorial_note=meta["editorial_note"],
        safety_sensitive=meta["safety_sensitive"],
        safety_reviewed=meta["safety_reviewed"],
        draft=meta["draft"],
        publish_at=meta["publish_at"],
        sounds_like=tuple(dict.fromkeys(" ".join(x.split()) for x in meta["sounds_like"])),
    )
