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
    """Parse YAML; return the data and the line of each top-level key or item (1-based, in the file).

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
    if isinstance(node, yaml.MappingNode):
        for key, _value in node.value:
            lines[str(key.value)] = first_line + key.start_mark.line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[str(index)] = first_line + item.start_mark.line
    return data, lines
