"""Contract tests: a live gunicorn over the real content and a fresh search index, and a summary
of what schemathesis ran, written to the terminal so that it shows in CI output."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.content import Corpus
from tests.contract import typescript
from tests.contract.stats import STATS
from tests.e2e.server import gunicorn


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, corpus: Corpus) -> Iterator[str]:
    """Real gunicorn (2 workers) on the bundled content's release (the session's store)."""
    env: dict[str, str] = {}
    log = tmp_path_factory.mktemp("contract-log") / "gunicorn.log"
    with gunicorn(workers=2, env=env, log=log) as base:
        yield base


@pytest.fixture(scope="session")
def ts_toolchain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """node_modules of clients/typescript, installed once from its lockfile (`npm ci`)."""
    return typescript.npm_ci(tmp_path_factory.mktemp("ts-toolchain"))


@pytest.fixture(scope="session")
def ts_client(tmp_path_factory: pytest.TempPathFactory, ts_toolchain: Path) -> Path:
    """A copy of clients/typescript with types generated from the committed spec, built with strict
    `tsc` (dist/consumer.js)."""
    work = typescript.project(tmp_path_factory.mktemp("ts-client"), ts_toolchain)
    built = typescript.tsc(work, "tsc -p tsconfig.json (strict)", "-p", "tsconfig.json", "--noEmit", "false")
    assert built.returncode == 0, built.output
    assert (work / "dist" / "consumer.js").is_file()
    return work


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
    tr.write_line("with X-Preview-Token: " + ", ".join(f"{s}: {n}" for s, n in sorted(STATS.preview.items())))
    for label, n in sorted(STATS.cases.items()):
        mark = "FAILED" if label in STATS.failed else "ok"
        tr.write_line(f"  {mark:6} {n:5} cases  {label}")
