"""Renaming and retiring a guide as one safe change. No Flask here.

Renaming by hand meant editing 4 to 7 linking guides and redirects.yaml, and missing one was a
broken link. `rename_guide` and `retire_guide` validate the content first (nothing changes when it
has errors), make every edit on a copy, validate the copy, and only then write the files: the
content folder is left as it was, or valid with the change made. Edits are made on the text, so an
editor's comments, quoting and order stay as they were.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from api.content.files import write_atomic
from api.content.load import GUIDES_DIR, REDIRECTS_FILE, ContentInvalid, load_corpus
from api.content.model import Corpus, Problem
from api.content.parse import split_front_matter
from api.content.yamlutil import YamlError, load_yaml

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ChangeRefused(ValueError):
    """The change cannot be made as asked (an unknown slug, a slug already taken); nothing changed."""


@dataclass
class Change:
    """What a rename or retirement wrote: per file (relative to the content folder), what changed."""

    files: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)


def rename_guide(content_dir: str | os.PathLike[str], old: str, new: str) -> Change:
    """Move guides/OLD.md to guides/NEW.md, point every link and `related` entry at NEW, and add
    `OLD: NEW` to redirects.yaml (older renames to OLD now go straight to NEW)."""
    root = Path(content_dir)
    corpus = _valid(root)
    _known(corpus, old)
    if not SLUG.match(new):
        raise ChangeRefused(f"'{new}' is not a slug: use lowercase words joined by '-'")
    if new in corpus.guides or new in corpus.renamed or new in corpus.retired:
        raise ChangeRefused(f"'{new}' is already used (a guide, or an old name in {REDIRECTS_FILE})")
    texts: dict[str, str | None] = {}
    notes: dict[str, str] = {}
    for rel, text in _guide_texts(root):
        edited, count = _relink(text, old, new)
        if rel == f"{GUIDES_DIR}/{old}.md":
            edited = re.sub(
                rf"(?m)^(slug:[ \t]*[\"']?){re.escape(old)}([\"']?[ \t]*)$", rf"\g<1>{new}\2", edited, count=1
            )
            texts[rel] = None
            texts[f"{GUIDES_DIR}/{new}.md"] = edited
            notes[f"{GUIDES_DIR}/{new}.md"] = f"moved from {rel}"
        elif count:
            texts[rel] = edited
            notes[rel] = f"{count} link(s) now point to '{new}'"
    renamed = {k: (new if v == old else v) for k, v in corpus.renamed.items()}
    renamed[old] = new
    texts[REDIRECTS_FILE] = _redirects_text(root, renamed, _retired_list(corpus))
    notes[REDIRECTS_FILE] = f"'{old}' now redirects to '{new}'"
    return _apply(root, texts, notes)


def retire_guide(content_dir: str | os.PathLike[str], slug: str, reason: str) -> Change:
    """Remove guides/SLUG.md, record it as retired with REASON (its URL answers 410 with it), turn
    links to it into plain text and drop it from `related` lists; old names of it retire too."""
    root = Path(content_dir)
    corpus = _valid(root)
    _known(corpus, slug)
    if not reason.strip():
        raise ChangeRefused("give a reason: readers who follow an old link see it")
    texts: dict[str, str | None] = {}
    notes: dict[str, str] = {}
    for rel, text in _guide_texts(root):
        if rel == f"{GUIDES_DIR}/{slug}.md":
            texts[rel] = None
            notes[rel] = "removed"
            continue
        edited, count, where = _unlink(text, slug)
        if count:
            texts[rel] = edited
            notes[rel] = f"{count} link(s) to '{slug}' are now plain text" + (
                f" (line {', '.join(map(str, where))}: reword what the sentence says)" if where else ""
            )
    old_names = sorted(k for k, v in corpus.renamed.items() if v == slug)
    renamed = {k: v for k, v in corpus.renamed.items() if v != slug}
    gone = {"reason": reason.strip(), "collection": corpus.guides[slug].collection}
    retired = _retired_list(corpus) + [{"slug": s, **gone} for s in [slug, *old_names]]
    texts[REDIRECTS_FILE] = _redirects_text(root, renamed, retired)
    notes[REDIRECTS_FILE] = f"'{slug}' is retired" + (
        f" (and its old names {', '.join(old_names)})" if old_names else ""
    )
    return _apply(root, texts, notes)


# -- steps ------------------------------------------------------------------------------------
def _valid(root: Path) -> Corpus:
    corpus, problems = load_corpus(root)
    if any(p.severity == "error" for p in problems):
        raise ContentInvalid(problems)
    return corpus


def _known(corpus: Corpus, slug: str) -> None:
    if slug not in corpus.guides:
        hint = " (it is an old name already)" if slug in corpus.renamed or slug in corpus.retired else ""
        raise ChangeRefused(f"there is no guide '{slug}'{hint}")


def _guide_texts(root: Path) -> list[tuple[str, str]]:
    return [(f"{GUIDES_DIR}/{p.name}", p.read_text(encoding="utf-8")) for p in sorted((root / GUIDES_DIR).glob("*.md"))]


def _apply(root: Path, texts: dict[str, str | None], notes: dict[str, str]) -> Change:
    """Make the edits on a copy and validate it; write them to `root` only when the copy is valid."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / root.name  # the same folder name: problems read as they would in root
        shutil.copytree(root, copy, symlinks=True)
        for rel, text in texts.items():
            _write(copy, rel, text)
        _corpus, problems = load_corpus(copy)
        if any(p.severity == "error" for p in problems):
            raise ContentInvalid([p for p in problems if p.severity == "error"])
    for rel, text in sorted(texts.items(), key=lambda kv: kv[1] is None):  # write first, remove last
        _write(root, rel, text)
    return Change(
        files={rel: notes.get(rel, "") for rel, text in texts.items() if text is not None},
        removed=[rel for rel, text in texts.items() if text is None and rel in notes],
    )


def _write(root: Path, rel: str, text: str | None) -> None:
    if text is None:
        (root / rel).unlink(missing_ok=True)
    else:
        write_atomic(root / rel, text)


# -- text edits --------------------------------------------------------------------------------
def _link_pattern(slug: str) -> re.Pattern[str]:
    return re.compile(rf"\(guide:{re.escape(slug)}(?=[\s)])")


def _relink(text: str, old: str, new: str) -> tuple[str, int]:
    """`(guide:old)` -> `(guide:new)` in the body, and `old` -> `new` in the `related` list."""
    text, count = _link_pattern(old).subn(f"(guide:{new}", text)
    head, span, tail = _related_span(text)
    span, n = re.subn(rf"(?<![a-z0-9-]){re.escape(old)}(?![a-z0-9-])", new, span)
    return head + span + tail, count + n


def _unlink(text: str, slug: str) -> tuple[str, int, list[int]]:
    """`[words](guide:slug)` -> `words`; `slug` out of the `related` list. Also the body lines changed."""
    link = re.compile(rf"\[([^\]]*)\]\(guide:{re.escape(slug)}(?:\s+\"[^\"]*\")?\)")
    where = sorted({text.count("\n", 0, m.start()) + 1 for m in link.finditer(text)})
    text, count = link.subn(r"\1", text)
    head, span, tail = _related_span(text)
    s = re.escape(slug)
    span, n = re.subn(rf"(?m)^[ \t]*-[ \t]*[\"']?{s}[\"']?[ \t]*\n", "", span)  # a block list item
    span, m = re.subn(rf"(?<=[\[,])[ \t]*[\"']?{s}[\"']?[ \t]*(,|(?=\]))", "", span)  # in [a, slug, b]
    span = re.sub(r",[ \t]*\]", "]", span)
    return head + span + tail, count + n + m, where


def _related_span(text: str) -> tuple[str, str, str]:
    """The text split around the front matter's `related:` entry (from its line to the next field)."""
    split = split_front_matter(text, "")
    if isinstance(split, Problem):
        return text, "", ""
    try:
        _data, lines = load_yaml(split[0], first_line=2)
    except YamlError:
        return text, "", ""
    if "related" not in lines:
        return text, "", ""
    rows = text.splitlines(keepends=True)
    start = lines["related"] - 1
    end = start + 1
    while (
        end < len(rows) and rows[end].strip() != "---" and (rows[end][:1] in (" ", "\t", "-") or not rows[end].strip())
    ):
        end += 1
    return "".join(rows[:start]), "".join(rows[start:end]), "".join(rows[end:])


def _retired_list(corpus: Corpus) -> list[dict[str, str]]:
    out = [{"slug": s, "reason": r} for s, r in corpus.retired.items()]
    return [{**x, "collection": corpus.retired_from[x["slug"]]} if x["slug"] in corpus.retired_from else x for x in out]


def _retired_item(x: dict[str, str]) -> str:
    collection = f"    collection: {x['collection']}\n" if x.get("collection") else ""
    return f"  - slug: {x['slug']}\n    reason: {_yaml_str(x['reason'])}\n{collection}"


def _redirects_text(root: Path, renamed: dict[str, str], retired: list[dict[str, str]]) -> str:
    """redirects.yaml with these entries: the file's own text with lines changed and added where that
    gives the same data (its comments stay), else written afresh."""
    path = root / REDIRECTS_FILE
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    edited = _edit_redirects(text, renamed, retired)
    if edited is not None:
        try:
            data, _lines = load_yaml(edited)
        except YamlError:
            data = None
        if isinstance(data, dict) and (data.get("renamed") or {}) == renamed and (data.get("retired") or []) == retired:
            return edited
    return _fresh_redirects(renamed, retired)


def _edit_redirects(text: str, renamed: dict[str, str], retired: list[dict[str, str]]) -> str | None:
    rows = text.splitlines(keepends=True)
    if rows and not rows[-1].endswith("\n"):
        rows[-1] += "\n"

    def block(key: str) -> tuple[int, int] | None:
        for i, row in enumerate(rows):
            if re.match(rf"^{key}:[ \t]*(\{{\}}|\[\])?[ \t]*(#.*)?$", row.rstrip("\n")):
                j = i + 1
                while j < len(rows) and (rows[j][:1] in (" ", "\t") or _blank_inside(rows, j)):
                    j += 1
                return i, j
        return None

    r = block("renamed")
    if r is None:
        return None
    i, j = r
    body = [row for row in rows[i + 1 : j] if not re.match(r"^[ \t]+[a-z0-9-]+:", row) or row.strip().startswith("#")]
    lines_out = [f"  {k}: {v}\n" for k, v in renamed.items()]
    rows[i:j] = [
        "renamed:\n" if renamed else "renamed: {}\n",
        *[b for b in body if b.strip().startswith("#")],
        *lines_out,
    ]
    t = block("retired")
    if t is None:
        return None
    i, j = t
    comments = [row for row in rows[i + 1 : j] if row.strip().startswith("#")]
    items = [_retired_item(x) for x in retired]
    rows[i:j] = ["retired:\n" if retired else "retired: []\n", *comments, *items]
    return "".join(rows)


def _blank_inside(rows: list[str], j: int) -> bool:
    return not rows[j].strip() and j + 1 < len(rows) and rows[j + 1][:1] in (" ", "\t")


def _yaml_str(value: str) -> str:
    """A reason as YAML: plain when that reads back the same, else double-quoted (JSON is valid YAML)."""
    try:
        data, _ = load_yaml(f"x: {value}\n")
        if data == {"x": value}:
            return value
    except YamlError:
        pass
    return json.dumps(value, ensure_ascii=False)


def _fresh_redirects(renamed: dict[str, str], retired: list[dict[str, str]]) -> str:
    out = ["# Renamed guides: an old slug answers with a redirect to the new one.\n"]
    out.append("renamed:\n" if renamed else "renamed: {}\n")
    out += [f"  {k}: {v}\n" for k, v in renamed.items()]
    out.append("# Retired guides: the slug answers 410 Gone with the reason (to the keys of its collection).\n")
    out.append("retired:\n" if retired else "retired: []\n")
    out += [_retired_item(x) for x in retired]
    return "".join(out)
