"""A content folder's language files, read and checked: the vocabulary, the danger signals and the
phrasings (api/language/files.py says what each holds).

Parsing them and building the danger recogniser from them takes seconds, the same seconds on every
publish although these files rarely change. With a cache folder, what that work gives (the
Language, the problems found in the files, the recogniser) is kept in a file named by the digest of
the files' bytes, of the folder's label (problems name it) and of the code that reads them
(`code_version`): a changed file, or a changed reader, is a new name, so nothing stale is ever read.
A cache file that cannot be read as one is ignored and the files are parsed again.

Only editors' files go into the cache. The recogniser's normaliser keeps the words it has seen in
memory (in a worker, words readers typed): its pickle leaves them out (api/language/normalise.py).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import pickle
import sys
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from api.content.files import write_atomic
from api.content.model import Problem
from api.content.yamlfile import load_yaml_file
from api.language.data import Language
from api.language.files import check_signals, parse_phrasings, parse_signals, parse_vocabulary
from api.language.signals import Recogniser, recogniser_for, remember

log = logging.getLogger(__name__)

VOCABULARY_FILE = "vocabulary.yaml"
SIGNALS_FILE = "safety/signals.yaml"
PHRASINGS_DIR = "safety/phrasings"
CACHE_PREFIX = "language-"
# What the cached value is computed by: a change to any of these makes every cache file stale.
_CODE = ("api/language/*.py", "api/content/language.py", "api/content/yamlfile.py", "api/content/yamlutil.py")
_CODE_MORE = ("api/content/parse.py", "api/content/model.py")
_LIBRARIES = ("PyYAML", "snowballstemmer", "pyspellchecker", "rapidfuzz")

Read = Callable[[str], bytes | None]


def load_language(root: Path, read: Read, label: str, problems: list[Problem], cache_dir: Path | None) -> Language:
    """The vocabulary, the danger signals and the phrasings of the content folder `root` (files read
    through `read`, their problems added to `problems`); the first two are required, since without
    them danger goes unrecognised. `cache_dir`: where parsed language files are kept (None: none)."""
    folder = root / PHRASINGS_DIR
    names = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    phrasings = [(rel, read(rel)) for rel in (f"{PHRASINGS_DIR}/{p.name}" for p in names)]
    vocabulary, signals = read(VOCABULARY_FILE), read(SIGNALS_FILE)
    complete = vocabulary is not None and signals is not None and all(raw is not None for _, raw in phrasings)
    key = cache_key(label, vocabulary or b"", signals or b"", phrasings) if cache_dir and complete else None
    if cache_dir is not None and key is not None:
        hit = read_cached(cache_dir, key)
        if hit is not None:
            language, found, r = hit
            problems.extend(found)
            if r is not None:
                remember(language, r)
            return language
    found = [] if key is not None else problems  # only the parse's own problems are kept
    language = _parse(vocabulary, signals, phrasings, label, found)
    if cache_dir is not None and key is not None:
        problems.extend(found)
        write_cached(cache_dir, key, language, found)
    return language


def _parse(
    vocabulary: bytes | None,
    signals: bytes | None,
    phrasings: list[tuple[str, bytes | None]],
    label: str,
    problems: list[Problem],
) -> Language:
    pairs: list[tuple[str, str]] = []
    for rel, raw in phrasings:
        data, lines = load_yaml_file(raw, f"{label}/{rel}", problems, fast=True)
        if data is not None:
            pairs.extend(parse_phrasings(data, lines, f"{label}/{rel}", problems))
    vocab_file, signals_file = f"{label}/{VOCABULARY_FILE}", f"{label}/{SIGNALS_FILE}"
    data, lines = load_yaml_file(vocabulary, vocab_file, problems)
    vocab = parse_vocabulary(data, lines, vocab_file, problems) if data is not None else Language().vocabulary
    data, lines = load_yaml_file(signals, signals_file, problems)
    if data is None or signals is None:
        return Language(vocab)
    phrasing_bytes = b"".join(rel.encode() + b"\0" + (raw or b"") for rel, raw in phrasings)
    digest = hashlib.sha256(b"\0".join((vocabulary or b"", signals, phrasing_bytes))).hexdigest()[:16]
    found: list[Problem] = []
    parsed = parse_signals(data, lines, signals_file, found)
    if not found:
        found = check_signals(vocab, parsed, signals_file, tuple(pairs))
    problems.extend(found)
    return Language(vocab, parsed, tuple(pairs), digest)


# -- the cache ------------------------------------------------------------------------------------
def cache_key(label: str, vocabulary: bytes, signals: bytes, phrasings: list[tuple[str, bytes | None]]) -> str:
    h = hashlib.sha256(code_version().encode())
    for part in (label.encode(), vocabulary, signals, *(x for rel, raw in phrasings for x in (rel.encode(), raw))):
        h.update(len(part or b"").to_bytes(8, "big") + (part or b""))
    return h.hexdigest()[:32]


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """A digest of the code that turns language files into a Language and a recogniser, of the
    libraries it uses and of the Python that pickles them."""
    root = Path(__file__).resolve().parents[2]
    h = hashlib.sha256(sys.version.encode())
    for pattern in (*_CODE, *_CODE_MORE):
        for path in sorted(root.glob(pattern)):
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    for name in _LIBRARIES:
        try:
            h.update(f"{name}={version(name)}".encode())
        except PackageNotFoundError:
            h.update(f"{name}=-".encode())
    return h.hexdigest()


def read_cached(cache_dir: Path, key: str) -> tuple[Language, list[Problem], Recogniser | None] | None:
    """The cached parse of these files, or None: missing, or not readable as one (then parsed again)."""
    path = cache_dir / f"{CACHE_PREFIX}{key}.pickle"
    try:
        with open(path, "rb") as fh:
            stored, language, found, r = pickle.load(fh)  # our own artifact, written below
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged cache file of any kind is only a miss
        log.warning("ignoring the language cache %s: %s", path.name, type(exc).__name__)
        return None
    if (
        stored != key
        or not isinstance(language, Language)
        or not isinstance(found, list)
        or not all(isinstance(p, Problem) for p in found)
        or not (r is None or isinstance(r, Recogniser))
    ):
        log.warning("ignoring the language cache %s: not a cache of these files", path.name)
        return None
    return language, found, r


def write_cached(cache_dir: Path, key: str, language: Language, found: list[Problem]) -> None:
    """Keep this parse (and its recogniser, when the signals parsed); other cache files are removed.
    A cache that cannot be written is only logged: the next publish parses again."""
    r = recogniser_for(language) if language.digest else None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        data = pickle.dumps((key, language, found, r), protocol=pickle.HIGHEST_PROTOCOL)
        write_atomic(cache_dir / f"{CACHE_PREFIX}{key}.pickle", data)
        for old in cache_dir.glob(f"{CACHE_PREFIX}*.pickle"):
            if old.name != f"{CACHE_PREFIX}{key}.pickle":
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("cannot write the language cache: %s", exc)
