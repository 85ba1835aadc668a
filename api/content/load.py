"""Load a content folder into one Corpus, checking everything that spans files.

`load_corpus` never raises for bad content: it returns the corpus of the guides that parsed and
every problem found; the store (api/store.py) refuses to publish a corpus with errors.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import hashlib
import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from marshmallow import ValidationError

from api.content.checks import check_danger_words, check_links, danger_of
from api.content.drafts import check_draft_links
from api.content.files import write_atomic
from api.content.filestat import FileStats
from api.content.language import load_language
from api.content.model import SERVED_FORMAT, Collection, Corpus, Guide, Problem
from api.content.parse import parse_guide
from api.content.schemas import CollectionSchema, RedirectsSchema, flatten_errors
from api.content.support import Support, parse_support
from api.content.yamlfile import load_yaml_file
from api.language.data import Language
from api.language.signals import KINDS, recogniser_for

GUIDES_DIR = "guides"
COLLECTIONS_FILE = "collections.yaml"
REDIRECTS_FILE = "redirects.yaml"
RESOURCES_FILE = "safety/resources.yaml"
CACHE_FORMAT = 6  # bump when what is computed at load changes (4: script conditions in text; 5: draft,
# publish_at; 6: sounds_like)


class ContentInvalid(Exception):
    """The content has errors; `problems` says which, with file, line and field."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{len(errors)} content error(s); first: {errors[0] if errors else '-'}")


class GuideCache(Protocol):
    """A parse cache: the guide parsed from the file `rel` (labelled `path`) with this digest, or None."""

    def cached(self, rel: str, path: str, digest: str) -> Guide | None: ...

    def danger_found(self, g: Guide, language: str) -> list[Problem] | None:
        """The danger-word warnings of this guide file with these language files (their digest), or None."""
        ...


Progress = Callable[[str, int, int], None]  # (stage, done, total)
PARALLEL_MIN = 64  # files to parse before a second process is worth its start


def load_corpus(
    content_dir: str | os.PathLike[str],
    cache_path: str | os.PathLike[str] | None = None,
    now: dt.datetime | None = None,
    *,
    cache: GuideCache | None = None,
    progress: Progress | None = None,
    workers: int = 1,
    cache_dir: str | os.PathLike[str] | None = None,
    file_stats: FileStats | None = None,
) -> tuple[Corpus, list[Problem]]:
    """Every guide, drafts included; `now` (default: the clock) decides which guides are drafts for
    the check that no published guide links to one (api/content/drafts.py).

    The parse cache is `cache` when given (a publisher reads the live release's snapshot), else the
    file at `cache_path` (read, and written when it changed). `progress("parse", done, total)` is
    called as files are read; `workers` > 1 parses in that many processes when many files changed.
    `cache_dir`: a folder of a publisher's caches: the parsed language files (api/content/language.py)
    and what `lstat` said of each guide file when it was hashed (api/content/filestat.py), saved
    here unless the caller passes `file_stats` (opened on `cache_dir`) and saves them itself.
    """
    with paused_gc():
        corpus, problems = _load_corpus(content_dir, cache_path, cache, progress, workers, cache_dir, file_stats)
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


class _Reader:
    """Reads content files, noting each one's digest; a folder, a link or a file that cannot be read
    in its place is a problem (reported once), never a crash: publishing then refuses and the last
    good release stays live."""

    def __init__(self, root: Path, stats: FileStats | None = None) -> None:
        self.root = root
        self.label = root.name or str(root)
        self.problems: list[Problem] = []
        self.digests: list[tuple[str, str]] = []
        self.stats = stats or FileStats(None, {})

    def unchanged(self, rel: str) -> str | None:
        """The digest of a file its stat proves unchanged since it was last read (not read now)."""
        digest = self.stats.unchanged(rel, self.root / rel)
        if digest is not None:
            self.digests.append((rel, digest))
        return digest

    def __call__(self, rel: str) -> bytes | None:
        path = self.root / rel
        reason = _not_a_plain_file(path)
        if reason is None:
            before = self.stats.before_read(path)
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                return None
            except OSError as exc:
                reason = f"cannot be read ({exc.strerror or exc}); check the file's permissions"
        if reason is not None:
            self.problems.append(Problem(f"{self.label}/{rel}", None, "file", reason))
            return None
        self.digests.append((rel, hashlib.sha256(raw).hexdigest()))
        self.stats.hashed(rel, before, self.digests[-1][1])
        return raw


class _FileCache:
    """The parse cache kept in one file (content validate, and a publish with no release yet)."""

    def __init__(self, data: dict[str, tuple[str, Guide]]) -> None:
        self.data = data

    def cached(self, rel: str, path: str, digest: str) -> Guide | None:
        found = self.data.get(rel)
        return found[1] if found is not None and found[0] == digest else None

    def danger_found(self, g: Guide, language: str) -> list[Problem] | None:
        return None


def _load_corpus(
    content_dir: str | os.PathLike[str],
    cache_path: str | os.PathLike[str] | None,
    cache: GuideCache | None,
    progress: Progress | None,
    workers: int,
    cache_dir: str | os.PathLike[str] | None = None,
    file_stats: FileStats | None = None,
) -> tuple[Corpus, list[Problem]]:
    own = file_stats is None  # else the caller saves them (a publisher: once its release is made)
    stats = file_stats or FileStats.open(Path(cache_dir) if cache_dir else None, Path(content_dir))
    read = _Reader(Path(content_dir), stats)
    problems, label = read.problems, read.label
    old = _read_cache(cache_path) if cache is None else None
    cache = cache or _FileCache(old or {})
    language, language_problems = _language_first(read, Path(cache_dir) if cache_dir else None)
    guides, failed, new_cache, danger = _read_guides(read, cache, progress, workers, language)
    collections = _load_collections(read(COLLECTIONS_FILE), f"{label}/{COLLECTIONS_FILE}", problems)
    renamed, retired, retired_from = _load_redirects(read(REDIRECTS_FILE), f"{label}/{REDIRECTS_FILE}", problems)
    problems.extend(language_problems)  # in their place: after the redirects' problems
    data, lines = load_yaml_file(read(RESOURCES_FILE), f"{label}/{RESOURCES_FILE}", problems)
    support = parse_support(data, lines, f"{label}/{RESOURCES_FILE}", problems, list(KINDS)) if data else Support()

    by_slug: dict[str, Guide] = {}
    for g in guides:
        if g.slug in by_slug:
            problems.append(Problem(g.path, 2, "slug", f"duplicate slug '{g.slug}' (also in {by_slug[g.slug].path})"))
        else:
            by_slug[g.slug] = g
    problems.extend(check_links(by_slug, failed, collections, renamed, retired, f"{label}/{REDIRECTS_FILE}"))
    known = functools.partial(_danger_found, cache, language.digest, danger)
    problems.extend(check_danger_words(by_slug.values(), language, known, workers))

    for c in list(collections.values()):
        members = sorted(
            (g for g in by_slug.values() if g.collection == c.slug),
            key=lambda g: (g.order is None, g.order or 0, g.title),
        )
        collections[c.slug] = Collection(c.slug, c.title, c.description, tuple(g.slug for g in members))
    version = hashlib.sha256(repr((SERVED_FORMAT, sorted(read.digests))).encode()).hexdigest()[:16]
    scripts = {s.id: s for g in by_slug.values() for s in g.scripts}
    corpus = Corpus(by_slug, collections, renamed, retired, version, scripts, language, support, retired_from)
    if old is not None and (new_cache.keys() != old.keys() or any(new_cache[k][0] != old[k][0] for k in new_cache)):
        _write_cache(cache_path, new_cache)
    if own:
        stats.save()
    return corpus, problems


def _danger_found(
    cache: GuideCache, language: str, read_now: dict[str, list[Problem]], g: Guide
) -> list[Problem] | None:
    """The warnings of a guide read by its parse worker, else those the cache kept, else None."""
    found = read_now.get(g.path)
    return found if found is not None else cache.danger_found(g, language)


def _language_first(read: _Reader, cache_dir: Path | None) -> tuple[Language, list[Problem]]:
    """The language files, read before the guides (each parse worker then reads its guides for
    danger words with the recogniser built here, before the fork); their problems are returned,
    to be reported in their place after the guides' (the reader's own problems included)."""
    problems, read.problems = read.problems, []
    try:
        language = load_language(read.root, read, read.label, read.problems, cache_dir)
        if language.signals.kinds:
            recogniser_for(language)  # built once, before the parse workers fork
        return language, read.problems
    finally:
        read.problems = problems


def _read_guides(
    read: _Reader, cache: GuideCache, progress: Progress | None, workers: int, language: Language
) -> tuple[list[Guide], set[str], dict[str, tuple[str, Guide]], dict[str, list[Problem]]]:
    """The guides that parsed (in file-name order), the slugs of those that did not, the new parse
    cache, and the danger-word warnings of the guides parsed now (by path; api/content/checks.py);
    only files whose digest the cache does not know are parsed."""
    failed: set[str] = set()
    folder = read.root / GUIDES_DIR
    if not folder.is_dir():
        read.problems.append(Problem(f"{read.label}/{GUIDES_DIR}", None, "file", "the guides folder is missing"))
    names = sorted(e.name for e in os.scandir(folder) if e.name.endswith(".md")) if folder.is_dir() else []
    # rel, digest, cached guide, bytes to parse, where its problems go (problems stay in file order)
    found: list[tuple[str, str, Guide | None, bytes | None, int]] = []
    for i, name in enumerate(names):
        if progress is not None and (i % 100 == 99 or i == len(names) - 1):
            progress("files read", i + 1, len(names))
        rel = f"{GUIDES_DIR}/{name}"
        digest = read.unchanged(rel)
        guide = cache.cached(rel, f"{read.label}/{rel}", digest) if digest is not None else None
        if guide is not None and digest is not None:  # unchanged, and parsed before: not read
            found.append((rel, digest, guide, None, len(read.problems)))
            continue
        if digest is not None:
            read.digests.pop()  # known, but not in the parse cache: read and parsed below
        raw = read(rel)
        if raw is None:
            failed.add(Path(name).stem)
            continue
        digest = read.digests[-1][1]
        guide = cache.cached(rel, f"{read.label}/{rel}", digest)
        found.append((rel, digest, guide, None if guide is not None else raw, len(read.problems)))
    todo = [(raw, f"{read.label}/{rel}", Path(rel).stem) for rel, _, _, raw, _ in found if raw is not None]
    parsed = iter(_parse_all(todo, progress, workers, language))
    guides: list[Guide] = []
    new_cache: dict[str, tuple[str, Guide]] = {}
    danger: dict[str, list[Problem]] = {}
    inserts: list[tuple[int, list[Problem]]] = []
    for rel, digest, cached, raw, mark in found:
        guide, file_problems, warned = (cached, [], None) if raw is None else next(parsed)
        inserts.append((mark, file_problems))
        if guide is None:
            failed.add(Path(rel).stem)
        else:
            guides.append(guide)
            new_cache[rel] = (digest, guide)
            if warned is not None:
                danger[guide.path] = warned
    for mark, file_problems in reversed(inserts):
        read.problems[mark:mark] = file_problems
    return guides, failed, new_cache, danger


Parsed = tuple[Guide | None, list[Problem], list[Problem] | None]  # guide, its problems, its danger warnings
_LANGUAGE: list[Language] = []  # the language files of the parse under way (the forked workers inherit it)


def _parse_one(job: tuple[bytes, str, str]) -> Parsed:
    """A guide parsed, and read for danger words at once (while it is in this worker's memory)."""
    raw, path, slug = job
    guide, problems = parse_guide(raw, path, expected_slug=slug)
    return guide, problems, danger_of(guide, _LANGUAGE[-1]) if guide is not None and _LANGUAGE else None


def _parse_all(
    todo: list[tuple[bytes, str, str]], progress: Progress | None, workers: int, language: Language
) -> list[Parsed]:
    """Parse these files, in `workers` processes when there are many; results in the same order."""
    out: list[Parsed] = []
    _LANGUAGE[:] = [language]
    try:
        if workers > 1 and len(todo) >= PARALLEL_MIN:
            # fork (spawn would run the caller's main module again); publishers run no other threads
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                for result in pool.map(_parse_one, todo, chunksize=16):
                    out.append(result)
                    if progress is not None and len(out) % 16 == 0:
                        progress("parse", len(out), len(todo))
        else:
            for job in todo:
                out.append(_parse_one(job))
                if progress is not None and len(out) % 16 == 0:
                    progress("parse", len(out), len(todo))
    finally:
        _LANGUAGE.clear()
    if progress is not None and todo:
        progress("parse", len(out), len(todo))
    return out


def _load_collections(raw: bytes | None, file: str, problems: list[Problem]) -> dict[str, Collection]:
    data, lines = load_yaml_file(raw, file, problems)
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


def _load_redirects(raw: bytes | None, file: str, problems: list[Problem]) -> tuple[dict[str, str], ...]:
    """(renamed, retired: slug -> reason, retired_from: slug -> collection, where the file says)."""
    data, lines = load_yaml_file(raw, file, problems) if raw is not None else (None, {})  # optional file
    if data is None:
        return {}, {}, {}
    try:
        r = RedirectsSchema().load(data if isinstance(data, dict) else {"renamed": data})
    except ValidationError as err:
        for name, reason in flatten_errors(err.messages):
            problems.append(Problem(file, lines.get(name.split(".")[0]), name, reason))
        return {}, {}, {}
    gone = [(x["slug"], x["reason"], x["collection"]) for x in r["retired"]]
    return dict(r["renamed"]), {s: why for s, why, _ in gone}, {s: c for s, _, c in gone if c}


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
