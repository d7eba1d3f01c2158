"""Parsing the CLI's trigger syntax into :class:`~bgpcascade.model.dynamics.Trigger`.

``--flap A~B@T``, ``--spike SPEAKER:WORK@T``, ``--restart SPEAKER@T``,
``--pause SPEAKER:SECONDS@T``, ``--clear A~B@T`` (times, work and seconds as decimals);
every problem is one :class:`InputError` line naming the flag, the value and what is
allowed.
"""

from __future__ import annotations

from fractions import Fraction

from bgpcascade.model.dynamics import Trigger
from bgpcascade.model.errors import InputError
from bgpcascade.model.topology import Zone


def _number(text: str, flag: str, whole: str, what: str) -> Fraction:
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise InputError(f"{whole!r}: {what} {text!r} is not a number", field=flag,
                         allowed="a decimal number, e.g. 30 or 2.5") from None
    if value < 0:
        raise InputError(f"{whole!r}: {what} {text} is negative", field=flag,
                         allowed=">= 0")
    return value


def _speaker(zone: Zone, name: str, flag: str, whole: str) -> str:
    if zone.locate(name) is None:
        raise InputError(f"{whole!r}: no speaker {name!r} in zone {zone.name}", field=flag,
                         allowed="a speaker name, e.g. spine1, a-rr1, a-c17")
    return name


def parse_flap(zone: Zone, text: str, down_for: Fraction = Fraction(0)) -> Trigger:
    """``A~B@T``: the session between A and B goes down at T."""
    a, b, t = _session_time(zone, text, "--flap")
    return Trigger("flap", t, a, b, down_for=down_for)


def parse_clear(zone: Zone, text: str) -> Trigger:
    """``A~B@T``: at T an operator runs ``clear bgp B`` on A (A resets the session)."""
    a, b, t = _session_time(zone, text, "--clear")
    return Trigger("clear", t, a, b)


def _session_time(zone: Zone, text: str, flag: str) -> tuple[str, str, Fraction]:
    """``A~B@T`` -> (A, B, T): two speakers of the zone that peer, and a time."""
    if "@" not in text or "~" not in text.split("@", 1)[0]:
        raise InputError(f"{text!r} is not a session and time", field=flag,
                         allowed="A~B@T, e.g. spine1~a-rr1@30")
    pair, t = text.rsplit("@", 1)
    a, b = (x.strip() for x in pair.split("~", 1))
    _speaker(zone, a, flag, text)
    _speaker(zone, b, flag, text)
    la, lb = zone.locate(a), zone.locate(b)
    assert la is not None and lb is not None
    if a == b or not any({s.a, s.b} == {la[0], lb[0]} for s in zone.sessions):
        raise InputError(f"{text!r}: {a} and {b} have no session", field=flag,
                         allowed="two speakers that peer (see `bgpcascade show`)")
    return a, b, _number(t, flag, text, "time")


def _speaker_amount_time(zone: Zone, text: str, flag: str, what: str,
                         form: str) -> tuple[str, Fraction, Fraction]:
    """``SPEAKER:AMOUNT@T`` -> (speaker, amount > 0, time)."""
    if "@" not in text or ":" not in text.split("@", 1)[0]:
        raise InputError(f"{text!r} is not a speaker, {what} and time", field=flag,
                         allowed=form)
    head, t = text.rsplit("@", 1)
    name, amount = head.rsplit(":", 1)
    _speaker(zone, name.strip(), flag, text)
    value = _number(amount, flag, text, what)
    if value == 0:
        raise InputError(f"{text!r}: {what} 0", field=flag, allowed=f"{what} > 0")
    return name.strip(), value, _number(t, flag, text, "time")


def parse_spike(zone: Zone, text: str) -> Trigger:
    """``SPEAKER:WORK@T``: WORK units arrive at SPEAKER at T."""
    name, work, t = _speaker_amount_time(zone, text, "--spike", "work",
                                         "SPEAKER:WORK@T, e.g. a-rr1:500000@30")
    return Trigger("spike", t, name, work=work)


def parse_restart(zone: Zone, text: str) -> Trigger:
    """``SPEAKER@T``: SPEAKER's process restarts at T."""
    flag = "--restart"
    if "@" not in text:
        raise InputError(f"{text!r} is not a speaker and time", field=flag,
                         allowed="SPEAKER@T, e.g. a-rr1@30")
    name, t = text.rsplit("@", 1)
    _speaker(zone, name.strip(), flag, text)
    return Trigger("restart", _number(t, flag, text, "time"), name.strip())


def parse_pause(zone: Zone, text: str) -> Trigger:
    """``SPEAKER:SECONDS@T``: SPEAKER's process is frozen from T for SECONDS (SIGSTOP)."""
    name, seconds, t = _speaker_amount_time(zone, text, "--pause", "seconds",
                                            "SPEAKER:SECONDS@T, e.g. rr1:5@10")
    return Trigger("pause", t, name, down_for=seconds)


def check_trigger(zone: Zone, trig: Trigger, *, source: str | None = None) -> None:
    """A trigger read from a trace, held to what the flags would accept: its speakers in
    the zone, a flap or a clear on a session that exists, a spike's work and a pause's
    length > 0."""
    flag = f"--{trig.kind}"
    for name in (trig.a, trig.b):
        if name is not None and zone.locate(str(name)) is None:
            raise InputError(f"{trig.kind} at {name!r}: no such speaker in zone {zone.name}",
                             source=source, field=flag, allowed="a speaker of the zone")
    if trig.kind in ("flap", "clear"):
        la, lb = zone.locate(trig.a), zone.locate(trig.b) if trig.b else None
        if la is None or lb is None or trig.a == trig.b or not any(
                {s.a, s.b} == {la[0], lb[0]} for s in zone.sessions):
            raise InputError(f"{trig.kind} {trig.a}~{trig.b}: no such session",
                             source=source, field=flag, allowed="two speakers that peer")
    if trig.kind == "spike" and not trig.work > 0:
        raise InputError(f"spike work {float(trig.work):g}", source=source, field=flag,
                         allowed="work units > 0")
    if trig.kind == "pause" and not trig.down_for > 0:
        raise InputError(f"pause of {float(trig.down_for):g} s", source=source, field=flag,
                         allowed="seconds > 0")
