"""Time as a dimension of a run: timer phases, jitter and cohorts, drawn from one seed.

A real fleet is not in lockstep. Each BGP session was established at its own moment, so
its KeepaliveTimer fires at its own phase of the cycle; RFC 4271 §10 asks that the
ConnectRetryTimer and the KeepaliveTimer (and MRAI, MinASOriginationInterval) be
"jittered" by a random factor uniform in [0.75, 1.0], picked anew each time the timer is
set; and an implementation may jitter other timers too (BIRD its hold timer, FRR and
GoBGP their restart timers: docs/implementations.md, "Timers and jitter").

:class:`Timing` says how a run draws these numbers:

- ``seed``: every draw is a pure function of the seed and of what it is for (the session,
  the end, the timer, how many times that timer was set before), so the same zone,
  triggers and seed give byte-identical runs, in any process, on any machine
  (:func:`unit` hashes with BLAKE2b; Python's own ``hash`` is salted per process).
- ``phases``: ``spread`` gives each session end its own KeepaliveTimer phase in the
  cycle (and the hold and send-hold deadlines that follow from it at rest) and draws the
  jitter of every timer its implementation jitters (:attr:`Profile.jitter
  <bgpcascade.model.profiles.Profile.jitter>`); ``aligned`` starts every session in
  phase at t = 0 and jitters nothing, the behaviour of versions before phases existed
  (for old traces).
- ``cohorts``: how many lockstep cohorts a symmetry group of speakers is split into
  (each cohort has its own phases and draws); ``None`` is the default chosen by
  measurement (:data:`DEFAULT_COHORTS`, docs/model.md "Cohorts"), ``0`` one cohort per
  speaker (explicit).

The draws are exact: a factor is a multiple of 1/1000 (:data:`RESOLUTION`), so the
simulator's clock stays an exact rational.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, get_args

Phases = Literal["spread", "aligned"]
PHASES_VALUES: tuple[str, ...] = get_args(Phases)

#: The seed a run uses when none is given (documented in docs/cli.md).
DEFAULT_SEED = 1
#: Cohorts per symmetry group by default: the smallest K whose verdicts, first reset
#: times and isolation peaks agree with explicit runs on the ladder in docs/model.md.
DEFAULT_COHORTS = 4
#: Draws are multiples of this fraction of their range.
RESOLUTION = 1000
#: RFC 4271 §10: jitter multiplies a timer by a factor uniform in [0.75, 1.0].
RFC_JITTER_LOW = Fraction(3, 4)


def unit(seed: int, *labels: object) -> Fraction:
    """A number in [0, 1), a multiple of 1/:data:`RESOLUTION`, that depends only on
    ``seed`` and ``labels`` (a deterministic stand-in for a uniform draw)."""
    text = "\x1f".join([str(seed), *(str(x) for x in labels)]).encode()
    digest = hashlib.blake2b(text, digest_size=8).digest()
    return Fraction(int.from_bytes(digest, "big") % RESOLUTION, RESOLUTION)


@dataclass(frozen=True)
class Timing:
    """How a run places its timers in time (module docstring)."""

    seed: int = DEFAULT_SEED
    phases: Phases = "spread"
    cohorts: int | None = None

    @classmethod
    def lockstep(cls) -> Timing:
        """Every session in phase, every symmetry group one cohort, no jitter draws
        beyond the seed's (the behaviour before phases existed)."""
        return cls(seed=DEFAULT_SEED, phases="aligned", cohorts=1)

    @property
    def spread(self) -> bool:
        """Sessions have their own phases (else all start in phase at t = 0)."""
        return self.phases == "spread"

    @property
    def k(self) -> int:
        """Cohorts per symmetry group: 0 for one per speaker (explicit)."""
        return DEFAULT_COHORTS if self.cohorts is None else self.cohorts

    def phase(self, session: str, end: str) -> Fraction:
        """Where in its KeepaliveTimer cycle ``end`` of ``session`` is at t = 0, as a
        fraction of the cycle in [0, 1) (0 when phases are aligned)."""
        return unit(self.seed, "phase", session, end) if self.spread else Fraction(0)

    def jitter(self, session: str, end: str, timer: str, n: int,
               low: Fraction = RFC_JITTER_LOW, high: Fraction = Fraction(1)) -> Fraction:
        """The factor in [``low``, ``high``] the ``n``-th setting of ``timer`` at ``end``
        of ``session`` is multiplied by (RFC 4271 §10: a new value each time the timer is
        set). Aligned phases draw nothing: every factor is 1, as before phases existed."""
        if not self.spread:
            return Fraction(1)
        u = unit(self.seed, "jitter", session, end, timer, n)
        return high - (high - low) * u

    def to_json(self) -> dict[str, object]:
        """What a trace records to replay the run exactly."""
        return {"seed": self.seed, "phases": self.phases, "cohorts": self.k}
