"""Named properties of a run, as data: what ``check`` and ``search`` judge a zone by.

Each property is a predicate over an :class:`~bgpcascade.model.outcomes.Outcome` (the
one definition of a run's measurements, shared with ``simulate``'s verdict), so the
simulator, the Z3 engine (which evaluates the same predicate on symbolic numbers and
records the decision) and the Hypothesis engine judge alike. On the command line a
property is ``NAME`` or ``NAME=ARG`` (``reconverges_within=120``, ``no_zone_outage=0.3``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from bgpcascade.model.errors import InputError
from bgpcascade.model.outcomes import Outcome


@dataclass(frozen=True)
class Property:
    """``holds(outcome, arg)`` must be true of every run (an ``always`` property).

    ``arg``: the property's parameter (a threshold fraction, a time in seconds), with
    ``default``; ``arg_kind`` says which, for parsing and error messages.
    """

    name: str
    description: str
    holds: Callable[[Outcome, Fraction], bool]
    default: Fraction | None = None
    arg_kind: str = ""

    def label(self, arg: Fraction | None) -> str:
        """``name`` or ``name=arg`` as the CLI spells it."""
        if arg is None:
            return self.name
        text = str(arg.numerator) if arg.denominator == 1 else f"{float(arg):g}"
        return f"{self.name}={text}"


@dataclass(frozen=True)
class Selected:
    """A property with its argument fixed: what an engine checks."""

    prop: Property
    arg: Fraction | None

    @property
    def label(self) -> str:
        """The CLI spelling (``no_zone_outage=0.5``)."""
        return self.prop.label(self.arg)

    def holds(self, outcome: Outcome) -> bool:
        """Does the run satisfy it?"""
        return self.prop.holds(outcome, self.arg if self.arg is not None else Fraction(0))


PROPERTIES: dict[str, Property] = {p.name: p for p in (
    Property("no_cascade", "no session resets except those a trigger causes directly "
             "(no hold or send-hold expiry, no NOTIFICATION, no failure that follows)",
             lambda o, _: not o.cascaded()),
    Property("no_zone_outage", "never this fraction (default 0.5) of the clients isolated "
             "at once, nor this fraction of client pairs unreachable at once",
             lambda o, a: not o.outage(a), Fraction(1, 2), "fraction"),
    Property("reconverges_within", "every session Established and every client pair "
             "reachable again within this many seconds (default 300) of the trigger, "
             "inside the horizon",
             lambda o, a: o.reconverged_within(a), Fraction(300), "seconds"),
)}

#: What ``check`` and ``search`` judge by when no --property is given.
DEFAULT_PROPERTIES = ("no_cascade", "no_zone_outage")


def parse_property(text: str) -> Selected:
    """``NAME`` or ``NAME=ARG`` -> :class:`Selected` (one-line :class:`InputError`)."""
    name, _, raw = text.partition("=")
    name = name.strip()
    allowed = ", ".join(f"{p.name}=<{p.arg_kind}>" if p.arg_kind else p.name
                        for p in PROPERTIES.values())
    prop = PROPERTIES.get(name)
    if prop is None:
        raise InputError(f"unknown property {name!r}", field="--property", allowed=allowed)
    if not raw:
        return Selected(prop, prop.default)
    if not prop.arg_kind:
        raise InputError(f"{text!r}: {name} takes no argument", field="--property",
                         allowed=allowed)
    try:
        arg = Fraction(raw.strip())
    except (ValueError, ZeroDivisionError):
        raise InputError(f"{text!r}: {raw!r} is not a number", field="--property",
                         allowed=allowed) from None
    if prop.arg_kind == "fraction" and not 0 < arg <= 1:
        raise InputError(f"{text!r}: {raw} is not in (0, 1]", field="--property",
                         allowed="a fraction of clients in (0, 1]")
    if prop.arg_kind == "seconds" and arg <= 0:
        raise InputError(f"{text!r}: {raw} is not > 0", field="--property",
                         allowed="seconds > 0")
    return Selected(prop, arg)
