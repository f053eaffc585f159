"""Typed errors with user-facing messages.

Library code raises these; only the CLI turns them into exit codes. A `ScenarioError`
carries every problem found in one input, so a user fixes them all in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Problem:
    """One problem in one input: where it is, what is wrong, and how to fix it."""

    where: str  # "file:line" or "file" or a field path
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class BorderlabError(Exception):
    """Base class of errors whose message is meant for the user (exit code 2)."""


@dataclass
class ScenarioError(BorderlabError):
    """A scenario (or other input file) is invalid; `problems` lists every issue found."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} found:"
        return "\n".join([head] + [f"  - {p}" for p in self.problems])


class InputFileError(BorderlabError):
    """An input file is missing or unreadable."""
