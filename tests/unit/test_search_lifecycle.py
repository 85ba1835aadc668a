"""Index lifecycle: build into a fresh directory, swap atomically, readers reopen, old ones close."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from whoosh import index

from api.content import load_corpus
from search_index import IndexMissing, SearchEngine, build_index, current_index_dir
from search_index.build import KEEP, POINTER
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
    (tmp_path / "nothing-here" / POINTER).write_text("ix-gone\n")
    with pytest.raises(IndexMissing):
        engine.search("contact")


def test_new_build_is_picked_up_without_restart(tmp_path: Path, corpus, content_dir) -> None:
    root = tmp_path / "ix"
    first = build_index(corpus, root)
    engine = SearchEngine(root)
    assert engine.search("quetzalcoatl")["total"] == 0
    with engine.lease() as old:
        changed, problems = load_corpus(content_dir({"guides/zebra-crossings.md": NEW_GUIDE}))
        assert not [p for p in problems if p.severity == "error"]
        second = build_index(changed, root)
        assert current_index_dir(root) == second != first
        # A request in flight keeps its index until it ends.
        assert not old.searcher.ixreader.is_closed
        r = engine.search("quetzalcoatl")
        assert r["hits"][0]["guide"] == "zebra-crossings"
        assert r["index_version"] == changed.version
    assert old.searcher.ixreader.is_closed  # closed once the last request using it ended
    engine.close()


def test_swap_keeps_recent_directories_and_never_duplicates(tmp_path: Path, corpus) -> None:
    root = tmp_path / "ix"
    engine = SearchEngine(root)
    for _ in range(KEEP + 2):
        build_index(corpus, root)
        r = engine.search("contact", page_size=50)
        ids = [(h["type"], h["guide"], h["anchor"], h["script"]) for h in r["hits"]]
        assert len(ids) == len(set(ids))
    assert len([p for p in root.glob("ix-*") if p.is_dir()]) == KEEP
    engine.close()


def test_forked_worker_opens_its_own_searcher(tmp_path: Path, corpus) -> None:
    root = tmp_path / "ix"
    build_index(corpus, root)
    engine = SearchEngine(root)
    with engine.lease() as before:
        pass
    engine._pid = -1  # as if this process were a child forked after the first search
    with engine.lease() as after:
        assert after is not before
    engine.close()


def test_broken_pointer_keeps_serving_the_last_good_index(tmp_path: Path, corpus) -> None:
    root = tmp_path / "ix"
    build_index(corpus, root)
    engine = SearchEngine(root)
    total = engine.search("contact")["total"]
    tmp = root / "p.tmp"
    tmp.write_text("ix-does-not-exist\n")
    os.replace(tmp, root / POINTER)
    assert engine.search("contact ")["total"] == total
    engine.close()


def test_index_is_plain_files_that_workers_share_through_the_page_cache(search_root: Path) -> None:
    """A compound segment file would be read through BytesIO copies of its parts: a private copy of
    the index in every worker (see build.py)."""
    live = current_index_dir(search_root)
    assert live is not None
    ix = index.open_dir(str(live), readonly=True)
    try:
        segments = ix._segments()
        assert segments and not any(s.is_compound() for s in segments)
    finally:
        ix.close()
    assert not list(live.glob("*.seg"))
    assert list(live.glob("*.pst")) and list(live.glob("*.trm"))


def test_an_open_index_keeps_answering_after_its_directory_is_removed(tmp_path: Path, corpus) -> None:
    """Later builds prune old directories while a worker may still hold one open: every file it
    reads must already be open (on Linux an open file outlives its directory entry)."""
    live = build_index(corpus, tmp_path)
    engine = SearchEngine(tmp_path)
    with engine.lease() as oi:
        shutil.rmtree(live)
        for q in ["contact", '"keep a record"', '"keep a record of"', "boundries", "no cont", "what if"]:
            found = engine._search(oi, parse_query(q), (), None, None, 1, 10, True)
            assert found["total"] > 0 and found["hits"], q
    engine.close()
