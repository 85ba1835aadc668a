"""The parsed language files and their danger recogniser are kept between publishes (issue 21, one
edit): built once per digest of the files and of the code, never stale, a damaged cache ignored."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import api.content.language as language_mod
import api.language.signals as signals
from api.content import load_corpus
from api.content.language import CACHE_PREFIX
from api.language.data import Language, Vocabulary
from api.language.normalise import Normaliser
from api.releases import ReleaseStore, publish
from api.releases.publish import CACHE_DIR
from tests.api.test_releases import edit
from tests.synthetic import QUIET

NOT_RECOGNISED = "the weather is lovely today"  # an example the validator cannot match: an error


@pytest.fixture()
def builds(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts recognisers built; every load starts as a new process would (nothing in memory)."""
    count: list[int] = []
    real = signals.Recogniser.__init__

    def counted(self: Any, *args: Any, **kwargs: Any) -> None:
        count.append(1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(signals.Recogniser, "__init__", counted)
    yield count
    _forget()


def _forget() -> None:
    signals.recogniser.cache_clear()
    signals._BY_DIGEST.clear()


def _load(content: Path, cache: Path | None) -> tuple[Language, list[str]]:
    _forget()
    corpus, problems = load_corpus(content, cache_dir=cache)
    return corpus.language, [str(p) for p in problems]


def _same(a: Language, b: Language) -> None:
    assert a == b and a.digest == b.digest


def test_a_second_publish_does_not_rebuild_the_recogniser(syn_content_dir, tmp_path: Path, builds: list[int]) -> None:
    content, store = syn_content_dir(), ReleaseStore(tmp_path / "store")
    _forget()
    publish(content, store)
    assert len(builds) == 1
    assert len(list((store.root / CACHE_DIR).glob(f"{CACHE_PREFIX}*.pickle"))) == 1
    edit(content, QUIET, 'summary: "', 'summary: "Edited. ')
    _forget()
    manifest, made = publish(content, store)
    assert made and QUIET in manifest.changed
    assert len(builds) == 1  # taken from the cache
    served = store.open(store.current_id() or "").corpus.language
    fresh, _ = _load(content, None)
    _same(served, fresh)
    # the recogniser taken from the cache answers as a new one
    cached = signals.recogniser_for(served)
    _forget()
    built = signals.recogniser_for(fresh)
    for text in ("he choked me last night", "he hit me up last night", "i want to hurt myself", "see you soon"):
        assert cached.recognise(text) == built.recognise(text)


@pytest.mark.parametrize("rel", ["vocabulary.yaml", "safety/signals.yaml", "safety/phrasings/dev.yaml"])
def test_a_changed_language_file_rebuilds(syn_content_dir, tmp_path: Path, builds: list[int], rel: str) -> None:
    content, cache = syn_content_dir(), tmp_path / "cache"
    first, _ = _load(content, cache)
    assert len(builds) == 1
    _load(content, cache)
    assert len(builds) == 1
    with open(content / rel, "a", encoding="utf-8") as fh:
        fh.write("\n# edited by the safety editor\n")
    second, _ = _load(content, cache)
    assert len(builds) == 2
    assert second.digest != first.digest
    _same(second, _load(content, None)[0])
    assert len(list(cache.glob(f"{CACHE_PREFIX}*.pickle"))) == 1  # the stale one is gone


def test_a_changed_word_is_seen(syn_content_dir, tmp_path: Path, builds: list[int]) -> None:
    content, cache = syn_content_dir(), tmp_path / "cache"
    before, _ = _load(content, cache)
    path = content / "vocabulary.yaml"
    path.write_text(path.read_text().replace("\nwords:\n", "\nwords:\n  - zorbling\n", 1))
    after, _ = _load(content, cache)
    assert "zorbling" in after.vocabulary.words and "zorbling" not in before.vocabulary.words
    assert len(builds) == 2


def test_problems_come_with_a_cached_parse(syn_content_dir, tmp_path: Path, builds: list[int]) -> None:
    content, cache = syn_content_dir(), tmp_path / "cache"
    path = content / "safety" / "signals.yaml"
    text = path.read_text()
    assert "    examples:\n" in text
    path.write_text(text.replace("    examples:\n", f"    examples:\n      - {NOT_RECOGNISED}\n", 1))
    _, uncached = _load(content, None)
    _, first = _load(content, cache)
    _, second = _load(content, cache)
    assert any(NOT_RECOGNISED in p for p in uncached)
    assert first == second == uncached
    assert len(builds) == 2  # without a cache, then once for the cache; the third load read it


@pytest.mark.parametrize(
    "damage",
    [
        b"not a pickle at all",
        b"",
        "truncated",
        pickle.dumps(("another key", "not a language", [], None)),
        pickle.dumps({"a": 1}),
    ],
)
def test_a_damaged_cache_is_ignored(syn_content_dir, tmp_path: Path, builds: list[int], damage: Any) -> None:
    content, cache = syn_content_dir(), tmp_path / "cache"
    good, problems = _load(content, cache)
    [file] = cache.glob(f"{CACHE_PREFIX}*.pickle")
    file.write_bytes(file.read_bytes()[:1000] if damage == "truncated" else damage)
    again, again_problems = _load(content, cache)
    assert len(builds) == 2
    _same(again, good)
    assert again_problems == problems
    _load(content, cache)  # written anew: read back
    assert len(builds) == 2


def test_a_code_change_rebuilds(syn_content_dir, tmp_path: Path, builds: list[int], monkeypatch) -> None:
    content, cache = syn_content_dir(), tmp_path / "cache"
    _load(content, cache)
    monkeypatch.setattr(language_mod, "code_version", lambda: "another version of the reader")
    _load(content, cache)
    assert len(builds) == 2


def test_the_code_version_covers_the_recogniser() -> None:
    root = Path(language_mod.__file__).resolve().parents[2]
    covered = {p.resolve() for pattern in (*language_mod._CODE, *language_mod._CODE_MORE) for p in root.glob(pattern)}
    for module in ("signals", "normalise", "classifier", "files", "data", "thesaurus"):
        assert (root / "api" / "language" / f"{module}.py").resolve() in covered


def test_a_pickled_normaliser_keeps_no_typed_words() -> None:
    n = Normaliser(Vocabulary(), ["choke"])
    typed = "zqxtypedword and chokd"
    assert [t.norm for t in n.tokens(typed)][-1] == "choke"
    assert "zqxtypedword" in n._cache
    data = pickle.dumps(n)
    assert b"zqxtypedword" not in data and b"chokd" not in data
    back = pickle.loads(data)
    assert back._cache == {} and [t.norm for t in back.tokens(typed)] == [t.norm for t in n.tokens(typed)]


def test_a_publish_freezes_the_loaded_corpus_while_it_commits(syn_content_dir, tmp_path: Path, monkeypatch) -> None:
    """The corpus is out of the collector's scans while the releases are written, and back after."""
    import gc

    frozen: list[int] = []
    real = ReleaseStore.commit

    def commit(self: ReleaseStore, *args: Any, **kwargs: Any) -> Any:
        frozen.append(gc.get_freeze_count())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ReleaseStore, "commit", commit)
    before = gc.get_freeze_count()
    publish(syn_content_dir(), ReleaseStore(tmp_path / "store"))
    assert len(frozen) == 2 and all(n > before for n in frozen)
    assert gc.get_freeze_count() == before
