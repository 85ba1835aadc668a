"""gunicorn.conf.py with cProfile in each worker, for bench/http_calls.py: the stats of a worker go
to $LP_PROF_OUT.<pid> when it exits. A request with an `X-LP-Profile-Reset` header starts the
count again (after the warm-up)."""

import cProfile
import os
from pathlib import Path

exec(compile(Path("gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"))  # the committed settings

_profile: dict[str, cProfile.Profile] = {}


def post_fork(server, worker):
    _profile["p"] = cProfile.Profile()
    _profile["p"].enable()


def pre_request(worker, req):
    if any(name == "X-LP-PROFILE-RESET" for name, _ in req.headers):
        _profile["p"].disable()
        _profile["p"] = cProfile.Profile()
        _profile["p"].enable()


def worker_exit(server, worker):
    profile = _profile.get("p")
    if profile is not None:
        profile.disable()
        profile.dump_stats(f"{os.environ['LP_PROF_OUT']}.{os.getpid()}")
