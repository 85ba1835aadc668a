"""The production topology, measured: nginx over 3 gunicorn instances (2 workers each), Redis for the
limits, a shared-directory release store; against one instance alone.

    python -m bench.topology_bench [--duration 10] [--connections 16] [--guides 10000]

1. A mixed read load with wrk (guide, list, scripts, varied searches, suggest, collections), side by
   side in one run: through nginx with and without 50 idle + 50 trickling connections held open, and
   one instance alone (2 workers, no nginx) with and without 2 idle connections.
2. A new replica with an empty disk joining a store that holds a 10,000-guide release (bench/synth.py):
   the time from launching gunicorn to its first 200, and the memory of its processes (RSS, and PSS,
   which shares the pages the workers inherit from the master between them).

Results go to bench/results/topology.md with the machine they ran on.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.http_bench import varied_queries_script, wrk
from bench.machine import machine_summary
from tests.e2e.server import GUNICORN, ROOT, gunicorn, port_of, served_socket, stop
from tests.e2e.slow_clients import SlowClients
from tests.e2e.topology import topology

RESULTS = Path(__file__).parent / "results" / "topology.md"
WARM_UP = 12  # seconds of load before each setup is measured: a worker's first search opens the index (~3 s)
MIXED = [
    "/v1/guides/no-contact-rule",
    "/v1/guides?collection=breakup-recovery&page_size=20",
    "/v1/scripts?send=true",
    "SEARCH",
    "/v1/suggest?q=bound",
    "/v1/collections",
]


def mixed_script() -> str:
    """A wrk Lua script cycling through MIXED; SEARCH is a random two-word query (varied_queries_script)."""
    varied = Path(varied_queries_script()).read_text()
    words = varied.split("\n", 1)[0]  # local words = {...}
    paths = ",".join(f'"{p}"' for p in MIXED)
    path = Path(tempfile.mkstemp(suffix=".lua")[1])
    path.write_text(
        f"{words}\nlocal paths = {{{paths}}}\nlocal i = 0\nmath.randomseed(7)\n"
        "request = function()\n"
        "  i = i + 1\n"
        "  local p = paths[(i % #paths) + 1]\n"
        "  if p == 'SEARCH' then\n"
        "    p = '/v1/search?q=' .. words[math.random(#words)] .. '%20' .. words[math.random(#words)]\n"
        "  end\n"
        "  return wrk.format('GET', p)\n"
        "end\n"
    )
    return str(path)


def publish_into(env: dict[str, str]) -> str:
    from api.app import create_app

    config = {key.removeprefix("LP_"): value for key, value in env.items()}
    app = create_app({**config, "RELEASE_SHARED": 1})
    out = app.test_cli_runner().invoke(args=["content", "publish"]).output
    assert "published release" in out, out
    return out.strip().splitlines()[-1]


def load_cases(tmp: Path, duration: int, connections: int) -> list[tuple[str, dict]]:
    script = mixed_script()
    content = tmp / "content"
    shutil.copytree(ROOT / "content", content)
    rows = []
    publish_into({**_env(tmp, content), "LP_RELEASE_CACHE": str(tmp / "cache-publisher")})
    with topology(tmp, content) as topo:
        host, port = topo.nginx.base.removeprefix("http://").split(":")
        wrk(topo.nginx.base + "/", WARM_UP, connections, {}, script)  # each worker's first search: not measured
        rows.append(("nginx, 3 instances x 2 workers", wrk(topo.nginx.base + "/", duration, connections, {}, script)))
        slow = SlowClients(host, int(port))
        slow.start()
        time.sleep(1)
        rows.append(
            (
                "nginx, 3 x 2, with 50 idle + 50 trickling connections",
                wrk(topo.nginx.base + "/", duration, connections, {}, script),
            )
        )
        slow.stop()
        env = {**_env(tmp, content), "LP_RELEASE_CACHE": str(tmp / "cache-alone")}
        env["LP_RATELIMIT_STORAGE_URI"] = topo.redis_url
        with gunicorn(workers=2, env=env) as alone:
            wrk(alone + "/", WARM_UP, connections, {}, script)
            one = wrk(alone + "/", duration, connections, {}, script)
            rows.append(("one instance alone (2 workers, no nginx)", one))
            host, port = alone.removeprefix("http://").split(":")
            idle = SlowClients(host, int(port), idle=2, trickling=0)
            idle.start()
            time.sleep(1)
            rows.append(
                (
                    "one instance alone, with 2 idle connections",
                    wrk(alone + "/", duration, connections, {}, script),
                )
            )
            idle.stop()
    return rows


def _env(tmp: Path, content: Path) -> dict[str, str]:
    keys = tmp / "partner-keys.yaml"
    keys.write_text('anonymous:\n  allowed: true\n  limit: "1000000/hour"\n', encoding="utf-8")
    return {
        "LP_PARTNER_KEYS_FILE": str(keys),
        "LP_CONTENT_DIR": str(content),
        "LP_CONTENT_CACHE": str(tmp / "content.pickle"),
        "LP_RELEASE_STORE": str(tmp / "store"),
        "LP_RELEASE_SHARED": "1",
        "LP_SECRET_KEY": "topology-secret-key-000000000000",
    }


def memory(pid: int) -> tuple[float, float]:
    """RSS and PSS of a process, MiB (smaps_rollup)."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0])
    return fields["Rss"] / 1024, fields["Pss"] / 1024


def new_replica(tmp: Path, guides: int) -> dict:
    from bench.synth import generate

    content = generate(guides, tmp / "synth")
    # the safety editor's files a publish requires (bench/synth.py writes guides and collections only)
    shutil.copy(ROOT / "content" / "vocabulary.yaml", content / "vocabulary.yaml")
    shutil.copytree(ROOT / "content" / "safety", content / "safety")
    env = {**_env(tmp, content), "LP_RELEASE_CACHE": str(tmp / "cache-publisher")}
    started = time.perf_counter()
    publish_into(env)
    published = time.perf_counter() - started
    bundle = next((tmp / "store" / "bundles").glob("*.tar"))
    env = {**os.environ, **_env(tmp, content), "LP_RELEASE_CACHE": str(tmp / "cache-new"), "LP_WORKERS": "2"}
    with served_socket() as (sock, bind):
        url = f"http://127.0.0.1:{port_of(sock)}/v1/guides/guide-00000"
        launched = time.perf_counter()
        proc = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py", "api.wsgi:app"],
            cwd=ROOT,
            env={**env, **bind},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(sock.fileno(),),
        )
    try:
        while True:
            with contextlib.suppress(urllib.error.HTTPError, OSError):
                with urllib.request.urlopen(url, timeout=30) as r:
                    if r.status == 200:
                        break
            if proc.poll() is not None or time.perf_counter() - launched > 300:
                raise RuntimeError("the new replica did not serve")
            time.sleep(0.05)
        first_200 = time.perf_counter() - launched
        time.sleep(2)
        workers = [
            int(p)
            for p in subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        ]
        mem = {"master": memory(proc.pid), **{f"worker {i + 1}": memory(w) for i, w in enumerate(workers)}}
    finally:
        stop(proc)
    return {
        "guides": guides,
        "bundle_mib": bundle.stat().st_size / 2**20,
        "publish_s": published,
        "first_200_s": first_200,
        "memory": mem,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--guides", type=int, default=10_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="lp-topology-") as a, tempfile.TemporaryDirectory(prefix="lp-new-") as b:
        rows = load_cases(Path(a), args.duration, args.connections)
        replica = new_replica(Path(b), args.guides)
    base = rows[2][1]["rps"]
    lines = [
        "# The production topology: nginx over 3 replicas, against one instance alone",
        "",
        f"Run {dt.date.today()} with `python -m bench.topology_bench --duration {args.duration} "
        f"--connections {args.connections} --guides {args.guides}`; every figure below is from that one run.",
        "",
        machine_summary(),
        "",
        f"## Mixed read load (wrk, {args.connections} connections, {args.duration} s each)",
        "",
        f"Each setup is warmed up with {WARM_UP} s of the same load first (not measured). "
        "Paths in turn: a guide, a collection's list, the send-scripts, a random two-word search, a suggest, "
        "the collections. Every process (nginx, 7 gunicorn processes, Redis, wrk and the slow clients) "
        "shares the same 2 cores, so the 3 replicas cannot show the throughput of 3 machines: the "
        "ratio below is the cost (or gain) of the proxy on one machine, not the scaling of a fleet.",
        "",
        "| setup | req/s | vs one instance | p50 ms | p99 ms | non-2xx | socket errors |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, r in rows:
        lines.append(
            f"| {name} | {r['rps']:.0f} | {r['rps'] / base:.2f}x | {r['p50']:.1f} | {r['p99']:.1f} | "
            f"{r['non2xx']} | {r['socket_errors']} |"
        )
    lines += [
        "",
        f"## A new replica with an empty disk, {replica['guides']:,} guides",
        "",
        f"The release (bench/synth.py, published once: {replica['publish_s']:.0f} s) is a "
        f"{replica['bundle_mib']:.1f} MiB bundle in the shared-directory store. A gunicorn instance "
        "(2 workers, preloaded) with an empty `LP_RELEASE_CACHE` downloads it, checks its SHA-256, "
        "unpacks it, opens it and forks its workers.",
        "",
        f"- launch to the first 200 on `/v1/guides/guide-00000`: **{replica['first_200_s']:.1f} s** (target < 15 s)",
        "",
        "| process | RSS MiB | PSS MiB |",
        "|---|---:|---:|",
    ]
    for name, (rss, pss) in replica["memory"].items():
        lines.append(f"| {name} | {rss:.0f} | {pss:.0f} |")
    lines.append("")
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
