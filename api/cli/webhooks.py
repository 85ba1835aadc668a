"""`flask --app api.app webhooks run|log`: the one deliverer, and what it did."""

from __future__ import annotations

import datetime as dt
import signal
import sys
from types import FrameType
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from redis.exceptions import RedisError

from api.webhooks.deliver import AlreadyRunning, Deliverer
from api.webhooks.endpoints import Endpoint, WebhooksInvalid, load_endpoints
from api.webhooks.queue import Queue, open_queue

webhooks_cli = AppGroup("webhooks", help="Publish webhooks: deliver them, and see what was delivered.")


def endpoints_or_exit() -> list[Endpoint]:
    try:
        return load_endpoints(current_app.config["WEBHOOKS_FILE"] or None)
    except WebhooksInvalid as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


def queue() -> Queue:
    """The queue of the configured store. With a shared store, the manifests come from this
    machine's copy (pulled), and a SQLite queue stays on this machine's disk beside that copy."""
    from api.release_store import open_store
    from api.webhooks.pulled import PulledManifests

    store, mirror = open_store(current_app.config, role="publisher")
    manifests = store if mirror is None else PulledManifests(mirror)
    return open_queue(manifests, store.root, redis_url(current_app.config))


def redis_url(config: Any) -> str | None:
    """LP_WEBHOOKS_REDIS_URL; unset, the rate limits' Redis (LP_RATELIMIT_STORAGE_URI) when it is one;
    `off`: SQLite whatever the rate limits use. None: the SQLite queue."""
    url = str(config["WEBHOOKS_REDIS_URL"] or "").strip()
    if url == "off":
        return None
    if url:
        return url
    limits = str(config["RATELIMIT_STORAGE_URI"] or "")
    return limits if limits.startswith(("redis://", "rediss://")) else None


def enqueue_after_publish(start: int) -> None:
    """Called by `content publish`: the new release's messages go into the queue at once (the
    deliverer would add them on its next round anyway)."""
    endpoints = endpoints_or_exit()
    if not endpoints:
        return
    try:
        queue().enqueue_new(endpoints, start=start)
    except RedisError as exc:  # the release is out: the deliverer queues its messages once Redis answers
        click.echo(f"webhook queue unreachable ({type(exc).__name__}: {exc}); the deliverer queues it later", err=True)


@webhooks_cli.command("run")
@click.option("--poll", default=1.0, show_default=True, help="Seconds between looks at the release store.")
def run_command(poll: float) -> None:
    """Deliver publish webhooks until stopped (SIGTERM or Ctrl-C). Run exactly one per release store."""
    endpoints = endpoints_or_exit()
    if not endpoints:
        click.echo("no webhook endpoints (set LP_WEBHOOKS_FILE): nothing to deliver", err=True)
        sys.exit(2)
    cfg = current_app.config
    deliverer = Deliverer(
        queue(),
        endpoints,
        retry_base=int(cfg["WEBHOOK_RETRY_BASE_MS"]) / 1000,
        retry_for=float(cfg["WEBHOOK_RETRY_FOR"]),
        timeout=float(cfg["WEBHOOK_TIMEOUT"]),
    )
    stopping = []

    def stop(_sig: int, _frame: FrameType | None) -> None:
        stopping.append(True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"delivering to {', '.join(e.name for e in endpoints)}", err=True)
    try:
        deliverer.run(poll, stop=lambda: bool(stopping))
    except AlreadyRunning as exc:
        click.echo(f"{exc}: only one deliverer may run", err=True)
        sys.exit(1)


@webhooks_cli.command("log")
@click.option("--limit", default=50, show_default=True, help="How many attempts to show, newest first.")
def log_command(limit: int) -> None:
    """Show the latest delivery attempts and their outcomes, and how many messages are in each state."""
    try:
        _print_log(queue(), limit)
    except RedisError as exc:
        click.echo(f"webhook queue unreachable ({type(exc).__name__}: {exc})", err=True)
        sys.exit(1)


def _print_log(q: Queue, limit: int) -> None:
    if not q.exists():
        click.echo("no webhook queue yet (nothing published with LP_WEBHOOKS_FILE set)")
        return
    for at, endpoint, mid, version, attempt, status, error, ms, outcome in q.log(limit):
        when = dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        said = str(status) if status is not None else "-"
        extra = f" {error}" if error and outcome != "delivered" else ""
        click.echo(f"{when}Z  {endpoint}  {version}  {mid}  attempt {attempt}: {outcome} {said} {ms:.0f}ms{extra}")
    counts = q.counts()
    click.echo(", ".join(f"{counts.get(s, 0)} {s}" for s in ("delivered", "pending", "failed")))
