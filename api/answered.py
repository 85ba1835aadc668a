"""A cached answer given by the early hook (api/early.py), its content headers already final.

Its headers were computed once per URL, release, scope and coding, by running the after-hooks'
content header work (cache tags, the preview marks, the Vary suffixes) over the stored headers, so
those hooks leave an `Answered` alone, and the ones that also write per-request headers (partners:
CORS and rate limits; observability: the request id) write only those. Two more headers are kept
with it, for the hooks that append them after the per-request ones (so the order stays the view's):
the security headers and X-Content-Version.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import Response
from werkzeug.datastructures import Headers

Pairs = tuple[tuple[str, str], ...]


class Final(NamedTuple):
    """What an early answer of one URL (release, scope, coding; 304 or 200) is sent with."""

    head: Pairs  # the stored headers after the content hooks: cache tags, preview marks, Vary
    secure: Pairs  # the security headers observability.finish adds (those not among them)
    version: str  # X-Content-Version
    plain: bool  # no Location or Content-Location among them (Werkzeug would rewrite those)


class Answered(Response):
    # A 304 gets no Content-Type: Werkzeug would take it out again (an entity header), as it does
    # from every 304 the view makes. A 200 names its own.
    default_mimetype = None

    def __init__(self, *args: Any, secure: Pairs = (), version: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.secure = secure  # the security headers observability.finish adds after the request id
        self.version = version  # X-Content-Version, which current.name_release adds last

    def get_wsgi_headers(self, environ: Any) -> Headers:
        """The headers as they are, without Werkzeug's copy and scans, which would change nothing: a
        304's were made without entity headers (the 304's stored headers, no Content-Type) and a 200's
        Content-Length was set with its body; neither has a Location or Content-Location to make
        absolute (api/early.py answers only such URLs); the hooks add none of these.
        tests/api/test_early.py compares them with the view's."""
        return self.headers
