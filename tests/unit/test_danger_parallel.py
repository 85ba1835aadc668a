"""The danger-word check of a full build reads the guides in two processes: the same warnings, in
the same order, as one process gives (issue 21: a faster full build)."""

from __future__ import annotations

from typing import Any

import api.content.checks as checks
from api.content import load_corpus
from api.content.checks import check_danger_words
from tests.unit.test_validator import GOOD


def test_two_processes_give_the_warnings_of_one(content_dir, monkeypatch) -> None:
    files = {}
    for i in range(80):
        text = GOOD.replace("slug: test-guide", f"slug: test-guide-{i:02d}")
        text = text.replace("id: test-script", f"id: test-script-{i:02d}")
        if i % 3 == 0:
            text = text.replace("Intro that links", "He grabbed me by the throat. Intro that links")
        files[f"guides/test-guide-{i:02d}.md"] = text
    corpus, _ = load_corpus(content_dir(files))
    guides = list(corpus.guides.values())
    pools: list[int] = []
    real = checks.ProcessPoolExecutor

    def counting(*args: Any, **kwargs: Any) -> Any:
        pools.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(checks, "ProcessPoolExecutor", counting)
    one = check_danger_words(guides, corpus.language, workers=1)
    assert pools == []
    two = check_danger_words(guides, corpus.language, workers=2)
    assert pools == [1]
    assert [str(p) for p in two] == [str(p) for p in one]
    assert sum(1 for p in one if "test-guide-" in p.file) == 27
    # Warnings known from the previous release are taken as they are, in their guide's place.
    kept = {g.slug: [] for g in guides if g.slug.endswith("3")}

    def known(g: Any) -> Any:
        return kept.get(g.slug)

    with_known = check_danger_words(guides, corpus.language, known, workers=2)
    assert [str(p) for p in with_known] == [str(p) for p in one if not p.file.endswith("3.md")]
    assert len(with_known) < len(one)
