"""The spec is usable as frontend developers use it: types generated from the committed
openapi/openapi.json with openapi-typescript, a strict `tsc` build of clients/typescript's consumer
(openapi-fetch), and the consumer run with node against real gunicorn.

Built in a copy of clients/typescript (package.json, package-lock.json, tsconfig.json, src/), so
the lockfile alone must reproduce the toolchain and the checkout is left untouched.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.contract.stats import STATS
from tests.e2e.server import ROOT

pytestmark = pytest.mark.e2e

CLIENT = ROOT / "clients" / "typescript"
SPEC = ROOT / "openapi" / "openapi.json"


def run(step: str, cmd: list[str], cwd: Path, timeout: float) -> str:
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    STATS.typescript.append((step, time.monotonic() - started))
    assert proc.returncode == 0, f"{step} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    npm, node = shutil.which("npm"), shutil.which("node")
    assert npm and node, "Node.js 20+ and npm are needed for the TypeScript client test"
    work = tmp_path_factory.mktemp("ts-client")
    for name in ("package.json", "package-lock.json", "tsconfig.json"):
        shutil.copy2(CLIENT / name, work / name)
    shutil.copytree(CLIENT / "src", work / "src", ignore=shutil.ignore_patterns("schema.d.ts"))
    run("npm ci", [npm, "ci", "--no-audit", "--no-fund"], work, 300)
    bin_ = work / "node_modules" / ".bin"
    run(
        "openapi-typescript openapi/openapi.json -o src/schema.d.ts",
        [str(bin_ / "openapi-typescript"), str(SPEC), "-o", "src/schema.d.ts"],
        work,
        120,
    )
    run(
        "tsc -p tsconfig.json --noEmit false (strict)",
        [str(bin_ / "tsc"), "-p", "tsconfig.json", "--noEmit", "false"],
        work,
        300,
    )
    assert (work / "dist" / "consumer.js").is_file()
    return work


def test_typed_client_consumer_against_gunicorn(built: Path, live_server: str, corpus) -> None:
    node = shutil.which("node") or "node"
    out = run("node dist/consumer.js <live gunicorn>", [node, "dist/consumer.js", live_server], built, 60)
    facts = json.loads(out)
    g, sc, se = facts["guide"], facts["scripts"], facts["search"]
    STATS.typescript.append(
        (
            f"consumer: guide {g['slug']!r} {g['sections']} sections {g['scripts']} scripts; "
            f"{sc['total']} send-scripts, "
            f"all with safety: {sc['allHaveSafety']}; search {se['normalized']!r}: {se['total']} hits, "
            f"top {se['top']['guide'] if se['top'] else None}; missing guide: {facts['missing']['status']}",
            0.0,
        )
    )
    guide = corpus.guides["no-contact-rule"]

    assert facts["guide"]["title"] == guide.title
    assert facts["guide"]["collection"] == guide.collection
    assert facts["guide"]["sections"] == len(guide.sections)
    assert facts["guide"]["scripts"] == len(guide.scripts) > 0
    assert facts["guide"]["scriptsSafeToShow"] is True
    assert facts["guide"]["etag"].startswith('"')

    # the sparse fieldset went out comma-separated, as the spec's style=form, explode=false says
    assert facts["guideList"] == {"total": len(corpus.guides), "keys": ["slug", "title"], "includes": True}

    sendable = [s for s in corpus.scripts.values() if s.send]
    assert facts["scripts"]["total"] == len(sendable)
    assert facts["scripts"]["allSend"] is True and facts["scripts"]["allHaveSafety"] is True

    assert facts["search"]["total"] > 0
    assert facts["search"]["top"]["guide"] == "why-do-i-miss-my-ex"
    assert facts["search"]["safety"] is None

    assert facts["missing"]["status"] == 404
    assert facts["missing"]["error"]["status"] == 404 and facts["missing"]["error"]["title"] == "Not Found"
