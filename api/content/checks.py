"""The checks that span files: collections, script ids, links, redirects, orphans, danger words.

No Flask here. Called by the loader (api/content/load.py) on the guides that parsed.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor

from api.content.model import Collection, Guide, Problem, Script, final_slug
from api.language.data import Language
from api.language.signals import recogniser_for


def check_links(
    guides: dict[str, Guide],
    failed: set[str],
    collections: dict[str, Collection],
    renamed: dict[str, str],
    retired: dict[str, str],
    redirects_file: str,
) -> list[Problem]:
    """What spans files: collections, script ids, links, redirects, orphans."""
    problems: list[Problem] = []
    linked: set[str] = set()
    first_script: dict[str, tuple[Guide, Script]] = {}
    for g in guides.values():
        if collections and g.collection not in collections:
            known = ", ".join(sorted(collections))
            problems.append(
                Problem(g.path, None, "collection", f"unknown collection '{g.collection}' (known: {known})")
            )
        problems.extend(_check_script_ids(g, first_script))
        problems.extend(_check_guide_links(g, guides, failed, renamed, retired, linked))
    problems.extend(_check_redirects(guides, failed, renamed, retired, redirects_file))
    for slug, g in guides.items():
        if slug not in linked:
            problems.append(Problem(g.path, None, "links", "orphan guide: no other guide links to it", "warning"))
    return problems


def _check_script_ids(g: Guide, first_script: dict[str, tuple[Guide, Script]]) -> list[Problem]:
    """A script id used before (by a guide seen earlier, noted in `first_script`)."""
    problems: list[Problem] = []
    for s in g.scripts:
        if s.id not in first_script:
            first_script[s.id] = (g, s)
            continue
        other, o = first_script[s.id]
        # Blamed on the guide updated last (the one an editor most likely just changed), naming the other.
        blamed, kept = (
            ((g, s), (other, o)) if (g.updated, g.path) >= (other.updated, other.path) else ((other, o), (g, s))
        )
        where = f"{kept[0].path}:{kept[1].line}" if kept[1].line else kept[0].path
        problems.append(
            Problem(
                blamed[0].path,
                blamed[1].line,
                f"script[{s.id}].id",
                f"duplicate script id '{s.id}': also used in {where}; give one of them a new id",
            )
        )
    return problems


def _check_guide_links(
    g: Guide,
    guides: dict[str, Guide],
    failed: set[str],
    renamed: dict[str, str],
    retired: dict[str, str],
    linked: set[str],
) -> list[Problem]:
    """The guide's links that lead nowhere; the guides it links to are added to `linked`."""
    problems: list[Problem] = []
    for link in g.links:
        field = link.kind.replace("_", "-") if link.kind != "inline" else "link"
        if link.target in guides:
            if link.target != g.slug:
                linked.add(link.target)
        elif link.target in failed:
            continue  # that file's own problems are reported already
        elif link.target in renamed:
            final = final_slug(link.target, renamed)
            reason = f"link to renamed guide '{link.target}'; link to '{final}' instead"
            problems.append(Problem(g.path, link.line, field, reason))
        elif link.target in retired:
            problems.append(Problem(g.path, link.line, field, f"link to retired guide '{link.target}'"))
        else:
            problems.append(Problem(g.path, link.line, field, f"link to a guide that does not exist: '{link.target}'"))
    return problems


def _check_redirects(
    guides: dict[str, Guide], failed: set[str], renamed: dict[str, str], retired: dict[str, str], file: str
) -> list[Problem]:
    problems: list[Problem] = []
    for old, new in renamed.items():
        if old in guides:
            problems.append(Problem(file, None, f"renamed.{old}", f"'{old}' is renamed but is still a guide"))
        target = final_slug(old, renamed)
        if target is None:
            problems.append(Problem(file, None, f"renamed.{old}", f"redirect loop starting at '{old}'"))
        elif target not in guides and target not in failed:
            problems.append(Problem(file, None, f"renamed.{old}", f"redirect to a guide that does not exist: '{new}'"))
    for slug in retired:
        if slug in guides:
            problems.append(Problem(file, None, f"retired.{slug}", f"'{slug}' is retired but is still a guide"))
    return problems


PARALLEL_MIN = 64  # guides to read before a second process is worth its start
_TODO: list[Guide] = []  # set before the fork: the workers inherit it (and the recogniser, built)
_LANGUAGE: Language | None = None


def check_danger_words(
    guides: Iterable[Guide],
    language: Language,
    known: Callable[[Guide], list[Problem] | None] | None = None,
    workers: int = 1,
) -> list[Problem]:
    """A guide that speaks of danger but is not marked safety_sensitive: a warning, unless reviewed.

    `known(guide)`: the warnings found before for this very guide file with these language files
    (the live release's snapshot keeps them), or None: then the guide is read again, in `workers`
    processes when there are many to read (a full build). Warnings in the order of the guides."""
    if not language.signals.kinds:
        return []
    found: list[list[Problem] | None] = []
    todo: list[Guide] = []
    for g in guides:
        if g.safety_sensitive or g.safety_reviewed:
            continue
        found.append(known(g) if known is not None else None)
        if found[-1] is None:
            todo.append(g)
    read = iter(_read_all(todo, language, workers))
    return [p for f in found for p in (f if f is not None else next(read))]


def _read_all(todo: list[Guide], language: Language, workers: int) -> list[list[Problem]]:
    global _LANGUAGE
    recogniser_for(language)  # built once, before any fork
    if workers <= 1 or len(todo) < PARALLEL_MIN or "fork" not in multiprocessing.get_all_start_methods():
        return [_danger_in(g, language) for g in todo]
    _TODO[:], _LANGUAGE = todo, language
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_danger_at, range(len(todo)), chunksize=16))
    finally:
        _TODO.clear()
        _LANGUAGE = None


def _danger_at(i: int) -> list[Problem]:
    assert _LANGUAGE is not None
    return _danger_in(_TODO[i], _LANGUAGE)


def danger_of(g: Guide, language: Language) -> list[Problem] | None:
    """The danger-word warning of one guide as `check_danger_words` finds it (read in full), or None
    when the check does not read this guide (marked safety_sensitive or safety_reviewed, or no
    signals): for a parse worker, which reads each guide right after parsing it (api/content/load.py)."""
    if not language.signals.kinds or g.safety_sensitive or g.safety_reviewed:
        return None
    return _danger_in(g, language)


def _danger_in(g: Guide, language: Language) -> list[Problem]:
    """The warning of one guide (at its first section that speaks of danger), or none."""
    recognise = recogniser_for(language).recognise
    for section in g.sections:
        said = {
            f.kind: text[f.start : f.end]
            for block in section.blocks
            for text in [g.without_conditions(block.text)]  # the conditions speak of fear on purpose
            for f in recognise(text, classify=False)
        }
        if said:
            words = "; ".join(f"{kind} ('{text}')" for kind, text in said.items())
            return [
                Problem(
                    g.path,
                    section.line,
                    "safety_sensitive",
                    f"section '{section.anchor}' speaks of danger: {words}. Mark the guide "
                    "safety_sensitive: true, or safety_reviewed: true once an editor has looked",
                    "warning",
                )
            ]
    return []
