"""bgpcascade: a formal model and property checker for BGP route-reflector deployments.

Public API (stable re-exports, loaded on first use)::

    from bgpcascade import load_zone_file, load_zone, Zone, InputError
"""

from __future__ import annotations

from pathlib import Path as _Path

# In a source checkout, model/, properties/ and diagrams/ sit beside this package; the
# build maps them under it (pyproject.toml, package-dir). When Python finds this directory
# first (``python -m bgpcascade`` or ``python -m pytest`` run from the checkout root), let
# ``bgpcascade.model`` resolve to ../model the same way. Installed copies are untouched.
_here = _Path(__file__).absolute().parent
if not (_here / "model").is_dir() and (_here.parent / "model" / "__init__.py").is_file() \
        and (_here.parent / "pyproject.toml").is_file():
    __path__.append(str(_here.parent))

__version__ = "0.1.0"

# The re-exports load lazily (PEP 562), so that importing one layer (say
# ``bgpcascade.model.fsm``) does not pull in the zone loader's pydantic and YAML.
from ._lazy import lazy_attribute, lazy_dir  # noqa: E402  (after __path__ set-up)

_EXPORTS = {
    "InputError": "bgpcascade.model.errors",
    "SessionGroup": "bgpcascade.model.topology",
    "SpeakerGroup": "bgpcascade.model.topology",
    "Timers": "bgpcascade.model.topology",
    "Zone": "bgpcascade.model.topology",
    "load_zone": "bgpcascade.model.zonefile",
    "builtin_zone_path": "bgpcascade.io",
    "load_zone_file": "bgpcascade.io",
}


def __getattr__(name: str) -> object:
    """Load a public name's module on first use (PEP 562)."""
    return lazy_attribute(__name__, _EXPORTS, globals(), name)


def __dir__() -> list[str]:
    return lazy_dir(_EXPORTS, globals())


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
