"""YAML loading that keeps line numbers and leaves dates as strings (schemas parse them)."""

from __future__ import annotations

from typing import Any

import yaml


class _Loader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver: `updated: 2026-03-17` stays a string."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class YamlError(ValueError):
    def __init__(self, reason: str, line: int | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def load_yaml(text: str, first_line: int = 1) -> tuple[Any, dict[str, int]]:
    """Parse YAML; return the data and the line of each key or item (1-based, in the file), by dotted path.

    `first_line` is the file line the text starts on. Raises YamlError with a line.
    """
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and "end" in str(exc.problem):
            mark = exc.context_mark  # "got <stream end>": where the unclosed thing began is what helps
        line = first_line + mark.line if mark else None
        reason = " ".join(str(x) for x in (exc.problem, exc.context) if x) or "invalid YAML"
        raise YamlError(f"not valid YAML: {reason}", line) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"not valid YAML: {exc}", first_line) from None
    lines: dict[str, int] = {}
    _record_lines(node, "", first_line, lines)
    return data, lines


def _record_lines(node: yaml.Node | None, prefix: str, first_line: int, lines: dict[str, int]) -> None:
    """Each key or item's line, by dotted path: `kinds`, `kinds.stalking`, `kinds.stalking.patterns.3`."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = f"{prefix}{key.value}"
            lines.setdefault(path, first_line + key.start_mark.line)
            _record_lines(value, path + ".", first_line, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = f"{prefix}{index}"
            lines.setdefault(path, first_line + item.start_mark.line)
            _record_lines(item, path + ".", first_line, lines)
