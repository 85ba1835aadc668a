"""What machine a benchmark ran on, for the results files."""

from __future__ import annotations

import platform
import subprocess


def _run(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def machine_summary() -> str:
    cpu = [
        line
        for line in _run(["lscpu"]).splitlines()
        if line.split(":")[0] in ("Architecture", "Model name", "CPU(s)", "Thread(s) per core")
    ]
    mem = _run(["free", "-g"]).splitlines()[1:2]
    return "\n".join(
        [
            *cpu,
            *(f"Memory (GiB): {m}" for m in mem),
            f"Python: {platform.python_version()}",
            f"Kernel: {platform.release()}",
        ]
    )
