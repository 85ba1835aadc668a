"""The sync change journal: events between versions, idempotent, concurrent, restart-proof."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing

from api.content import Corpus, load_corpus
from api.content.journal import Entry, Journal, fingerprint, manifest, record
from tests.conftest import CONTENT


def lines(path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def changed(corpus: Corpus, *, drop=(), edit=(), renamed=None, retired=None, title=None) -> Corpus:
    """A new version of the corpus: guides dropped, edited (new digest), redirects replaced."""
    guides = {s: g for s, g in corpus.guides.items() if s not in drop}
    for s in edit:
        guides[s] = dataclasses.replace(guides[s], digest="edited-" + guides[s].digest)
    if title:
        slug, text = title
        guides[slug] = dataclasses.replace(guides[slug], title=text)
    return dataclasses.replace(
        corpus,
        guides=guides,
        renamed=corpus.renamed if renamed is None else renamed,
        retired=corpus.retired if retired is None else retired,
        version=corpus.version + "-" + "-".join((*drop, *edit, *(title or ()))),
    )


def test_first_record_writes_header_every_guide_and_a_checkpoint(corpus, tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    n = record(path, corpus)
    entries = lines(path)
    assert n == len(entries) == len(corpus.guides) + 2
    assert entries[0]["type"] == "journal" and entries[0]["id"] and entries[0]["key"]
    assert [e["seq"] for e in entries] == list(range(len(entries)))
    assert {e["slug"] for e in entries if e["type"] == "upsert"} == set(corpus.guides)
    assert entries[-1] == {**entries[-1], "type": "version", "version": corpus.version}


def test_recording_the_same_version_again_writes_nothing(corpus, tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    record(path, corpus)
    before = path.read_bytes()
    assert record(path, corpus) == 0
    assert path.read_bytes() == before


def test_upsert_delete_rename_retire_events(corpus, tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    record(path, corpus)
    head = lines(path)[-1]["seq"]
    after = changed(
        corpus,
        drop=("anxious-texting", "closure-without-them", "leaving-safely"),
        edit=("no-contact-rule",),
        renamed={**corpus.renamed, "anxious-texting": "hot-and-cold-relationships"},
        retired={**corpus.retired, "closure-without-them": "Merged elsewhere."},
    )
    record(path, after)
    new = [e for e in lines(path) if e["seq"] > head]
    assert [e["seq"] for e in new] == list(range(head + 1, head + 1 + len(new)))
    events = {e["slug"]: e for e in new if e["type"] != "version"}
    assert events["anxious-texting"]["type"] == "rename"
    assert events["anxious-texting"]["to"] == "hot-and-cold-relationships"
    assert events["closure-without-them"]["type"] == "delete"
    assert events["closure-without-them"]["reason"] == "Merged elsewhere."
    assert events["leaving-safely"] == {**events["leaving-safely"], "type": "delete", "reason": None}
    assert events["no-contact-rule"]["type"] == "upsert"
    # guides linking to a guide that went away changed too (their JSON loses the link)
    linking = {
        s
        for s, g in corpus.guides.items()
        if any(x.target in ("anxious-texting", "closure-without-them", "leaving-safely") for x in g.links)
    } - {"anxious-texting", "closure-without-them", "leaving-safely"}
    assert {s for s, e in events.items() if e["type"] == "upsert"} == linking | {"no-contact-rule"}
    assert new[-1]["type"] == "version" and new[-1]["version"] == after.version


def test_a_linked_guides_new_title_changes_the_fingerprint(corpus) -> None:
    linker = next(g for g in corpus.guides.values() if any(x.target == "no-contact-rule" for x in g.links))
    after = changed(corpus, title=("no-contact-rule", "A new title"))
    assert fingerprint(linker, corpus) != fingerprint(after.guides[linker.slug], after)
    unrelated = next(
        g
        for g in corpus.guides.values()
        if all(x.target != "no-contact-rule" for x in g.links) and g.slug != "no-contact-rule"
    )
    assert fingerprint(unrelated, corpus) == fingerprint(after.guides[unrelated.slug], after)


def test_a_new_served_format_resends_every_guide_at_a_new_checkpoint(corpus, tmp_path, monkeypatch) -> None:
    """Same files, new JSON (scripts' text with their condition): apps get every guide once more."""
    import api.content.journal
    import api.content.load

    path = tmp_path / "j.jsonl"
    with monkeypatch.context() as m:  # the same files, as the previous format loaded and recorded them
        for module in (api.content.load, api.content.journal):
            m.setattr(module, "SERVED_FORMAT", module.SERVED_FORMAT - 1)
        before = load_corpus(CONTENT)[0]
        record(path, before)
    assert before.version != corpus.version  # the format is part of the content version
    head = lines(path)[-1]["seq"]
    record(path, corpus)
    new = lines(path)[head + 1 :]
    assert {e["slug"] for e in new if e["type"] == "upsert"} == set(corpus.guides)
    journal = Journal(path)
    journal.refresh()
    assert journal.checkpoint(corpus.version) == new[-1]["seq"]
    assert journal.touched(journal.checkpoint(before.version), journal.checkpoint(corpus.version)) == set(corpus.guides)


def test_reader_knows_the_state_at_every_seq(corpus, tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    record(path, corpus)
    journal = Journal(path)
    journal.refresh()
    first = journal.checkpoint(corpus.version)
    assert first == journal.head
    after = changed(corpus, drop=("leaving-safely",), edit=("no-contact-rule",))
    record(path, after)
    journal.refresh()  # reads only what was appended
    second = journal.checkpoint(after.version)
    assert second == journal.head > first
    assert journal.state("leaving-safely", first) == manifest(corpus)["leaving-safely"]
    assert journal.state("leaving-safely", second) is None
    assert journal.state("no-contact-rule", second) == manifest(after)["no-contact-rule"]
    assert journal.state("not-a-guide", second) is None
    assert {"leaving-safely", "no-contact-rule"} <= journal.touched(first, second)
    assert journal.touched(second, second) == set()
    # back to the first version: a new checkpoint, the version keeps its first seq (stable tokens)
    record(path, corpus)
    journal.refresh()
    assert journal.checkpoint(corpus.version) == first
    assert journal.state("leaving-safely", journal.head) == manifest(corpus)["leaving-safely"]
    # a restart: a new reader sees the same thing
    again = Journal(path)
    again.refresh()
    assert (again.id, again.head, again.checkpoint(after.version)) == (journal.id, journal.head, second)


def test_a_new_journal_file_is_noticed(corpus, tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    record(path, corpus)
    journal = Journal(path)
    journal.refresh()
    old_id = journal.id
    path.unlink()
    journal.refresh()
    assert journal.id is None and journal.checkpoint(corpus.version) is None
    record(path, corpus)
    journal.refresh()
    assert journal.id not in (None, old_id) and journal.checkpoint(corpus.version)


def test_a_line_cut_short_by_a_crash_is_dropped(corpus, tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    record(path, corpus)
    good = path.read_bytes()
    with open(path, "ab") as fh:
        fh.write(b'{"seq": 999, "type": "ups')
    journal = Journal(path)
    journal.refresh()  # the reader ignores a partial line
    assert journal.checkpoint(corpus.version)
    assert record(path, corpus) == 0
    assert path.read_bytes() == good


def _record_in_child(args) -> int:
    path, corpus = args
    return record(path, corpus)


def test_workers_recording_at_once_write_one_batch(corpus, tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    record(path, corpus)
    after = changed(corpus, edit=("no-contact-rule", "leaving-safely"))
    with multiprocessing.get_context("fork").Pool(6) as pool:
        written = pool.map(_record_in_child, [(path, after)] * 12)
    assert sorted(written)[-1] > 0 and sorted(written)[:-1] == [0] * 11
    entries = lines(path)
    assert [e["seq"] for e in entries] == list(range(len(entries)))
    assert [e["version"] for e in entries if e["type"] == "version"] == [corpus.version, after.version]


def test_entry_is_digest_and_collection(corpus) -> None:
    m = manifest(corpus)
    g = corpus.guides["no-contact-rule"]
    assert m["no-contact-rule"] == Entry(fingerprint(g, corpus), g.collection)
