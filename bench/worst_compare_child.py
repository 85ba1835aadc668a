"""One side of bench/worst_compare.py: run with PYTHONPATH set to the code under test."""

import json
import random
import sys
import time
import urllib.parse

from api.app import create_app

store, keys, n, words = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
client = create_app({"TESTING": True, "RELEASE_STORE": store, "PARTNER_KEYS_FILE": keys}).test_client()
NARROW = {"X-API-Key": "bench-key-narrow-collection-0-0001"}
out = {}


def typo(w: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(w) - 1)
    return w[:i] + w[i + 1] + w[i] + w[i + 2 :]


def run(name, make, headers) -> None:
    rng = random.Random(name)
    started = time.perf_counter()
    r = client.get(make(rng), headers=headers)
    first = (time.perf_counter() - started) * 1000
    assert r.status_code == 200, (name, r.status_code)
    times = []
    for _ in range(n):
        url = make(rng)
        started = time.perf_counter()
        r = client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert r.status_code == 200, (name, r.status_code)
    times.sort()
    p99 = times[min(n - 1, round(0.99 * (n - 1)))]
    out[name] = {"first": first, "p50": times[len(times) // 2], "p99": p99, "bytes": len(r.get_data())}


def ten_typos(rng: random.Random) -> str:
    return "/v1/search?q=" + urllib.parse.quote(" ".join(typo(w, rng) for w in rng.sample(words, 10)))


run("search: ten misspelled words", ten_typos, {})
run("suggest: one letter, narrow key", lambda rng: "/v1/suggest?q=" + rng.choice("abcdefghilmnoprstw"), NARROW)
run("graph: /v1/graph", lambda rng: "/v1/graph", {})
print(json.dumps(out))
