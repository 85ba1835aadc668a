"""The checks that span files: collections, script ids, links, redirects, orphans, danger words.

No Flask here. Called by the loader (api/content/load.py) on the guides that parsed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

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


def check_danger_words(
    guides: Iterable[Guide], language: Language, known: Callable[[Guide], list[Problem] | None] | None = None
) -> list[Problem]:
    """A guide that speaks of danger but is not marked safety_sensitive: a warning, unless reviewed.

    `known(guide)`: the warnings found before for this very guide file with these language files
    (the live release's snapshot keeps them), or None: then the guide is read again."""
    if not language.signals.kinds:
        return []
    recognise = recogniser_for(language).recognise
    problems = []
    for g in guides:
        if g.safety_sensitive or g.safety_reviewed:
            continue
        found = known(g) if known is not None else None
        if found is not None:
            problems.extend(found)
            continue
        for section in g.sections:
            said = {
                f.kind: text[f.start : f.end]
                for block in section.blocks
                for text in [g.without_conditions(block.text)]  # the conditions speak of fear on purpose
                for f in recognise(text, classify=False)
            }
            if said:
                words = "; ".join(f"{kind} ('{text}')" for kind, text in said.items())
                problems.append(
                    Problem(
                        g.path,
                        section.line,
                        "safety_sensitive",
                        f"section '{section.anchor}' speaks of danger: {words}. Mark the guide "
                        "safety_sensitive: true, or safety_reviewed: true once an editor has looked",
                        "warning",
                    )
                )
                break
    return problems
