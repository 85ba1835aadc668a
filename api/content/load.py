"""Load a content folder into one Corpus, checking everything that spans files.

`load_corpus` never raises for bad content: it returns the corpus of the guides that parsed and
every problem found; the store (api/store.py) refuses to publish a corpus with errors.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import os
import pickle
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from marshmallow import ValidationError

from api.content.drafts import check_draft_links
from api.content.files import write_atomic
from api.content.model import SERVED_FORMAT, Collection, Corpus, Guide, Problem, Script, final_slug
from api.content.parse import decode, parse_guide
from api.content.schemas import CollectionSchema, RedirectsSchema, flatten_errors
from api.content.support import Support, parse_support
from api.content.yamlutil import YamlError, load_yaml
from api.language.data import Language
from api.language.files import check_signals, parse_phrasings, parse_signals, parse_vocabulary
from api.language.signals import KINDS, recogniser_for

GUIDES_DIR = "guides"
COLLECTIONS_FILE = "collections.yaml"
REDIRECTS_FILE = "redirects.yaml"
VOCABULARY_FILE = "vocabulary.yaml"
SIGNALS_FILE = "safety/signals.yaml"
PHRASINGS_DIR = "safety/phrasings"
RESOURCES_FILE = "safety/resources.yaml"
CACHE_FORMAT = 5  # bump when what is computed at load changes (4: script conditions in text; 5: draft, publish_at)


class ContentInvalid(Exception):
    """The content has errors; `problems` says which, with file, line and field."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{len(errors)} content error(s); first: {errors[0] if errors else '-'}")


def load_corpus(
    content_dir: str | os.PathLike[str],
    cache_path: str | os.PathLike[str] | None = None,
    now: dt.datetime | None = None,
) -> tuple[Corpus, list[Problem]]:
    """Every guide, drafts included; `now` (default: the clock) decides which guides are drafts for
    the check that no published guide links to one (api/content/drafts.py)."""
    with paused_gc():
        corpus, problems = _load_corpus(content_dir, cache_path)
    problems.extend(check_draft_links(corpus.guides, now or dt.datetime.now(dt.UTC)))
    return corpus, problems


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic GC inside: loading creates millions of objects and no garbage cycles, which the GC
    would scan over and over (measured: 10,000 cached guides load in 1.4 s without it, 3.9 s with it)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load_corpus(
    content_dir: str | os.PathLike[str], cache_path: str | os.PathLike[str] | None
) -> tuple[Corpus, list[Problem]]:
    root = Path(content_dir)
    label = root.name or str(root)
    problems: list[Problem] = []
    digests: list[tuple[str, str]] = []
    unreadable: set[str] = set()

    def read(rel: str) -> bytes | None:
        """The file's bytes; None when it is missing. A folder, a link or a file that cannot be read
        in its place is a problem (reported once here), never a crash: publishing then refuses and
        the last good release stays live."""
        path = root / rel
        reason = _not_a_plain_file(path)
        if reason is None:
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                return None
            except OSError as exc:
                reason = f"cannot be read ({exc.strerror or exc}); check the file's permissions"
        if reason is not None:
            problems.append(Problem(f"{label}/{rel}", None, "file", reason))
            unreadable.add(rel)
            return None
        digests.append((rel, hashlib.sha256(raw).hexdigest()))
        return raw

    cache = _read_cache(cache_path)
    new_cache: dict[str, tuple[str, Guide]] = {}
    guides: list[Guide] = []
    failed_slugs: set[str] = set()
    guide_dir = root / GUIDES_DIR
    if not guide_dir.is_dir():
        problems.append(Problem(f"{label}/{GUIDES_DIR}", None, "file", "the guides folder is missing"))
    for path in sorted(guide_dir.glob("*.md")) if guide_dir.is_dir() else []:
        rel = f"{GUIDES_DIR}/{path.name}"
        raw = read(rel)
        if raw is None:
            failed_slugs.add(path.stem)
            continue
        digest = digests[-1][1]
        cached = cache.get(rel)
        if cached and cached[0] == digest:
            guide: Guide | None = cached[1]
            file_problems: list[Problem] = []
        else:
            guide, file_problems = parse_guide(raw, f"{label}/{rel}", expected_slug=path.stem)
        problems.extend(file_problems)
        if guide is None:
            failed_slugs.add(path.stem)
        else:
            guides.append(guide)
            new_cache[rel] = (digest, guide)

    collections = _load_collections(read(COLLECTIONS_FILE), f"{label}/{COLLECTIONS_FILE}", problems)
    renamed, retired = _load_redirects(read(REDIRECTS_FILE), f"{label}/{REDIRECTS_FILE}", problems)
    phrasings = _load_phrasings(root, read, label, problems)
    language = _load_language(read(VOCABULARY_FILE), read(SIGNALS_FILE), phrasings, label, problems)
    data, lines = _load_yaml_file(read(RESOURCES_FILE), f"{label}/{RESOURCES_FILE}", problems)
    support = parse_support(data, lines, f"{label}/{RESOURCES_FILE}", problems, list(KINDS)) if data else Support()

    by_slug: dict[str, Guide] = {}
    for g in guides:
        if g.slug in by_slug:
            problems.append(Problem(g.path, 2, "slug", f"duplicate slug '{g.slug}' (also in {by_slug[g.slug].path})"))
        else:
            by_slug[g.slug] = g
    problems.extend(_check_links(by_slug, failed_slugs, collections, renamed, retired, label))
    problems.extend(_check_danger_words(by_slug.values(), language))

    for c in list(collections.values()):
        members = sorted(
            (g for g in by_slug.values() if g.collection == c.slug),
            key=lambda g: (g.order is None, g.order or 0, g.title),
        )
        collections[c.slug] = Collection(c.slug, c.title, c.description, tuple(g.slug for g in members))
    version = hashlib.sha256(repr((SERVED_FORMAT, sorted(digests))).encode()).hexdigest()[:16]
    scripts = {s.id: s for g in by_slug.values() for s in g.scripts}
    corpus = Corpus(by_slug, collections, renamed, retired, version, scripts, language, support)
    if new_cache.keys() != cache.keys() or any(new_cache[k][0] != cache[k][0] for k in new_cache):
        _write_cache(cache_path, new_cache)
    return corpus, problems


def _load_yaml_file(
    raw: bytes | None, file: str, problems: list[Problem], fast: bool = False
) -> tuple[Any, dict[str, int]]:
    if raw is None:
        if not any(p.file == file for p in problems):  # not already reported as unreadable
            problems.append(Problem(file, None, "file", "file is missing"))
        return None, {}
    text, decode_problems = decode(raw, file)
    problems.extend(decode_problems)
    if text is None:
        return None, {}
    try:
        return load_yaml(text, fast=fast)
    except YamlError as exc:
        problems.append(Problem(file, exc.line, exc.field or "file", exc.reason))
        return None, {}


def _load_phrasings(
    root: Path, read: Callable[[str], bytes | None], label: str, problems: list[Problem]
) -> tuple[tuple[tuple[str, str], ...], bytes]:
    """Every file of content/safety/phrasings/, in name order: the pairs, and their bytes for the digest."""
    pairs: list[tuple[str, str]] = []
    raw_all = b""
    folder = root / PHRASINGS_DIR
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        rel = f"{PHRASINGS_DIR}/{path.name}"
        raw = read(rel)
        raw_all += rel.encode() + b"\0" + (raw or b"")
        data, lines = _load_yaml_file(raw, f"{label}/{rel}", problems, fast=True)
        if data is not None:
            pairs.extend(parse_phrasings(data, lines, f"{label}/{rel}", problems))
    return tuple(pairs), raw_all


def _load_language(
    vocabulary: bytes | None,
    signals: bytes | None,
    phrasings: tuple[tuple[tuple[str, str], ...], bytes],
    label: str,
    problems: list[Problem],
) -> Language:
    """The vocabulary, the danger signals and the phrasings; the first two required, since without
    them danger goes unrecognised."""
    vocab_file, signals_file = f"{label}/{VOCABULARY_FILE}", f"{label}/{SIGNALS_FILE}"
    data, lines = _load_yaml_file(vocabulary, vocab_file, problems)
    vocab = parse_vocabulary(data, lines, vocab_file, problems) if data is not None else Language().vocabulary
    data, lines = _load_yaml_file(signals, signals_file, problems)
    if data is None or signals is None:
        return Language(vocab)
    pairs, phrasing_bytes = phrasings
    digest = hashlib.sha256(b"\0".join((vocabulary or b"", signals, phrasing_bytes))).hexdigest()[:16]
    found: list[Problem] = []
    parsed = parse_signals(data, lines, signals_file, found)
    if not found:
        found = check_signals(vocab, parsed, signals_file, pairs)
    problems.extend(found)
    return Language(vocab, parsed, pairs, digest)


def _check_danger_words(guides: Iterable[Guide], language: Language) -> list[Problem]:
    """A guide that speaks of danger but is not marked safety_sensitive: a warning, unless reviewed."""
    if not language.signals.kinds:
        return []
    recognise = recogniser_for(language).recognise
    problems = []
    for g in guides:
        if g.safety_sensitive or g.safety_reviewed:
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


def _load_collections(raw: bytes | None, file: str, problems: list[Problem]) -> dict[str, Collection]:
    data, lines = _load_yaml_file(raw, file, problems)
    if data is None:
        return {}
    if not isinstance(data, list):
        problems.append(Problem(file, 1, "file", "collections must be a list of 'slug/title/description' entries"))
        return {}
    out: dict[str, Collection] = {}
    for index, item in enumerate(data):
        line = lines.get(str(index))
        try:
            c = CollectionSchema().load(item if isinstance(item, dict) else {})
        except ValidationError as err:
            for name, reason in flatten_errors(err.messages):
                problems.append(Problem(file, line, f"[{index}].{name}", reason))
            continue
        if c["slug"] in out:
            problems.append(Problem(file, line, f"[{index}].slug", f"duplicate collection '{c['slug']}'"))
        out[c["slug"]] = Collection(c["slug"], c["title"], c["description"])
    return out


def _load_redirects(raw: bytes | None, file: str, problems: list[Problem]) -> tuple[dict[str, str], dict[str, str]]:
    if raw is None:
        return {}, {}  # optional file
    data, lines = _load_yaml_file(raw, file, problems)
    if data is None:
        return {}, {}
    try:
        r = RedirectsSchema().load(data if isinstance(data, dict) else {"renamed": data})
    except ValidationError as err:
        for name, reason in flatten_errors(err.messages):
            problems.append(Problem(file, lines.get(name.split(".")[0]), name, reason))
        return {}, {}
    return dict(r["renamed"]), {x["slug"]: x["reason"] for x in r["retired"]}


def _check_links(
    guides: dict[str, Guide],
    failed: set[str],
    collections: dict[str, Collection],
    renamed: dict[str, str],
    retired: dict[str, str],
    label: str,
) -> list[Problem]:
    problems: list[Problem] = []
    redirects_file = f"{label}/{REDIRECTS_FILE}"
    first_script: dict[str, tuple[Guide, Script]] = {}
    linked: set[str] = set()
    for g in guides.values():
        if collections and g.collection not in collections:
            problems.append(
                Problem(
                    g.path,
                    None,
                    "collection",
                    f"unknown collection '{g.collection}' (known: {', '.join(sorted(collections))})",
                )
            )
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
        for link in g.links:
            field = link.kind.replace("_", "-") if link.kind != "inline" else "link"
            if link.target in guides:
                if link.target != g.slug:
                    linked.add(link.target)
            elif link.target in failed:
                continue  # that file's own problems are reported already
            elif link.target in renamed:
                problems.append(
                    Problem(
                        g.path,
                        link.line,
                        field,
                        f"link to renamed guide '{link.target}'; link to '{final_slug(link.target, renamed)}' instead",
                    )
                )
            elif link.target in retired:
                problems.append(Problem(g.path, link.line, field, f"link to retired guide '{link.target}'"))
            else:
                problems.append(
                    Problem(g.path, link.line, field, f"link to a guide that does not exist: '{link.target}'")
                )
    for old, new in renamed.items():
        if old in guides:
            problems.append(Problem(redirects_file, None, f"renamed.{old}", f"'{old}' is renamed but is still a guide"))
        target = final_slug(old, renamed)
        if target is None:
            problems.append(Problem(redirects_file, None, f"renamed.{old}", f"redirect loop starting at '{old}'"))
        elif target not in guides and target not in failed:
            problems.append(
                Problem(redirects_file, None, f"renamed.{old}", f"redirect to a guide that does not exist: '{new}'")
            )
    for slug in retired:
        if slug in guides:
            problems.append(
                Problem(redirects_file, None, f"retired.{slug}", f"'{slug}' is retired but is still a guide")
            )
    for slug, g in guides.items():
        if slug not in linked:
            problems.append(Problem(g.path, None, "links", "orphan guide: no other guide links to it", "warning"))
    return problems


def _not_a_plain_file(path: Path) -> str | None:
    """Why `path` cannot be read as a content file, or None (also when it is missing)."""
    if path.is_symlink():
        return "a link (symlink), not a file: put the file itself here"
    if path.is_dir():
        return "a folder, not a file: only files belong here"
    if path.exists() and not path.is_file():
        return "not an ordinary file"
    return None


def _read_cache(cache_path: str | os.PathLike[str] | None) -> dict[str, tuple[str, Guide]]:
    if not cache_path:
        return {}
    try:
        with open(cache_path, "rb") as fh:
            fmt, data = pickle.load(fh)  # our own build artifact, never user input
        return data if fmt == CACHE_FORMAT else {}
    except (OSError, pickle.PickleError, EOFError, ValueError, TypeError, AttributeError):
        return {}


def _write_cache(cache_path: str | os.PathLike[str] | None, data: dict[str, tuple[str, Guide]]) -> None:
    if not cache_path:
        return
    write_atomic(cache_path, lambda fh: pickle.dump((CACHE_FORMAT, data), fh, protocol=pickle.HIGHEST_PROTOCOL))
