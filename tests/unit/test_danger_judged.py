"""Danger recognition on the judged sets (content/safety/phrasings/ to tune on, tests/data/danger/heldout.yaml
and heldout2.yaml held out; judged by bench/judging.py).

Targets (issue "Danger recognised in the words people really use"):
- recall per kind on the whole set, held-out part included: at least 90% for every kind;
- false alarms on the look-alikes: at most 15%;
- false alarms on the ordinary queries and situations of the search and pattern-check judged sets:
  at most 2%. Ordinary means the guide they expect is outside the collection "When love feels
  unsafe" (safety-and-control), whose queries are about danger and should get the notice.
The held-out parts were written blind and are never tuned on; their recall is what we report
(bench/results/danger.md). The floors below guard against a change that loses what they had.
"""

from __future__ import annotations

import pytest

from api.language.signals import KINDS, recogniser_for
from bench import judging

SAFETY_COLLECTION = "safety-and-control"
# Measured when each floor was set (the target is 95% recall): heldout 94/100; heldout2 115/120.
HELDOUT_RECALL_FLOOR = {"heldout": 0.90, "heldout2": 0.93}
# heldout2's look-alikes: 10/60 alarmed (16.7%) when it was first scored and still when this was set,
# above the 15% target; this guards against more, the whole set's figure asserts the target.
HELDOUT2_ALARMS_CEILING = 10 / 60


@pytest.fixture(scope="module")
def recognise(corpus):
    r = recogniser_for(corpus.language)
    return lambda text: [f.kind for f in r.recognise(text)]


@pytest.fixture(scope="module")
def figures(recognise) -> dict[str, judging.Figures]:
    return {name: judging.score(recognise, judging.load(name)) for name in judging.names()}


def test_the_sets_are_big_enough_and_cover_every_kind() -> None:
    sets = [judging.load(n) for n in judging.names()]
    assert judging.names()[-len(judging.HELDOUT_SETS) :] == list(judging.HELDOUT_SETS)
    tuning = [s for s in sets if not judging.is_heldout(s.name)]
    assert sum(len(s.danger) for s in tuning) >= 250 and sum(len(s.lookalike) for s in tuning) >= 150
    for heldout in (s for s in sets if judging.is_heldout(s.name)):
        assert len(heldout.danger) >= 100 and len(heldout.lookalike) >= 50, heldout.name
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
    assert figures["heldout2"].false_alarms.value <= HELDOUT2_ALARMS_CEILING, str(figures["heldout2"].false_alarms)


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
    for name, floor in HELDOUT_RECALL_FLOOR.items():
        assert figures[name].recall.value >= floor, (name, str(figures[name].recall))


def test_tuning_sets_are_recognised(figures) -> None:
    for name, fig in figures.items():
        if not judging.is_heldout(name) and fig.recall.n:
            assert fig.recall.value >= 0.95, (name, str(fig.recall))
