"""The danger-recognition files a safety editor keeps, read and checked: the signals file
(content/safety/signals.yaml), the vocabulary (content/vocabulary.yaml) and the phrasings
(content/safety/phrasings/). The pattern language and the recogniser are in api.language.signals.

Loading never raises: problems are reported with file, line and field, like every content file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from api.content.model import Problem
from api.language.data import KindSpec, Pattern, Signals, Vocabulary
from api.language.signals import KINDS, LEVELS, recogniser
from api.language.thesaurus import parse_search_words


def parse_signals(data: Any, lines: Mapping[str, int], file: str, problems: list[Problem]) -> Signals:
    """The signals file's data (from YAML) as Signals; every problem reported, nothing raised."""
    if not isinstance(data, dict):
        problems.append(Problem(file, 1, "file", "the signals file must be a mapping with 'kinds' (and 'sets')"))
        return Signals()
    for key in data:
        if key not in ("kinds", "sets", "unless"):
            problems.append(
                Problem(file, lines.get(str(key)), str(key), "unknown key (expected 'kinds', 'sets' or 'unless')")
            )
    sets = _parse_sets(data.get("sets") or {}, lines, file, problems)
    raw_kinds = data.get("kinds")
    if not isinstance(raw_kinds, dict):
        problems.append(Problem(file, lines.get("kinds", 1), "kinds", "must map each kind of danger to its patterns"))
        raw_kinds = {}
    kinds = [k for kind, spec in raw_kinds.items() if (k := _parse_kind(kind, spec, lines, file, problems))]
    order = list(KINDS)
    kinds.sort(key=lambda k: order.index(k.id))
    excuses = _patterns(data.get("unless"), "unless", lines, None, file, problems)
    return Signals(tuple(kinds), tuple(sets), excuses)


def _parse_sets(
    raw: Any, lines: Mapping[str, int], file: str, problems: list[Problem]
) -> list[tuple[str, tuple[str, ...]]]:
    """`sets:`: each name (lower-case letters, digits and _) with its non-empty list of words."""
    sets: list[tuple[str, tuple[str, ...]]] = []
    if not isinstance(raw, dict):
        problems.append(Problem(file, lines.get("sets"), "sets", "must map a name to a list of words"))
        return sets
    for name, words in raw.items():
        where = lines.get(f"sets.{name}")
        if not isinstance(name, str) or not re.match(r"^[a-z][a-z0-9_]*$", name):
            problems.append(Problem(file, where, f"sets.{name}", "a set name is lower-case letters, digits and _"))
        elif not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
            problems.append(Problem(file, where, f"sets.{name}", "must be a non-empty list of words"))
        else:
            sets.append((name, tuple(w.strip().lower() for w in words)))
    return sets


def _parse_kind(kind: Any, spec: Any, lines: Mapping[str, int], file: str, problems: list[Problem]) -> KindSpec | None:
    """One kind of danger: a known kind, its level, its label, its patterns, excuses and examples."""
    where = lines.get(f"kinds.{kind}")
    if kind not in KINDS:
        problems.append(Problem(file, where, f"kinds.{kind}", f"unknown kind (known: {', '.join(KINDS)})"))
        return None
    if not isinstance(spec, dict):
        problems.append(Problem(file, where, f"kinds.{kind}", "must have level, label and patterns"))
        return None
    for key in spec:
        if key not in ("level", "label", "patterns", "unless", "examples"):
            field = f"kinds.{kind}.{key}"
            reason = "unknown key (expected level, label, patterns, unless, examples)"
            problems.append(Problem(file, lines.get(field, where), field, reason))
    level = spec.get("level")
    if level not in LEVELS:
        field = f"kinds.{kind}.level"
        problems.append(Problem(file, lines.get(field, where), field, f"must be one of: {', '.join(LEVELS)}"))
        return None
    label = spec.get("label")
    if not isinstance(label, str) or not label.strip():
        problems.append(Problem(file, where, f"kinds.{kind}.label", "a short label for readers is required"))
        return None
    lists = {key: _patterns(spec.get(key), f"kinds.{kind}.{key}", lines, where, file, problems) for key in _LISTS}
    if not lists["patterns"]:
        reason = "a kind needs at least one pattern, or its danger goes unrecognised"
        problems.append(Problem(file, where, f"kinds.{kind}.patterns", reason))
    return KindSpec(kind, level, label.strip(), lists["patterns"], lists["unless"], lists["examples"])


_LISTS = ("patterns", "unless", "examples")


def _patterns(
    items: Any, path: str, lines: Mapping[str, int], where: int | None, file: str, problems: list[Problem]
) -> tuple[Pattern, ...]:
    """A list of patterns (or examples) in lower case with single spaces, each with its line."""
    items = items or []
    if not isinstance(items, list) or not all(isinstance(x, str) and x.strip() for x in items):
        problems.append(Problem(file, lines.get(path, where), path, "must be a list of non-empty strings"))
        return ()
    return tuple(Pattern(" ".join(x.lower().split()), lines.get(f"{path}.{n}")) for n, x in enumerate(items))


def check_signals(
    vocabulary: Vocabulary, signals: Signals, file: str, phrasings: tuple[tuple[str, str], ...] = ()
) -> list[Problem]:
    """What the validator says of a parsed signals file: patterns that can never match, missing kinds,
    and examples that are not recognised as their kind (by the patterns alone).

    Given the phrasings, the recogniser built here is the one the service then uses (one build per
    load, not two)."""
    problems: list[Problem] = []
    present = {k.id for k in signals.kinds}
    for kind in KINDS:
        if kind not in present:
            problems.append(Problem(file, None, f"kinds.{kind}", "missing: this kind of danger would go unrecognised"))
    r = recogniser(vocabulary, signals, phrasings)
    for kind, pattern, reason in r.errors:
        where = "unless" if kind == "unless" else f"kinds.{kind}"
        problems.append(Problem(file, pattern.line, where, f"'{pattern.text}': {reason}"))
    for spec in signals.kinds:
        for example in spec.examples:
            kinds = [f.kind for f in r.recognise(example.text, classify=False)]
            if spec.id not in kinds:
                got = f" (recognised as: {', '.join(kinds)})" if kinds else ""
                problems.append(
                    Problem(
                        file,
                        example.line,
                        f"kinds.{spec.id}.examples",
                        f"'{example.text}' is not recognised as {spec.id}{got}",
                    )
                )
    return problems


def parse_vocabulary(data: Any, lines: Mapping[str, int], file: str, problems: list[Problem]) -> Vocabulary:
    """The vocabulary file's data as a Vocabulary; every problem reported, nothing raised."""
    if not isinstance(data, dict):
        problems.append(Problem(file, 1, "file", "must be a mapping with abbreviations, spellings and words"))
        return Vocabulary()
    out: dict[str, Any] = {}
    for key in data:
        if key not in ("abbreviations", "spellings", "words", "synonyms", "expansions", "idioms"):
            problems.append(
                Problem(
                    file,
                    lines.get(str(key)),
                    str(key),
                    "unknown key (expected abbreviations, spellings, words, synonyms, expansions, idioms)",
                )
            )
    for key in ("abbreviations", "spellings"):
        table = data.get(key) or {}
        if not isinstance(table, dict):
            problems.append(Problem(file, lines.get(key), key, "must map what people write to the words meant"))
            table = {}
        pairs = []
        for written, meant in table.items():
            where = lines.get(f"{key}.{written}", lines.get(key))
            if not isinstance(written, str) or not isinstance(meant, str) or not meant.strip():
                problems.append(Problem(file, where, f"{key}.{written}", "must map a word to words"))
                continue
            w = written.strip().lower()
            if key == "spellings" and (not w.isalpha() or not meant.strip().isalpha()):
                problems.append(Problem(file, where, f"{key}.{written}", "a spelling maps one word to one word"))
                continue
            pairs.append((w, " ".join(meant.lower().split())))
        out[key] = tuple(sorted(pairs))
    words = data.get("words") or []
    if not isinstance(words, list) or not all(isinstance(w, str) and w.strip().isalnum() for w in words):
        problems.append(Problem(file, lines.get("words"), "words", "must be a list of single words"))
        words = []
    out["words"] = tuple(sorted({w.strip().lower() for w in words}))
    synonyms, expansions, idioms = parse_search_words(data, lines, file, problems)  # search's, not the recogniser's
    return Vocabulary(out["abbreviations"], out["spellings"], out["words"], synonyms, expansions, idioms)


def parse_phrasings(data: Any, lines: Mapping[str, int], file: str, problems: list[Problem]) -> list[tuple[str, str]]:
    """A phrasings file (danger: kind and text; lookalike: text) as (text, kind) pairs, kind "" for none."""
    if not isinstance(data, dict) or not set(data) <= {"danger", "lookalike"}:
        problems.append(Problem(file, 1, "file", "must be a mapping with 'danger' and/or 'lookalike' lists"))
        return []
    out: list[tuple[str, str]] = []
    for key in ("danger", "lookalike"):
        items = data.get(key) or []
        if not isinstance(items, list):
            problems.append(Problem(file, lines.get(key), key, "must be a list"))
            continue
        for n, item in enumerate(items):
            where, field = lines.get(f"{key}.{n}"), f"{key}[{n}]"
            text = item.get("text") if isinstance(item, dict) else None
            if not isinstance(text, str) or not text.strip():
                problems.append(Problem(file, where, field, "needs a text"))
                continue
            kind = item.get("kind", "") if key == "danger" else ""
            if key == "danger" and kind not in KINDS:
                problems.append(
                    Problem(file, where, f"{field}.kind", f"unknown kind '{kind}' (known: {', '.join(KINDS)})")
                )
                continue
            also = item.get("also") or []
            if not isinstance(also, list) or not set(also) <= set(KINDS):
                problems.append(Problem(file, where, f"{field}.also", "a list of known kinds"))
            out.append((" ".join(text.split()), kind))
    return out
