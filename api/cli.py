"""Command-line tools: `flask --app api.app content validate|build` and `flask --app api.app spec write`."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from api.config import ROOT
from api.content import ContentInvalid

content_cli = AppGroup("content", help="Check and build the guides under content/.")
spec_cli = AppGroup("spec", help="The OpenAPI document.")

SPEC_PATH = ROOT / "openapi" / "openapi.json"


@content_cli.command("validate")
@click.option("--path", "path", default=None, help="Content folder (default: CONTENT_DIR).")
def validate_command(path: str | None) -> None:
    """Report every problem in the content at once; exit 1 if there is an error."""
    from api.content import load_corpus

    corpus, problems = load_corpus(path or current_app.config["CONTENT_DIR"])
    for p in problems:
        click.echo(str(p), err=p.severity == "error")
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    click.echo(
        f"{len(corpus.guides)} guides, {len(corpus.scripts)} scripts, "
        f"{len(corpus.collections)} collections: {errors} error(s), {warnings} warning(s)"
    )
    sys.exit(1 if errors else 0)


@content_cli.command("build")
def build_command() -> None:
    """Check the content and publish it (cache + last good snapshot); running servers pick it up."""
    _publish(with_index=False)


@content_cli.command("publish")
def publish_command() -> None:
    """Check the content, build its search index, then publish both; running servers pick them up."""
    _publish(with_index=True)


def _publish(with_index: bool) -> None:
    store = current_app.extensions["lp"].store
    started = time.perf_counter()
    try:
        corpus = store.prepare()
    except ContentInvalid as exc:
        for p in exc.problems:
            if p.severity == "error":
                click.echo(str(p), err=True)
        click.echo("content has errors; nothing was published (the last good version stays live)", err=True)
        sys.exit(1)
    if with_index:
        from search_index import build_index

        # The index first: once the content pointer moves, its search results are already there.
        build_index(corpus, current_app.config["SEARCH_INDEX_DIR"])
    store.commit(corpus)
    click.echo(
        f"built {len(corpus.guides)} guides (version {corpus.version}){' and the search index' * with_index} "
        f"in {time.perf_counter() - started:.2f}s"
    )


def spec_json(app: Flask) -> str:
    spec = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@spec_cli.command("write")
@click.option("--output", default=str(SPEC_PATH), help="Where to write it.")
def spec_write_command(output: str) -> None:
    """Write openapi/openapi.json from the code."""
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    Path(output).write_text(spec_json(current_app), encoding="utf-8")
    click.echo(f"wrote {output}")


def register(app: Flask) -> None:
    app.cli.add_command(content_cli)
    app.cli.add_command(spec_cli)
    __import__("api.index_cli", fromlist=["register"]).register(app)
