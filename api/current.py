"""The release the current request sees: taken once, used for everything it answers."""

from __future__ import annotations

from flask import Response, g

from api.content import Corpus
from api.patterns import Analyzer, Graph, build_analyzer, build_graph
from api.releases import Release, ReleaseStore
from api.releases.vectors import read_vectors
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
    if g.get("lp_corpus") is not None:
        # A partner scope's own version: a change to content it cannot see leaves it alone.
        resp.headers["X-Content-Version"] = g.lp_release.scoped_id(g.get("scope"))
    return resp


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
    vectors = rel.derived("vectors", rel.corpus, lambda _: read_vectors(rel.path))  # the meaning factor's
    return rel.derived("analyzer", c, lambda x: build_analyzer(x, graph_of(x, rel), vectors))
