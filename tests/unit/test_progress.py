"""The publish progress reporter: a live line on a terminal, plain lines otherwise (api/releases/progress.py)."""

from __future__ import annotations

import io

from api.releases.progress import Reporter


def test_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    report = Reporter(out, tty=False, every=3600)
    report("files read", 100, 1000)
    report("files read", 200, 1000)  # within `every`: no line
    report("files read", 1000, 1000)
    report("index", 5, 40)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("publish: files read 100/1000")
    assert lines[1] == "publish: files read 1000/1000"
    assert lines[2].startswith("publish: index 5/40")
    assert "\r" not in out.getvalue() and len(lines) == 3


def test_one_live_line_on_a_terminal() -> None:
    out = io.StringIO()
    report = Reporter(out, tty=True)
    report("parse", 10, 100)
    report("index", 100, 2000)
    report("index", 2000, 2000)
    report.close()
    text = out.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")  # redrawn in place, ended once
    last = text.rstrip().split("\r")[-1]
    assert "parse 10/100" in last and "index 2,000/2,000" in last
