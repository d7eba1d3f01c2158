"""Public names that load their module on first use (PEP 562), for package ``__init__``s.

A package lists ``{name: module}`` and defines two one-line module functions::

    def __getattr__(name: str) -> object:
        return lazy_attribute(__name__, _EXPORTS, globals(), name)

    def __dir__() -> list[str]:
        return lazy_dir(_EXPORTS, globals())

so that importing one layer (``bgpcascade.model.fsm``, say) does not load what the
package re-exports from the others (the zone loader's pydantic and YAML, the engines).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any


def lazy_attribute(package: str, exports: Mapping[str, str], namespace: dict[str, Any],
                   name: str) -> object:
    """``name`` from its module (absolute, or relative to ``package``), kept in
    ``namespace`` so the next lookup is a plain attribute; AttributeError for a name the
    package does not export."""
    module = exports.get(name)
    if module is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, package), name)
    namespace[name] = value
    return value


def lazy_dir(exports: Mapping[str, str], namespace: Mapping[str, Any]) -> list[str]:
    """What ``dir(package)`` shows: its own names and the lazy ones."""
    return sorted([*namespace, *exports])
