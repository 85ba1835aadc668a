"""Related-pattern graph and pattern-check analyzer, built from one corpus. Never imports Flask.

The web layer keeps what it builds with the release (api/current.py `graph_of`, `analyzer_of`).
"""

from api.patterns.analyzer import Analyzer
from api.patterns.build import build_analyzer
from api.patterns.graph import EDGE_TYPES, GUIDE_EDGE_TYPES, Graph, build_graph

__all__ = [
    "EDGE_TYPES",
    "GUIDE_EDGE_TYPES",
    "Analyzer",
    "Graph",
    "build_analyzer",
    "build_graph",
]
