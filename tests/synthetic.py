"""A small synthetic corpus for API behaviour tests, and its fixtures (a pytest plugin: see
`pytest_plugins` in tests/conftest.py).

API tests that check how the API behaves (paging, filters, redirects, caching, errors) run on
these four guides, not on the real content/, so an editor's new section or changed title breaks
no test. The real corpus is for the seed test (content/guides/no-contact-rule.md is served as it
is) and for the "every real file loads" tests. The danger-recognition data (vocabulary.yaml,
safety/) is the safety editor's data, not guide text: it is copied from content/ as it is.

Every fact the tests assert is written here, so a test may name it: `QUIET` has four sections,
two scripts (`quiet-reply` is meant to be sent, with its safety condition), five signals and a
read-next link to `MISSING`; `old-quiet` is renamed to `QUIET`; `make-them-chase` is retired (from
first-steps).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from api.config import ROOT

QUIET = "quiet-after-a-breakup"
MISSING = "missing-them"
UNSAFE = "feeling-unsafe"
LIMITS = "saying-no-kindly"
SLUGS = (QUIET, MISSING, UNSAFE, LIMITS)
RENAMED = {"old-quiet": QUIET, "old-limits": LIMITS}
RETIRED = "make-them-chase"

QUIET_TITLE = "Quiet After a Breakup: A Test Guide"
QUIET_SECTIONS = ["introduction", "when-quiet-helps", "scripts-for-the-urge", "read-next"]
QUIET_SCRIPTS = ["quiet-note-to-self", "quiet-reply"]
MISSING_TITLE = "Missing Them: A Test Guide"

COLLECTIONS = """\
- slug: first-steps
  title: First steps
  description: "Synthetic collection one."
- slug: staying-safe
  title: Staying safe
  description: "Synthetic collection two."
- slug: limits
  title: Limits
  description: "Synthetic collection three."
"""

REDIRECTS = f"""\
# Renamed guides: an old slug answers with a redirect to the new one.
renamed:
  old-quiet: {QUIET}
  old-limits: {LIMITS}
# Retired guides: the slug answers 410 Gone with the reason.
retired:
  - slug: {RETIRED}
    reason: Retired because it framed quiet as a tactic.
    collection: first-steps
"""

FENCE = "```"

GUIDES = {
    QUIET: f"""\
---
slug: {QUIET}
title: "{QUIET_TITLE}"
summary: "A synthetic guide about a quiet time after a breakup."
collection: first-steps
order: 1
tags: [no-contact, breakup]
updated: 2026-03-01
byline: Written for the tests.
sources:
  - title: Test Reference
    kind: reference
    region: International
    note: A synthetic source.
---

Quiet is not a trick. It gives you time back. A "perfect reply" can wait.

## When quiet helps

Quiet helps when every message resets your grief.

It is especially useful when:

::: signals
- The relationship had hot-cold reinforcement.
- You keep checking whether they still care.
- Contact turns into hope without repair.
- You wait for their reply to feel okay.
- You reread old messages at night.
:::

::: safety
If you share children or a home, quiet may need planning and support.
:::

## Scripts for the urge

{FENCE}script
id: quiet-note-to-self
situation: Write a note you do not send
response: I am choosing quiet because contact keeps me waiting.
send: false
tags: [self-talk]
{FENCE}

{FENCE}script
id: quiet-reply
situation: When they text
trigger: I miss you.
response: I need space, so I am not going to keep talking right now.
send: true
safety: Only if it is safe and necessary to reply at all.
tags: [reply]
{FENCE}

## Read next

::: read-next
Read [{MISSING_TITLE}](guide:{MISSING}) if nostalgia is editing out the pattern.
:::
""",
    MISSING: f"""\
---
slug: {MISSING}
title: "{MISSING_TITLE}"
summary: "A synthetic guide about missing someone who hurt you."
collection: first-steps
order: 2
tags: [grief, breakup]
updated: 2026-07-01
byline: Written for the tests.
---

Missing someone is not proof you should go back.

## Why it pulls

The mind keeps the good days and edits out the rest.

This guide may fit if:

::: signals
- You miss them even though it hurt.
:::

{FENCE}script
id: missing-list
situation: Write a list you keep
response: I miss the good days, and I remember why they ended.
send: false
{FENCE}

::: read-next
Read [{QUIET_TITLE}](guide:{QUIET}) when every message resets your grief.
:::
""",
    UNSAFE: f"""\
---
slug: {UNSAFE}
title: "Feeling Unsafe: A Test Guide"
summary: "A synthetic guide for when love feels unsafe."
collection: staying-safe
order: 1
tags: [safety, no-contact]
updated: 2026-08-01
byline: Written for the tests.
safety_sensitive: true
sources:
  - title: National Domestic Violence Hotline
    kind: support
    region: United States
    url: https://www.thehotline.org/
---

If you are afraid of how they will react, you deserve support.

## Getting support

This guide may fit if:

::: signals
- You are afraid of how they will react.
:::

::: safety
If you are in immediate danger, call your local emergency number.
:::

{FENCE}script
id: unsafe-ask-for-help
situation: When you want to send a message to a friend
response: Can I call you tonight? I need to talk about something hard.
send: true
safety: Only from a phone they cannot see.
tags: [reply]
{FENCE}

Read [{QUIET_TITLE}](guide:{QUIET}) if you are unsure whether quiet is safe for you.
""",
    LIMITS: f"""\
---
slug: {LIMITS}
title: "Saying No Kindly: A Test Guide"
summary: "A synthetic guide about boundaries."
collection: limits
order: 1
tags: [boundaries]
updated: 2026-05-01
byline: Written for the tests.
related: [{QUIET}]
---

A limit is something you do, not something they must agree to.

## Saying it

This guide may fit if:

::: signals
- You feel guilty saying no.
:::

{FENCE}script
id: limits-no
situation: When they ask for more time
response: I cannot do that this week.
send: false
tags: [boundaries]
{FENCE}
""",
}


def extra_guide_md(slug: str, collection: str = "first-steps", summary: str = "A guide made by the tests.") -> str:
    """One more guide for a copy of the synthetic corpus, its read-next linking to QUIET."""
    return f"""---
slug: {slug}
title: Test guide {slug}
summary: "{summary}"
collection: {collection}
tags: [test]
updated: 2026-11-01
byline: Written for the tests.
---

An introduction.

## When this helps

It is especially useful when:

::: signals
- You are testing the API.
:::

## What to write

{FENCE}script
id: {slug}-note
situation: When you want to write it down
response: I am writing this for me, not to send.
send: false
{FENCE}

::: read-next
Read [{QUIET_TITLE}](guide:{QUIET}) if the quiet is what you need.
:::
"""


def write_corpus(root: Path) -> Path:
    """Write the synthetic corpus into `root` (made if missing); returns `root`."""
    (root / "guides").mkdir(parents=True, exist_ok=True)
    for slug, text in GUIDES.items():
        (root / "guides" / f"{slug}.md").write_text(text, encoding="utf-8")
    (root / "collections.yaml").write_text(COLLECTIONS, encoding="utf-8")
    (root / "redirects.yaml").write_text(REDIRECTS, encoding="utf-8")
    real = ROOT / "content"
    shutil.copy(real / "vocabulary.yaml", root / "vocabulary.yaml")
    shutil.copytree(real / "safety", root / "safety", dirs_exist_ok=True)
    return root


@pytest.fixture(scope="session")
def syn_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic corpus, written once a session (do not change it: copy it first)."""
    return write_corpus(tmp_path_factory.mktemp("synthetic") / "content")


@pytest.fixture(scope="session")
def syn_corpus(syn_content: Path):
    from api.content import load_corpus

    corpus, problems = load_corpus(syn_content)
    assert not [p for p in problems if p.severity == "error"], problems
    return corpus


@pytest.fixture(scope="session")
def syn_store(syn_content: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic corpus published into a release store of its own (do not publish into it)."""
    from api.releases import ReleaseStore, publish

    store = tmp_path_factory.mktemp("synthetic-releases")
    publish(syn_content, ReleaseStore(store))
    return store


@pytest.fixture(scope="session")
def syn_app(syn_content: Path, syn_store: Path):
    """An app over the synthetic corpus's release store."""
    from api.app import create_app

    return create_app({"TESTING": True, "CONTENT_DIR": str(syn_content), "RELEASE_STORE": str(syn_store)})


@pytest.fixture()
def syn_client(syn_app):
    return syn_app.test_client()


@pytest.fixture()
def syn_content_dir(tmp_path: Path):
    """A copy of the synthetic corpus that a test may change (as `content_dir` for the real one)."""

    def make(files: dict[str, str] | None = None, remove: tuple[str, ...] = ()) -> Path:
        root = tmp_path / "content"
        if not root.exists():
            write_corpus(root)
        for rel in remove:
            (root / rel).unlink()
        for rel, data in (files or {}).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(data, encoding="utf-8")
        return root

    return make
