"""The related-pattern graph on the real corpus, and on small corpora built for one property."""

from __future__ import annotations

import pytest

from api.content import Corpus, load_corpus
from api.patterns.graph import build_graph

SEED = "no-contact-rule"


@pytest.fixture(scope="module")
def graph(corpus: Corpus):
    return build_graph(corpus)


def test_seed_guide_has_its_two_read_next_edges_with_conditions(graph) -> None:
    read_next = [e for e in graph.next_reads(SEED) if e.type == "read_next"]
    assert [(e.target, e.condition) for e in read_next] == [
        ("guide:why-do-i-miss-my-ex", "if nostalgia is editing out the pattern"),
        (
            "guide:how-to-set-boundaries-without-guilt",
            "if the hardest part is tolerating their disappointment or silence",
        ),
    ]
    assert all(e.sentence and e.section == "read-this-next-if-no-contact-feels-like-withdrawal" for e in read_next)


def test_seed_guide_inline_link_is_its_own_edge(graph) -> None:
    inline = [e for e in graph.next_reads(SEED) if e.type == "inline"]
    assert [(e.target, e.condition) for e in inline] == [
        ("guide:why-do-i-miss-my-ex", "when the urge to reach out feels like evidence")
    ]


def test_seed_guide_is_in_its_collection(graph) -> None:
    e = graph.membership[SEED]
    assert (e.source, e.target, e.type, e.order) == (
        "guide:no-contact-rule",
        "collection:breakup-recovery",
        "in_collection",
        1,
    )
    assert graph.nodes["collection:breakup-recovery"]["type"] == "collection"


def test_whole_graph_has_every_guide_and_collection_and_no_dangling_edge(graph, corpus: Corpus) -> None:
    whole = graph.whole()
    ids = [n["id"] for n in whole["nodes"]]
    assert len(ids) == len(set(ids)) == len(corpus.guides) + len(corpus.collections)
    edge_ids = [e["id"] for e in whole["edges"]]
    assert len(edge_ids) == len(set(edge_ids))
    node_ids = set(ids)
    assert all(e["source"] in node_ids and e["target"] in node_ids for e in whole["edges"])
    assert {e["type"] for e in whole["edges"]} == {"read_next", "inline", "related", "in_collection"}
    links = sum(len(g.links) for g in corpus.guides.values())
    assert len(whole["edges"]) == links + len(corpus.guides)


def test_collection_filter_keeps_only_edges_inside(graph, corpus: Corpus) -> None:
    sub = graph.whole("boundaries")
    slugs = {n["slug"] for n in sub["nodes"] if n["type"] == "guide"}
    assert slugs == {g.slug for g in corpus.guides.values() if g.collection == "boundaries"}
    ids = {n["id"] for n in sub["nodes"]}
    assert sub["edges"] and all(e["source"] in ids and e["target"] in ids for e in sub["edges"])


def test_neighbourhood_grows_with_depth_and_marks_distance(graph) -> None:
    sizes = []
    for depth in (1, 2, 3):
        n = graph.neighbourhood(SEED, depth)
        guides = [x for x in n["nodes"] if x["type"] == "guide"]
        assert max(x["depth"] for x in guides) <= depth
        assert guides[0]["id"] == n["center"] == "guide:no-contact-rule" and guides[0]["depth"] == 0
        ids = {x["id"] for x in n["nodes"]}
        assert all(e["source"] in ids and e["target"] in ids for e in n["edges"])
        sizes.append(len(guides))
    assert sizes[0] < sizes[1] <= sizes[2]


def test_neighbourhood_out_only_follows_the_guides_own_links(graph) -> None:
    n = graph.neighbourhood(SEED, 1, direction="out", types=["read_next"])
    assert sorted(x["slug"] for x in n["nodes"]) == sorted(
        ["no-contact-rule", "why-do-i-miss-my-ex", "how-to-set-boundaries-without-guilt"]
    )


def test_path_between_guides_not_directly_linked(graph, corpus: Corpus) -> None:
    start, goal = SEED, "leaving-safely"
    assert goal not in {link.target for link in corpus.guides[start].links}
    p = graph.path(start, goal)
    assert p is not None and p["length"] >= 2
    slugs = [n["slug"] for n in p["nodes"]]
    assert slugs[0] == start and slugs[-1] == goal and len(slugs) == p["length"] + 1
    for e, a, b in zip(p["edges"], slugs, slugs[1:], strict=False):  # each step is a real link, in order
        assert (e["source"], e["target"]) == (f"guide:{a}", f"guide:{b}")
        assert b in {link.target for link in corpus.guides[a].links if link.kind == e["type"]}


def test_path_prefers_read_next_at_equal_length(graph) -> None:
    p = graph.path(SEED, "why-do-i-miss-my-ex")
    assert p["length"] == 1 and p["edges"][0]["type"] == "read_next"


def test_path_to_itself_is_empty_and_unknown_guide_is_an_error(graph) -> None:
    assert graph.path(SEED, SEED)["length"] == 0
    with pytest.raises(KeyError):
        graph.path(SEED, "nope")
    with pytest.raises(KeyError):
        graph.neighbourhood("nope")


ORPHAN = """---
slug: orphan-guide
title: An Orphan Guide
summary: Nothing links here.
collection: breakup-recovery
tags: [test]
updated: 2026-01-01
byline: Test.
---

It is especially useful when:

::: signals
- Nobody links to this guide.
:::

```script
id: orphan-note
situation: Write and do not send
response: I am writing this for me.
send: false
```

::: read-next
Read [No Contact Rule](guide:no-contact-rule) if you want a way out.
:::
"""


def test_a_guide_nothing_links_to_can_be_left_but_not_reached(content_dir) -> None:
    corpus, problems = load_corpus(content_dir({"guides/orphan-guide.md": ORPHAN}))
    assert not [p for p in problems if p.severity == "error"], problems
    g = build_graph(corpus)
    assert g.path("orphan-guide", "leaving-safely") is not None
    assert g.path(SEED, "orphan-guide") is None


def test_graph_and_analyzer_are_built_once_per_release_and_scope_and_kept_with_it(app) -> None:
    from api.current import analyzer_of, graph_of
    from api.state import state_of

    release = state_of(app).served.release
    scoped = release.scoped(frozenset({next(iter(release.corpus.collections))}))
    assert graph_of(release.corpus, release) is graph_of(release.corpus, release)
    assert graph_of(scoped, release) is not graph_of(release.corpus, release)
    assert len(graph_of(scoped, release).nodes) < len(graph_of(release.corpus, release).nodes)
    assert analyzer_of(scoped, release).graph is graph_of(scoped, release)
    assert f"analyzer:{release.corpus.version}" in release.local  # built with the app (graph._warm)
