"""Related-pattern graph and pattern-check analyzer, built per content version. Never imports Flask."""

from api.patterns.analyzer import Analyzer
from api.patterns.build import analyzer_for, build_analyzer, pattern_check
from api.patterns.graph import EDGE_TYPES, GUIDE_EDGE_TYPES, Graph, graph_for

__all__ = [
    "EDGE_TYPES",
    "GUIDE_EDGE_TYPES",
    "Analyzer",
    "Graph",
    "analyzer_for",
    "build_analyzer",
    "graph_for",
    "pattern_check",
]
