#!/usr/bin/env bash
# Set up (venv + pinned dependencies), build the content cache and the search index, serve with gunicorn.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d .venv ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check --no-deps --require-hashes -r scripts/whoosh3-hashes.txt
.venv/bin/pip install -q --disable-pip-version-check -e .
.venv/bin/flask --app api.app content publish
exec .venv/bin/gunicorn -c gunicorn.conf.py api.wsgi:app
