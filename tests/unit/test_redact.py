"""api/redact.py: tracebacks without messages, scrubbed gunicorn log records and access atoms."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from gunicorn.config import Config
from gunicorn.http.errors import InvalidRequestLine, NoMoreData

from api.redact import GunicornLogger, ScrubFilter, TracebackFilter, scrub, traceback_without_messages

WORDS = "he hit me"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Invalid request from ip=1.2.3.4: Invalid HTTP request line: 'GET /v1/search?q=he hit me HTTP/1.1'",
            "Invalid request from ip=1.2.3.4: Invalid HTTP request line: '[redacted]'",
        ),
        ('Invalid HTTP request line: "GET /v1/search?q=he\'s mad HTTP/1.1"', "Invalid HTTP request line: '[redacted]'"),
        ("""x 'GET /v1/search?q=he\\'s "cruel" HTTP/1.1' y""", "x '[redacted]' y"),
        ("No more data after: b'GET /v1/suggest?q=he hit'", "No more data after: b'[redacted]'"),
        ("Error handling request GET /v1/search?q=he%20hit%20me", "Error handling request GET /v1/search?[redacted]"),
        ("Error handling request POST /v1/pattern-check", "Error handling request POST /v1/pattern-check"),
        ("Booting worker with pid: 42", "Booting worker with pid: 42"),
    ],
)
def test_scrub(text: str, expected: str) -> None:
    assert scrub(text) == expected


def _raise_chained() -> None:
    try:
        {}[WORDS]
    except KeyError as exc:
        raise RuntimeError(f"failed on {WORDS}") from exc


def test_traceback_keeps_types_and_frames_not_messages() -> None:
    with pytest.raises(RuntimeError) as info:
        _raise_chained()
    text = traceback_without_messages(info.value)
    assert WORDS not in text.replace("{}[WORDS]", "")  # the source line names the variable, not its value
    assert "KeyError: [message not logged]" in text and "RuntimeError: [message not logged]" in text
    assert "direct cause" in text and "in _raise_chained" in text and text.startswith("Traceback")
    assert traceback_without_messages(ValueError(WORDS)) == "ValueError: [message not logged]"


def _record(msg: object, args: tuple = (), exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("gunicorn.error", logging.DEBUG, __file__, 1, msg, args, exc_info)


def _formatted(record: logging.LogRecord, flt: logging.Filter) -> str:
    assert flt.filter(record) is True  # never drops a record
    return logging.Formatter("%(levelname)s %(message)s").format(record)


def test_scrub_filter() -> None:
    flt = ScrubFilter()
    out = _formatted(_record("Ignored premature client disconnection. %s", (NoMoreData(WORDS.encode()),)), flt)
    assert out == "DEBUG Ignored premature client disconnection. gunicorn.http.errors.NoMoreData"
    out = _formatted(_record(InvalidRequestLine(f"GET /?q={WORDS} HTTP/1.1")), flt)
    assert out == "DEBUG gunicorn.http.errors.InvalidRequestLine"
    with pytest.raises(RuntimeError) as info:
        _raise_chained()
    out = _formatted(_record("Error handling request %s %s", ("GET", "/v1/search?q=he+hit+me"), info.value), flt)
    assert out.startswith("DEBUG Error handling request GET /v1/search?[redacted]\nTraceback")
    assert "he+hit" not in out and "RuntimeError: [message not logged]" in out
    dump = "Current configuration:\n  bind: ['127.0.0.1:8000']"
    assert _formatted(_record(dump), flt) == "DEBUG " + dump


def test_traceback_filter_leaves_the_message() -> None:
    with pytest.raises(RuntimeError) as info:
        _raise_chained()
    out = _formatted(_record("Exception on %s [%s]", ("/v1/search", "GET"), info.value), TracebackFilter())
    assert out.startswith("DEBUG Exception on /v1/search [GET]\nTraceback") and WORDS not in out


@pytest.mark.parametrize("level", ["debug", "info", "warning"])
def test_gunicorn_logger_holds_the_level_and_filters_once(level: str) -> None:
    cfg = Config()
    cfg.set("loglevel", level)
    log = GunicornLogger(cfg)
    log.setup(cfg)  # a config reload runs setup again
    assert log.error_log.level == logging.getLevelName(level.upper())
    assert sum(isinstance(f, ScrubFilter) for f in log.error_log.filters) == 1


def test_gunicorn_access_atoms_have_no_query() -> None:
    log = GunicornLogger(Config())

    class Resp:
        status, sent, headers = "200 OK", 10, []

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/v1/search?q=he+hit+me",
        "PATH_INFO": "/v1/search",
        "QUERY_STRING": "q=he+hit+me",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://partner.example/find?q=he+hit+me",
    }
    atoms = log.atoms(Resp(), [("Referer", environ["HTTP_REFERER"])], environ, dt.timedelta(seconds=1))
    assert atoms["r"] == "GET /v1/search HTTP/1.1" and atoms["q"] == "[redacted]" and atoms["U"] == "/v1/search"
    assert "he+hit" not in repr(atoms)
