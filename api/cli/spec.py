"""`flask --app api.app spec write`: the OpenAPI document, generated from the code."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from api.config import ROOT
from api.state import state_of

spec_cli = AppGroup("spec", help="The OpenAPI document.")

SPEC_PATH = ROOT / "openapi" / "openapi.json"


def spec_json(app: Flask) -> str:
    spec = state_of(app).api.spec.to_dict()
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@spec_cli.command("write")
@click.option("--output", default=str(SPEC_PATH), help="Where to write it.")
def spec_write_command(output: str) -> None:
    """Write openapi/openapi.json from the code."""
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    Path(output).write_text(spec_json(current_app), encoding="utf-8")
    click.echo(f"wrote {output}")
