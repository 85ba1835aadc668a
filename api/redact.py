"""Logs that never carry what a person typed: tracebacks without exception messages, and a gunicorn
logger that writes no request line, no query string and no exception text.

What a person types about abuse, grief or fear arrives in a search query, an autocomplete prefix or
a pattern-check situation. The README ("What people type is never stored") lists every place such
text could land and how each is closed; this module closes the logs that the app does not write
line by line itself: tracebacks (the app's and gunicorn's) and gunicorn's error and access logs.

gunicorn.conf.py sets `logger_class = "api.redact.GunicornLogger"`.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

from gunicorn.glogging import Logger

REDACTED = "[redacted]"
NO_MESSAGE = "[message not logged]"

# A Python repr of a string or bytes: gunicorn quotes what it read from the socket this way
# ("Invalid HTTP request line: 'GET /v1/search?q=... HTTP/1.1'", "No more data after: b'...'").
_QUOTED = re.compile(r"""'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*\"""")
# gunicorn's dump of its settings at start (debug level), the one message left as it is.
CONFIG_DUMP = "Current configuration:\n"
# From a "?" to the end of the line: a query string, even one with raw spaces in it.
_QUERY = re.compile(r"\?[^\n]*")


def _type_name(exc: BaseException) -> str:
    cls = type(exc)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def traceback_without_messages(exc: BaseException) -> str:
    """The traceback Python would print for `exc` and the exceptions chained to it, with each
    exception's type and stack frames but never its message: a message may quote the request
    (`KeyError('he hit me')`, a parser error naming the input)."""
    parts: list[str] = []
    seen: set[int] = set()

    def add(e: BaseException) -> None:
        seen.add(id(e))
        if e.__cause__ is not None and id(e.__cause__) not in seen:
            add(e.__cause__)
            parts.append("\nThe above exception was the direct cause of the following exception:\n\n")
        elif e.__context__ is not None and not e.__suppress_context__ and id(e.__context__) not in seen:
            add(e.__context__)
            parts.append("\nDuring handling of the above exception, another exception occurred:\n\n")
        if e.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_list(traceback.extract_tb(e.__traceback__)))
        parts.append(f"{_type_name(e)}: {NO_MESSAGE}\n")

    add(exc)
    return "".join(parts).rstrip("\n")


def scrub(text: str) -> str:
    """`text` with every quoted string and every query string replaced by [redacted]."""
    return _QUERY.sub("?" + REDACTED, _QUOTED.sub("'" + REDACTED + "'", text))


def _safe_arg(arg: Any) -> Any:
    return _type_name(arg) if isinstance(arg, BaseException) else arg


class TracebackFilter(logging.Filter):
    """Rewrites a record's traceback in place to one without exception messages. It never drops a
    record, so the log level set is the only thing that decides what is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            exc = record.exc_info[1]
            record.exc_info = None
            record.exc_text = traceback_without_messages(exc) if exc is not None else None
        return True


class ScrubFilter(TracebackFilter):
    """TracebackFilter, and the message too: exceptions given as arguments become their type names,
    and quoted strings and query strings are [redacted]. For gunicorn's error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith(CONFIG_DUMP):  # the operator's settings, at start: no one's words
            return super().filter(record)
        record.msg = _safe_arg(record.msg)  # `log.exception(exc)` logs the exception as the message
        if isinstance(record.args, tuple):
            record.args = tuple(_safe_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _safe_arg(v) for k, v in record.args.items()}
        record.msg, record.args = scrub(record.getMessage()), None
        return super().filter(record)


class GunicornLogger(Logger):
    """gunicorn's logger, with every error-log record scrubbed (ScrubFilter) and access-log atoms
    without the query string, should an access log be switched on (`--access-logfile`).

    gunicorn logs, for example, `Invalid request from ip=…: Invalid HTTP request line: 'GET
    /v1/search?q=… HTTP/1.1'`, `Error handling request GET /v1/search?q=…` with the app's
    traceback, and (at debug) `Ignored premature client disconnection. No more data after: b'…'`.
    """

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)  # run again on a config reload: add the filter once
        if not any(isinstance(f, ScrubFilter) for f in self.error_log.filters):
            self.error_log.addFilter(ScrubFilter())

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        path = environ.get("RAW_URI", "").split("?", 1)[0]
        atoms["r"] = f"{environ.get('REQUEST_METHOD')} {path} {environ.get('SERVER_PROTOCOL')}"
        for name, value in atoms.items():
            if isinstance(value, str):
                atoms[name] = _QUERY.sub("?" + REDACTED, value)  # the referer, RAW_URI, REQUEST_URI, ...
        for name in ("q", "{query_string}e"):
            if atoms.get(name):
                atoms[name] = REDACTED
        return atoms
