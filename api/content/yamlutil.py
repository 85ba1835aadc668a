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


# libyaml's parser, where PyYAML was built with it: the big data files (thousands of phrasings) load
# in a tenth of the time. Same resolvers; the pure-Python parser stays the default for its messages.
_FastLoader: type | None = None
if hasattr(yaml, "CSafeLoader"):

    class _CLoader(yaml.CSafeLoader):
        pass

    _CLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    _FastLoader = _CLoader


class YamlError(ValueError):
    def __init__(self, reason: str, line: int | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def load_yaml(text: str, first_line: int = 1, fast: bool = False) -> tuple[Any, dict[str, int]]:
    """Parse YAML; return the data and the line of each key or item (1-based, in the file), by dotted path.

    `first_line` is the file line the text starts on. Raises YamlError with a line. Parsed once: the
    data is constructed from the node tree that gives the lines. `fast` uses libyaml when present.
    """
    loader = (_FastLoader or _Loader)(text) if fast else _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None  # a SafeLoader's constructor
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and "end" in str(exc.problem):
            mark = exc.context_mark  # "got <stream end>": where the unclosed thing began is what helps
        line = first_line + mark.line if mark else None
        reason = " ".join(str(x) for x in (exc.problem, exc.context) if x) or "invalid YAML"
        raise YamlError(f"not valid YAML: {reason}", line) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"not valid YAML: {exc}", first_line) from None
    finally:
        loader.dispose()
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
