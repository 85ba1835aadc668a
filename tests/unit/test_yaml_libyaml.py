"""load_yaml parses with libyaml first (a full build parses every guide's front matter and scripts):
the same data, the same lines, the same messages as the pure-Python parser, which still explains
what libyaml refuses."""

from __future__ import annotations

import re

import pytest

import api.content.yamlutil as yamlutil
from api.content.yamlutil import YamlError, load_yaml
from tests.conftest import CONTENT

pytestmark = pytest.mark.skipif(yamlutil._FastLoader is None, reason="PyYAML built without libyaml")


def _pure(monkeypatch, text: str, first_line: int):
    with monkeypatch.context() as m:
        m.setattr(yamlutil, "_FastLoader", None)
        try:
            return load_yaml(text, first_line)
        except YamlError as exc:
            return (exc.reason, exc.line, exc.field)


def _default(text: str, first_line: int):
    try:
        return load_yaml(text, first_line)
    except YamlError as exc:
        return (exc.reason, exc.line, exc.field)


def _snippets() -> list[tuple[str, int]]:
    out = []
    for path in sorted((CONTENT / "guides").glob("*.md")):
        text = path.read_text()
        front = text.split("---\n")[1]
        out.append((front, 2))
        out += [(m.group(1), 1) for m in re.finditer(r"```script\n(.*?)```", text, re.S)]
    return out


BAD = [
    "title: a: b\n",
    "title: Fine\ntitle: Again\n",
    'summary: "never closed\n',
    "tags: [a, b\n",
    "a:\n  b: 1\n   c: 2\n",
    "\tslug: tab\n",
    "x: @at\n",
    "x: *alias\n",
    "- a\nb: 1\n",
    "send: yes\nupdated: 2026-03-17\n",
]


def test_every_guide_parses_as_the_pure_parser_parses_it(monkeypatch) -> None:
    snippets = _snippets()
    assert len(snippets) > 40
    for text, first in snippets:
        assert _default(text, first) == _pure(monkeypatch, text, first)


@pytest.mark.parametrize("text", BAD)
def test_refused_yaml_gets_the_pure_parsers_message(monkeypatch, text: str) -> None:
    assert _default(text, 3) == _pure(monkeypatch, text, 3)
