"""The arithmetic the FSM's action semantics and the RFC rules are written against.

:class:`Arith` is a small protocol over numbers ``N`` and booleans ``B``. :class:`PyArith`
(:data:`PY`) evaluates it on exact ``fractions.Fraction`` and ``bool``; the Z3 encoding of
the FSM (:class:`bgpcascade.properties.fsm.encoding.Z3Arith`) builds Z3 terms with it. A
rule written once against it (:mod:`bgpcascade.model.rules`, the actions of
:func:`bgpcascade.model.fsm.apply_actions`) serves the simulator and the proofs alike.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Protocol, TypeVar

N = TypeVar("N")  # a number in the backend: Fraction, or a Z3 arithmetic term
B = TypeVar("B")  # a boolean in the backend: bool, or a Z3 boolean term


class Arith(Protocol[N, B]):
    """The arithmetic the action semantics and the RFC rules of
    :mod:`bgpcascade.model.rules` are written against (Python or Z3). The ``*_int``
    comparisons are against a whole number, as ``div`` divides by one."""

    def const(self, x: int | Fraction) -> N: ...
    def true(self) -> B: ...
    def false(self) -> B: ...
    def ite(self, c: B, a: N, b: N) -> N: ...
    def ite_b(self, c: B, a: B, b: B) -> B: ...
    def lt(self, a: N, b: N) -> B: ...
    def eq(self, a: N, b: N) -> B: ...
    def eq_int(self, a: N, k: int) -> B: ...
    def le_int(self, a: N, k: int) -> B: ...
    def ge_int(self, a: N, k: int) -> B: ...
    def and_(self, *xs: B) -> B: ...
    def or_(self, *xs: B) -> B: ...
    def not_(self, x: B) -> B: ...
    def min(self, a: N, b: N) -> N: ...
    def add(self, a: N, b: N) -> N: ...
    def mul(self, a: N, b: N) -> N: ...
    def div(self, a: N, k: int) -> N: ...


class PyArith:
    """Exact arithmetic on Fractions and bools."""

    def const(self, x: int | Fraction) -> Fraction:
        return Fraction(x)

    def true(self) -> bool:
        return True

    def false(self) -> bool:
        return False

    def ite(self, c: bool, a: Fraction, b: Fraction) -> Fraction:
        return a if c else b

    def ite_b(self, c: bool, a: bool, b: bool) -> bool:
        return a if c else b

    def lt(self, a: Fraction, b: Fraction) -> bool:
        return a < b

    def eq(self, a: Fraction, b: Fraction) -> bool:
        return a == b

    def eq_int(self, a: Fraction, k: int) -> bool:
        return a == k

    def le_int(self, a: Fraction, k: int) -> bool:
        return a <= k

    def ge_int(self, a: Fraction, k: int) -> bool:
        return a >= k

    def and_(self, *xs: bool) -> bool:
        return all(xs)

    def or_(self, *xs: bool) -> bool:
        return any(xs)

    def not_(self, x: bool) -> bool:
        return not x

    def min(self, a: Fraction, b: Fraction) -> Fraction:
        return min(a, b)

    def add(self, a: Fraction, b: Fraction) -> Fraction:
        return a + b

    def mul(self, a: Fraction, b: Fraction) -> Fraction:
        return a * b

    def div(self, a: Fraction, k: int) -> Fraction:
        return a / k


PY = PyArith()
