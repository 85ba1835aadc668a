"""The situation's vector for the pattern check (api/patterns/meaning.py `situation_vector`): the
mean of its sentences' vectors, read in order within one token budget (Encoder.encode_within)."""

from __future__ import annotations

import numpy as np

from api.patterns.meaning import SITUATION_TOKENS, situation_vector
from api.semantic import DIM, encoder

SHORT = "He hasn't replied all day."
OTHER = "I keep checking my phone."


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def test_each_sentence_weighs_the_same() -> None:
    """Two sentences: the normalised mean of each one's own vector, not one vector of the whole."""
    alone = encoder().encode([SHORT, OTHER])
    got = situation_vector(f"{SHORT} {OTHER}")
    assert got.shape == (DIM,) and abs(float(np.linalg.norm(got)) - 1.0) < 1e-5
    assert float(got @ _unit(alone.mean(0))) > 0.99999
    whole = encoder().encode([f"{SHORT} {OTHER}"])[0]
    assert float(got @ whole) < 0.999  # it is not the whole text's vector


def test_one_sentence_is_its_own_vector() -> None:
    assert float(situation_vector(SHORT) @ encoder().encode([SHORT])[0]) > 0.99999
    assert float(situation_vector("  \n" + SHORT + "\n\n") @ encoder().encode([SHORT])[0]) > 0.99999


def test_sentences_past_the_budget_are_not_read() -> None:
    """Within the budget the text is read as encode(max_tokens) would read it; beyond, nothing."""
    long = " ".join(["We talked every single day for months and then it all stopped without a word"] * 6) + "."
    assert len(encoder().tokenizer.encode(long).ids) > SITUATION_TOKENS
    first = situation_vector(long)
    assert float(first @ encoder().encode([long], max_tokens=SITUATION_TOKENS)[0]) > 0.99999
    assert float(situation_vector(long + " Then he texted me. It was about the dog.") @ first) > 0.99999


def test_the_sentence_crossing_the_budget_is_cut_there() -> None:
    """The budget counts every token read, each piece's [CLS] and [SEP] too: the work stays that of
    one text of `budget` tokens however many sentences there are."""
    first = len(encoder().tokenizer.encode(SHORT).ids)  # with [CLS] and [SEP]
    pieces = [SHORT, OTHER + " " + "and again " * 40, "Never read."]
    got = encoder().encode_within(pieces, first + 2 + 3)
    assert got.shape == (2, DIM)
    assert float(got[0] @ encoder().encode([SHORT])[0]) > 0.99999
    assert float(got[1] @ encoder().encode([pieces[1]], max_tokens=2 + 3)[0]) > 0.99999
    assert encoder().encode_within(pieces, first).shape == (1, DIM)
    assert encoder().encode_within([], 10).shape == (0, DIM)


def test_many_short_sentences_cost_no_more_tokens_than_one_text(monkeypatch) -> None:
    enc = encoder()
    widths: list[int] = []
    packed = enc._forward_packed
    monkeypatch.setattr(enc, "_forward_packed", lambda pieces: widths.append(sum(map(len, pieces))) or packed(pieces))
    situation_vector(" ".join(["Why."] * 800))
    assert len(widths) == 1 and widths[0] <= SITUATION_TOKENS  # one pass, of the budget's tokens at most


def test_sentences_read_in_one_pass_get_the_vectors_they_get_alone() -> None:
    """One row, each sentence attending only to itself with its own positions: the same vectors as
    encoding each sentence on its own (unlike lengths, so padding would show)."""
    pieces = [SHORT, "Why.", OTHER + " And again, and again, every single evening without fail."]
    together = encoder().encode_within(pieces, 200)
    alone = encoder().encode(pieces)
    assert together.shape == (3, DIM)
    assert float(np.min((together * alone).sum(1))) > 0.99999


def test_the_pattern_check_reads_by_sentence_search_by_whole_text(monkeypatch) -> None:
    """with_meaning reads the situation by sentence for the pattern check only (search's fallback was
    tuned with one vector of the whole text and keeps it)."""
    from api.patterns import meaning

    calls: list[str] = []
    monkeypatch.setattr(
        meaning, "situation_vector", lambda text, *limit: calls.append(text) or situation_vector(text, *limit)
    )
    vectors = meaning.VectorTable({"a": np.eye(1, DIM, 0)[0], "b": np.eye(1, DIM, 1)[0]}).of(["a", "b"])
    meaning.with_meaning(vectors, f"{SHORT} {OTHER}", {0: 1.0, 1: 0.5})
    assert calls == []
    meaning.with_meaning(vectors, f"{SHORT} {OTHER}", {0: 1.0, 1: 0.5}, by_sentence=True)
    assert calls == [f"{SHORT} {OTHER}"]
