"""gunicorn settings for serving the API (override any with GUNICORN_CMD_ARGS)."""

import os

bind = os.environ.get("LP_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("LP_WORKERS", "2"))
worker_class = "sync"
# Load the app (content + caches) once in the master, then fork: workers start fast and share pages.
preload_app = True
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = "-"
errorlog = "-"
