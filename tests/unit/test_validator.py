"""Broken content, one kind per row: the exact file, line, field and reason reported, never a traceback."""

from __future__ import annotations

from pathlib import Path

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


def _unreadable(path, monkeypatch) -> None:
    """A guide whose permissions forbid reading it (simulated: root, which the CI runs as, reads anything)."""
    path.write_text(GOOD.replace("test-guide", "secret"), encoding="utf-8")
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)


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
    # the line where the '[' was opened, not the next one where YAML noticed
    ("bad-yaml", {F: sub("title: A Test Guide", "title: [A Test Guide")}, (), (F, 3, "front matter", None, "error")),
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
        "duplicate-script-id",  # blamed on the guide updated last, with its line, naming the other file
        {F: sub("id: test-script", "id: i-just-need-closure")},
        (),
        (
            F,
            22,
            "script[i-just-need-closure].id",
            "duplicate script id 'i-just-need-closure': also used in content/guides/no-contact-rule.md:128; "
            "give one of them a new id",
            "error",
        ),
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
    # -- issue 16: the slips editors made that validated silently --------------------------------
    (
        "unclosed-container",  # the next container shows where it went wrong
        {F: sub("::: signals\n", "::: safety\nCareful.\n\n::: signals\n")},
        (),
        (
            F,
            20,
            "safety",
            "'::: signals' starts inside the '::: safety' opened on line 17, which is not closed: "
            "add a line with only ':::' where the safety part ends",
            "error",
        ),
    ),
    (
        "unclosed-container-at-the-end",
        {F: GOOD + "\n::: safety\nCareful.\n"},
        (),
        (
            F,
            30,
            "safety",
            "'::: safety' is never closed: add a line with only ':::' where it ends "
            "(until then it swallows everything below it)",
            "error",
        ),
    ),
    (
        "misspelt-script-fence",
        {F: sub("```script", "```scrpit")},
        (),
        (
            F,
            21,
            "script",
            "'```scrpit' looks like a misspelt script block: write '```script' "
            "(as it is, the script is shown as code and left out of the scripts)",
            "error",
        ),
    ),
    (
        "script-fence-with-extra-words",
        {F: sub("```script", "```script yaml")},
        (),
        (F, 21, "script", None, "error"),
    ),
    (
        "duplicate-front-matter-key",
        {F: sub("tags: [test]", "tags: [test]\ntitle: A Second Title")},
        (),
        (
            F,
            7,
            "title",
            "'title' is given twice (first on line 3); keep one: otherwise the last one silently wins",
            "error",
        ),
    ),
    (
        "duplicate-script-key",
        {F: sub("send: true", "send: true\nsend: false")},
        (),
        (
            F,
            27,
            "script.send",
            "'send' is given twice (first on line 26); keep one: otherwise the last one silently wins",
            "error",
        ),
    ),
    (
        "duplicate-redirect-key",
        {R: "renamed:\n  no-contact: no-contact-rule\n  no-contact: why-do-i-miss-my-ex\nretired: []\n"},
        (),
        (
            R,
            3,
            "no-contact",
            "'no-contact' is given twice (first on line 2); keep one: otherwise the last one silently wins",
            "error",
        ),
    ),
    (
        "duplicate-collections-key",
        {"collections.yaml": "- slug: breakup-recovery\n  title: A\n  title: B\n  description: C\n"},
        (),
        ("content/collections.yaml", 3, "title", None, "error"),
    ),
    (
        "duplicate-vocabulary-key",
        {"vocabulary.yaml": "abbreviations:\n  bf: boyfriend\n  bf: best friend\n"},
        (),
        ("content/vocabulary.yaml", 3, "bf", None, "error"),
    ),
    *[
        (
            f"placeholder-safety-{name}",
            {F: sub("safety: Only if it is safe to reply at all.", f"safety: {value}")},
            (),
            (
                F,
                27,
                "script[test-script].safety",
                f"'{shown}' is a placeholder: write the condition under which the script is safe to use",
                "error",
            ),
        )
        for name, value, shown in (
            ("todo", "TODO", "TODO"),
            ("tbd", "TBD later", "TBD later"),
            ("ellipsis", "…", "…"),
            ("question", "'?'", "?"),
        )
    ],
    (
        "placeholder-beside-a-bad-send",  # both at once, not one after the other
        {F: sub("send: true\nsafety: Only if it is safe to reply at all.", "send: yes\nsafety: TBD")},
        (),
        (
            F,
            27,
            "script[test-script].safety",
            "'TBD' is a placeholder: write the condition under which the script is safe to use",
            "error",
        ),
    ),
    (
        "send-yes",
        {F: sub("send: true", "send: yes")},
        (),
        (F, 26, "script[test-script].send", "must be true or false (not yes/no or a word)", "error"),
    ),
    (
        "image",
        {F: sub("Intro that links", "![](photo.jpg) Intro that links")},
        (),
        (
            F,
            11,
            "body",
            "images are not supported ('![](photo.jpg)'): describe what it shows in words, or link to it",
            "error",
        ),
    ),
    (
        "table",
        {F: GOOD + "\n| feeling | what helps |\n|---|---|\n| panic | breathe |\n"},
        (),
        (
            F,
            30,
            "body",
            "tables are not supported (readers would see the '|' signs): write the rows as a list",
            "error",
        ),
    ),
    (
        "folder-in-guides",
        {"guides/drafts.md": lambda path, _mp: path.mkdir()},
        (),
        ("content/guides/drafts.md", None, "file", "a folder, not a file: only files belong here", "error"),
    ),
    (
        "dangling-symlink-in-guides",
        {"guides/old-guide.md": lambda path, _mp: path.symlink_to(path.parent / "nowhere.md")},
        (),
        (
            "content/guides/old-guide.md",
            None,
            "file",
            "a link (symlink), not a file: put the file itself here",
            "error",
        ),
    ),
    (
        "unreadable-guide",
        {"guides/secret.md": _unreadable},
        (),
        ("content/guides/secret.md", None, "file", None, "error"),
    ),
    (
        "colon-in-title",
        {F: sub("title: A Test Guide", "title: Closure: A Test Guide")},
        (),
        (
            F,
            3,
            "front matter",
            'not valid YAML: put the title in quotes: it contains a colon (write title: "...")',
            "error",
        ),
    ),
    (
        "indentation",
        {
            F: sub(
                "tags: [test]",
                "tags: [test]\nsources:\n  - title: Hotline\n    kind: support\n   region: United States",
            )
        },
        (),
        (
            F,
            10,
            "front matter",
            "not valid YAML: the indentation does not line up: indent every field of the same list item or "
            "group by the same number of spaces",
            "error",
        ),
    ),
]


@pytest.mark.parametrize(("name", "files", "remove", "expected"), CASES, ids=[c[0] for c in CASES])
def test_broken_content_is_reported(content_dir, monkeypatch, name, files, remove, expected) -> None:
    files = {k.removeprefix("content/"): v for k, v in files.items()}
    root = content_dir({k: v for k, v in files.items() if not callable(v)}, remove)
    for rel, make in files.items():
        if callable(make):
            make(root / rel, monkeypatch)  # a folder, a link, an unreadable file: what a plain write cannot make
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
    elif name.startswith("duplicate-"):
        assert "is given twice" in p.reason, p.reason
    elif name == "unreadable-guide":
        assert p.reason == "cannot be read (Permission denied); check the file's permissions", p.reason
    elif name == "script-fence-with-extra-words":
        assert p.reason.startswith("'```script yaml' looks like a misspelt script block"), p.reason
    else:
        assert p.reason.startswith("not valid YAML"), p.reason
    assert [str(x) for x in problems].count(str(p)) == 1  # each problem once
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


def test_validate_as_an_editor_runs_it(tmp_path, content_dir) -> None:
    """The command as content/README.md writes it, in a fresh process with nothing published and no
    secret: each problem once, then the summary, and not one log line."""
    import subprocess
    import sys

    from api.config import ROOT

    root = content_dir({F.removeprefix("content/"): sub("title: A Test Guide", "title: Closure: A Test Guide")})
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "LP_RELEASE_STORE": str(tmp_path / "empty")}
    done = subprocess.run(
        [".venv/bin/flask", "--app", "api.app", "content", "validate", "--path", str(root)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr == ""
    assert done.stdout.splitlines() == [
        "content/guides/test-guide.md:3: error: front matter: not valid YAML: put the title in quotes: "
        'it contains a colon (write title: "...")',
        "18 guides, 54 scripts, 4 collections: 1 error(s), 0 warning(s)",
    ]


def test_every_command_in_the_editors_readme_works(runner) -> None:
    """content/README.md's commands, as written: each names a real command; the ones that only read run
    green on the real content (the ones that change files are tested on a copy in test_rename.py)."""
    import re
    import shlex

    from api.config import ROOT

    text = (ROOT / "content" / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^\.venv/bin/(flask|python) ([^#\n`]*?)\s*(?:#.*)?$", text, re.M)
    commands += re.findall(r"`\.venv/bin/(flask|python) ([^`]*)`", text)
    assert {" ".join(shlex.split(c)[2:4]) for tool, c in commands if tool == "flask"} >= {"content validate"}
    for tool, command in commands:
        args = shlex.split(command)
        if tool == "python":
            assert (ROOT / args[1].replace(".", "/")).with_suffix(".py").exists(), command
            continue
        assert args[:2] == ["--app", "api.app"], command
        if args[2:4] in (["content", "validate"], ["content", "check-resources"]):
            result = runner.invoke(args=args[2:])
            assert result.exit_code == 0, (command, result.output)
        else:
            result = runner.invoke(args=[*args[2:4], "--help"])
            assert result.exit_code == 0, (command, result.output)
    assert not re.search(r"^flask ", text, re.M), "write .venv/bin/flask: plain flask needs an active venv"
