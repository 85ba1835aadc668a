"""`flask --app api.app content validate|rename|retire|check-resources|publish|rollback|preview-token`.

Only `content publish` and `content rollback` write to the release store (`rename` and `retire`
change files under content/ only); every other command (and the app they run in) only reads.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from api.content import ContentInvalid
from api.releases import ReleaseId, ReleaseStore
from api.state import state
from api.urls import guide_url

content_cli = AppGroup("content", help="Check the guides under content/ and publish them as releases.")


@content_cli.command("validate")
@click.option("--path", "path", default=None, help="Content folder (default: CONTENT_DIR).")
def validate_command(path: str | None) -> None:
    """Report every problem in the content at once; exit 1 if there is an error."""
    from api.content import load_corpus

    corpus, problems = load_corpus(path or current_app.config["CONTENT_DIR"])
    for p in dict.fromkeys(problems):  # each once, in order, all on stdout: one report to read or pipe
        click.echo(str(p))
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    click.echo(
        f"{len(corpus.guides)} guides, {len(corpus.scripts)} scripts, "
        f"{len(corpus.collections)} collections: {errors} error(s), {warnings} warning(s)"
    )
    sys.exit(1 if errors else 0)


@content_cli.command("rename")
@click.argument("old")
@click.argument("new")
@click.option("--path", "path", default=None, help="Content folder (default: CONTENT_DIR).")
def rename_command(old: str, new: str, path: str | None) -> None:
    """Rename guide OLD to NEW: move its file, rewrite every link to it, add the redirect."""
    from api.content.rename import rename_guide

    _change(lambda root: rename_guide(root, old, new), path, f"renamed '{old}' to '{new}'")


@content_cli.command("retire")
@click.argument("slug")
@click.option("--reason", required=True, help="Why: readers who follow an old link see it.")
@click.option("--path", "path", default=None, help="Content folder (default: CONTENT_DIR).")
def retire_command(slug: str, reason: str, path: str | None) -> None:
    """Retire guide SLUG: remove its file, unlink it from other guides, record it with REASON."""
    from api.content.rename import retire_guide

    _change(lambda root: retire_guide(root, slug, reason), path, f"retired '{slug}'")


def _change(make: Callable[[str], Any], path: str | None, done: str) -> None:
    """Run a rename or retirement; on refusal or invalid content say why, change nothing, exit 1."""
    from api.content.rename import ChangeRefused

    root = path or current_app.config["CONTENT_DIR"]
    try:
        change = make(root)
    except ChangeRefused as exc:
        click.echo(f"{exc}; nothing was changed")
        sys.exit(1)
    except ContentInvalid as exc:
        for p in dict.fromkeys(exc.problems):
            if p.severity == "error":
                click.echo(str(p))
        click.echo("the content has errors (above); fix them first: nothing was changed")
        sys.exit(1)
    for rel, note in change.files.items():
        click.echo(f"changed {rel}: {note}")
    for rel in change.removed:
        click.echo(f"removed {rel}")
    click.echo(f"{done}; check with `content validate`, make it live with `content publish`")


@content_cli.command("check-resources")
@click.option("--path", "path", default=None, help="Content folder (default: CONTENT_DIR).")
@click.option("--days", default=180, show_default=True, help="How old a check may be.")
def check_resources_command(path: str | None, days: int) -> None:
    """List the support numbers last checked more than DAYS ago; exit 1 if there are any."""
    import datetime as dt

    from api.content import load_corpus

    corpus, _problems = load_corpus(path or current_app.config["CONTENT_DIR"])
    stale = corpus.support.stale(dt.date.today(), days)
    for what, checked in stale:
        click.echo(f"{what}: checked {checked}, re-check it against its source page")
    click.echo(f"{len(stale)} support number(s) checked more than {days} days ago")
    sys.exit(1 if stale else 0)


@content_cli.command("publish")
@click.option(
    "--every",
    type=click.IntRange(min=1),
    default=None,
    help="Keep publishing every N seconds (scheduled guides go live at the first publish after their time).",
)
@click.option("--full", is_flag=True, help="Parse and index everything, not only what changed since the live release.")
def publish_command(every: int | None, full: bool) -> None:
    """Check the content; if valid, build a release (content + search index) and make it live."""
    if every is None:
        sys.exit(_publish_once(full))
    click.echo(f"publishing every {every}s; stop with Ctrl-C or SIGTERM", err=True)
    try:
        while True:
            _publish_once(full)
            time.sleep(every)
    except KeyboardInterrupt:
        return


def _publish_once(full: bool = False) -> int:
    from api.releases import publish
    from api.releases.progress import Reporter
    from api.semantic import EncoderUnavailable

    started = time.perf_counter()
    progress = Reporter()  # a live line on a terminal, plain lines (stderr) otherwise
    try:
        with _publishing() as store:
            manifest, made = publish(
                current_app.config["CONTENT_DIR"],
                store,
                current_app.config["CONTENT_CACHE"],
                _keep(),
                full=full,
                progress=progress,
            )
    except EncoderUnavailable as exc:  # the guide vectors (api/releases/vectors.py) cannot be made
        progress.close()
        click.echo(f"cannot publish: {exc}; nothing was published (the last good release stays live)", err=True)
        return 1
    except ContentInvalid as exc:
        progress.close()
        for p in exc.problems:
            if p.severity == "error":
                click.echo(str(p), err=True)
        click.echo("content has errors; nothing was published (the last good release stays live)", err=True)
        return 1
    progress.close()
    if not made:
        click.echo(f"release {manifest.id} already has this content; nothing to publish")
        return 0
    timed = f", {len(manifest.scheduled)} went live by their publish_at" if manifest.scheduled else ""
    click.echo(
        f"published release {manifest.id} ({len(manifest.guides)} guides, {len(manifest.changed)} changed{timed}) "
        f"in {time.perf_counter() - started:.2f}s"
    )
    _announce(manifest.seq - 1)
    return 0


def _announce(start: int) -> None:
    """Queue the new release's webhook messages (the deliverer, `webhooks run`, sends them)."""
    from api.cli.webhooks import enqueue_after_publish

    enqueue_after_publish(start)


@content_cli.command("preview-token")
@click.argument("slug", required=False)
def preview_token_command(slug: str | None) -> None:
    """Print a preview token (send it as X-Preview-Token): every draft, or only guide SLUG's URLs."""
    from api.preview import PreviewTokenInvalid, make_token

    cfg = current_app.config
    if slug is not None:
        preview = state().preview.load()  # (with a shared store: fetched from it)
        if preview is None or slug not in preview.corpus.guides:
            click.echo(f"there is no guide '{slug}' in the preview release (publish first?)", err=True)
            sys.exit(1)
    try:
        token = make_token(cfg["SECRET_KEY"], slug)
    except PreviewTokenInvalid as exc:
        click.echo(f"{exc}; no token made", err=True)
        sys.exit(1)
    click.echo(token)
    where = guide_url(slug) if slug else "every content URL"
    click.echo(f"valid for {cfg['PREVIEW_TOKEN_MAX_AGE']}s on {where}; send it as X-Preview-Token", err=True)


@content_cli.command("rollback")
@click.argument("release")
def rollback_command(release: str) -> None:
    """Publish a new release with the content of an older one (RELEASE: its id or number)."""
    from api.releases import ReleaseMissing, rollback

    try:
        with _publishing(release) as store:
            manifest = rollback(store, release, _keep())
    except ReleaseMissing as exc:
        click.echo(f"{exc}; nothing was published", err=True)
        sys.exit(1)
    click.echo(f"published release {manifest.id} with the content of {manifest.rollback_of}")
    _announce(manifest.seq - 1)


@contextlib.contextmanager
def _publishing(rollback_to: str | None = None) -> Iterator[ReleaseStore]:
    """The store to publish into: the configured directory, or this machine's copy of a shared
    store (api/release_store.py), sent up when the publish is done."""
    from api.release_store import open_store

    store, mirror = open_store(current_app.config, role="publisher")
    if mirror is None:
        yield store
        return
    with mirror.publishing(_keep()) as local:
        if rollback_to is not None:
            named = ReleaseId.parse(rollback_to)  # what the operator typed: a number or a release id
            target = local.manifest(int(rollback_to) if rollback_to.isdigit() else named.seq if named else -1)
            if target is not None:
                mirror.ensure_bundle(target.id)
        yield local


def _keep() -> int:
    return int(current_app.config["RELEASE_KEEP"])
