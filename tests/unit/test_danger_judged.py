"""Danger recognition on the judged sets (content/safety/phrasings/ to tune on, tests/data/danger/heldout.yaml
held out; judged by bench/judging.py).

Targets (issue "Danger recognised in the words people really use"):
- recall per kind on the whole set, held-out part included: at least 90% for every kind;
- false alarms on the look-alikes: at most 15%;
- false alarms on the ordinary queries and situations of the search and pattern-check judged sets:
  at most 2%. Ordinary means the guide they expect is outside the collection "When love feels
  unsafe" (safety-and-control), whose queries are about danger and should get the notice.
The held-out part was written blind and is never tuned on; its recall is what we report
(bench/results/danger.md). Its floor below guards against a change that loses what it had.
"""

from __future__ import annotations

import pytest

from api.language.signals import KINDS, recogniser_for
from bench import judging

SAFETY_COLLECTION = "safety-and-control"
HELDOUT_RECALL_FLOOR = 0.90  # measured 93/100 when this floor was set; the target is 95%


@pytest.fixture(scope="module")
def recognise(corpus):
    r = recogniser_for(corpus.language)
    return lambda text: [f.kind for f in r.recognise(text)]


@pytest.fixture(scope="module")
def figures(recognise) -> dict[str, judging.Figures]:
    return {name: judging.score(recognise, judging.load(name)) for name in judging.names()}


def test_the_sets_are_big_enough_and_cover_every_kind() -> None:
    sets = [judging.load(n) for n in judging.names()]
    assert judging.names()[-1] == judging.HELDOUT
    tuning = [s for s in sets if s.name != judging.HELDOUT]
    heldout = sets[-1]
    assert sum(len(s.danger) for s in tuning) >= 250 and sum(len(s.lookalike) for s in tuning) >= 150
    assert len(heldout.danger) >= 100 and len(heldout.lookalike) >= 50
    for s in sets:
        assert not s.danger or {kind for _, kind, _ in s.danger} == set(KINDS), s.name
        assert all(set(also) <= set(KINDS) for _, _, also in s.danger), s.name


def test_recall_per_kind_on_the_whole_set(figures) -> None:
    whole = judging.Figures()
    for fig in figures.values():
        whole.add(fig)
    low = {kind: str(rate) for kind, rate in whole.per_kind.items() if rate.value < 0.90}
    assert not low, low


def test_false_alarms_on_look_alikes(figures) -> None:
    whole = judging.Figures()
    for fig in figures.values():
        whole.add(fig)
    assert whole.false_alarms.value <= 0.15, str(whole.false_alarms)
    assert figures[judging.HELDOUT].false_alarms.value <= 0.15


def test_false_alarms_on_ordinary_queries_and_situations(recognise, corpus) -> None:
    from test_analyzer import JUDGED as SITUATIONS
    from test_search_judged import JUDGED as QUERIES

    def ordinary(target: str) -> bool:
        return corpus.guides[target.partition("#")[0]].collection != SAFETY_COLLECTION

    texts = [q for q, t in QUERIES if ordinary(t)] + [s for s, t, danger in SITUATIONS if ordinary(t) and not danger]
    assert len(texts) >= 60
    rate, raised = judging.alarms_on(recognise, texts)
    assert rate.value <= 0.02, raised


def test_held_out_recall_keeps_its_floor(figures) -> None:
    heldout = figures[judging.HELDOUT]
    assert heldout.recall.value >= HELDOUT_RECALL_FLOOR, str(heldout.recall)


def test_tuning_sets_are_recognised(figures) -> None:
    for name, fig in figures.items():
        if name != judging.HELDOUT and fig.recall.n:
            assert fig.recall.value >= 0.95, (name, str(fig.recall))
