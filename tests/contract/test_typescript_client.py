"""The spec is usable as frontend developers use it: types generated from the committed
openapi/openapi.json with openapi-typescript, a strict `tsc` build of clients/typescript's consumer
(openapi-fetch, no `!` and no casts), and the consumer run with node against real gunicorn.

Built in a copy of clients/typescript (tests/contract/typescript.py), so the lockfile alone must
reproduce the toolchain and the checkout is left untouched.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from api.content import Block
from api.http import SPARSE_JSON
from tests.contract.stats import STATS
from tests.contract.typescript import CLIENT, run

pytestmark = pytest.mark.e2e


def _count(blocks: tuple[Block, ...], seen: Counter[str]) -> Counter[str]:
    for b in blocks:
        seen[b.type] += 1
        for item in b.items:
            _count(item, seen)
        _count(b.children, seen)
    return seen


def test_consumer_uses_no_non_null_assertions_or_casts() -> None:
    code = re.sub(r"//.*", "", (CLIENT / "src" / "consumer.ts").read_text(encoding="utf-8"))
    assert not re.search(r"\w[\])]?!(?!=)", code), "a non-null assertion (`x!`) in consumer.ts"
    assert not re.search(r"\bas\s+(?!const\b)\w", code), "a cast (`as T`) in consumer.ts"
    assert not re.search(r"<\w+>\s*\w", code.replace("createClient<", "")), "a cast (`<T>x`) in consumer.ts"


def test_typed_client_consumer_against_gunicorn(ts_client: Path, live_server: str, corpus) -> None:
    node = shutil.which("node") or "node"
    out = run("node dist/consumer.js <live gunicorn>", [node, "dist/consumer.js", live_server], ts_client, 60).stdout
    facts = json.loads(out)
    g, sc, se = facts["guide"], facts["scripts"], facts["search"]
    STATS.typescript.append(
        (
            f"consumer: guide {g['slug']!r} {g['sections']} sections {g['scripts']} scripts "
            f"{sum(g['blocks'].values())} blocks; {sc['total']} send-scripts, "
            f"all with safety: {sc['allHaveSafety']}; search {se['normalized']!r}: {se['total']} hits, "
            f"top {se['top']['guide'] if se['top'] else None}; missing guide: {facts['missing']['status']}; "
            f"{facts['renamed']['asked']!r} -> {facts['renamed']['slug']!r}",
            0.0,
        )
    )
    guide = corpus.guides["no-contact-rule"]

    assert facts["guide"]["title"] == guide.title
    assert facts["guide"]["titleLength"] == len(guide.title.encode("utf-16-le")) // 2  # JS counts UTF-16 units
    assert facts["guide"]["collection"] == guide.collection
    assert facts["guide"]["sections"] == len(guide.sections)
    assert facts["guide"]["scripts"] == len(guide.scripts) > 0
    assert facts["guide"]["scriptsSafeToShow"] is True
    assert facts["guide"]["etag"].startswith('"')
    assert facts["guide"]["contentType"] == "application/json"
    # every block reached through the typed switch, by type, as the content has them
    expected = Counter[str]()
    for s in guide.sections:
        _count(s.blocks, expected)
    assert facts["guide"]["blocks"] == dict(expected) and expected["script"] == len(guide.scripts)

    # a renamed slug: openapi-fetch followed the 308; the body's slug is the new one
    renamed = corpus.renamed["no-contact"]
    assert facts["renamed"] == {
        "asked": "no-contact",
        "slug": renamed,
        "redirected": True,
        "url": f"/v1/guides/{renamed}",
    }

    # the sparse fieldset went out comma-separated (style=form, explode=false), and came back as such
    assert facts["guideList"] == {
        "total": len(corpus.guides),
        "keys": ["slug", "title"],
        "includes": True,
        "titlesMissing": 0,
        "contentType": SPARSE_JSON,
    }

    sendable = [s for s in corpus.scripts.values() if s.send]
    assert facts["scripts"]["total"] == len(sendable)
    assert facts["scripts"]["allSend"] is True and facts["scripts"]["allHaveSafety"] is True

    assert facts["search"]["total"] > 0
    assert facts["search"]["top"]["guide"] == "why-do-i-miss-my-ex"
    assert facts["search"]["safety"] is None

    assert facts["missing"]["status"] == 404
    assert facts["missing"]["error"]["status"] == 404 and facts["missing"]["error"]["title"] == "Not Found"
