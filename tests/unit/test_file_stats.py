"""A publisher hashes only guide files whose stat does not prove them unchanged (issue 21, one
edit): a changed file is always read again, however it was changed; a damaged cache reads all."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

import api.content.filestat as filestat
from api.content import load_corpus
from api.content.model import Corpus
from tests.api.test_releases import edit
from tests.synthetic import MISSING, QUIET


@pytest.fixture()
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The guide files read (their bytes), in order."""
    out: list[str] = []
    real = Path.read_bytes

    def counted(self: Path) -> bytes:
        if self.parent.name == "guides":
            out.append(self.name)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", counted)
    return out


def _same(a: Corpus, b: Corpus) -> None:
    assert a.version == b.version
    assert a.guides == b.guides


def _loaded(content: Path, cache: Path, reads: list[str]) -> tuple[Corpus, list[str]]:
    reads.clear()
    corpus, problems = load_corpus(content, content.parent / "parse.pickle", cache_dir=cache)
    assert not [p for p in problems if p.severity == "error"], problems
    return corpus, sorted(reads)


def test_unchanged_files_are_not_read_again(syn_content_dir, tmp_path: Path, reads: list[str], monkeypatch) -> None:
    monkeypatch.setattr(filestat, "RACY_SECONDS", 0.0)  # the files were written just now
    content, cache = syn_content_dir(), tmp_path / "cache"
    every = sorted(p.name for p in (content / "guides").glob("*.md"))
    _, first = _loaded(content, cache, reads)
    assert first == every
    _, second = _loaded(content, cache, reads)
    assert second == []
    edit(content, QUIET, 'summary: "', 'summary: "Edited. ')
    corpus, third = _loaded(content, cache, reads)
    assert third == [f"{QUIET}.md"]
    _same(corpus, load_corpus(content)[0])


def test_a_change_that_keeps_size_and_mtime_is_seen(syn_content_dir, tmp_path: Path, reads: list[str], monkeypatch):
    """Same size, the old mtime set back in place: the ctime (and, when replaced, the inode) differ."""
    monkeypatch.setattr(filestat, "RACY_SECONDS", 0.0)
    content, cache = syn_content_dir(), tmp_path / "cache"
    _loaded(content, cache, reads)
    for replace in (False, True):
        path = content / "guides" / f"{MISSING}.md"
        st = os.stat(path)
        text = path.read_text()
        changed = text.replace('summary: "', 'summary: "X', 1).replace("\n\n", "\n", 1)
        assert len(changed.encode()) == len(text.encode()) and changed != text
        if replace:
            other = path.with_suffix(".tmp")
            other.write_text(changed)
            os.replace(other, path)
        else:
            path.write_text(changed)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert os.stat(path).st_mtime_ns == st.st_mtime_ns and os.stat(path).st_size == st.st_size
        corpus, again = _loaded(content, cache, reads)
        assert again == [f"{MISSING}.md"]
        assert corpus.guides[MISSING].summary.startswith("X")
        _same(corpus, load_corpus(content)[0])


def test_files_written_just_before_they_were_hashed_are_read_again(syn_content_dir, tmp_path: Path, reads) -> None:
    """Racy: a file changed within the clock tick of its hash could change again unseen."""
    content, cache = syn_content_dir(), tmp_path / "cache"
    _, first = _loaded(content, cache, reads)
    _, second = _loaded(content, cache, reads)
    assert second == first  # written a moment ago: not trusted yet


def test_old_files_are_trusted_without_a_patch(syn_content_dir, tmp_path: Path, reads) -> None:
    content, cache = syn_content_dir(), tmp_path / "cache"
    old = 1_600_000_000_000_000_000
    for path in (content / "guides").glob("*.md"):
        os.utime(path, ns=(old, old))
    # the ctime is now: entries hashed now are racy; shift their hash time as if hashed later
    _loaded(content, cache, reads)
    [file] = cache.glob("files-*.pickle")
    fmt, known = pickle.loads(file.read_bytes())
    later = {rel: (sig, digest, hashed + 10**10) for rel, (sig, digest, hashed) in known.items()}
    file.write_bytes(pickle.dumps((fmt, later)))
    _, again = _loaded(content, cache, reads)
    assert again == []


@pytest.mark.parametrize("damage", [b"garbage", b"", pickle.dumps((1, {"guides/x.md": "nonsense"})), pickle.dumps(7)])
def test_a_damaged_cache_reads_every_file(syn_content_dir, tmp_path: Path, reads, monkeypatch, damage: bytes) -> None:
    monkeypatch.setattr(filestat, "RACY_SECONDS", 0.0)
    content, cache = syn_content_dir(), tmp_path / "cache"
    corpus, first = _loaded(content, cache, reads)
    [file] = cache.glob("files-*.pickle")
    file.write_bytes(damage)
    again, second = _loaded(content, cache, reads)
    assert second == first
    _same(again, corpus)


def test_a_folder_or_link_in_place_of_a_known_file_is_a_problem(syn_content_dir, tmp_path: Path, reads, monkeypatch):
    monkeypatch.setattr(filestat, "RACY_SECONDS", 0.0)
    content, cache = syn_content_dir(), tmp_path / "cache"
    _loaded(content, cache, reads)
    path = content / "guides" / f"{QUIET}.md"
    target = tmp_path / "elsewhere.md"
    target.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(target)
    _, problems = load_corpus(content, cache_dir=cache)
    assert any(p.file.endswith(f"{QUIET}.md") and "link" in p.reason for p in problems)
