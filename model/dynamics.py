"""Cascade dynamics over a whole zone: the simulator's public names.

The simulator lives in :mod:`bgpcascade.model.sim` (events, queues, sessions, RIBs,
measurements, the step function); this module keeps the names the CLI, the engines and
the tests import.
"""

from .sim import (
    BACKLOG_S,
    DEFAULT_LINK_DELAY,
    REASONS,
    ZERO,
    SessionEvent,
    Sim,
    Trigger,
    TriggerKind,
)

__all__ = ["BACKLOG_S", "DEFAULT_LINK_DELAY", "REASONS", "ZERO", "SessionEvent", "Sim",
           "Trigger", "TriggerKind"]
