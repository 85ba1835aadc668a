"""Broken content, one kind per row: the exact file, line, field and reason reported, never a traceback."""

from __future__ import annotations

import pytest

from api.content import load_corpus

GOOD = """---
slug: test-guide
title: A Test Guide
summary: A guide for the validator tests.
collection: breakup-recovery
tags: [test]
updated: 2026-05-01
byline: Written by the Love Patterns Lab editorial team.
---

Intro that links to [the seed](guide:no-contact-rule) when it helps.

## When it helps

It is especially useful when:

::: signals
- You keep checking whether they still care.
:::

```script
id: test-script
situation: When they text
trigger: Hi.
response: I need space.
send: true
safety: Only if it is safe to reply at all.
```
"""
F = "content/guides/test-guide.md"
R = "content/redirects.yaml"


def sub(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


CASES = [
    # (id, files to write, files to remove, expected (file, line, field, reason, severity))
    (
        "missing-field",
        {F: sub("summary: A guide for the validator tests.\n", "")},
        (),
        (F, None, "summary", "missing required field", "error"),
    ),
    (
        "unknown-field",
        {F: sub("tags: [test]", "tags: [test]\nsumary: typo")},
        (),
        (F, 7, "sumary", "unknown field", "error"),
    ),
    ("wrong-type", {F: sub("tags: [test]", "tags: test")}, (), (F, 6, "tags", "not a valid list", "error")),
    (
        "bad-date",
        {F: sub("updated: 2026-05-01", "updated: 01/05/2026")},
        (),
        (F, 7, "updated", "not a valid date", "error"),
    ),
    (
        "bad-bool",
        {F: sub("tags: [test]", "tags: [test]\nsafety_sensitive: maybe")},
        (),
        (F, 7, "safety_sensitive", "not a valid boolean", "error"),
    ),
    ("bad-yaml", {F: sub("title: A Test Guide", "title: [A Test Guide")}, (), (F, 4, "front matter", None, "error")),
    (
        "no-front-matter",
        {F: "Just text\n"},
        (),
        (F, 1, "front matter", "the file must start with a '---' line, then YAML front matter", "error"),
    ),
    (
        "not-utf8",
        {F: GOOD.encode().replace(b"Intro", b"Intro \xff")},
        (),
        (F, 11, "file", "not valid UTF-8 (byte 0xff at offset 213); save the file as UTF-8", "error"),
    ),
    (
        "slug-mismatch",
        {F: sub("slug: test-guide", "slug: other-guide")},
        (),
        (F, 2, "slug", "slug 'other-guide' does not match the file name 'test-guide.md'", "error"),
    ),
    (
        "duplicate-anchor",
        {F: sub("## When it helps\n", "## When it helps\n\nText.\n\n## When it helps!\n")},
        (),
        (F, 17, "anchor", "duplicate section anchor 'when-it-helps'", "error"),
    ),
    (
        "missing-guide-link",
        {F: sub("guide:no-contact-rule", "guide:no-such-guide")},
        (),
        (F, 11, "link", "link to a guide that does not exist: 'no-such-guide'", "error"),
    ),
    (
        "missing-read-next",
        {F: GOOD + "\n::: read-next\nRead [x](guide:gone-guide) if it fits.\n:::\n"},
        (),
        (F, 31, "read-next", "link to a guide that does not exist: 'gone-guide'", "error"),
    ),
    (
        "renamed-link",
        {F: sub("guide:no-contact-rule", "guide:no-contact")},
        (),
        (F, 11, "link", "link to renamed guide 'no-contact'; link to 'no-contact-rule' instead", "error"),
    ),
    (
        "unknown-collection",
        {F: sub("collection: breakup-recovery", "collection: heartbreak")},
        (),
        (
            F,
            None,
            "collection",
            "unknown collection 'heartbreak' "
            "(known: attachment-patterns, boundaries, breakup-recovery, safety-and-control)",
            "error",
        ),
    ),
    ("script-bad-yaml", {F: sub("trigger: Hi.", "trigger: [Hi.")}, (), (F, None, "script", None, "error")),
    (
        "script-missing-response",
        {F: sub("response: I need space.\n", "")},
        (),
        (F, None, "script[test-script].response", "missing required field", "error"),
    ),
    (
        "script-send-without-safety",
        {F: sub("safety: Only if it is safe to reply at all.\n", "")},
        (),
        (
            F,
            None,
            "script[test-script].safety",
            "a script meant to be sent needs a safety condition (it could escalate danger)",
            "error",
        ),
    ),
    (
        "script-not-a-mapping",
        {
            F: sub("id: test-script\n", "- just a list\n").replace(
                "situation: When they text\ntrigger: Hi.\nresponse: I need space.\nsend: true\n"
                "safety: Only if it is safe to "
                "reply at all.\n",
                "",
            )
        },
        (),
        (F, 21, "script", "a script block must hold 'field: value' lines", "error"),
    ),
    (
        "duplicate-script-id",
        {F: sub("id: test-script", "id: i-just-need-closure")},
        (),
        (F, None, "script[i-just-need-closure].id", "duplicate script id 'i-just-need-closure'", "error"),
    ),
    (
        "no-signals",
        {F: sub("::: signals\n- You keep checking whether they still care.\n:::\n", "- A plain list.\n")},
        (),
        (F, None, "signals", "no '::: signals' list (the 'It is especially useful when' items)", "error"),
    ),
    (
        "unknown-container",
        {F: GOOD + "\n::: warning\nCareful.\n:::\n"},
        (),
        (
            F,
            30,
            "body",
            "unknown or unclosed container '::: warning' (use one of: signals, safety, read-next; close with ':::')",
            "error",
        ),
    ),
    (
        "safety-without-note",
        {
            F: sub(
                "tags: [test]",
                "tags: [test]\nsafety_sensitive: true\nsources:\n"
                "  - {title: Hotline, kind: support, region: United States}",
            )
        },
        (),
        (F, 7, "safety", "a guide marked safety_sensitive needs a '::: safety' callout", "error"),
    ),
    (
        "safety-without-support",
        {
            F: sub("tags: [test]", "tags: [test]\nsafety_sensitive: true").replace(
                "## When it helps", "::: safety\nGet support first.\n:::\n\n## When it helps"
            )
        },
        (),
        (F, 7, "sources", "a guide marked safety_sensitive needs a source of kind 'support'", "error"),
    ),
    (
        "bad-source-kind",
        {F: sub("tags: [test]", "tags: [test]\nsources:\n  - {title: X, kind: blog, region: UK}")},
        (),
        (F, 7, "sources.0.kind", "must be 'support' or 'reference'", "error"),
    ),
    (
        "redirect-loop",
        {R: "renamed:\n  loop-a: loop-b\n  loop-b: loop-a\nretired: []\n"},
        (),
        ("content/redirects.yaml", None, "renamed.loop-a", "redirect loop starting at 'loop-a'", "error"),
    ),
    (
        "redirect-to-missing",
        {R: "renamed:\n  old-name: not-a-guide\nretired: []\n"},
        (),
        (
            "content/redirects.yaml",
            None,
            "renamed.old-name",
            "redirect to a guide that does not exist: 'not-a-guide'",
            "error",
        ),
    ),
    (
        "retired-still-a-guide",
        {R: "renamed: {}\nretired:\n  - {slug: leaving-safely, reason: Old.}\n"},
        (),
        (
            "content/redirects.yaml",
            None,
            "retired.leaving-safely",
            "'leaving-safely' is retired but is still a guide",
            "error",
        ),
    ),
    ("orphan", {F: GOOD}, (), (F, None, "links", "orphan guide: no other guide links to it", "warning")),
    (
        "signals-missing",
        {},
        ("safety/signals.yaml",),
        ("content/safety/signals.yaml", None, "file", "file is missing", "error"),
    ),
    (
        "vocabulary-missing",
        {},
        ("vocabulary.yaml",),
        ("content/vocabulary.yaml", None, "file", "file is missing", "error"),
    ),
    (
        "signals-unknown-kind",
        {"safety/signals.yaml": "kinds:\n  fear:\n    level: urgent\n    label: Fear\n    patterns: [afraid]\n"},
        (),
        ("content/safety/signals.yaml", 2, "kinds.fear", None, "error"),
    ),
    (
        "signals-never-matches",
        {
            "safety/signals.yaml": (
                "kinds:\n  self_harm:\n    level: urgent\n    label: X\n    patterns:\n      - '[my] life'\n"
            )
        },
        (),
        (
            "content/safety/signals.yaml",
            6,
            "kinds.self_harm",
            "'[my] life': the first word of a pattern may not be optional",
            "error",
        ),
    ),
    (
        "danger-words-in-an-ordinary-guide",
        {F: GOOD.replace("Intro that links", "He grabbed me by the throat. Intro that links")},
        (),
        (F, None, "safety_sensitive", None, "warning"),  # the introduction has no heading line
    ),
    (
        "collections-bad-yaml",
        {"collections.yaml": "- slug: a\n  title: [x\n"},
        (),
        ("content/collections.yaml", None, "file", None, "error"),
    ),
    (
        "collections-missing-field",
        {"collections.yaml": "- slug: breakup-recovery\n  title: Breakup recovery\n"},
        (),
        ("content/collections.yaml", 1, "[0].description", "missing required field", "error"),
    ),
]


@pytest.mark.parametrize(("name", "files", "remove", "expected"), CASES, ids=[c[0] for c in CASES])
def test_broken_content_is_reported(content_dir, name, files, remove, expected) -> None:
    root = content_dir({k.removeprefix("content/"): v for k, v in files.items()}, remove)
    _corpus, problems = load_corpus(root)
    file, line, field, reason, severity = expected
    matching = [p for p in problems if p.file == file and p.field == field and p.severity == severity]
    assert matching, [str(p) for p in problems]
    p = matching[0]
    if line is not None:
        assert p.line == line, str(p)
    if name == "signals-unknown-kind":
        assert p.reason.startswith("unknown kind (known: immediate_danger, strangulation")
    elif name == "danger-words-in-an-ordinary-guide":
        assert p.reason.startswith(
            "section 'introduction' speaks of danger: strangulation ('grabbed me by the throat')"
        )
    elif reason is not None:
        assert p.reason == reason
    else:
        assert p.reason.startswith("not valid YAML"), p.reason
    if severity == "error":
        assert any(x.severity == "error" for x in problems)


def test_real_content_validates_clean() -> None:
    from api.config import ROOT

    corpus, problems = load_corpus(ROOT / "content")
    assert [str(p) for p in problems] == []
    assert len(corpus.guides) >= 15
    assert len(corpus.scripts) >= 40
    assert len({g.collection for g in corpus.guides.values()}) >= 3
    assert sum(1 for g in corpus.guides.values() if g.safety_sensitive and g.support_sources) >= 4
    for g in corpus.guides.values():
        assert g.sections and g.signals and g.scripts, g.slug
        for s in g.scripts:
            assert not s.send or s.safety, s.id  # never a send-script without its safety condition


def test_validate_cli_reports_and_exits_nonzero(runner, content_dir) -> None:
    root = content_dir({F.removeprefix("content/"): sub("tags: [test]", "tags: test")})
    result = runner.invoke(args=["content", "validate", "--path", str(root)])
    assert result.exit_code == 1
    assert "content/guides/test-guide.md:6: error: tags: not a valid list" in result.output
    assert "1 error(s)" in result.output


def test_validate_cli_clean(runner) -> None:
    result = runner.invoke(args=["content", "validate"])
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.output


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"---\n",
        b"---\n---\n",
        b"\x00\x01\x02binary",
        b"---\n: :\n---\n",
        b"---\n- a list\n---\nbody\n",
        b"---\nslug: test-guide\n---\n\n```script\n```\n",
        b"---\nslug: [\n---\n",
        "\ufeff---\n".encode(),
    ],
)
def test_garbage_never_raises(content_dir, data: bytes) -> None:
    root = content_dir({"guides/test-guide.md": data})
    _corpus, problems = load_corpus(root)
    assert any(p.file == F and p.severity == "error" for p in problems)


def test_a_reviewed_guide_is_not_warned_about(content_dir) -> None:
    text = GOOD.replace("Intro that links", "He grabbed me by the throat. Intro that links")
    for body, warned in ((text, True), (text.replace("byline:", "safety_reviewed: true\nbyline:"), False)):
        _corpus, problems = load_corpus(content_dir({"guides/test-guide.md": body}))
        found = [p for p in problems if p.field == "safety_sensitive" and p.file.endswith("test-guide.md")]
        assert bool(found) is warned, [str(p) for p in problems]
