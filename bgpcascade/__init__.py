"""bgpcascade: a formal model and property checker for BGP route-reflector deployments.

Public API (stable re-exports)::

    from bgpcascade import load_zone_file, Zone, analyse
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

from bgpcascade.model.errors import InputError  # noqa: E402  (after __path__ set-up)
from bgpcascade.model.topology import SessionGroup, SpeakerGroup, Timers, Zone  # noqa: E402
from bgpcascade.model.zonefile import load_zone  # noqa: E402

from .io import builtin_zone_path, load_zone_file  # noqa: E402

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
