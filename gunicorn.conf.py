"""gunicorn settings for serving the API (override any with GUNICORN_CMD_ARGS)."""

import os
import tempfile

# Metrics from every worker go to files here; /v1/metrics sums them. Must be set before the app
# (and prometheus_client) is imported, which preload_app does right after this file is read.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="lp-metrics-")

# Errors gunicorn answers itself, before the app runs (e.g. a 414 for a request line over 4094
# bytes), keep the API's one error shape (JSON) instead of gunicorn's HTML page.
import gunicorn.util

from api.errors import write_gunicorn_error

gunicorn.util.write_error = write_gunicorn_error

bind = os.environ.get("LP_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("LP_WORKERS", "2"))
worker_class = "sync"
# Load the app (content + caches) once in the master, then fork: workers start fast and share pages.
preload_app = True
timeout = 30
graceful_timeout = 20
keepalive = 5
# A search of MAX_QUERY_CHARS (600) emoji is 7,200 bytes percent-encoded: gunicorn's default line
# (4,094 bytes) would answer a query the API accepts with a 414 before the app sees it. 8,190 is
# gunicorn's maximum.
limit_request_line = 8190
# One setting for proxy trust, read by the app too (ProxyFix, api/app.py): with LP_PROXY_HOPS=0
# (default) no X-Forwarded-* header is believed, from any address; with 1 or more (behind nginx),
# the proxy's X-Forwarded-Proto is, and the instance must listen only where the proxy reaches it.
forwarded_allow_ips = "*" if int(os.environ.get("LP_PROXY_HOPS", "0") or 0) > 0 else ""
# The app writes one JSON access-log line per request (with its request id) to stderr.
accesslog = None
errorlog = "-"
# gunicorn's own log lines quote the request (an invalid request line, "Error handling request
# <uri>") and the app's exceptions: this logger writes neither a query string nor exception text.
logger_class = "api.redact.GunicornLogger"


def when_ready(server):
    """After the app (and its content) is loaded in the master, before workers fork."""
    import gc

    # The sentence encoder's weights (~90 MB, api/semantic.py) loaded once here, shared by the workers.
    from api.semantic import EncoderUnavailable, encoder

    try:
        encoder()
    except EncoderUnavailable as exc:
        server.log.warning("pattern check without the meaning factor: %s", exc)
    # Move the loaded content out of the cyclic GC's reach: workers then neither pause to scan
    # millions of long-lived objects nor touch (and so copy) the pages they share with the master.
    gc.freeze()


def child_exit(server, worker):
    """A dead worker's live gauges must not be reported any more."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
