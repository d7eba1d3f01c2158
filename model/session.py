"""The FSM configuration of one session end, from its speaker's profile and timers.

The simulator (:mod:`bgpcascade.model.sim`) runs one FSM per session end with this
configuration; the timer rules themselves are in :mod:`bgpcascade.model.fsm` and
:mod:`bgpcascade.model.rules`.
"""

from __future__ import annotations

from fractions import Fraction

from .fsm import Config as FsmConfig
from .fsm import PyConfig
from .profiles import Profile
from .topology import Timers


def session_config(profile: Profile, timers: Timers, *, delay_open: float = 0,
                   damp: bool = True) -> PyConfig:
    """The FSM configuration of one end, from its profile and the timers it proposes.

    HoldTimer in OpenSent: ``profile.open_hold`` (RFC 4271 §8.2.2 "large value", 4 min),
    or the configured hold when the profile says ``None`` (FRR). SendHoldTime: RFC 9687
    with the profile's factor and minimum. Idle hold backoff: the profile's
    ``idle_hold_initial`` doubling to ``idle_hold_max`` (DampPeerOscillations on).
    AllowAutomaticStart is on: a session that drops restarts by itself (RFC 4271 §8.1.1).
    """
    large = Fraction(str(profile.open_hold)) if profile.open_hold is not None else timers.hold
    return FsmConfig(
        hold_time=timers.hold, keepalive_time=timers.keepalive,
        connect_retry_time=timers.connect_retry, large_hold=large,
        delay_open=delay_open > 0, delay_open_time=Fraction(str(delay_open)),
        damp_peer_oscillations=damp, idle_hold_max=Fraction(str(profile.idle_hold_max)),
        send_hold_factor=Fraction(str(profile.send_hold_factor)),
        send_hold_min=Fraction(str(profile.send_hold_min)),
        allow_automatic_start=True, allow_automatic_stop=False,
        send_notification_without_open=False,
    )
