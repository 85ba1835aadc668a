"""Index lifecycle: written once into a directory of its own, opened per process, closed when unused.

Which index is live is the release store's business (tests/api/test_releases.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from whoosh import index

from api.content import load_corpus
from search_index import IndexMissing, SearchEngine, build_index
from search_index.build import META
from search_index.query import parse_query

NEW_GUIDE = """---
slug: zebra-crossings
title: Zebra Crossings and Other Boundaries
summary: A test guide with an unusual word, quetzalcoatl.
collection: boundaries
tags: [boundaries]
updated: 2026-05-01
byline: Test.
---

Intro about quetzalcoatl.

## When it helps

It is especially useful when:

::: signals
- You need a test.
:::

```script
id: zebra-write-it
situation: When you want to send
response: I am writing this down instead.
send: false
```
"""


def test_missing_index_is_an_error_not_a_crash(tmp_path: Path) -> None:
    engine = SearchEngine(tmp_path / "nothing-here")
    with pytest.raises(IndexMissing):
        engine.search("contact")
    (tmp_path / "nothing-here").mkdir()
    (tmp_path / "nothing-here" / META).write_text("{not json")
    with pytest.raises(IndexMissing):
        engine.search("contact")


def test_an_index_is_written_once_into_a_new_directory(tmp_path: Path, corpus, content_dir) -> None:
    first = build_index(corpus, tmp_path / "ix")
    with pytest.raises(FileExistsError):
        build_index(corpus, first)
    changed, problems = load_corpus(content_dir({"guides/zebra-crossings.md": NEW_GUIDE}))
    assert not [p for p in problems if p.severity == "error"]
    second = build_index(changed, tmp_path / "ix2")
    assert SearchEngine(first).search("quetzalcoatl")["total"] == 0
    r = SearchEngine(second).search("quetzalcoatl")
    assert r["hits"][0]["guide"] == "zebra-crossings" and r["index_version"] == changed.version
    assert not list(tmp_path.glob("*.building"))


def test_a_closed_engine_keeps_its_index_open_for_the_request_holding_it(tmp_path: Path, corpus) -> None:
    engine = SearchEngine(build_index(corpus, tmp_path / "ix"))
    with engine.lease() as held:
        engine.close()  # the release was swapped out while a request still used it
        assert not held.searcher.ixreader.is_closed
        assert engine._search(held, parse_query("contact"), (), None, None, 1, 10, True)["total"] > 0
    assert held.searcher.ixreader.is_closed  # closed once the last request using it ended


def test_forked_worker_opens_its_own_searcher(tmp_path: Path, corpus) -> None:
    root = tmp_path / "ix"
    engine = SearchEngine(build_index(corpus, root))
    with engine.lease() as before:
        pass
    engine._pid = -1  # as if this process were a child forked after the first search
    with engine.lease() as after:
        assert after is not before
    engine.close()


def test_index_is_plain_files_that_workers_share_through_the_page_cache(search_root: Path) -> None:
    """A compound segment file would be read through BytesIO copies of its parts: a private copy of
    the index in every worker (see build.py)."""
    live = search_root
    ix = index.open_dir(str(live), readonly=True)
    try:
        segments = ix._segments()
        assert segments and not any(s.is_compound() for s in segments)
    finally:
        ix.close()
    assert not list(live.glob("*.seg"))
    assert list(live.glob("*.pst")) and list(live.glob("*.trm"))


def test_an_open_index_keeps_answering_after_its_directory_is_removed(tmp_path: Path, corpus) -> None:
    """Publishes prune old release bundles while a worker may still hold one open: every file it
    reads must already be open (on Linux an open file outlives its directory entry)."""
    live = build_index(corpus, tmp_path / "ix")
    engine = SearchEngine(live)
    with engine.lease() as oi:
        shutil.rmtree(live)
        for q in ["contact", '"keep a record"', '"keep a record of"', "boundries", "no cont", "what if"]:
            found = engine._search(oi, parse_query(q), (), None, None, 1, 10, True)
            assert found["total"] > 0 and found["hits"], q
    engine.close()
