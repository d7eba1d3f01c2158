"""Symbolic numbers that shadow exact ones: the simulator's own step, unrolled for Z3.

The Z3 engine does not re-state the dynamics. It runs the simulator itself
(:class:`bgpcascade.model.dynamics.Sim`, with :class:`~bgpcascade.model.trace.Recorder`
and :class:`~bgpcascade.model.outcomes.Outcome`) on :class:`Sym` numbers: each carries
its exact value at one parameter point (a ``Fraction``, what the plain simulator computes
there) and a Z3 term over the parameters (clients, routes, capacity, hold, ...). The
arithmetic operators compute both. Every comparison, ``==`` and truth test returns the
exact answer (so the run follows the plain simulator's path event for event) and
records the Z3 condition that makes that answer hold. After ``k`` events the recorded
conjunction is the *path condition*: the set of parameter points at which the unrolled
step function takes exactly these ``k`` steps, in this order, with the same branches and
the same property verdicts; the event times are Z3 terms valid on all of it. This is
bounded model checking path by path (symbolic execution with a concrete witness), see
docs/model.md "The Z3 engine" for why it replaces one monolithic formula.

Soundness rests on one rule: nothing may decide control flow from a symbolic number
without going through these operators. :class:`Sym` is therefore unhashable (a dict
keyed by a time would decide "same instant?" by hash, unrecorded) and refuses ``int()``;
``float()`` is allowed only for the sampled chart series, which decide nothing.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from fractions import Fraction
from typing import Any

import z3

#: A polynomial over basis variables: monomial (sorted tuple of basis names, () for the
#: constant) -> coefficient. A basis variable is a parameter's name (its value) or
#: ``1/NAME`` (its reciprocal: a capacity divides work, so service times stay polynomial
#: in 1/capacity). Counts of a symbolic group multiply (client pairs), so degree 2 occurs.
Mono = tuple[str, ...]
Poly = dict[Mono, Fraction]
Cond = tuple[str, tuple[tuple[Mono, Fraction], ...]]  # (op, poly): poly op 0


def recip(name: str) -> str:
    """The basis variable for the reciprocal of parameter ``name``."""
    return "1/" + name


class PathCondition:
    """The decisions a symbolic run took.

    A linear condition on one basis variable (by far the most common: an event time
    against a timer) tightens that variable's bounds at once, so repeated decisions cost
    one division and one comparison. Other polynomial conditions are kept as exact data
    (deduplicated); terms beyond polynomials as Z3 conditions.
    """

    def __init__(self) -> None:
        self.lower: dict[str, tuple[Fraction, bool]] = {}  # basis var -> (bound, strict)
        self.upper: dict[str, tuple[Fraction, bool]] = {}
        self.equal: dict[str, set[Fraction]] = {}
        self.unequal: dict[str, set[Fraction]] = {}
        self.poly: set[Cond] = set()
        self.nonlinear: list[z3.BoolRef] = []
        self._seen: set[int] = set()
        self.decisions = 0

    def add_poly(self, op: str, poly: Poly) -> None:
        """Record ``poly op 0`` (op one of < <= == !=), true on this path."""
        self.decisions += 1
        k = poly.get((), Fraction(0))
        if len(poly) - (() in poly) == 1:
            mono = next(m for m in poly if m)
            if len(mono) == 1:
                self._bound(mono[0], op, poly[mono], k)
                return
        items = tuple(sorted(poly.items()))
        lead = next(c for m, c in items if m)  # normalise: first variable term is +-1
        scale = abs(lead)
        self.poly.add((op, tuple((m, c / scale) for m, c in items)))

    def _bound(self, b: str, op: str, c: Fraction, k: Fraction) -> None:
        """``c*b + k op 0`` as a bound on the basis variable ``b``."""
        bound = -k / c
        if op in ("==", "!="):
            (self.equal if op == "==" else self.unequal).setdefault(b, set()).add(bound)
            return
        strict = op == "<"
        if c > 0:  # b < bound (or <=)
            cur = self.upper.get(b)
            if cur is None or bound < cur[0] or (bound == cur[0] and strict):
                self.upper[b] = (bound, strict)
        else:  # b > bound (or >=)
            cur = self.lower.get(b)
            if cur is None or bound > cur[0] or (bound == cur[0] and strict):
                self.lower[b] = (bound, strict)

    def add_z3(self, cond: z3.BoolRef) -> None:
        """Record a condition on a term beyond polynomials, true on this path."""
        self.decisions += 1
        if z3.is_true(cond):
            return
        key = cond.get_id()
        if key not in self._seen:
            self._seen.add(key)
            self.nonlinear.append(cond)

    def __len__(self) -> int:
        return len(self.lower) + len(self.upper) + sum(map(len, self.equal.values())) + \
            sum(map(len, self.unequal.values())) + len(self.poly) + len(self.nonlinear)

    def formula(self, xs: Mapping[str, z3.ArithRef]) -> z3.BoolRef:
        """The path condition over the parameters ``xs`` (Z3 Int variables). A bound on
        ``1/X`` becomes a bound on X (X > 0: parameters with a reciprocal are capacities)."""
        out: list[z3.BoolRef] = []

        def atom(b: str, op: str, t: Fraction) -> z3.BoolRef:
            if not b.startswith("1/"):
                x = z3.ToReal(xs[b])
                return {"<": x < _real(t), "<=": x <= _real(t), ">": x > _real(t),
                        ">=": x >= _real(t), "==": x == _real(t), "!=": x != _real(t)}[op]
            x = z3.ToReal(xs[b[2:]])  # b = 1/x, x > 0
            if t <= 0:
                holds = op in (">", ">=", "!=")  # 1/x > 0 >= t
                return z3.BoolVal(holds)
            inv = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}[op]
            return atom(b[2:], inv, 1 / t)

        for b, (t, strict) in sorted(self.lower.items()):
            out.append(atom(b, ">" if strict else ">=", t))
        for b, (t, strict) in sorted(self.upper.items()):
            out.append(atom(b, "<" if strict else "<=", t))
        for b, vals in sorted(self.equal.items()):
            out.extend(atom(b, "==", t) for t in sorted(vals))
        for b, vals in sorted(self.unequal.items()):
            out.extend(atom(b, "!=", t) for t in sorted(vals))
        out.extend(_general(op, items, xs) for op, items in sorted(self.poly, key=_cond_key))
        out.extend(self.nonlinear)
        return z3.And(out) if out else z3.BoolVal(True)


def _cond_key(c: Cond) -> tuple[Any, ...]:
    return (c[0], tuple((m, float(v)) for m, v in c[1]))


def _real(q: Fraction) -> z3.ArithRef:
    return z3.RealVal(q.numerator) / z3.RealVal(q.denominator) if q.denominator != 1 \
        else z3.RealVal(q.numerator)


def _basis_term(b: str, xs: Mapping[str, z3.ArithRef]) -> z3.ArithRef:
    if b.startswith("1/"):
        return 1 / z3.ToReal(xs[b[2:]])
    return z3.ToReal(xs[b])


def poly_term(poly: Poly, xs: Mapping[str, z3.ArithRef]) -> z3.ArithRef:
    """A polynomial as a Z3 term."""
    e: z3.ArithRef = z3.RealVal(0)
    for mono, c in sorted(poly.items()):
        t: z3.ArithRef = _real(c)
        for b in mono:
            t = t * _basis_term(b, xs)
        e = e + t
    return e


def _general(op: str, items: tuple[tuple[Mono, Fraction], ...],
             xs: Mapping[str, z3.ArithRef]) -> z3.BoolRef:
    e = poly_term(dict(items), xs)
    zero = z3.RealVal(0)
    return {"<": e < zero, "<=": e <= zero, "==": e == zero, "!=": e != zero}[op]


_ACTIVE: list[PathCondition] = []
_XS: list[Mapping[str, z3.ArithRef]] = []


@contextmanager
def recording(xs: Mapping[str, z3.ArithRef]) -> Iterator[PathCondition]:
    """Record every decision taken on :class:`Sym` numbers inside the block; ``xs`` are
    the parameters' Z3 variables (for terms that leave the affine fast path)."""
    pc = PathCondition()
    _ACTIVE.append(pc)
    _XS.append(xs)
    try:
        yield pc
    finally:
        _ACTIVE.pop()
        _XS.pop()


def _pc() -> PathCondition:
    if not _ACTIVE:
        raise RuntimeError("a symbolic number decided something outside recording()")
    return _ACTIVE[-1]


_CMP = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
        "==": operator.eq, "!=": operator.ne}
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_FLIP = {">": "<", ">=": "<="}


def _accumulate(out: Poly, m: Mono, c: Fraction) -> None:
    y = out.get(m, 0) + c
    if y:
        out[m] = y
    else:
        out.pop(m, None)


def _padd(a: Poly, b: Poly) -> Poly:
    out = dict(a)
    for m, c in b.items():
        _accumulate(out, m, c)
    return out


def _pmul(a: Poly, b: Poly) -> Poly:
    out: Poly = {}
    for ma, ca in a.items():
        for mb, cb in b.items():
            _accumulate(out, tuple(sorted(ma + mb)), ca * cb)
    return out


def _const_of(p: Poly) -> Fraction | None:
    if not p:
        return Fraction(0)
    if len(p) == 1 and () in p:
        return p[()]
    return None


def _ratio(a: Poly, b: Poly) -> Fraction | None:
    """``q`` with ``a == q * b`` exactly, if there is one."""
    if set(a) != set(b) or not b:
        return None
    m0 = next(iter(b))
    q = a[m0] / b[m0]
    return q if all(a[m] == q * b[m] for m in b) else None


class Sym:
    """An exact value ``v`` and how it follows from the parameters: a polynomial ``p``
    over basis variables (fast, pure Python) or, once a floor or a division by a
    variable term appears, a Z3 term ``e``.

    ``inv``: for a capacity, its reciprocal as a polynomial, so ``work / capacity`` stays
    polynomial.
    """

    __slots__ = ("_e", "inv", "p", "v")

    def __init__(self, v: Fraction, p: Poly | None = None, *, e: z3.ArithRef | None = None,
                 inv: Sym | None = None) -> None:
        self.v = v
        self.p = p
        self._e = e
        self.inv = inv

    @property
    def e(self) -> z3.ArithRef:
        """The Z3 term (built on demand from the polynomial)."""
        if self._e is None:
            assert self.p is not None
            self._e = poly_term(self.p, _XS[-1])
        return self._e

    def __repr__(self) -> str:
        return f"Sym({self.v}: {self.p})" if self.p is not None else f"Sym({self.v}: {self._e})"

    # -- arithmetic -----------------------------------------------------------------------
    def __add__(self, o: Any) -> Sym:
        if isinstance(o, Sym):
            if self.p is not None and o.p is not None:
                return Sym(self.v + o.v, _padd(self.p, o.p))
            return Sym(self.v + o.v, e=self.e + o.e)
        q = _q(o)
        if self.p is not None:
            return Sym(self.v + q, _padd(self.p, {(): q}))
        return Sym(self.v + q, e=self.e + _real(q))

    __radd__ = __add__

    def __neg__(self) -> Sym:
        if self.p is not None:
            return Sym(-self.v, {m: -c for m, c in self.p.items()})
        return Sym(-self.v, e=-self.e)

    def __sub__(self, o: Any) -> Sym:
        return self + (-o if isinstance(o, Sym) else -_q(o))

    def __rsub__(self, o: Any) -> Sym:
        return (-self).__add__(o)

    def _scale(self, q: Fraction) -> Sym:
        if q == 0:
            return Sym(Fraction(0), {})
        if self.p is not None:
            return Sym(self.v * q, {m: c * q for m, c in self.p.items()})
        return Sym(self.v * q, e=self.e * _real(q))

    def __mul__(self, o: Any) -> Sym:
        if isinstance(o, Sym):
            if self.p is not None and o.p is not None:
                return Sym(self.v * o.v, _pmul(self.p, o.p))
            return Sym(self.v * o.v, e=self.e * o.e)
        return self._scale(_q(o))

    __rmul__ = __mul__

    def __truediv__(self, o: Any) -> Sym:
        if not isinstance(o, Sym):
            return self._scale(1 / _q(o))
        if o.inv is not None:
            return self * o.inv
        if o.p is not None:
            k = _const_of(o.p)
            if k is not None:
                return self._scale(1 / k)
            if self.p is not None:
                q = _ratio(self.p, o.p)
                if q is not None:
                    return Sym(self.v / o.v, {(): q} if q else {})
        return Sym(self.v / o.v, e=self.e / o.e)

    def __rtruediv__(self, o: Any) -> Sym:
        q = _q(o)
        if self.inv is not None:
            return self.inv._scale(q)
        if self.p is not None:
            k = _const_of(self.p)
            if k is not None:
                return Sym(q / self.v, {(): q / k})
        return Sym(q / self.v, e=_real(q) / self.e)

    def __floordiv__(self, o: Any) -> Sym:
        ov = o.v if isinstance(o, Sym) else _q(o)
        if not isinstance(o, Sym) and self.p is not None and ov != 0 and \
                all((c / ov).denominator == 1 for c in self.p.values()) and \
                not any(b.startswith("1/") for m in self.p for b in m):
            # Whole coefficients over whole parameters: the quotient is whole, exact.
            return self._scale(1 / ov)
        if isinstance(o, Sym) and self.p is not None and o.p is not None:
            q = _ratio(self.p, o.p)
            if q is not None and q.denominator == 1:
                return Sym(Fraction(self.v // ov), {(): q} if q else {})
        oe = o.e if isinstance(o, Sym) else _real(ov)
        return Sym(Fraction(self.v // ov), e=z3.ToReal(z3.ToInt(self.e / oe)))

    def __rfloordiv__(self, o: Any) -> Sym:
        q = _q(o)
        return Sym(Fraction(q // self.v), e=z3.ToReal(z3.ToInt(_real(q) / self.e)))

    def __pos__(self) -> Sym:
        return self

    # -- decisions: the exact answer, and the condition recorded ---------------------------
    def _decide(self, o: Any, op: str) -> bool:
        if isinstance(o, Sym):
            ov, op_poly = o.v, o.p
        else:
            ov, op_poly = _q(o), None
        r = bool(_CMP[op](self.v, ov))
        if self.p is not None and (op_poly is not None or not isinstance(o, Sym)):
            # The difference as a polynomial, without building intermediate objects.
            d = dict(self.p)
            if op_poly is not None:
                for m, c in op_poly.items():
                    _accumulate(d, m, -c)
            elif ov:
                _accumulate(d, (), -ov)
            if not d or (len(d) == 1 and () in d):
                return r  # a constant: nothing depends on the parameters
            rel = op if r else _NEGATE[op]
            if rel in (">", ">="):
                d, rel = {m: -c for m, c in d.items()}, _FLIP[rel]
            _pc().add_poly(rel, d)
            return r
        a, b = self.e, (o.e if isinstance(o, Sym) else _real(ov))
        c = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b,
             "!=": a != b}[op]
        _pc().add_z3(c if r else z3.Not(c))
        return r

    def __lt__(self, o: Any) -> bool:
        return self._decide(o, "<")

    def __le__(self, o: Any) -> bool:
        return self._decide(o, "<=")

    def __gt__(self, o: Any) -> bool:
        return self._decide(o, ">")

    def __ge__(self, o: Any) -> bool:
        return self._decide(o, ">=")

    def __eq__(self, o: object) -> bool:
        if not isinstance(o, (Sym, int, Fraction, float)):
            return False
        return self._decide(o, "==")

    def __ne__(self, o: object) -> bool:
        if not isinstance(o, (Sym, int, Fraction, float)):
            return True
        return self._decide(o, "!=")

    def __bool__(self) -> bool:
        return self._decide(0, "!=")

    __hash__ = None  # type: ignore[assignment]

    def __float__(self) -> float:
        return float(self.v)

    def __round__(self, ndigits: int | None = None) -> Any:
        return round(self.v, ndigits)

    def __int__(self) -> int:
        raise TypeError("int() of a symbolic number would decide without recording")


def _q(x: Any) -> Fraction:
    if type(x) is Fraction:
        return x
    if type(x) is int:
        return Fraction(x)
    if isinstance(x, bool):
        raise TypeError("a bool in symbolic arithmetic")
    if isinstance(x, (int, Fraction)):
        return Fraction(x)
    if isinstance(x, float):
        return Fraction(x)  # the exact binary value, as the plain simulator compares it
    raise TypeError(f"cannot mix {type(x).__name__} with a symbolic number")


def value(x: Any) -> Any:
    """The exact value of ``x`` (a :class:`Sym`'s witness value, anything else as is)."""
    return x.v if isinstance(x, Sym) else x


def evaluate(x: Any, point: Mapping[str, int], xs: Mapping[str, z3.ArithRef]) -> Any:
    """The value of ``x`` at another parameter ``point`` (plain numbers stay as they are)."""
    if not isinstance(x, Sym):
        return x
    if x.p is not None:
        out = Fraction(0)
        for mono, coef in x.p.items():
            t = coef
            for b in mono:
                t *= Fraction(1, point[b[2:]]) if b.startswith("1/") else Fraction(point[b])
            out += t
        return out
    assert x._e is not None
    subs = [(xs[k], z3.IntVal(v)) for k, v in point.items() if k in xs]
    r = z3.simplify(z3.substitute(x._e, *subs))
    if not z3.is_rational_value(r):
        raise ValueError(f"{x} does not evaluate to a number at {dict(point)}")
    return Fraction(r.as_fraction())
