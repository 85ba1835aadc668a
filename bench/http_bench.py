"""HTTP throughput and latency of the read API under the committed gunicorn config, with wrk.

    python -m bench.http_bench [--duration 10] [--connections 32]

One run starts gunicorn once and measures, side by side: the trivial endpoint (/v1/health, the
ceiling), a guide by slug, the guide list, the scripts list, and a 304 revalidation. Results go to
bench/results/http.md with the machine they ran on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import subprocess
import urllib.request
from pathlib import Path

from bench.machine import machine_summary
from tests.e2e.server import gunicorn

RESULTS = Path(__file__).parent / "results" / "http.md"
CASES = [
    ("trivial (/v1/health)", "/v1/health", False),
    ("guide by slug", "/v1/guides/no-contact-rule", False),
    ("guide list", "/v1/guides?collection=breakup-recovery&sort=title", False),
    ("scripts list", "/v1/scripts?send=true", False),
    ("304 revalidation", "/v1/guides/no-contact-rule", True),
]
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    assert m, text
    return float(m.group(1)) * _UNITS[m.group(2)]


def wrk(url: str, duration: int, connections: int, headers: dict[str, str]) -> dict[str, float]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(pct["50"]), "p99": _ms(pct["99"]),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "non2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": sock.group(1) if sock else "none",
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=5, help="seconds per endpoint per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--output", default=str(RESULTS))
    a = ap.parse_args()
    rows = []
    # access log off: it would measure the terminal, not the API
    with gunicorn(workers=a.workers, args=("--access-logfile", "/dev/null")) as base:
        with urllib.request.urlopen(base + "/v1/guides/no-contact-rule") as r:
            etag = r.headers["ETag"]
        runs: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in CASES}
        for _name, path, conditional in CASES:
            wrk(base + path, 2, a.connections, {"If-None-Match": etag} if conditional else {})  # warm-up
        # Interleaved rounds, median of each: a burst of noise on the machine hits every endpoint alike.
        for _ in range(a.rounds):
            for name, path, conditional in CASES:
                headers = {"If-None-Match": etag} if conditional else {}
                runs[name].append(wrk(base + path, a.duration, a.connections, headers))
        for name, path, _ in CASES:
            rs = runs[name]
            rows.append((name, path, {
                "rps": statistics.median(r["rps"] for r in rs), "p50": statistics.median(r["p50"] for r in rs),
                "p99": statistics.median(r["p99"] for r in rs), "requests": sum(r["requests"] for r in rs),
                "non2xx": sum(r["non2xx"] for r in rs),
            }))
    ceiling = rows[0][2]["rps"]
    lines = [
        "# HTTP benchmark: read API under gunicorn",
        "",
        f"Run: `python -m bench.http_bench --duration {a.duration} --rounds {a.rounds} --connections "
        f"{a.connections} --workers {a.workers}` on {dt.date.today().isoformat()}, against gunicorn with "
        f"`gunicorn.conf.py` ({a.workers} workers) on loopback, the bundled content, wrk with 2 threads and "
        f"{a.connections} connections. Endpoints run in {a.rounds} interleaved rounds of {a.duration} s after a "
        "2 s warm-up each; figures are the median round. wrk and gunicorn share the machine's 2 cores.",
        "",
        "| endpoint | path | requests/s | ratio to trivial | p50 ms | p99 ms | requests | non-2xx/3xx |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, path, r in rows:
        lines.append(f"| {name} | `{path}` | {r['rps']:.0f} | {r['rps'] / ceiling:.2f} | {r['p50']:.2f} | "
                     f"{r['p99']:.2f} | {r['requests']} | {r['non2xx']} |")
    lines += ["", "Targets (issue 3): guide by slug >= 0.90x trivial, 304 >= 0.95x, p99 < 50 ms at 32 connections.",
              "", "## Machine", "", "```", machine_summary(), "```", ""]
    Path(a.output).parent.mkdir(parents=True, exist_ok=True)
    Path(a.output).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
