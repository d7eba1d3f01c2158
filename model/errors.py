"""Errors the model raises for bad user input.

Every problem with what a user gave becomes ONE line, ``file:line: field: problem
(allowed: ...)``, which the CLI prints before exiting with code 2 (docs/cli.md, "Exit
codes"). Nothing in the model prints or exits; it raises :class:`InputError`.
"""

from __future__ import annotations


class InputError(ValueError):
    """A problem with user input, rendered as a single line.

    Parameters
    ----------
    problem:
        What is wrong, e.g. ``"-5 is not allowed"``.
    source:
        File name (or ``"<string>"``) the input came from, if any.
    line:
        1-based line in ``source``, if known.
    field:
        Dotted path of the offending key, e.g. ``"shards[0].clients"``.
    allowed:
        What would be accepted, e.g. ``"integer >= 1"``.
    """

    def __init__(
        self,
        problem: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
        allowed: str | None = None,
    ) -> None:
        self.problem = problem
        self.source = source
        self.line = line
        self.field = field
        self.allowed = allowed
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """The message as one line: ``file:line: field: problem (allowed: ...)``."""
        parts: list[str] = []
        if self.source is not None:
            parts.append(f"{self.source}:{self.line}" if self.line is not None else self.source)
        if self.field:
            parts.append(self.field)
        text = self.problem
        if self.allowed:
            text += f" (allowed: {self.allowed})"
        parts.append(text)
        return ": ".join(parts).replace("\n", " ")
