"""The related-pattern graph: guides and collections as nodes, links between them as typed edges.

Built once per content version from the typed model (read-next, inline and related links, and
each guide's collection). Every answer is `{"nodes": [...], "edges": [...]}` with ids on both, so
Cytoscape (`{data: node}`), vis-network (`from`/`to` = `source`/`target`) and d3-force
(`links` = `edges`, `.id(d => d.id)`) draw it without reshaping.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from api.content.model import Corpus, Guide

# Reading edges between guides, strongest recommendation first: BFS and ties follow this order.
GUIDE_EDGE_TYPES: tuple[str, ...] = ("read_next", "inline", "related")
EDGE_TYPES: tuple[str, ...] = (*GUIDE_EDGE_TYPES, "in_collection")
_PRIORITY = {t: i for i, t in enumerate(EDGE_TYPES)}
LABELS = {
    "read_next": "read next",
    "inline": "linked in text",
    "related": "related pattern",
    "in_collection": "in collection",
}
MAX_DEPTH = 3
_GUIDE = "guide:"
_G = len(_GUIDE)  # node id prefix; edges keep node ids, traversal wants slugs


def guide_id(slug: str) -> str:
    return f"guide:{slug}"


def collection_id(slug: str) -> str:
    return f"collection:{slug}"


@dataclass(frozen=True, slots=True)
class Edge:
    """One typed, directed edge with the words that give its reason."""

    id: str
    source: str  # node id
    target: str  # node id
    type: str
    condition: str | None = None
    sentence: str | None = None
    section: str | None = None
    text: str | None = None
    order: int | None = None  # in_collection: place in the collection

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "target": self.target,
            "type": self.type,
            "label": LABELS[self.type],
            "condition": self.condition,
            "sentence": self.sentence,
            "section": self.section,
            "text": self.text,
            "order": self.order,
        }


@dataclass(slots=True)
class Graph:
    """Nodes and edges as JSON-ready dicts, with per-guide adjacency for fast traversal."""

    version: str
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)  # node id -> node
    edges: list[Edge] = field(default_factory=list)
    edge_dicts: dict[str, dict[str, Any]] = field(default_factory=dict)  # edge id -> edge
    out: dict[str, list[Edge]] = field(default_factory=dict)  # guide slug -> guide->guide edges
    inc: dict[str, list[Edge]] = field(default_factory=dict)  # guide slug -> edges into it
    membership: dict[str, Edge] = field(default_factory=dict)  # guide slug -> its in_collection edge
    guide_collection: dict[str, str] = field(default_factory=dict)

    # -- views --------------------------------------------------------------------------------
    def whole(
        self,
        collection: str | None = None,
        types: Iterable[str] | None = None,
        page: int = 1,
        page_size: int | None = None,
    ) -> dict[str, Any]:
        """The whole graph, or only one collection's guides (with the edges among them).

        With `page_size`, one page of it: that many guides (in slug order), every collection node,
        and the edges out of those guides (out of collections too, on page 1), with the guides at
        their other end, so that every edge's ends are among the nodes. Each edge is on one page;
        a guide may be on two (its own, and one linking to it). Adds `page`, `pages` and `guides`.
        """
        wanted = set(types or EDGE_TYPES)
        if collection is None:
            node_ids = list(self.nodes)
        else:
            node_ids = [collection_id(collection)] + [
                guide_id(s) for s, c in self.guide_collection.items() if c == collection
            ]
        keep = set(node_ids)
        if page_size is None:
            edges = [
                self.edge_dicts[e.id] for e in self.edges if e.type in wanted and e.source in keep and e.target in keep
            ]
            return {"nodes": [self.nodes[n] for n in node_ids], "edges": edges}
        guides = [n for n in node_ids if n.startswith(_GUIDE)]
        cols = [n for n in node_ids if not n.startswith(_GUIDE)]
        pages = max(1, -(-len(guides) // page_size))
        listed = guides[(page - 1) * page_size : page * page_size]
        sources = set(listed) | (set(cols) if page == 1 else set())
        picked = [e for e in self.edges if e.type in wanted and e.source in sources and e.target in keep]
        nodes = dict.fromkeys([*cols, *listed, *(e.target for e in picked)])
        return {
            "nodes": [self.nodes[n] for n in nodes],
            "edges": [self.edge_dicts[e.id] for e in picked],
            "page": page,
            "pages": pages,
            "guides": len(guides),
        }

    def neighbourhood(
        self, slug: str, depth: int = 1, direction: str = "both", types: Iterable[str] | None = None
    ) -> dict[str, Any]:
        """Guides within `depth` links of `slug`, the edges among them, and their collections.

        Each guide node carries `depth`, its distance in links from the centre.
        """
        if slug not in self.out:
            raise KeyError(slug)
        depth = max(1, min(MAX_DEPTH, depth))
        wanted = set(types or GUIDE_EDGE_TYPES)
        dist = {slug: 0}
        frontier = [slug]
        for d in range(1, depth + 1):
            nxt: list[str] = []
            for s in frontier:
                for other in self._adjacent(s, direction, wanted):
                    if other not in dist:
                        dist[other] = d
                        nxt.append(other)
            frontier = nxt
        nodes = [{**self.nodes[guide_id(s)], "depth": d} for s, d in dist.items()]
        edges = [self.edge_dicts[e.id] for s in dist for e in self.out[s] if e.type in wanted and e.target[_G:] in dist]
        if "in_collection" in wanted or types is None:
            cols: dict[str, None] = {}
            for s in dist:
                membership = self.membership.get(s)
                if membership is not None:
                    cols.setdefault(membership.target)
                    edges.append(self.edge_dicts[membership.id])
            nodes += [self.nodes[c] for c in cols]
        return {"center": guide_id(slug), "depth": depth, "nodes": nodes, "edges": edges}

    def path(self, start: str, goal: str, types: Iterable[str] | None = None) -> dict[str, Any] | None:
        """The shortest reading path from one guide to another, following links forwards.

        Breadth-first; among paths of equal length the one through read-next links (then
        inline, then related), in the order the guides wrote them, wins. None when there is none.
        """
        if start not in self.out or goal not in self.out:
            raise KeyError(start if start not in self.out else goal)
        wanted = set(types or GUIDE_EDGE_TYPES)
        came: dict[str, Edge | None] = {start: None}
        queue = deque([start])
        while queue and goal not in came:
            s = queue.popleft()
            for e in self.out[s]:  # already in priority order
                t = e.target[_G:]
                if e.type in wanted and t not in came:
                    came[t] = e
                    queue.append(t)
        if goal not in came:
            return None
        steps: list[Edge] = []
        s = goal
        while (step := came[s]) is not None:
            steps.append(step)
            s = step.source[_G:]
        steps.reverse()
        slugs = [start] + [e.target[_G:] for e in steps]
        return {
            "from": guide_id(start),
            "to": guide_id(goal),
            "length": len(steps),
            "nodes": [{**self.nodes[guide_id(x)], "depth": i} for i, x in enumerate(slugs)],
            "edges": [self.edge_dicts[e.id] for e in steps],
        }

    def next_reads(self, slug: str) -> list[Edge]:
        """Edges out of a guide to other guides, strongest recommendation first."""
        return self.out.get(slug, [])

    def _adjacent(self, slug: str, direction: str, wanted: set[str]) -> Iterable[str]:
        if direction in ("out", "both"):
            for e in self.out[slug]:
                if e.type in wanted:
                    yield e.target[_G:]
        if direction in ("in", "both"):
            for e in self.inc[slug]:
                if e.type in wanted:
                    yield e.source[_G:]


def _guide_node(g: Guide, corpus: Corpus) -> dict[str, Any]:
    return {
        "id": guide_id(g.slug),
        "type": "guide",
        "label": g.title,
        "slug": g.slug,
        "collection": g.collection,
        "tags": list(g.tags),
        "safety_sensitive": g.safety_sensitive,
    }


def build_graph(corpus: Corpus) -> Graph:
    """Build the graph from one corpus (no I/O); edges whose target is missing are left out."""
    graph = Graph(version=corpus.version)
    for c in corpus.collections.values():
        graph.nodes[collection_id(c.slug)] = {
            "id": collection_id(c.slug),
            "type": "collection",
            "label": c.title,
            "slug": c.slug,
            "collection": None,
            "tags": [],
            "safety_sensitive": False,
        }
    guides = sorted(corpus.guides.values(), key=lambda g: g.slug)
    for g in guides:
        graph.nodes[guide_id(g.slug)] = _guide_node(g, corpus)
        graph.out[g.slug], graph.inc[g.slug] = [], []
        graph.guide_collection[g.slug] = g.collection
    seen: dict[str, int] = {}

    def add(edge_id: str, **kw: Any) -> Edge:
        n = seen[edge_id] = seen.get(edge_id, 0) + 1
        e = Edge(id=edge_id if n == 1 else f"{edge_id}~{n}", **kw)  # same pair linked twice by one guide
        graph.edges.append(e)
        graph.edge_dicts[e.id] = e.as_dict()
        return e

    for g in guides:
        links = sorted(enumerate(g.links), key=lambda p: (_PRIORITY[p[1].kind], p[0]))
        for _, link in links:
            if link.target not in corpus.guides or link.target == g.slug:
                continue  # the validator reports these; never draw a dangling edge
            e = add(
                f"{link.kind}:{g.slug}->{link.target}",
                source=guide_id(g.slug),
                target=guide_id(link.target),
                type=link.kind,
                condition=link.condition,
                sentence=link.sentence,
                section=link.section,
                text=link.text or None,
            )
            graph.out[g.slug].append(e)
            graph.inc[link.target].append(e)
        if g.collection in corpus.collections:
            graph.membership[g.slug] = add(
                f"in_collection:{g.slug}->{g.collection}",
                source=guide_id(g.slug),
                target=collection_id(g.collection),
                type="in_collection",
                order=g.order,
            )
    return graph
