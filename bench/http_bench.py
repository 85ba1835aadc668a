"""HTTP throughput and latency of the read API under the committed gunicorn config, with wrk.

    python -m bench.http_bench [--duration 10] [--connections 32]

One run starts gunicorn once and measures, side by side: the trivial endpoint (/v1/health, the
ceiling), a guide by slug, the guide list, the scripts list, and a 304 revalidation. Results go to
bench/results/http.md with the machine they ran on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from collections import Counter
from pathlib import Path

from bench.machine import machine_summary
from tests.e2e.server import gunicorn

RESULTS = Path(__file__).parent / "results" / "http.md"
INDEX = Path(__file__).parent / "out" / "http-index"
CASES = [
    ("trivial (/v1/health)", "/v1/health", False),
    ("search, one repeated query (result cache)", "/v1/search?q=miss%20my%20ex", False),
    ("search, varied two-word queries (mostly uncached)", "/v1/search?q=", "varied"),
    ("guide by slug", "/v1/guides/no-contact-rule", False),
    ("guide by slug, gzip negotiated", "/v1/guides/no-contact-rule", "gzip"),
    ("guide by slug, brotli negotiated", "/v1/guides/no-contact-rule", "br"),
    ("guide list", "/v1/guides?collection=breakup-recovery&sort=title", False),
    ("scripts list", "/v1/scripts?send=true", False),
    ("304 revalidation", "/v1/guides/no-contact-rule", True),
    ("304 revalidation of the gzip variant", "/v1/guides/no-contact-rule", "gzip-304"),
]
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    assert m, text
    return float(m.group(1)) * _UNITS[m.group(2)]


def varied_queries_script() -> str:
    """A wrk Lua script asking for random pairs of words from the real guides: ~40,000 distinct queries."""
    from api.config import ROOT
    from api.content import load_corpus

    corpus, _ = load_corpus(ROOT / "content")
    words = Counter(
        w for g in corpus.guides.values() for s in g.sections for w in re.findall(r"[a-z]{5,}", s.text.lower())
    )
    vocab = [w for w, _ in words.most_common(200)]
    path = Path(tempfile.mkstemp(suffix=".lua")[1])
    path.write_text(
        "local words = {" + ",".join(f'"{w}"' for w in vocab) + "}\n"
        "math.randomseed(7)\n"
        "request = function()\n"
        "  local q = words[math.random(#words)] .. '%20' .. words[math.random(#words)]\n"
        "  return wrk.format('GET', '/v1/search?q=' .. q)\n"
        "end\n"
    )
    return str(path)


def wrk(
    url: str, duration: int, connections: int, headers: dict[str, str], script: str | None = None
) -> dict[str, float]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", script]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(pct["50"]),
        "p99": _ms(pct["99"]),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "non2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": sock.group(1) if sock else "none",
    }


def _options(kind: object, etags: dict[str | None, str], lua: str) -> tuple[dict[str, str], str | None]:
    if kind is True:
        return {"If-None-Match": etags[None]}, None
    if kind in ("gzip", "br"):
        return {"Accept-Encoding": str(kind)}, None
    if kind == "gzip-304":
        return {"Accept-Encoding": "gzip", "If-None-Match": etags["gzip"]}, None
    if kind == "varied":
        return {}, lua
    return {}, None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=5, help="seconds per endpoint per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--output", default=str(RESULTS))
    a = ap.parse_args()
    rows = []
    # The bundled content published as a release (its search index included) into a store of its own.
    subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "api.app", "content", "publish"],
        check=True,
        capture_output=True,
        env={**os.environ, "LP_RELEASE_STORE": str(INDEX)},
    )
    # access log off: it would measure the terminal, not the API
    with gunicorn(workers=a.workers, env={"LP_RELEASE_STORE": str(INDEX)}) as base:
        etags: dict[str | None, str] = {}
        for coding in (None, "gzip"):
            headers = {"Accept-Encoding": coding} if coding else {}
            req = urllib.request.Request(base + "/v1/guides/no-contact-rule", headers=headers)
            with urllib.request.urlopen(req) as r:
                assert r.headers.get("Content-Encoding") == coding
                etags[coding] = r.headers["ETag"]
        runs: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in CASES}
        lua = varied_queries_script()
        for _name, path, kind in CASES:
            wrk(base + path, 2, a.connections, *_options(kind, etags, lua))  # warm-up
        # Interleaved rounds, median of each: a burst of noise on the machine hits every endpoint alike.
        # Each round starts one case later, so that no case always runs in the same place (after the
        # same neighbours, with the same sockets of theirs still in TIME_WAIT).
        load_before = os.getloadavg()
        for round_ in range(a.rounds):
            shift = round_ % len(CASES)
            for name, path, kind in CASES[shift:] + CASES[:shift]:
                runs[name].append(wrk(base + path, a.duration, a.connections, *_options(kind, etags, lua)))
        load_after = os.getloadavg()
        for name, path, _ in CASES:
            rs = runs[name]
            rows.append(
                (
                    name,
                    path,
                    {
                        "rps": statistics.median(r["rps"] for r in rs),
                        "p50": statistics.median(r["p50"] for r in rs),
                        "p99": statistics.median(r["p99"] for r in rs),
                        "requests": sum(r["requests"] for r in rs),
                        "non2xx": sum(r["non2xx"] for r in rs),
                    },
                )
            )
    ceiling = rows[0][2]["rps"]
    lines = [
        "# HTTP benchmark: read API under gunicorn",
        "",
        f"Run: `python -m bench.http_bench --duration {a.duration} --rounds {a.rounds} --connections "
        f"{a.connections} --workers {a.workers}` on {dt.date.today().isoformat()}, against gunicorn with "
        f"`gunicorn.conf.py` ({a.workers} workers) on loopback, the bundled content, wrk with 2 threads and "
        f"{a.connections} connections. Endpoints run in {a.rounds} interleaved rounds of {a.duration} s after a "
        "2 s warm-up each (each round starting one endpoint later); figures are the median round. wrk and "
        f"gunicorn share the machine's 2 cores. Load average (1 min) {load_before[0]:.1f} before the rounds, "
        f"{load_after[0]:.1f} after.",
        "",
        "| endpoint | path | requests/s | ratio to trivial | p50 ms | p99 ms | requests | non-2xx/3xx |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, path, r in rows:
        lines.append(
            f"| {name} | `{path}` | {r['rps']:.0f} | {r['rps'] / ceiling:.2f} | {r['p50']:.2f} | "
            f"{r['p99']:.2f} | {r['requests']} | {r['non2xx']} |"
        )
    lines += [
        "",
        "Targets (issue 3): guide by slug >= 0.90x trivial, 304 >= 0.95x, p99 < 50 ms at 32 connections. "
        "Issue 20: guide by slug with gzip negotiated >= 0.85x trivial; 304 of a gzip variant >= 0.95x.",
        "The app writes one JSON access-log line per request to stderr (here to /dev/null); gunicorn's own "
        "access log is off.",
        "",
        "## Machine",
        "",
        "```",
        machine_summary(),
        "```",
        "",
    ]
    Path(a.output).parent.mkdir(parents=True, exist_ok=True)
    Path(a.output).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
