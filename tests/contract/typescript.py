"""Building clients/typescript as a frontend developer would: `npm ci` from the lockfile, types
generated from a spec with openapi-typescript, `tsc` with the project's strict tsconfig.

Everything happens in copies under a temporary folder, so the checkout is left untouched and the
lockfile alone must reproduce the toolchain. Shared by test_typescript_client.py and
test_typescript_types.py (one `npm ci` per session, through the `ts_toolchain` fixture).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.contract.stats import STATS
from tests.e2e.server import ROOT

CLIENT = ROOT / "clients" / "typescript"
SPEC = ROOT / "openapi" / "openapi.json"
PROJECT_FILES = (
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "tsconfig.typecheck.json",
    "tsconfig.typecheck-fail.json",
)
# `file.ts(12,5): error TS2367: ...` as tsc prints it (with --pretty false)
TSC_ERROR = re.compile(r"^(?P<file>[^(\s]+\.ts)\((?P<line>\d+),\d+\): error (?P<code>TS\d+):", re.M)


@dataclass(frozen=True)
class Tsc:
    returncode: int
    output: str

    def errors(self) -> set[tuple[str, int, str]]:
        """(file relative to the project, line, code) of every error reported."""
        return {(m["file"], int(m["line"]), m["code"]) for m in TSC_ERROR.finditer(self.output)}


def run(step: str, cmd: list[str], cwd: Path, timeout: float, check: bool = True) -> subprocess.CompletedProcess:
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    STATS.typescript.append((step, time.monotonic() - started))
    if check:
        assert proc.returncode == 0, f"{step} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc


def npm_ci(work: Path) -> Path:
    """The toolchain, installed from the lockfile into `work`; returns its node_modules."""
    npm = shutil.which("npm")
    assert npm and shutil.which("node"), "Node.js 20+ and npm are needed for the TypeScript client tests"
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(CLIENT / name, work / name)
    run("npm ci", [npm, "ci", "--no-audit", "--no-fund"], work, 300)
    return work / "node_modules"


def project(work: Path, node_modules: Path, spec: Path = SPEC) -> Path:
    """A copy of clients/typescript in `work` (sharing the installed node_modules), with
    src/schema.d.ts generated from `spec`."""
    work.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        shutil.copy2(CLIENT / name, work / name)
    for folder in ("src", "typecheck"):
        shutil.copytree(CLIENT / folder, work / folder, ignore=shutil.ignore_patterns("schema.d.ts"))
    if not (work / "node_modules").exists():
        (work / "node_modules").symlink_to(node_modules, target_is_directory=True)
    run(
        f"openapi-typescript {spec.name} -o src/schema.d.ts",
        [str(node_modules / ".bin" / "openapi-typescript"), str(spec), "-o", "src/schema.d.ts"],
        work,
        120,
    )
    return work


def tsc(work: Path, step: str, *args: str) -> Tsc:
    proc = run(step, [str(work / "node_modules" / ".bin" / "tsc"), "--pretty", "false", *args], work, 300, check=False)
    return Tsc(proc.returncode, proc.stdout + proc.stderr)


def marked_errors(work: Path, folder: str) -> set[tuple[str, int, str]]:
    """The errors the .ts files under `folder` say they must produce: `// expect TS2367` on a line."""
    found = set()
    for path in sorted((work / folder).glob("*.ts")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for code in re.findall(r"// expect ((?:TS\d+\s*)+)", line):
                found |= {(path.relative_to(work).as_posix(), n, c) for c in code.split()}
    return found
