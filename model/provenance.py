"""Where each number of a profile comes from: its provenance kind.

Every field of a built-in profile (:mod:`bgpcascade.model.profiles`) has one of:

- ``measured``: measured in this project's FRR lab (docs/validation.md,
  docs/calibration.md);
- ``source``: read from the daemon's source code or documentation, or an RFC;
- ``benchmark``: taken from a public benchmark (bgperf2, docs/implementations.md,
  "Processing rates from public sources");
- ``assumed``: an estimate, a value chosen to tell a story, or a field with no source at
  all;
- ``zone file``: the zone file overrides it (``Profile.overridden`` records
  ``"zone file"`` as its source).

The kind is derived from the profile's ``sources`` string for the field (a field without
one is ``assumed``): the words that mark each kind are below (:data:`MARKERS`). A string
that carries the marks of more than one kind takes the weakest of them (``assumed``,
then ``benchmark``, ``measured``, ``source``), so that an unclear string never claims
more than it shows; :data:`EXPLICIT` settles the strings whose words mislead, by
profile and field. docs/implementations.md, "Provenance of the profiles' numbers",
lists the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Literal

from .profiles import BUILTIN_PROFILES, Profile

Provenance = Literal["measured", "source", "benchmark", "assumed", "zone file"]
#: The kinds, weakest first (an ambiguous string takes the first that it marks).
KINDS: tuple[Provenance, ...] = ("zone file", "assumed", "benchmark", "measured", "source")

#: Lower-case words in a source string that mark each kind.
MARKERS: Mapping[Provenance, tuple[str, ...]] = {
    "zone file": ("zone file",),
    "assumed": ("assumed", "estimate", "calibrated to the incident", "no published"),
    "benchmark": ("bgperf2", "benchmark"),
    "measured": ("frr lab", "the lab", "measured", "validation.md", "calibration.md",
                 "calibrate --frr"),
    "source": ("docs/implementations.md", "bgpd/", "proto/", "pkg/", "usr.sbin/", "rfc",
               "documentation"),
}

#: Fields that describe a profile rather than a number of it: no provenance.
NOT_NUMBERS = frozenset({"name", "implementation", "description", "sources"})

#: Strings whose words mislead, settled by hand: (profile, field) -> kind, and why.
EXPLICIT: Mapping[tuple[str, str], tuple[Provenance, str]] = {
    # "FRR bgpd/bgp_updgrp.h ...; seen in the lab": the numbers are the source's macros;
    # the lab only saw the wait (docs/validation.md, discrepancy 6).
    ("frr", "coalesce_time"): ("source", "the macros of bgpd/bgp_updgrp.h; the lab saw it"),
    # "legacy stack predates RFC 9687": an inference about a stack nobody can read.
    ("appliance", "send_hold_factor"): ("assumed", "inferred from the stack's age"),
}


def classify(text: str | None) -> Provenance:
    """The provenance kind a source string marks (see the module doc): ``assumed`` for
    no string, or one that marks no kind."""
    if not text:
        return "assumed"
    low = text.lower()
    for kind in KINDS:
        if any(word in low for word in MARKERS[kind]):
            return kind
    return "assumed"


def number_fields() -> tuple[str, ...]:
    """The fields of :class:`Profile` that hold a number or a switch (in its order)."""
    return tuple(f.name for f in fields(Profile) if f.name not in NOT_NUMBERS)


def _builtin_root(profile: Profile) -> str | None:
    """The built-in profile whose strings ``profile`` carries (a zone's profile keeps
    its base's ``sources``): the built-in of the same implementation."""
    return profile.implementation if profile.implementation in BUILTIN_PROFILES else None


def field_provenance(profile: Profile, fld: str) -> Provenance:
    """The provenance kind of ``profile.<fld>`` (``zone file`` when a zone overrides
    it)."""
    text = profile.sources.get(fld)
    if text == "zone file":
        return "zone file"
    root = _builtin_root(profile)
    if root is not None and text == BUILTIN_PROFILES[root].sources.get(fld) and \
            (root, fld) in EXPLICIT:
        return EXPLICIT[(root, fld)][0]
    return classify(text)


def profile_provenance(profile: Profile) -> dict[str, Provenance]:
    """Every number field of ``profile`` and its provenance kind."""
    return {f: field_provenance(profile, f) for f in number_fields()}


def builtin_provenance() -> dict[str, dict[str, Provenance]]:
    """Every built-in profile's fields and their provenance kinds."""
    return {name: profile_provenance(p) for name, p in BUILTIN_PROFILES.items()}
