"""One YAML content file's bytes to data, every problem reported with file, line and field."""

from __future__ import annotations

from typing import Any

from api.content.model import Problem
from api.content.parse import decode
from api.content.yamlutil import YamlError, load_yaml


def load_yaml_file(
    raw: bytes | None, file: str, problems: list[Problem], fast: bool = False
) -> tuple[Any, dict[str, int]]:
    """(data, line of each key path), or (None, {}) with the problem noted; `raw` None: missing."""
    if raw is None:
        if not any(p.file == file for p in problems):  # not already reported as unreadable
            problems.append(Problem(file, None, "file", "file is missing"))
        return None, {}
    text, decode_problems = decode(raw, file)
    problems.extend(decode_problems)
    if text is None:
        return None, {}
    try:
        return load_yaml(text, fast=fast)
    except YamlError as exc:
        problems.append(Problem(file, exc.line, exc.field or "file", exc.reason))
        return None, {}
