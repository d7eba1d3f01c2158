"""The FSM proofs as an engine: the RFC 4271 §8 session FSM's properties, proved by Z3.

:func:`~bgpcascade.properties.fsm.proofs.check_all` proves each property of the FSM table
(induction, or bounded model checking up to a bound it names) and returns one
:class:`~bgpcascade.properties.verdict.Verdict` per property. :class:`FsmProofs` asks it
and answers with the one result type (:mod:`bgpcascade.properties.result`): the
verdicts are its ``detail``, the first violated one its counterexample (an event
sequence: the FSM has no zone).
"""

from __future__ import annotations

from ..result import Counterexample, Question, Result
from ..verdict import Verdict, status_of


class FsmProofs:
    """Engine ``fsm``. ``question.parameters``: ``timeout`` (seconds per solver query,
    default 60); ``only`` (names of the properties to prove, default all); ``table`` (the
    transitions to judge, default the model's own, ``bgpcascade.model.fsm.TABLE``). The
    question's zone, triggers and properties are not used: the subject is the FSM table."""

    name = "fsm"
    covers_ranges = False

    def check(self, question: Question) -> Result:
        """Prove the FSM properties; VIOLATED if one is violated, HOLDS if every one holds
        (a ``sometimes`` property with its witness), else UNKNOWN."""
        from bgpcascade.model.fsm import TABLE

        from ..fsm.proofs import check_all

        knobs = question.parameters
        only = knobs.get("only")
        verdicts: tuple[Verdict, ...] = tuple(check_all(
            timeout_s=float(knobs.get("timeout", 60.0)), table=knobs.get("table", TABLE),
            only=None if only is None else list(only)))
        status = status_of(verdicts)
        bad = next((v for v in verdicts if v.status == "VIOLATED"), None)
        cx = None if bad is None else Counterexample(
            "", "RFC 4271 §8 FSM table", (), {}, (bad.property,), events=bad.trace)
        unknown = [v.property for v in verdicts if not v.passed and v.status != "VIOLATED"]
        return Result(self.name, status,
                      {"properties": [v.property for v in verdicts],
                       "methods": {v.property: v.method for v in verdicts}},
                      cx if status == "VIOLATED" else None,
                      {"properties": len(verdicts)},
                      "; ".join(f"{v.property}: {v.method}" for v in verdicts),
                      f"not proved: {', '.join(unknown)}" if unknown else "", verdicts)
