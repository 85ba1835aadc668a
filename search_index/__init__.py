"""Full-text search over the content: Whoosh index build (once per release) and a searcher per process.

Never imports Flask or the web layer; it reads the content domain (api.content) only.
"""

from search_index.build import build_index
from search_index.engine import IndexMissing, SearchEngine
from search_index.query import ParsedQuery, QueryTooLong, parse_query

__all__ = [
    "IndexMissing",
    "ParsedQuery",
    "QueryTooLong",
    "SearchEngine",
    "build_index",
    "parse_query",
]
