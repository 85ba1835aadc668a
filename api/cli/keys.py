"""`flask --app api.app keys hash KEY`: the SHA-256 of a partner key, for the keys file."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from api.partner_keys import MIN_KEY_CHARS, hash_key

keys_cli = AppGroup("keys", help="Partner API keys.")


@keys_cli.command("hash")
@click.argument("key")
def hash_command(key: str) -> None:
    """Print the SHA-256 of KEY for the keys file ("-" reads the key from standard input)."""
    if key == "-":
        key = sys.stdin.readline().strip()
    if len(key) < MIN_KEY_CHARS:
        click.echo(f"warning: a key shorter than {MIN_KEY_CHARS} characters is easy to guess", err=True)
    click.echo(hash_key(key))
