"""YAML loading that keeps line numbers and leaves dates as strings (schemas parse them)."""

from __future__ import annotations

import re
from typing import Any

import yaml


class _Loader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver: `updated: 2026-03-17` stays a string."""


_BOOL = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:timestamp", _BOOL)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# Only true and false are booleans (as in YAML 1.2): `send: yes` stays the word "yes", which the
# schemas refuse, instead of quietly meaning true (and `no:`, `on:` stay words in the vocabulary).
for _first in "tTfF":
    _Loader.yaml_implicit_resolvers.setdefault(_first, []).insert(
        0, (_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"))
    )


# libyaml's parser, where PyYAML was built with it: the big data files (thousands of phrasings) load
# in a tenth of the time, and a guide's front matter and scripts in a fraction (a full build parses
# tens of thousands of them). Same resolvers; text libyaml refuses is parsed again by the
# pure-Python parser, whose messages (marks, problem words) the editors' explanations are built on.
_FastLoader: type | None = None
if hasattr(yaml, "CSafeLoader"):

    class _CLoader(yaml.CSafeLoader):
        pass

    _CLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    _FastLoader = _CLoader


class YamlError(ValueError):
    def __init__(self, reason: str, line: int | None, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.field = field  # the key given twice, for a duplicate


def load_yaml(text: str, first_line: int = 1, fast: bool = False) -> tuple[Any, dict[str, int]]:
    """Parse YAML; return the data and the line of each key or item (1-based, in the file), by dotted path.

    `first_line` is the file line the text starts on. Raises YamlError with a line and a reason in
    plain words (with a hint where one helps). A key given twice in one mapping is an error: YAML
    would silently keep the last value (a second `title:` went live that way). Parsed once: the data
    is constructed from the node tree that gives the lines. libyaml parses it when present; what
    libyaml refuses is parsed by the pure-Python parser for its messages. `fast`: always libyaml.
    """
    if _FastLoader is not None and not fast:
        try:
            return load_yaml(text, first_line, fast=True)
        except YamlError as exc:
            if exc.field is not None:  # a key given twice: found on the node tree, the same message
                raise
    loader = (_FastLoader or _Loader)(text) if fast else _Loader(text)
    try:
        node = loader.get_single_node()
        _check_duplicate_keys(node, first_line)
        data = loader.construct_document(node) if node is not None else None  # a SafeLoader's constructor
    except yaml.MarkedYAMLError as exc:
        raise _plain_error(exc, text, first_line) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"not valid YAML: {exc}", first_line) from None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    _record_lines(node, "", first_line, lines)
    return data, lines


def _check_duplicate_keys(node: yaml.Node | None, first_line: int) -> None:
    """Raise YamlError at the second of two equal keys in one mapping, naming the first one's line."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in n.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    line = first_line + key.start_mark.line
                    if key.value in seen:
                        raise YamlError(
                            f"'{key.value}' is given twice (first on line {seen[key.value]}); "
                            "keep one: otherwise the last one silently wins",
                            line,
                            field=key.value,
                        )
                    seen[key.value] = line
                stack.append(value)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)


def _plain_error(exc: yaml.MarkedYAMLError, text: str, first_line: int) -> YamlError:
    """The YAML library's message ("mapping values are not allowed here") in words an editor can act on."""
    problem, context = str(exc.problem or ""), str(exc.context or "")
    mark = exc.problem_mark or exc.context_mark
    if exc.context_mark and ("end of stream" in problem or "flow" in context or "quoted" in context):
        mark = exc.context_mark  # an unclosed quote or bracket: where it was opened is what helps
    row = mark.line if mark else 0
    source = text.splitlines()
    here = source[row] if row < len(source) else ""
    key = here.split(":", 1)[0].strip().lstrip("- ").strip() or "value"
    if "mapping values are not allowed" in problem:
        value = here.split(":", 1)[1] if ":" in here else ""
        above = next((x for x in reversed(source[:row]) if x.strip()), "")
        indent, above_indent = len(here) - len(here.lstrip()), len(above) - len(above.lstrip())
        if ": " in value or value.rstrip().endswith(":"):
            reason = f'put the {key} in quotes: it contains a colon (write {key}: "...")'
        elif indent > above_indent and not above.rstrip().endswith(":"):
            reason = f"'{key}' is indented more than the line above; line it up with the line above"
        else:
            reason = "a colon where YAML does not expect one; put the value in quotes"
    elif "expected <block end>" in problem or "expected <block" in problem:
        reason = (
            "the indentation does not line up: indent every field of the same list item or group "
            "by the same number of spaces"
        )
    elif "'\\t'" in problem or "\t" in problem:
        reason = "a tab character: indent with spaces, never tabs"
    elif "cannot start any token" in problem or "undefined alias" in problem:
        char = problem.split("'")[1] if "'" in problem else "that character"
        if "alias" in problem:
            char = "*"
        reason = f"put the {key} in quotes: it starts with '{char}', which YAML reserves"
    elif "quoted" in context:
        reason = "a quote is opened and never closed; close it on the same line"
    elif "flow sequence" in context:
        reason = "a '[' list is not closed with ']' on the same line"
    elif "flow mapping" in context:
        reason = "a '{' is not closed with '}' on the same line"
    else:
        reason = " ".join(x for x in (problem, context) if x) or "invalid YAML"
    return YamlError(f"not valid YAML: {reason}", first_line + row if mark else first_line)


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
