"""What the contract tests ran, shared by the tests and the terminal summary in conftest.py.

A module of its own: pytest imports conftest.py under a name of its own, so state kept there
would not be the same object the test module sees.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ContractStats:
    """Filled by test_schemathesis.py, printed by pytest_terminal_summary in conftest.py."""

    cases: Counter[str] = field(default_factory=Counter)  # operation label -> requests sent
    statuses: Counter[int] = field(default_factory=Counter)
    preview: Counter[int] = field(default_factory=Counter)  # statuses of the cases sent with a preview token
    failed: set[str] = field(default_factory=set)  # operation labels with a failing check
    operations: int = 0
    seconds: float = 0.0
    # the TypeScript client: (step, seconds) for npm ci, generation, tsc and the consumer run
    typescript: list[tuple[str, float]] = field(default_factory=list)


STATS = ContractStats()
