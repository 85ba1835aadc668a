"""A full build reads each guide for danger words in the worker that parsed it, and the recogniser
tries only the patterns whose required words occur (api/language/gate.py): the warnings are those
of the straightforward check (one process, every pattern tried at every word), in the same order
(issue 21: a faster full build)."""

from __future__ import annotations

from typing import Any

import pytest

import api.content.checks as checks
import api.content.load as load
from api.content import load_corpus
from api.content.checks import check_danger_words
from api.content.model import Problem
from api.language.gate import Gate
from api.language.signals import recogniser_for
from tests.unit.test_validator import GOOD

DANGER = [
    "He grabbed me by the throat.",
    "She said she would kill herself if I left.",
    "He tracks my phone and turns up at my work.",
    "He hit me, and then he choked me until I could not breathe.",
]


def _guide(i: int, slug: str | None = None) -> str:
    """A guide with danger words in no section, the intro, a later section, or several sections (the
    same kind in two blocks of one section, with different words); some marked or reviewed."""
    text = GOOD.replace("slug: test-guide", f"slug: {slug or f'test-guide-{i:02d}'}")
    text = text.replace("id: test-script", f"id: test-script-{i:02d}")
    if i % 4 == 1:
        text = text.replace("Intro that links", f"{DANGER[i % 3]} Intro that links")
    if i % 4 == 2:
        text = text.replace("It is especially useful when:", f"{DANGER[3]}\n\nHe choked me again. {DANGER[2]}")
    if i % 4 == 3:
        text += f"\n## Later\n\nHe kept my bank card.\n\n{DANGER[i % 4]}\n"
    if i % 9 == 0:
        text = text.replace("byline:", "safety_reviewed: true\nbyline:")
    return text


def _everything(self: Gate, tokens: Any) -> list[Any]:
    """The gate let open: every pattern, in the order the recogniser was given them."""
    return [c for _, c, _ in sorted((w for ws in self._waiting.values() for w in ws), key=lambda w: w[0])]


def _serial(corpus: Any, monkeypatch: pytest.MonkeyPatch) -> list[Problem]:
    """The straightforward check: one process, each guide read in full, every pattern tried."""
    with monkeypatch.context() as m:
        m.setattr(Gate, "possible", _everything)
        return check_danger_words(corpus.guides.values(), corpus.language, workers=1)


@pytest.fixture
def corpus_files() -> dict[str, str]:
    files = {f"guides/test-guide-{i:02d}.md": _guide(i) for i in range(80)}
    # Duplicate slugs: a file naming another's slug is refused (its slug must be its file name), so
    # neither twin is read for danger words; the guides whose slugs they took are.
    files["guides/aa-twin.md"] = _guide(5, "test-guide-06")
    files["guides/zz-twin.md"] = _guide(2, "test-guide-01")
    return files


def test_the_parse_workers_warn_as_the_serial_check_does(content_dir, corpus_files, monkeypatch) -> None:
    pools: list[str] = []
    for module in (load, checks):
        real = module.ProcessPoolExecutor

        def counting(*args: Any, _real: Any = real, _name: str = module.__name__, **kwargs: Any) -> Any:
            pools.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, "ProcessPoolExecutor", counting)
    corpus, problems = load_corpus(content_dir(corpus_files), workers=2)
    assert pools == ["api.content.load"]  # the guides were read in the parse workers: no second pool
    found = [p for p in problems if p.field == "safety_sensitive" and p.severity == "warning"]
    expected = _serial(corpus, monkeypatch)
    assert found == expected  # file, line, field, reason, severity, and the order
    # The corpus is what the test says it is: warnings in first and later sections, a section naming
    # two kinds, reviewed and marked guides skipped, and each twin warned about only when it won.
    synthetic = [p for p in found if "/guides/test-guide-" in p.file or "twin" in p.file]
    assert len({p.line for p in synthetic}) >= 3
    assert any("; " in p.reason for p in synthetic)
    assert not any(p.file.endswith(("test-guide-09.md", "test-guide-18.md", "test-guide-27.md")) for p in found)
    twins = [p for p in problems if "twin" in p.file]
    assert {p.field for p in twins} == {"slug"} and all(p.severity == "error" for p in twins)
    assert any(p.file.endswith("test-guide-06.md") for p in found)
    assert any(p.file.endswith("test-guide-01.md") for p in found)
    real = [g for g in corpus.guides.values() if g.safety_sensitive]
    assert real and not any(p.file == g.path for g in real for p in found)


def test_one_process_gives_every_problem_of_two(content_dir, corpus_files) -> None:
    """Every problem, not only the warnings, in the same order; the language files' problems stay in
    their place (after the collections' and the redirects'), although they are read first now."""
    corpus_files["collections.yaml"] = "- slug: breakup-recovery\n  title: Breakup recovery\n"
    corpus_files["redirects.yaml"] = "renamed: [x\n"
    root = content_dir(corpus_files)
    vocabulary = (root / "vocabulary.yaml").read_text()
    (root / "vocabulary.yaml").write_text(vocabulary.replace("  bf: boyfriend\n", "  bf: boyfriend\n  bf: bf\n", 1))
    _, one = load_corpus(root, workers=1)
    _, two = load_corpus(root, workers=2)
    assert [str(p) for p in two] == [str(p) for p in one]
    files = [p.file.split("/", 1)[1] for p in one]
    where = [files.index(name) for name in ("guides/aa-twin.md", "collections.yaml", "redirects.yaml")]
    assert where == sorted(where) and files.index("vocabulary.yaml") > where[-1]
    assert any(p.field == "safety_sensitive" for p in one)


def test_the_gate_changes_no_answer(content_dir, corpus_files, monkeypatch) -> None:
    """recognise(), with and without classifying, on every block of the real guides and the
    synthetic ones and on every judged text: the same kinds at the same places, with the gate shut
    or open."""
    import yaml

    from api.config import ROOT

    corpus, _ = load_corpus(content_dir(corpus_files))
    texts = [g.without_conditions(b.text) for g in corpus.guides.values() for s in g.sections for b in s.blocks]
    for path in sorted((ROOT / "tests" / "data" / "danger").glob("*.yaml")):
        texts.extend(_strings(yaml.safe_load(path.read_text())))
    r = recogniser_for(corpus.language)
    gated = [(r.recognise(t, classify=False), r.recognise(t)) for t in texts]
    monkeypatch.setattr(Gate, "possible", _everything)
    assert gated == [(r.recognise(t, classify=False), r.recognise(t)) for t in texts]
    assert sum(1 for a, _ in gated if a) > 100 and len(texts) > 1000


def _strings(data: Any) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for v in data.values() for s in _strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in _strings(v)]
    return []
