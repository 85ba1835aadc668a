"""One guide file (bytes) to a Guide, or the problems that stop it."""

from __future__ import annotations

import hashlib

from marshmallow import ValidationError

from api.content.markdown import parse_body, reading_time
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
    split = split_front_matter(text, file)
    if isinstance(split, Problem):
        return None, [split]
    fm_text, body_text, body_line = split
    try:
        data, lines = load_yaml(fm_text, first_line=2)
    except YamlError as exc:
        return None, [Problem(file, exc.line, exc.field or "front matter", exc.reason)]
    if not isinstance(data, dict):
        return None, [Problem(file, 2, "front matter", "front matter must be 'field: value' lines")]
    try:
        meta = FrontMatterSchema().load(data)
    except ValidationError as err:
        meta = None
        for name, reason in flatten_errors(err.messages):
            problems.append(Problem(file, lines.get(name.split(".")[0]), name, reason))
    slug = meta["slug"] if meta else str(data.get("slug") or expected_slug or "")
    if meta and expected_slug and meta["slug"] != expected_slug:
        problems.append(
            Problem(
                file,
                lines.get("slug"),
                "slug",
                f"slug '{meta['slug']}' does not match the file name '{expected_slug}.md'",
            )
        )
    body, body_problems = parse_body(body_text, slug, file, body_line)
    problems.extend(body_problems)
    if meta and meta["safety_sensitive"]:
        if not body.safety_notes:
            problems.append(
                Problem(
                    file,
                    lines.get("safety_sensitive"),
                    "safety",
                    "a guide marked safety_sensitive needs a '::: safety' callout",
                )
            )
        if not any(s["kind"] == "support" for s in meta["sources"]):
            problems.append(
                Problem(
                    file,
                    lines.get("sources", lines.get("safety_sensitive")),
                    "sources",
                    "a guide marked safety_sensitive needs a source of kind 'support'",
                )
            )
    if not body.scripts and not any(p.field.startswith("script") for p in problems):
        problems.append(Problem(file, None, "scripts", "a guide needs at least one ```script block"))
    if problems or meta is None:
        return None, problems
    related = tuple(Link(s, "related", line=lines.get("related")) for s in meta["related"])
    guide = Guide(
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
    )
    return guide, []
