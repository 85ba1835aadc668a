"""The release the current request sees: taken once, used for everything it answers."""

from __future__ import annotations

from typing import Any

from flask import Response, g

from api.answered import Answered
from api.content import Corpus
from api.content.safety import safety_guides
from api.patterns import Analyzer, Graph, build_analyzer, build_graph
from api.patterns.meaning import VectorTable
from api.releases import Release, ReleaseStore
from api.releases.vectors import read_all
from api.search_hints import Fits
from api.state import state


class ContentUnavailable(RuntimeError):
    """No release has been published yet (or none could be opened): content endpoints answer 503."""


def take_release() -> None:
    """A before_request hook: pick up a newly published release, then pin this request to one."""
    served = state().served
    served.refresh()  # one read of the pointer a second at most
    if served.release is not None:
        g.lp_release = served.release


def name_release(resp: Response) -> Response:
    """An after_request hook: X-Content-Version names the one release this response was built from."""
    if isinstance(resp, Answered):  # found once with its other headers (api/early.py); absent until now
        resp.headers.add("X-Content-Version", resp.version)
    elif g.get("lp_corpus") is not None:
        resp.headers["X-Content-Version"] = scoped_version()
    return resp


def scoped_version() -> str:
    """The request's X-Content-Version. A partner scope's own version: a change to content it cannot
    see leaves it alone."""
    return g.lp_release.scoped_id(g.get("scope"))


def release() -> Release:
    found = g.get("lp_release")
    if found is None:
        raise ContentUnavailable("no release is loaded")
    return found


def corpus() -> Corpus:
    """The request's release's corpus, restricted to the collections its partner key may see
    (`g.scope`; None means everything)."""
    found = g.get("lp_corpus")
    if found is None:
        found = g.lp_corpus = release().scoped(g.get("scope"))
    return found


def store() -> ReleaseStore:
    """The store of the request's release: the published chain, or the preview chain (api/preview.py)."""
    return g.get("lp_store") or state().store


def graph_of(c: Corpus, r: Release | None = None) -> Graph:
    """The graph of `c` (the request's corpus, or one of release `r`'s), built once per release and scope."""
    return (r or release()).derived("graph", c, build_graph)


def analyzer_of(c: Corpus, r: Release | None = None) -> Analyzer:
    """The pattern analyzer of `c`, built once per release and scope, over its graph."""
    rel = r or release()
    # The meaning factor's vectors: one matrix per release, every scope's analyzer indexing into it.
    vectors = rel.derived("vectors", rel.corpus, lambda _: VectorTable(*read_all(rel.path)))
    return rel.derived("analyzer", c, lambda x: build_analyzer(x, graph_of(x, rel), vectors))


def safety_guides_of(c: Corpus) -> list[dict[str, Any]]:
    """The safety guides the notice lists for `c` (the request's corpus), once per release and scope."""
    return release().derived("safety_guides", c, safety_guides)


def fits_of(c: Corpus) -> Fits:
    """The cache of the guides search queries fit for `c`'s analyzer, one per release and scope."""
    return release().derived("fits", c, lambda _: Fits())
