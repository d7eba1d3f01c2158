"""The arithmetic the FSM's action semantics and the RFC rules are written against.

:class:`Arith` is a small protocol over numbers ``N`` and booleans ``B``. :class:`PyArith`
(:data:`PY`) evaluates it on exact ``fractions.Fraction`` and ``bool``; the Z3 encoding of
the FSM (:class:`bgpcascade.properties.fsm.encoding.Z3Arith`) builds Z3 terms with it. A
rule written once against it (:mod:`bgpcascade.model.rules`, the actions of
:func:`bgpcascade.model.fsm.apply_actions`) serves the simulator and the proofs alike.
"""

from __future__ import annotations

from fractions import Fraction
from math import gcd
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

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


# -- a faster exact rational for the plain simulator ---------------------------------------
_new = object.__new__


def _q(n: int, d: int) -> Q:
    """The ``Q`` ``n/d``, ``d > 0`` and ``gcd(n, d) == 1`` already (no check)."""
    q = _new(Q)
    q._numerator = n
    q._denominator = d
    return q


def _q_norm(n: int, d: int) -> Q:
    """The ``Q`` ``n/d`` in lowest terms, for ``d > 0``."""
    g = gcd(n, d)
    if g != 1:
        n //= g
        d //= g
    return _q(n, d)


class Q(Fraction):
    """An exact rational equal to the ``Fraction`` of the same value in every respect
    (``isinstance(q, Fraction)``, ``==``, ``hash``, ``str``, ``repr``, ordering), whose
    arithmetic and comparisons with a ``Fraction`` or an ``int`` take a fast path: the
    same integer operations as ``fractions.Fraction`` (in lowest terms, so the results
    are the same numbers), without its numeric-tower dispatch. A result is a ``Q``; any
    other operand (a float, a symbolic number) takes ``Fraction``'s own path.

    The plain simulator seeds its clock and durations with it (:func:`exact`), so that
    every time it computes is one; the symbolic run never sees one
    (properties/engines/symbolic.py keeps the reference path)."""

    __slots__ = ()
    if TYPE_CHECKING:  # Fraction's own slots (typeshed does not declare them)
        _numerator: int
        _denominator: int

    def __repr__(self) -> str:
        return f"Fraction({self._numerator}, {self._denominator})"

    __hash__ = Fraction.__hash__

    def __add__(a, b: Any) -> Any:
        tb = type(b)
        if tb is Q or tb is Fraction:
            da, db = a._denominator, b._denominator
            if da == db:
                return _q_norm(a._numerator + b._numerator, da)
            g = gcd(da, db)
            if g == 1:
                return _q(a._numerator * db + da * b._numerator, da * db)
            s = da // g
            t = a._numerator * (db // g) + b._numerator * s
            g2 = gcd(t, g)
            if g2 == 1:
                return _q(t, s * db)
            return _q(t // g2, s * (db // g2))
        if tb is int:
            return _q(a._numerator + b * a._denominator, a._denominator)
        return Fraction.__add__(a, b)

    __radd__ = __add__

    def __sub__(a, b: Any) -> Any:
        tb = type(b)
        if tb is Q or tb is Fraction:
            return a + _q(-b._numerator, b._denominator)
        if tb is int:
            return _q(a._numerator - b * a._denominator, a._denominator)
        return Fraction.__sub__(a, b)

    def __rsub__(a, b: Any) -> Any:
        tb = type(b)
        if tb is Q or tb is Fraction:
            return _q(-a._numerator, a._denominator) + b
        if tb is int:
            return _q(b * a._denominator - a._numerator, a._denominator)
        return Fraction.__rsub__(a, b)

    def __mul__(a, b: Any) -> Any:
        tb = type(b)
        if tb is Q or tb is Fraction:
            na, da, nb, db = a._numerator, a._denominator, b._numerator, b._denominator
        elif tb is int:
            na, da, nb, db = a._numerator, a._denominator, b, 1
        else:
            return Fraction.__mul__(a, b)
        g1 = gcd(na, db)
        if g1 > 1:
            na //= g1
            db //= g1
        g2 = gcd(nb, da)
        if g2 > 1:
            nb //= g2
            da //= g2
        return _q(na * nb, db * da)

    __rmul__ = __mul__

    def __truediv__(a, b: Any) -> Any:
        tb = type(b)
        if (tb is Q or tb is Fraction) and b._numerator:
            return _q_div(a._numerator, a._denominator, b._numerator, b._denominator)
        if tb is int and b:
            return _q_div(a._numerator, a._denominator, b, 1)
        return Fraction.__truediv__(a, b)

    def __rtruediv__(a, b: Any) -> Any:
        tb = type(b)
        if (tb is Q or tb is Fraction) and a._numerator:
            return _q_div(b._numerator, b._denominator, a._numerator, a._denominator)
        if tb is int and a._numerator:
            return _q_div(b, 1, a._numerator, a._denominator)
        return Fraction.__rtruediv__(a, b)

    def __eq__(a, b: Any) -> bool:
        tb = type(b)
        if tb is Q or tb is Fraction:
            return bool(a._numerator == b._numerator and a._denominator == b._denominator)
        if tb is int:
            return a._numerator == b and a._denominator == 1
        return Fraction.__eq__(a, b)

    def __lt__(a, b: Any) -> bool:
        tb = type(b)
        if tb is Q or tb is Fraction:
            return bool(a._numerator * b._denominator < b._numerator * a._denominator)
        if tb is int:
            return bool(a._numerator < b * a._denominator)
        return Fraction.__lt__(a, b)

    def __le__(a, b: Any) -> bool:
        tb = type(b)
        if tb is Q or tb is Fraction:
            return bool(a._numerator * b._denominator <= b._numerator * a._denominator)
        if tb is int:
            return bool(a._numerator <= b * a._denominator)
        return Fraction.__le__(a, b)

    def __gt__(a, b: Any) -> bool:
        tb = type(b)
        if tb is Q or tb is Fraction:
            return bool(a._numerator * b._denominator > b._numerator * a._denominator)
        if tb is int:
            return bool(a._numerator > b * a._denominator)
        return Fraction.__gt__(a, b)

    def __ge__(a, b: Any) -> bool:
        tb = type(b)
        if tb is Q or tb is Fraction:
            return bool(a._numerator * b._denominator >= b._numerator * a._denominator)
        if tb is int:
            return bool(a._numerator >= b * a._denominator)
        return Fraction.__ge__(a, b)


def _q_div(na: int, da: int, nb: int, db: int) -> Q:
    """``(na/da) / (nb/db)`` for ``nb != 0``, in lowest terms (as ``Fraction._div``)."""
    g1 = gcd(na, nb)
    if g1 > 1:
        na //= g1
        nb //= g1
    g2 = gcd(db, da)
    if g2 > 1:
        da //= g2
        db //= g2
    n, d = na * db, nb * da
    if d < 0:
        n, d = -n, -d
    return _q(n, d)


def exact(x: int | Fraction) -> Q:
    """``x`` as a :class:`Q` (the same number)."""
    if type(x) is Q:
        return x
    f = Fraction(x)
    return _q(f.numerator, f.denominator)


def fraction(x: Any) -> Any:
    """``x`` with a :class:`Q` made a plain ``Fraction`` (the same number), anything else
    as it is: what the simulator hands out (events, outcomes) is a ``Fraction``."""
    return Fraction(x._numerator, x._denominator) if type(x) is Q else x
