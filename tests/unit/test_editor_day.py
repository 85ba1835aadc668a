"""An editor's day breaks no API test: on a copy of content/ where a real guide has a new section
and two real guides have new titles, the API behaviour tests still pass.

The API behaviour tests run on the synthetic corpus (tests/synthetic.py); what they still check on
the real content (the seed guide served as it is, every send-script's safety condition) must not
hang on an editor's words either. This runs those test files in a pytest of their own, with
LP_CONTENT_DIR pointing at the edited copy (tests/conftest.py publishes that copy for the session).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from api.config import ROOT

# The API test files that must survive an editor's day; add a file here once it is converted.
API_FILES = [
    "tests/api/test_read_api.py",
    "tests/api/test_graph_api.py",
    "tests/api/test_last_good.py",
]


def _edit(path, title: str, section: str) -> None:
    text = path.read_text(encoding="utf-8")
    head, sep, body = text.partition("\n---\n")
    lines = [f'title: "{title}"' if line.startswith("title:") else line for line in head.splitlines()]
    first = body.index("\n## ")
    body = body[:first] + f"\n\n## {section}\n\nA paragraph an editor added today.\n" + body[first:]
    path.write_text("\n".join(lines) + sep + body, encoding="utf-8")


def test_api_tests_pass_after_an_editor_adds_a_section_and_changes_titles(tmp_path) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    guides = content / "guides"
    # two guides the seed guide links to (the seed guide itself is the user's and never changes)
    _edit(guides / "why-do-i-miss-my-ex.md", "Missing Someone Who Hurt You", "A new first section")
    _edit(guides / "how-to-set-boundaries-without-guilt.md", "Boundaries, Gently", "Another new section")
    env = {**os.environ, "LP_CONTENT_DIR": str(content)}
    env.pop("PYTEST_ADDOPTS", None)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *API_FILES],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


# API test modules that may name a real guide, and why. Every other module in tests/api tests behaviour on
# the synthetic corpus (tests/synthetic.py) and names no real guide, so an editor's change cannot reach it.
REAL_CONTENT = {
    # the seed test: content/guides/no-contact-rule.md is served as it is (it never changes)
    "test_read_api.py",
    # what readers type finds the real guides: search and pattern-check relevance on the real corpus
    "test_search_api.py",
    "test_search_words.py",
    "test_pattern_check.py",
    "test_pattern_meaning.py",  # the meaning factor's relevance (what the words miss) on the real guides
    "test_search_meaning.py",  # search's fallback by meaning: words in no real guide find the fitting one
    "test_search_harm.py",  # violence found: the real guide on leaving safely leads the safety guides
}


def _real_slugs() -> list[str]:
    import yaml

    slugs = [p.stem for p in (ROOT / "content" / "guides").glob("*.md")]
    redirects = yaml.safe_load((ROOT / "content" / "redirects.yaml").read_text(encoding="utf-8"))
    slugs += list(redirects.get("renamed") or {}) + [r["slug"] for r in redirects.get("retired") or []]
    return sorted(slugs, key=len, reverse=True)


def _naming_real_guides() -> dict[str, set[str]]:
    import re

    slugs = _real_slugs()
    assert len(slugs) > 10  # the check reads the real corpus, or it checks nothing
    word = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, slugs)) + r")(?![\w-])")
    named = {}
    for path in sorted((ROOT / "tests" / "api").glob("*.py")):
        found = set(word.findall(path.read_text(encoding="utf-8")))
        if found:
            named[path.name] = found
    return named


def test_api_behaviour_tests_name_no_real_guide() -> None:
    named = _naming_real_guides()
    stray = {name: sorted(slugs) for name, slugs in named.items() if name not in REAL_CONTENT}
    assert stray == {}, "use the synthetic corpus (tests/synthetic.py), or say why on REAL_CONTENT"
    # each entry still names a real guide (a converted file leaves the list) and is a real file
    assert sorted(REAL_CONTENT - set(named)) == []
