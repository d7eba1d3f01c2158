"""bgpcascade: a formal model and property checker for BGP route-reflector deployments.

Public API (stable re-exports)::

    from bgpcascade import load_zone_file, Zone, analyse
"""

from __future__ import annotations

from bgpcascade.model.errors import InputError
from bgpcascade.model.topology import SessionGroup, SpeakerGroup, Timers, Zone
from bgpcascade.model.zonefile import load_zone

from .io import builtin_zone_path, load_zone_file

__version__ = "0.1.0"

__all__ = [
    "InputError",
    "SessionGroup",
    "SpeakerGroup",
    "Timers",
    "Zone",
    "__version__",
    "builtin_zone_path",
    "load_zone",
    "load_zone_file",
]
