"""`flask --app api.app index build`: index content/ into a fresh directory and swap it in."""

from __future__ import annotations

import sys
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup

index_cli = AppGroup("index", help="The search index.")


@index_cli.command("build")
@click.option("--content", "content", default=None, help="Content folder (default: CONTENT_DIR).")
@click.option("--output", default=None, help="Index folder (default: SEARCH_INDEX_DIR).")
def build_command(content: str | None, output: str | None) -> None:
    """Build the search index and make it live atomically; running servers pick it up."""
    from api.content import load_corpus
    from search_index import build_index

    started = time.perf_counter()
    corpus, problems = load_corpus(content or current_app.config["CONTENT_DIR"])
    errors = [p for p in problems if p.severity == "error"]
    for p in errors:
        click.echo(str(p), err=True)
    if errors:
        click.echo("not indexing content with errors; the live index is unchanged", err=True)
        sys.exit(1)
    path = build_index(corpus, output or current_app.config["SEARCH_INDEX_DIR"])
    click.echo(
        f"indexed {len(corpus.guides)} guides (version {corpus.version}) into {path} "
        f"in {time.perf_counter() - started:.2f}s"
    )


def register(app: Flask) -> None:
    app.cli.add_command(index_cli)
