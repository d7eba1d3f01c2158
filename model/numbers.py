"""Exact numbers as the outputs show them.

:func:`json_number` is the one way a ``Fraction`` (a time, an amount) becomes a JSON
number: the traces, the triggers' labels and JSON, and the engines' bounds all use it.
"""

from __future__ import annotations

from fractions import Fraction


def json_number(x: Fraction) -> int | float:
    """An exact number as JSON shows it: an int when whole, else a float.

    >>> json_number(Fraction(300)), json_number(Fraction(3, 2))
    (300, 1.5)
    """
    return int(x) if x.denominator == 1 else float(x)
