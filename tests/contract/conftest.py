"""Contract tests: a live gunicorn over the real content and a fresh search index, and a summary
of what schemathesis ran, written to the terminal so that it shows in CI output."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.content import Corpus
from tests.contract.stats import STATS
from tests.e2e.server import gunicorn


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, corpus: Corpus) -> Iterator[str]:
    """Real gunicorn (2 workers) on the bundled content's release (the session's store)."""
    env: dict[str, str] = {}
    log = tmp_path_factory.mktemp("contract-log") / "gunicorn.log"
    with gunicorn(workers=2, env=env, log=log) as base:
        yield base


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    tr = terminalreporter
    if STATS.typescript:
        tr.section("typescript client (clients/typescript)")
        for step, seconds in STATS.typescript:
            tr.write_line(f"  {seconds:6.1f}s  {step}")
    if not STATS.operations:
        return
    tr.section("schemathesis contract summary")
    tr.write_line(
        f"operations: {STATS.operations}  cases: {sum(STATS.cases.values())}  "
        f"failures: {len(STATS.failed)}  time: {STATS.seconds:.1f}s"
    )
    tr.write_line("statuses: " + ", ".join(f"{s}: {n}" for s, n in sorted(STATS.statuses.items())))
    for label, n in sorted(STATS.cases.items()):
        mark = "FAILED" if label in STATS.failed else "ok"
        tr.write_line(f"  {mark:6} {n:5} cases  {label}")
